/* common/json: typed field extraction over jansson, with errors that name
 * the field; numbers sent as strings (Bybit prices) go through common/num. */
#ifndef HEAN_COMMON_JSON_H
#define HEAN_COMMON_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/num.h" /* HEAN_NUM_* flags of the number getters */


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
