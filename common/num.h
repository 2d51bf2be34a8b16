/* common/num: strict, locale-independent parsing of numbers sent as text
 * (Bybit prices and quantities, Redis fields, ids). */
#ifndef HEAN_COMMON_NUM_H
#define HEAN_COMMON_NUM_H

#include <stddef.h>
#include <stdint.h>

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

#endif
