/* executor/prices: the last price per symbol. Primary source: hean:ticks,
 * read with XREAD BLOCK from "$" on an own blocking Redis connection (no
 * group: ticks are lossy; the newest is all that matters). When a symbol
 * with an open position has had no tick for HEAN_REST_POLL_S (checked
 * every 250 ms), or the feed is gone, /v5/market/tickers is polled every
 * HEAN_REST_POLL_S for it; as soon as its ticks are fresh again polling
 * stops. HEAN_STALE_S only bounds how old a quote may be to size an order.
 * Health field rest_fallback is 1 while any position symbol is on REST. */
#ifndef HEAN_EXECUTOR_PRICES_H
#define HEAN_EXECUTOR_PRICES_H

#include "executor/executor.h"

#include <stdbool.h>
#include <stdint.h>

struct exec_prices;

struct exec_quote {
	double last, bid, ask;
};

/* Result of a REST fetch; ok false: no price (q undefined). */
typedef void exec_prices_fn(struct exec_app *x, const char *symbol, bool ok,
			    const struct exec_quote *q, void *data);

struct exec_prices *exec_prices_create(struct exec_app *x);
/* Stops reading and polling (shutdown). */
void exec_prices_stop(struct exec_prices *p);
void exec_prices_destroy(struct exec_prices *p);

/* The freshest known quote if it is fresh (a tick within HEAN_STALE_S, or
 * a REST price within 2 * HEAN_REST_POLL_S). Returns 0 or -ENOENT. */
int exec_prices_get(const struct exec_prices *p, const char *symbol, struct exec_quote *q);

/* Asks /v5/market/tickers for symbol; fn runs exactly once (never inside
 * this call). Returns 0 or -errno (fn never called). */
int exec_prices_fetch(struct exec_prices *p, const char *symbol, exec_prices_fn *fn, void *data);

bool exec_prices_rest_fallback(const struct exec_prices *p);

/* Runs the fallback check now (after a position opened). */
void exec_prices_poll_now(struct exec_prices *p);

#endif
