/* executor/positions: the position book. Sources: /v5/position/list
 * (settleCoin=USDT) reconciles at start, after every private-stream
 * reconnect, every 60 s while the private stream is up and every
 * HEAN_REST_POLL_S while it is down; the private stream's position pushes
 * update it at once. Every position in the book gets a stop-loss: one found
 * without (a fill that lost it, a position opened outside hean) is
 * protected at once with /v5/position/trading-stop. The client-side
 * trailing stop (trail.h) runs on every price.
 *
 * Redis: hean:position:{SYM} = side, size, entry, stop_loss, trail_high,
 * updated_ms. A closed position keeps its hash with size 0 (side ""),
 * so readers test size > 0 and operators still see the last stop. */
#ifndef HEAN_EXECUTOR_POSITIONS_H
#define HEAN_EXECUTOR_POSITIONS_H

#include "executor/executor.h"
#include "executor/plan.h"

#include <jansson.h>

#include <stdbool.h>
#include <stdint.h>

struct exec_positions;

struct exec_positions *exec_positions_create(struct exec_app *x);
void exec_positions_stop(struct exec_positions *ps);
void exec_positions_destroy(struct exec_positions *ps);

/* Starts a REST reconcile now (one at a time; a request made while one
 * runs is queued behind it). */
void exec_positions_reconcile(struct exec_positions *ps);

/* true once a reconcile has completed (never on a hedge-mode account). */
bool exec_positions_reconciled(const struct exec_positions *ps);

/* A hedge-mode row (positionIdx 1/2) was seen: hean refuses to trade. */
bool exec_positions_hedge(const struct exec_positions *ps);

/* A position as the exchange reports it (REST row or private push).
 * side: 1 Buy, -1 Sell, 0 flat (size 0). stop 0: no stop-loss. */
void exec_positions_apply(struct exec_positions *ps, const char *symbol, int side, double size,
			  double entry, double stop, const char *source);

/* One row of a private "position" push (hedge rows ignored, logged). */
void exec_positions_on_push(struct exec_positions *ps, const json_t *row);

/* A price for symbol at now_ms (local): trailing stop. */
void exec_positions_on_price(struct exec_positions *ps, const char *symbol, double price,
			     int64_t now_ms);

/* Rewrites every hean:position:{SYM} hash (Redis came back). */
void exec_positions_rewrite(struct exec_positions *ps);

/* Calls fn for every open position's symbol. */
void exec_positions_each_open(const struct exec_positions *ps, void (*fn)(const char *sym, void *),
			      void *data);

/* Side of the open position in symbol (1/-1), 0 if flat or unknown. */
int exec_positions_side(const struct exec_positions *ps, const char *symbol);

/* The book for planning an order in symbol: known (reconciled), the
 * symbol's side, open positions, exposure (sum of size x last price, or
 * entry without one), realized PnL today. halted is left false. */
void exec_positions_view(const struct exec_positions *ps, const char *symbol,
			 struct exec_plan_book *b);

/* One "execution" row (private push): realized PnL since 00:00 UTC
 * (closing part against the book's entry, minus the fee), per symbol and
 * in total. Deduplicated by execId. */
void exec_positions_on_execution(struct exec_positions *ps, const json_t *row);

/* The day's realized PnL as stored before a restart (hean:pnl): added if
 * day is today (UTC). */
void exec_positions_restore_realized(struct exec_positions *ps, const char *day, double usd);

struct exec_pnl {
	char day[16];
	double realized_usd, unrealized_usd, exposure_usd;
	int open_positions, naked_positions;
};
void exec_positions_pnl(struct exec_positions *ps, struct exec_pnl *out);

/* Start time (local ms) of the last completed position/list, 0 none. */
int64_t exec_positions_last_reconcile_t0(const struct exec_positions *ps);

/* The open position of symbol (side 0 / size 0 if flat). 0 or -ENOENT. */
int exec_positions_get(const struct exec_positions *ps, const char *symbol, int *side,
		       double *size);

/* Open positions / open positions without a stop-loss on the exchange. */
void exec_positions_counts(const struct exec_positions *ps, int *open, int *naked);

#endif
