/* common/json: typed field extraction over jansson; numbers that arrive
 * as strings are parsed by common/num. Errors name the field:
 * "field 'lastPrice': not a decimal". */
#include "common/json.h"

#include "common/err.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ===================== field getters ===================== */

static int fail(int rc, char *err, size_t errlen, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(int rc, char *err, size_t errlen, const char *field, const char *fmt, ...)
{
	char why[96];
	va_list ap;

	if (err && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		snprintf(err, errlen, "field '%s': %s", field, why);
	}
	return rc;
}

static const char *flag_rule(unsigned flags)
{
	return (flags & HEAN_NUM_POSITIVE) ? "must be > 0" : "must be >= 0";
}

static int check_flags(double v, unsigned flags, const char *field, char *err, size_t errlen)
{
	if (((flags & HEAN_NUM_POSITIVE) && !(v > 0)) ||
	    ((flags & HEAN_NUM_NONNEG) && !(v >= 0))) {
		return fail(-EINVAL, err, errlen, field, "%s (got %g)", flag_rule(flags), v);
	}
	return 0;
}

static const json_t *field_of(const json_t *obj, const char *field, char *err, size_t errlen)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, field) : NULL;

	if (!v || json_is_null(v)) {
		fail(-ENOENT, err, errlen, field, "missing");
		return NULL;
	}
	return v;
}

/* String field; *out is borrowed from obj. 0, -ENOENT or -EINVAL. */
int hean_json_get_str(const json_t *obj, const char *field, const char **out, char *err,
		      size_t errlen)
{
	const json_t *v = field_of(obj, field, err, errlen);

	if (!v) {
		return -ENOENT;
	}
	if (!json_is_string(v)) {
		return fail(-EINVAL, err, errlen, field, "not a string");
	}
	*out = json_string_value(v);
	return 0;
}

/* Integer field (a JSON integer, not a real or a string). */
int hean_json_get_int(const json_t *obj, const char *field, int64_t *out, char *err,
		      size_t errlen)
{
	const json_t *v = field_of(obj, field, err, errlen);

	if (!v) {
		return -ENOENT;
	}
	if (!json_is_integer(v)) {
		return fail(-EINVAL, err, errlen, field, "not an integer");
	}
	*out = (int64_t)json_integer_value(v);
	return 0;
}

/* Numeric field given as a JSON number; finite and within flags. */
int hean_json_get_num(const json_t *obj, const char *field, double *out, unsigned flags,
		      char *err, size_t errlen)
{
	const json_t *v = field_of(obj, field, err, errlen);
	double d;

	if (!v) {
		return -ENOENT;
	}
	if (!json_is_number(v)) {
		return fail(-EINVAL, err, errlen, field, "not a number");
	}
	d = json_number_value(v);
	if (!isfinite(d)) {
		return fail(-EINVAL, err, errlen, field, "not finite");
	}
	if (check_flags(d, flags, field, err, errlen) < 0) {
		return -EINVAL;
	}
	*out = d;
	return 0;
}

static int num_from_string(const json_t *v, const char *field, double *out, unsigned flags,
			   char *err, size_t errlen)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	double d;
	int rc;

	if (len == 0) {
		return fail(-ENOENT, err, errlen, field, "no value (empty string)");
	}
	rc = hean_parse_decimal(s, len, &d, 0);
	if (rc < 0) {
		return fail(-EINVAL, err, errlen, field, "not a decimal '%.24s'", s);
	}
	if (check_flags(d, flags, field, err, errlen) < 0) {
		return -EINVAL;
	}
	*out = d;
	return 0;
}

/* Numeric field sent as a JSON string ("66666.60"). "" gives -ENOENT. */
int hean_json_get_num_str(const json_t *obj, const char *field, double *out, unsigned flags,
			  char *err, size_t errlen)
{
	const json_t *v = field_of(obj, field, err, errlen);

	if (!v) {
		return -ENOENT;
	}
	if (!json_is_string(v)) {
		return fail(-EINVAL, err, errlen, field, "not a string");
	}
	return num_from_string(v, field, out, flags, err, errlen);
}

/* Numeric field sent either as a string or as a JSON number. */
int hean_json_get_num_any(const json_t *obj, const char *field, double *out, unsigned flags,
			  char *err, size_t errlen)
{
	const json_t *v = field_of(obj, field, err, errlen);

	if (!v) {
		return -ENOENT;
	}
	if (json_is_string(v)) {
		return num_from_string(v, field, out, flags, err, errlen);
	}
	return hean_json_get_num(obj, field, out, flags, err, errlen);
}

/* ===================== non-finite pre-pass ===================== */

static bool is_word(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == '.' || c == '+' || c == '-';
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool match(const char *b, size_t len, size_t i, const char *w)
{
	size_t n = strlen(w);

	return i + n <= len && memcmp(b + i, w, n) == 0 && (i + n == len || !is_word(b[i + n]));
}

/* Finds the next bare NaN/Infinity/-Infinity at or after *pos, outside
 * strings (*pos must be outside a string). Sets *pos and *tlen. */
static bool find_nonfinite(const char *b, size_t len, size_t *pos, size_t *tlen)
{
	bool in_str = false;

	for (size_t i = *pos; i < len; i++) {
		char c = b[i];

		if (in_str) {
			if (c == '\\') {
				i++;
			} else if (c == '"') {
				in_str = false;
			}
			continue;
		}
		if (c == '"') {
			in_str = true;
			continue;
		}
		if (i > 0 && is_word(b[i - 1]) && b[i - 1] != '-') {
			continue; /* inside some other bare word or number */
		}
		if (i > 0 && b[i - 1] == '-' && c == 'I') {
			continue; /* the '-' of -Infinity is matched at its own index */
		}
		static const char *const words[] = {"-Infinity", "Infinity", "NaN"};

		for (size_t k = 0; k < 3; k++) {
			if (match(b, len, i, words[k])) {
				*pos = i;
				*tlen = strlen(words[k]);
				return true;
			}
		}
	}
	return false;
}

/* Rewrites bare NaN / Infinity / -Infinity outside strings, in place and
 * length-preserving. Infinity and -Infinity become "null" + spaces. NaN is
 * one byte shorter than null: it borrows an adjacent whitespace byte
 * (": NaN", "NaN ,", "[NaN, 1]"); in fully compact JSON it becomes "[] "
 * (a wrong-typed value that every numeric getter rejects).
 * Returns the number of tokens rewritten. */
size_t hean_json_nonfinite_to_null(char *buf, size_t len)
{
	size_t pos = 0, tlen, count = 0;

	if (!buf) {
		return 0;
	}
	while (find_nonfinite(buf, len, &pos, &tlen)) {
		size_t end = pos + tlen;

		count++;
		if (tlen >= 4) {
			memcpy(buf + pos, "null", 4);
			memset(buf + pos + 4, ' ', tlen - 4);
		} else if (pos > 0 && is_ws(buf[pos - 1])) {
			memcpy(buf + pos - 1, "null", 4);
		} else if (end < len && is_ws(buf[end])) {
			memcpy(buf + pos, "null", 4);
			end++;
		} else {
			size_t j = end;

			while (j < len && (buf[j] == ',' || buf[j] == ']' || buf[j] == '}')) {
				j++;
			}
			if (j < len && is_ws(buf[j])) {
				memmove(buf + end + 1, buf + end, j - end);
				memcpy(buf + pos, "null", 4);
				end = j + 1;
			} else {
				memcpy(buf + pos, "[] ", 3);
			}
		}
		pos = end;
	}
	return count;
}
