/* common/hist: see hist.h. */
#include "common/hist.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* 50 us .. 10 s: the feed's receive -> stored is sub-millisecond, a wave's
 * due -> orders accepted is tens of milliseconds, fill -> stop confirmed
 * can take seconds when the exchange is slow. */
const double hean_hist_bounds_ms[HEAN_HIST_NB] = {
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
};

void hean_hist_observe(struct hean_hist *h, double ms)
{
	if (!(ms > 0)) /* NaN and negatives */
		ms = 0;
	h->count++;
	h->sum_ms += ms;
	for (int i = 0; i < HEAN_HIST_NB; i++) {
		if (ms <= hean_hist_bounds_ms[i]) {
			h->le[i]++;
			break;
		}
	}
}

int hean_hist_format(const struct hean_hist *h, char *buf, size_t len)
{
	uint64_t cum = 0;
	int n;
	size_t off;

	if (len == 0)
		return -1;
	n = snprintf(buf, len, "%" PRIu64 " %.3f", h->count, h->sum_ms);
	if (n < 0 || (size_t)n >= len)
		goto toolong;
	off = (size_t)n;
	for (int i = 0; i < HEAN_HIST_NB; i++) {
		cum += h->le[i];
		n = snprintf(buf + off, len - off, " %" PRIu64, cum);
		if (n < 0 || (size_t)n >= len - off)
			goto toolong;
		off += (size_t)n;
	}
	return (int)off;
toolong:
	buf[0] = '\0';
	return -1;
}

static int parse_u64(const char **p, uint64_t *out)
{
	char *end;
	unsigned long long v;

	while (**p == ' ')
		(*p)++;
	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	v = strtoull(*p, &end, 10);
	if (errno != 0 || (*end != ' ' && *end != '\0'))
		return -1;
	*out = (uint64_t)v;
	*p = end;
	return 0;
}

int hean_hist_parse(const char *s, uint64_t *count, double *sum_ms, uint64_t cum[HEAN_HIST_NB])
{
	const char *p = s;
	char *end;
	uint64_t prev = 0;

	if (!s || parse_u64(&p, count) != 0)
		return -1;
	while (*p == ' ')
		p++;
	if ((*p < '0' || *p > '9'))
		return -1;
	errno = 0;
	*sum_ms = strtod(p, &end);
	if (errno != 0 || end == p || (*end != ' ' && *end != '\0') || !isfinite(*sum_ms))
		return -1;
	p = end;
	for (int i = 0; i < HEAN_HIST_NB; i++) {
		if (parse_u64(&p, &cum[i]) != 0 || cum[i] < prev)
			return -1;
		prev = cum[i];
	}
	while (*p == ' ')
		p++;
	if (*p != '\0' || prev > *count)
		return -1;
	return 0;
}
