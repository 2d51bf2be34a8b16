/* tests/sim/sigsim_gen: see sigsim_gen.h. */
#include "tests/sim/sigsim_gen.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

int sigsim_gen_set_symbols(struct sigsim_gen *g, const char *csv)
{
	int n = 0;
	const char *p = csv;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len < 2 || len > 20 || n >= SIGSIM_MAX_SYMBOLS)
			return -EINVAL;
		for (size_t i = 0; i < len; i++) {
			char c = p[i];
			if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
				return -EINVAL;
		}
		memcpy(g->symbols[n], p, len);
		g->symbols[n][len] = '\0';
		n++;
		p += len;
		if (*p == ',')
			p++;
	}
	if (n == 0)
		return -EINVAL;
	g->nsym = n;
	return 0;
}

int64_t sigsim_gen_id(int64_t wave, int idx)
{
	return wave * 64 + idx;
}

void sigsim_gen_signal(const struct sigsim_gen *g, int64_t wave, int idx,
		       struct sigsim_sig *out)
{
	uint64_t hw = splitmix64(g->seed ^ splitmix64((uint64_t)wave));
	uint64_t h = splitmix64(hw + (uint64_t)idx + 1);
	int64_t delay = g->push_delay_s > 0 ? g->push_delay_s : 1;

	memset(out, 0, sizeof(*out));
	out->id = sigsim_gen_id(wave, idx);
	out->wave = wave;
	/* Distinct symbols inside a wave while per_wave <= nsym. */
	snprintf(out->symbol, sizeof(out->symbol), "%s",
		 g->symbols[(hw % (uint64_t)g->nsym + (uint64_t)idx) % (uint64_t)g->nsym]);
	sigsim_iso(wave, 0, out->wave_ts, sizeof(out->wave_ts));
	sigsim_iso(wave + g->interval_s + (int64_t)((h >> 8) % (uint64_t)delay), 0,
		   out->created_at, sizeof(out->created_at));
	out->sell = (h & 1) != 0;
	out->score_week = 50.0 + (double)((h >> 16) % 500) / 10.0;
	out->score_month = 40.0 + (double)((h >> 32) % 600) / 10.0;
}

void sigsim_buf_init(struct sigsim_buf *b, size_t headroom, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->headroom = headroom;
	b->max = max;
}

void sigsim_buf_finish(struct sigsim_buf *b)
{
	free(b->mem);
	b->mem = NULL;
	b->len = b->cap = 0;
}

static bool buf_reserve(struct sigsim_buf *b, size_t n)
{
	if (b->err)
		return false;
	if (b->len + n + 1 > b->max) {
		b->err = true;
		return false;
	}
	if (b->len + n + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap < b->len + n + 1)
		cap *= 2;
	if (cap > b->max)
		cap = b->max;
	char *m = realloc(b->mem, b->headroom + cap);
	if (!m) {
		b->err = true;
		return false;
	}
	b->mem = m;
	b->cap = cap;
	return true;
}

void sigsim_buf_add(struct sigsim_buf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	memcpy(b->mem + b->headroom + b->len, s, n);
	b->len += n;
	b->mem[b->headroom + b->len] = '\0';
}

void sigsim_buf_puts(struct sigsim_buf *b, const char *s)
{
	sigsim_buf_add(b, s, strlen(s));
}

void sigsim_buf_printf(struct sigsim_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->err = true;
		return;
	}
	sigsim_buf_add(b, tmp, (size_t)n);
}

char *sigsim_buf_text(struct sigsim_buf *b)
{
	if (!b->mem && !buf_reserve(b, 0))
		return NULL;
	if (!b->mem)
		return NULL;
	b->mem[b->headroom + b->len] = '\0';
	return b->mem + b->headroom;
}

void sigsim_render_sig(struct sigsim_buf *b, const struct sigsim_sig *s,
		       const struct sigsim_render_opts *o)
{
	static const struct sigsim_render_opts none;
	char num[64];

	if (!o)
		o = &none;
	sigsim_buf_printf(b, "{\"id\":%lld,\"symbol\":\"%s\",\"exchange\":\"bybit\"",
			  (long long)s->id, s->symbol);
	if (!o->omit_wave_ts)
		sigsim_buf_printf(b, ",\"wave_ts\":\"%s\"", s->wave_ts);
	if (!o->omit_side)
		sigsim_buf_printf(b, ",\"side\":\"%s\"",
				  o->side ? o->side : (s->sell ? "sell" : "buy"));
	if (o->week_raw)
		snprintf(num, sizeof(num), "%s", o->week_raw);
	else
		snprintf(num, sizeof(num), "%.1f", s->score_week);
	sigsim_buf_printf(b, ",\"score_week\":%s", num);
	if (o->month_raw)
		snprintf(num, sizeof(num), "%s", o->month_raw);
	else
		snprintf(num, sizeof(num), "%.1f", s->score_month);
	sigsim_buf_printf(b, ",\"score_month\":%s,\"created_at\":\"%s\"}", num, s->created_at);
}

void sigsim_iso(int64_t epoch_s, int offset_s, char *buf, size_t len)
{
	time_t t = (time_t)(epoch_s + offset_s);
	struct tm tm;
	int off = offset_s < 0 ? -offset_s : offset_s;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 offset_s < 0 ? '-' : '+', off / 3600, (off / 60) % 60);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int sigsim_parse_iso(const char *s, int64_t *epoch_s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	size_t len = strlen(s);

	if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		return -EINVAL;
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || se < 0 || se > 59)
		return -EINVAL;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return -EINVAL;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	int off = 0;
	if (*p == 'Z' && p[1] == '\0') {
		off = 0;
	} else if (*p == '+' || *p == '-' || *p == ' ') {
		int sign = *p == '-' ? -1 : 1;
		int oh = digits(p + 1, 2), om;
		if (oh < 0)
			return -EINVAL;
		if (p[3] == ':' && strlen(p) == 6)
			om = digits(p + 4, 2);
		else if (strlen(p) == 5)
			om = digits(p + 3, 2);
		else
			return -EINVAL;
		if (om < 0 || om > 59 || oh > 18)
			return -EINVAL;
		off = sign * (oh * 3600 + om * 60);
	} else {
		return -EINVAL;
	}
	*epoch_s = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
		   se - off;
	return 0;
}

static size_t id_slot(int64_t id, size_t cap)
{
	return (size_t)(splitmix64((uint64_t)id) & (cap - 1));
}

void sigsim_idset_finish(struct sigsim_idset *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

bool sigsim_idset_has(const struct sigsim_idset *s, int64_t id)
{
	if (!s->cap)
		return false;
	for (size_t i = id_slot(id, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (s->slots[i] == id)
			return true;
		if (s->slots[i] == 0)
			return false;
	}
}

int sigsim_idset_add(struct sigsim_idset *s, int64_t id)
{
	if (sigsim_idset_has(s, id))
		return 0;
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		int64_t *slots = calloc(cap, sizeof(*slots));
		if (!slots)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->slots[i])
				continue;
			size_t j = id_slot(s->slots[i], cap);
			while (slots[j])
				j = (j + 1) & (cap - 1);
			slots[j] = s->slots[i];
		}
		free(s->slots);
		s->slots = slots;
		s->cap = cap;
	}
	size_t i = id_slot(id, s->cap);
	while (s->slots[i])
		i = (i + 1) & (s->cap - 1);
	s->slots[i] = id;
	s->n++;
	return 1;
}
