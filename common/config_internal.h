/* common/config_internal.h: the variable table's description, shared by
 * config.c (table, setting), config_load.c and config_print.c. Private to
 * common/config*.c. */
#ifndef HEAN_COMMON_CONFIG_INTERNAL_H
#define HEAN_COMMON_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

enum vtype { T_STR, T_INT, T_LONG, T_DBL, T_BOOL, T_LIST };
enum vcheck { C_TEXT, C_NAME, C_WS, C_HTTP, C_REDIS, C_LEVEL, C_SYMS, C_BLACK, C_LEASE, C_FMT };
enum vmask { M_NONE, M_KEY, M_SECRET, M_URLPASS };

struct var {
	const char *name;
	const char *def; /* NULL: set by hean_config_defaults itself */
	enum vtype type;
	enum vcheck check;
	enum vmask mask;
	size_t off, size;
	double lo, hi;
	unsigned ex; /* X_LO / X_HI: that bound is exclusive */
};

enum { X_LO = 1, X_HI = 2 };

/* config.c */
size_t hcfg_n_vars(void);
const struct var *hcfg_var(size_t i); /* i < hcfg_n_vars(), table order */
const struct var *hcfg_find_var(const char *name); /* NULL: unknown */
bool hcfg_printable(const char *s); /* no control characters */

#endif
