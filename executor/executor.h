/* executor: the process state shared by its modules (one struct, reached
 * from every callback). Modules never call app.c: they report through the
 * callbacks app.c sets here (on_accepted, on_limit, on_reconciled, on_pnl,
 * on_change, on_protected). The modules:
 *   rest        Bybit REST client (sign, envelope, retry classes, clock)
 *   instruments instruments-info table (start, daily)
 *   orders      hean:waves -> orders (idempotent by orderLinkId) -> hean:orders -> ack
 *   flatten     hean:control -> reduce-only closes -> confirmed flat -> ack
 *   positions   book + hean:position:{SYM} + reconcile + stop-loss + trail
 *   prices      hean:ticks (XREAD) with REST /v5/market/tickers fallback
 *   private_ws  /v5/private: auth, order/execution/position pushes
 *   plan, reconcile, sizing, trail  pure decisions (no I/O, unit-tested) */
#ifndef HEAN_EXECUTOR_EXECUTOR_H
#define HEAN_EXECUTOR_EXECUTOR_H

#include "common/app.h"
#include "common/hist.h"
#include "common/stream.h"
#include "common/want.h"
#include "common/ws.h"

#include <ev.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct exec_rest;

enum exec_push { EXEC_PUSH_ORDER, EXEC_PUSH_POSITION, EXEC_PUSH_EXECUTION };
struct exec_instruments;
struct exec_positions;
struct exec_prices;
struct exec_orders;
struct exec_pws;
struct exec_flatten;

struct exec_app {
	struct hean_app *app;           /* borrowed: outlives us */
	const struct hean_config *cfg;  /* borrowed: &app->cfg */
	struct ev_loop *loop;           /* borrowed */
	struct exec_rest *rest;         /* owned */
	struct exec_instruments *inst;  /* owned */
	struct exec_positions *pos;     /* owned */
	struct exec_prices *prices;     /* owned */
	struct exec_orders *orders;     /* owned */
	struct exec_pws *pws;           /* owned */
	struct hean_ws_ctx *ws_ctx;     /* owned */
	struct hean_stream *waves;      /* owned */
	struct exec_flatten *flatten;   /* owned */
	struct hean_stream *control;    /* owned: hean:control */
	ev_timer health_timer;          /* 1 s gauges + state */
	ev_timer clock_timer;           /* hourly clock resync (2 s until the first) */
	int64_t order_retries;          /* order-level retries (lookups, re-sends) */
	bool clock_once;                /* first sync done: reconcile + private WS started */
	bool stopping;
	bool started_ok;                /* instruments, clock, first reconcile */
	bool halted;                    /* hean:halt present: no new waves traded */
	bool halt_known;                /* hean:halt read once since start */
	bool pnl_known;                 /* hean:pnl read once since start (restored) */
	uint64_t halt_sent, halt_done;  /* hean:halt reads sent / answered (in order) */
	char limit_reached[48];         /* the risk limit last reported, "" none */
	char state[32];
	/* Set by app.c; modules report through them (never call app.c). */
	void (*on_accepted)(struct exec_app *x, int64_t wave_s); /* an order/create accepted */
	void (*on_limit)(struct exec_app *x, const char *limit, const char *detail);
	void (*on_reconciled)(struct exec_app *x); /* the first position/list completed */
	void (*on_pnl)(struct exec_app *x);        /* realized PnL changed (an execution) */
	void (*on_change)(struct exec_app *x);     /* a position or connection changed */
	void (*on_wave)(struct exec_app *x);       /* a wave arrived: re-read hean:halt now */
	/* private stream: one row of a push; subscribed (private topics have no snapshot) */
	void (*on_push)(struct exec_app *x, enum exec_push kind, const json_t *row);
	void (*on_private_up)(struct exec_app *x);
	/* prices: a price for symbol (stream tick or REST fallback) */
	void (*on_price)(struct exec_app *x, const char *symbol, double price, int64_t now_ms);
	/* a fill seen at fill_ms (local) is protected by a stop on the exchange now */
	void (*on_protected)(struct exec_app *x, int64_t fill_ms);
	/* {prefix}want:executor: symbols of open positions and orders in
	 * flight (the feed streams them); rebuilt on every book change and
	 * on the 1 s health tick, written when changed or due (common/want) */
	struct hean_want want;
	bool want_ready;
	struct hean_hist hist_wave_to_accepted; /* wave due time -> order accepted */
	struct hean_hist hist_fill_to_stop;     /* fill seen -> stop-loss confirmed */
};

/* The shape of every daemon (common/app.h). start: creates and starts
 * everything (rest, instruments, clock, positions, prices, private WS, the
 * waves reader) and registers on_stop, on_redis and data on app; NULL on
 * failure (logged, nothing left running). After hean_app_run:
 * exec_app_close (the modules: they borrow the app's Redis link), then
 * hean_app_finish, then exec_app_destroy (what must outlive replies still
 * due, and x). Both take NULL. */
struct exec_app *exec_app_start(struct hean_app *app);
void exec_app_close(struct exec_app *x);
void exec_app_destroy(struct exec_app *x);
/* Stops watchers and connections (SIGTERM path); idempotent. */
void exec_app_stop(struct exec_app *x);

/* Re-evaluates the health state at once (running / degraded / starting). */
void exec_app_update_health(struct exec_app *x);

#endif
