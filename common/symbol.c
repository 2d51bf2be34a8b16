/* common/symbol: the symbol grammar. See symbol.h. */
#include "common/symbol.h"

/* ===================== symbols ===================== */

/* ^[A-Z0-9]{2,20}$ over exactly len bytes. */
bool hean_symbol_valid(const char *s, size_t len)
{
	if (!s || len < 2 || len > 20) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9'))) {
			return false;
		}
	}
	return true;
}
