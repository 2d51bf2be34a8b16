/* executor/instruments: the linear instrument table from
 * /v5/market/instruments-info (every page), loaded at start, refreshed
 * daily and when a wave names a symbol it lacks; a failed load retries
 * every 5 s. The previous table stays in use until a complete new one
 * replaces it. */
#ifndef HEAN_EXECUTOR_INSTRUMENTS_H
#define HEAN_EXECUTOR_INSTRUMENTS_H

#include "executor/executor.h"
#include "executor/sizing.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct exec_instruments;

/* Called after every complete load. */
typedef void exec_instruments_fn(struct exec_app *x);

struct exec_instruments *exec_instruments_create(struct exec_app *x, exec_instruments_fn *on_loaded);
void exec_instruments_destroy(struct exec_instruments *in);

/* Starts a (re)load now unless one is running. */
void exec_instruments_refresh(struct exec_instruments *in);

/* symbol, missing from the table, may have been listed since it was
 * loaded (a signal for a listing of the day). Starts a reload when the
 * last one began before since_ms (when the wave was read, epoch ms), so
 * one wave causes at most one. Returns true while a reload is running:
 * ask again after it. */
bool exec_instruments_reload_since(struct exec_instruments *in, const char *symbol,
				   int64_t since_ms);

bool exec_instruments_loaded(const struct exec_instruments *in);
size_t exec_instruments_count(const struct exec_instruments *in);

/* The instrument or NULL. The pointer is valid until the next load
 * completes: copy it if you keep it across loop turns. */
const struct exec_instrument *exec_instruments_find(const struct exec_instruments *in,
						    const char *symbol);

/* Pure: one row of result.list into out. Returns 0 or -EINVAL. */
int exec_instrument_parse(const json_t *row, struct exec_instrument *out);

#endif
