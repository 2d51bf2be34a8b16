/* executor/trail: the client-side trailing stop, pure. Once the price has
 * moved activation_pct in favour of the entry, the stop follows
 * callback_pct behind the best price (long: highest, short: lowest),
 * rounded to the tick on the protective side, and only when the new stop
 * is better than the current one by at least one tick and the previous
 * update is at least min_interval_ms old. No I/O: the caller sends the
 * stop (trading-stop) and reports the outcome with exec_trail_commit. */
#ifndef HEAN_EXECUTOR_TRAIL_H
#define HEAN_EXECUTOR_TRAIL_H

#include <stdbool.h>
#include <stdint.h>

struct exec_trail_cfg {
	double activation_pct;
	double callback_pct;
	int64_t min_interval_ms;
};

struct exec_trail {
	int side;      /* 1 long, -1 short, 0 none */
	double entry;
	double best;   /* long: highest price seen, short: lowest */
	double stop;   /* the stop-loss on the exchange, 0 none */
	double tick;
	bool armed;    /* activation reached */
	int64_t last_update_ms; /* our last stop update, 0 never */
};

enum exec_trail_verdict {
	EXEC_TRAIL_NONE = 0, /* nothing to do */
	EXEC_TRAIL_MOVE,     /* send *new_stop now */
	EXEC_TRAIL_WAIT,     /* a better stop is due but the interval gate holds */
};

/* Starts tracking a position. best is rebuilt from what the exchange
 * shows: max(entry, stop / (1 - callback)) for a long (min(...) short), so
 * a restart does not loosen a stop that already trailed. */
void exec_trail_init(struct exec_trail *t, const struct exec_trail_cfg *cfg, int side,
		     double entry, double stop, double tick);

/* Feeds a price at now_ms. Updates best/armed and returns the verdict;
 * on EXEC_TRAIL_MOVE *new_stop is the stop to send (a multiple of tick,
 * on the protective side of price by at least one tick). */
enum exec_trail_verdict exec_trail_update(struct exec_trail *t, const struct exec_trail_cfg *cfg,
					  double price, int64_t now_ms, double *new_stop);

/* The exchange accepted stop (or answered "not modified") at now_ms. */
void exec_trail_commit(struct exec_trail *t, double stop, int64_t now_ms);

/* The stop currently on the exchange changed outside the trail (reconcile,
 * private stream): adopts it without touching the interval gate. */
void exec_trail_set_stop(struct exec_trail *t, double stop);

#endif
