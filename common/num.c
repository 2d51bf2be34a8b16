/* common/num: strict, locale-independent parsing of decimals and integers
 * sent as text (Bybit prices, Redis fields, ids). See num.h. */
#include "common/num.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEC_MAX 128 /* longest decimal text accepted */

/* ===================== numbers ===================== */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Validates -?D+(.D+)?([eE][+-]?D+)? over exactly len bytes. */
static bool decimal_grammar(const char *s, size_t len)
{
	size_t i = 0, n;

	if (i < len && s[i] == '-') {
		i++;
	}
	for (n = 0; i < len && is_digit(s[i]); i++) {
		n++;
	}
	if (n == 0) {
		return false;
	}
	if (i < len && s[i] == '.') {
		i++;
		for (n = 0; i < len && is_digit(s[i]); i++) {
			n++;
		}
		if (n == 0) {
			return false;
		}
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-')) {
			i++;
		}
		for (n = 0; i < len && is_digit(s[i]); i++) {
			n++;
		}
		if (n == 0) {
			return false;
		}
	}
	return i == len;
}

/* strtod in the "C" locale whatever the process locale is. */
static double strtod_c(const char *s, char **end)
{
	static locale_t c_loc;

	if (!c_loc) {
		c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	}
	if (c_loc) {
		return strtod_l(s, end, c_loc);
	}
	return strtod(s, end);
}

/* Strict decimal text -> double. The grammar is checked by hand first, so
 * "nan", "inf", "0x1p3", " 1", "1 " and "" never reach strtod. Returns 0,
 * -EINVAL (syntax, non-finite) or -ERANGE (sign rule of flags violated). */
int hean_parse_decimal(const char *s, size_t len, double *out, unsigned flags)
{
	char buf[DEC_MAX + 1];
	char *end = NULL;
	double v;

	if (!s || !out || len == 0 || len > DEC_MAX || !decimal_grammar(s, len)) {
		return -EINVAL;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtod_c(buf, &end);
	if (end != buf + len || !isfinite(v)) {
		return -EINVAL;
	}
	if ((flags & HEAN_NUM_POSITIVE) && !(v > 0)) {
		return -ERANGE;
	}
	if ((flags & HEAN_NUM_NONNEG) && !(v >= 0)) {
		return -ERANGE;
	}
	*out = v;
	return 0;
}

/* Strict -?D+ -> int64 with overflow detection. Returns 0 or -EINVAL. */
int hean_parse_int64(const char *s, size_t len, int64_t *out)
{
	uint64_t acc = 0, lim;
	bool neg = false;
	size_t i = 0;

	if (!s || !out || len == 0) {
		return -EINVAL;
	}
	if (s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == len) {
		return -EINVAL;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		if (!is_digit(s[i])) {
			return -EINVAL;
		}
		unsigned d = (unsigned)(s[i] - '0');

		if (acc > (lim - d) / 10) {
			return -EINVAL;
		}
		acc = acc * 10 + d;
	}
	if (neg) {
		*out = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
	} else {
		*out = (int64_t)acc;
	}
	return 0;
}
