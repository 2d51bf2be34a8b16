/* common/timeutil: UTC epoch arithmetic and ISO 8601.
 *
 * All arithmetic goes through days_from_civil / civil_from_days (Howard
 * Hinnant's algorithms), never through mktime/localtime. Local time is used
 * in exactly one place, hean_time_format_local(), which prints the offset. */
#include "common/timeutil.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in epoch seconds. */
#define UTC_MIN_S (-62135596800LL)
#define UTC_MAX_S (253402300799LL)

#define MAX_OFFSET_S (18 * 3600)

/* ===================== clock ===================== */

/* Wall clock in ms since the epoch (CLOCK_REALTIME). */
int64_t hean_time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wall clock in µs since the epoch (CLOCK_REALTIME). */
int64_t hean_time_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Monotonic clock in µs (CLOCK_MONOTONIC). */
int64_t hean_time_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ===================== civil calendar ===================== */

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d. Pure. */
int64_t hean_time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

/* Inverse of hean_time_days_from_civil. Pure. */
void hean_time_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	unsigned doe = (unsigned)(days - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned dd = doy - (153 * mp + 2) / 5 + 1;
	unsigned mm = mp < 10 ? mp + 3 : mp - 9;

	*y = (int64_t)yoe + era * 400 + (mm <= 2);
	*m = mm;
	*d = dd;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && is_leap(y)) {
		return 29;
	}
	return dim[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0))) {
		q--;
	}
	return q;
}

/* ===================== parse ===================== */

/* Reads exactly n digits at s[*i]; advances *i. */
static int digits(const char *s, size_t len, size_t *i, unsigned n, unsigned *out)
{
	unsigned v = 0;

	if (*i + n > len) {
		return -EINVAL;
	}
	for (unsigned k = 0; k < n; k++) {
		char c = s[*i + k];

		if (c < '0' || c > '9') {
			return -EINVAL;
		}
		v = v * 10 + (unsigned)(c - '0');
	}
	*i += n;
	*out = v;
	return 0;
}

static int expect(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c) {
		return -EINVAL;
	}
	(*i)++;
	return 0;
}

static int parse_offset(const char *s, size_t len, size_t *i, int *off)
{
	unsigned oh, om;
	int sign;

	if (*i >= len) {
		return -EINVAL; /* no offset: ambiguous, rejected */
	}
	if (s[*i] == 'Z') {
		(*i)++;
		*off = 0;
		return 0;
	}
	if (s[*i] == '+') {
		sign = 1;
	} else if (s[*i] == '-') {
		sign = -1;
	} else {
		return -EINVAL;
	}
	(*i)++;
	if (digits(s, len, i, 2, &oh) < 0) {
		return -EINVAL;
	}
	if (*i < len && s[*i] == ':') {
		(*i)++;
	}
	if (digits(s, len, i, 2, &om) < 0 || om > 59) {
		return -EINVAL;
	}
	*off = sign * (int)(oh * 3600 + om * 60);
	if (*off > MAX_OFFSET_S || *off < -MAX_OFFSET_S) {
		return -EINVAL;
	}
	return 0;
}

/* Parses YYYY-MM-DD(T| )HH:MM:SS[.f{1,9}](Z|±HH:MM|±HHMM) of exactly len
 * bytes. Stores UTC epoch ms and the offset east of UTC in seconds.
 * Returns 0 or -EINVAL. */
int hean_time_parse_iso8601(const char *s, size_t len, int64_t *epoch_ms, int *offset_s)
{
	unsigned y, mo, d, h, mi, sec, ms = 0;
	size_t i = 0;
	int off = 0;

	if (!s || !epoch_ms) {
		return -EINVAL;
	}
	if (digits(s, len, &i, 4, &y) < 0 || expect(s, len, &i, '-') < 0 ||
	    digits(s, len, &i, 2, &mo) < 0 || expect(s, len, &i, '-') < 0 ||
	    digits(s, len, &i, 2, &d) < 0) {
		return -EINVAL;
	}
	if (i >= len || (s[i] != 'T' && s[i] != ' ')) {
		return -EINVAL;
	}
	i++;
	if (digits(s, len, &i, 2, &h) < 0 || expect(s, len, &i, ':') < 0 ||
	    digits(s, len, &i, 2, &mi) < 0 || expect(s, len, &i, ':') < 0 ||
	    digits(s, len, &i, 2, &sec) < 0) {
		return -EINVAL;
	}
	if (i < len && s[i] == '.') {
		unsigned nd = 0;

		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (nd < 3) {
				ms = ms * 10 + (unsigned)(s[i] - '0');
			}
			nd++;
			i++;
		}
		if (nd == 0 || nd > 9) {
			return -EINVAL;
		}
		for (unsigned k = nd; k < 3; k++) {
			ms *= 10;
		}
	}
	if (parse_offset(s, len, &i, &off) < 0 || i != len) {
		return -EINVAL;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    sec > 59) {
		return -EINVAL;
	}
	int64_t days = hean_time_days_from_civil(y, mo, d);
	int64_t t = days * 86400 + h * 3600 + mi * 60 + sec - off;

	/* The UTC instant must itself be a 4-digit year (0001..9999), so that
	 * every accepted time formats back to a string this parser accepts
	 * (signals normalises wave_ts through exactly that round trip). */
	if (t < UTC_MIN_S || t > UTC_MAX_S) {
		return -EINVAL;
	}
	*epoch_ms = t * 1000 + ms;
	if (offset_s) {
		*offset_s = off;
	}
	return 0;
}

/* ===================== format ===================== */

static size_t put(char *buf, size_t len, int n)
{
	if (n < 0) {
		if (len > 0) {
			buf[0] = '\0';
		}
		return 0;
	}
	if ((size_t)n >= len) {
		return len > 0 ? len - 1 : 0;
	}
	return (size_t)n;
}

/* Formats epoch_ms as UTC with "+00:00". Returns the length written; buf is
 * always NUL-terminated when len > 0 (truncated if too small). */
size_t hean_time_format_utc(int64_t epoch_ms, int with_ms, char *buf, size_t len)
{
	int64_t secs = floor_div(epoch_ms, 1000);
	int64_t ms = epoch_ms - secs * 1000;
	int64_t days = floor_div(secs, 86400);
	int64_t sod = secs - days * 86400;
	int64_t y;
	unsigned m, d;
	int n;

	hean_time_civil_from_days(days, &y, &m, &d);
	if (with_ms) {
		n = snprintf(buf, len, "%04lld-%02u-%02uT%02d:%02d:%02d.%03d+00:00", (long long)y,
			     m, d, (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60), (int)ms);
	} else {
		n = snprintf(buf, len, "%04lld-%02u-%02uT%02d:%02d:%02d+00:00", (long long)y, m, d,
			     (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	}
	return put(buf, len, n);
}

/* Formats epoch_ms in the local zone (TZ) with its explicit offset, for
 * operators. Never used for arithmetic. Returns the length written. */
size_t hean_time_format_local(int64_t epoch_ms, char *buf, size_t len)
{
	time_t secs = (time_t)floor_div(epoch_ms, 1000);
	struct tm tm;
	long off;
	char sign = '+';
	int n;

	if (!localtime_r(&secs, &tm)) {
		return hean_time_format_utc(epoch_ms, 0, buf, len);
	}
	off = tm.tm_gmtoff;
	if (off < 0) {
		sign = '-';
		off = -off;
	}
	n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 3600,
		     off / 60 % 60);
	return put(buf, len, n);
}
