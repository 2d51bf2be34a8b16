/* common/json: typed field extraction over jansson, with errors that name
 * the field, and strict parsing of numbers sent as strings (Bybit prices). */
#ifndef HEAN_COMMON_JSON_H
#define HEAN_COMMON_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAN_ERR_LEN 160

/* Writes a formatted message into a caller's error buffer (err may be NULL)
 * and returns -EINVAL: the one error helper of every parser and config
 * boundary in common/. */
int hean_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Flags for decimal parsing. */
enum {
	HEAN_NUM_POSITIVE = 1 << 0, /* > 0 */
	HEAN_NUM_NONNEG = 1 << 1,   /* >= 0 */
};

/* Strict decimal: optional '-', digits, optional '.', digits, optional
 * exponent. Rejects empty, whitespace, "nan", "inf", hex, trailing bytes,
 * non-finite results, and values outside the flags. Locale-independent.
 * Returns 0 or -EINVAL (-ERANGE for sign violations). */
int hean_parse_decimal(const char *s, size_t len, double *out, unsigned flags);

/* Strict integer (optional '-', digits only, fits int64). 0 or -EINVAL. */
int hean_parse_int64(const char *s, size_t len, int64_t *out);

/* True when s[0..len) matches ^[A-Z0-9]{2,20}$ (a symbol safe to use in a
 * Redis key). s need not be NUL-terminated; NULL is never valid. */
bool hean_symbol_valid(const char *s, size_t len);

/* Field getters. Each returns 0, -ENOENT (missing or null) or -EINVAL
 * (wrong type / bad value) and on error writes "field 'x': reason" into
 * err (if err != NULL). */
int hean_json_get_str(const json_t *obj, const char *field, const char **out, char *err,
		      size_t errlen);
int hean_json_get_int(const json_t *obj, const char *field, int64_t *out, char *err,
		      size_t errlen);
/* A JSON number (integer or real), finite, honouring flags. */
int hean_json_get_num(const json_t *obj, const char *field, double *out, unsigned flags,
		      char *err, size_t errlen);
/* A number sent as a JSON string ("66666.60"). An empty string "" yields
 * -ENOENT ("no value", never 0). */
int hean_json_get_num_str(const json_t *obj, const char *field, double *out, unsigned flags,
			  char *err, size_t errlen);
/* A number sent either as a string or a JSON number. */
int hean_json_get_num_any(const json_t *obj, const char *field, double *out, unsigned flags,
			  char *err, size_t errlen);

/* Rewrites bare NaN, Infinity, -Infinity tokens outside strings to null
 * (padded with spaces so offsets keep), in place. String contents and
 * escapes are never touched. Returns the number of tokens rewritten.
 * NaN is one byte shorter than null: it takes an adjacent whitespace byte
 * (": NaN" -> ":null", "[NaN, 1]" -> "[null,1]"); in fully compact JSON
 * with no whitespace near it, it becomes "[] " instead, a wrong-typed value
 * that every numeric getter rejects with -EINVAL (null gives -ENOENT). */
size_t hean_json_nonfinite_to_null(char *buf, size_t len);

#endif
