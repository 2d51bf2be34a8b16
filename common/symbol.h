/* common/symbol: the grammar of an instrument symbol (BTCUSDT): what may
 * go into a Redis key or a subscription topic. */
#ifndef HEAN_COMMON_SYMBOL_H
#define HEAN_COMMON_SYMBOL_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) matches ^[A-Z0-9]{2,20}$ (a symbol safe to use in a
 * Redis key). s need not be NUL-terminated; NULL is never valid. */
bool hean_symbol_valid(const char *s, size_t len);

#endif
