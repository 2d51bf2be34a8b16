/* executor/plan: the order decisions, pure (no I/O, no clock: now is an
 * argument). Everything that decides whether an order/create may go out,
 * and with which qty and stop-loss, lives here, so each rule is a
 * table-driven unit test:
 *   - a signal of a wave entry is parsed (symbol, side, exchange = bybit);
 *   - an order is planned from the instrument, a fresh quote, the
 *     reconciled book and the risk limits (place, or skip with a reason);
 *   - immediately before every send the gate is asked again: never after
 *     the wave's deadline, never before the book is known, never onto an
 *     open position, at most EXEC_PLAN_MAX_SENDS sends, and an order
 *     planned more than EXEC_PLAN_REPLAN_MS ago is re-planned first;
 *   - an order found at the exchange (order/realtime, private push) gets
 *     the audit row the exchange's orderStatus says. */
#ifndef HEAN_EXECUTOR_PLAN_H
#define HEAN_EXECUTOR_PLAN_H

#include "executor/sizing.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXEC_PLAN_MAX_SENDS 10     /* order/create attempts per order, all paths */
#define EXEC_PLAN_REPLAN_MS 2000   /* a plan older than this is redone before a send */

/* One signal of a wave. */
struct exec_signal {
	char symbol[EXEC_SYM_LEN];
	int side; /* 1 Buy, -1 Sell */
};

/* Parses one element of a wave's signals array. Returns NULL, or the
 * reason to skip it (no symbol/side, invalid symbol or side, exchange
 * present and not "bybit"). */
const char *exec_plan_parse_signal(const json_t *sig, struct exec_signal *out);

/* Last moment (epoch ms) an order/create of the wave may be sent:
 * (wave_s + interval + delay + max_late) s. */
int64_t exec_plan_deadline_ms(int64_t wave_s, int interval_s, int delay_s, int max_late_s);

/* Risk limits; 0 disables one. */
struct exec_plan_limits {
	int max_open_positions;
	double max_exposure_usd;
	double daily_loss_limit_usd;
};

/* What the book says now. */
struct exec_plan_book {
	bool known;          /* a position/list reconciliation has completed */
	int side;            /* the symbol's open position: 1/-1, 0 flat */
	int open_positions;  /* all symbols */
	double exposure_usd; /* sum of open notional */
	double realized_today_usd; /* realized PnL since 00:00 UTC (loss < 0) */
	bool halted;         /* hean:halt present */
};

/* The risk limit a new order of notional add_usd would reach, or NULL.
 * detail gets "limit=<NAME> value=<v> max=<m>". */
const char *exec_plan_limit(const struct exec_plan_limits *l, const struct exec_plan_book *b,
			    double add_usd, char *detail, size_t len);

struct exec_plan_in {
	const struct exec_instrument *in; /* NULL: unknown instrument */
	int side;
	double last, bid, ask; /* quote; last <= 0: no price */
	double position_usd, stop_loss_pct;
	struct exec_plan_limits limits;
	struct exec_plan_book book;
	int64_t now_ms, deadline_ms;
};

struct exec_plan_out {
	bool place;
	double qty, stop, ref;
	char qty_s[EXEC_NUM_LEN], stop_s[EXEC_NUM_LEN];
	const char *limit;  /* the risk limit that skipped it, else NULL */
	char reason[200];   /* why skipped (place false) */
};

/* Plans one order. Returns true (place: qty/stop set) or false (skip:
 * reason set; limit set when a risk limit decided). */
bool exec_plan_order(const struct exec_plan_in *pi, struct exec_plan_out *out);

enum exec_send_verdict {
	EXEC_SEND_OK = 0,
	EXEC_SEND_EXPIRED,       /* past the wave's deadline: skipped */
	EXEC_SEND_GIVE_UP,       /* EXEC_PLAN_MAX_SENDS reached */
	EXEC_SEND_NOT_READY,     /* book not reconciled yet: wait */
	EXEC_SEND_POSITION_OPEN, /* the book shows a position: skipped */
	EXEC_SEND_REPLAN,        /* planned too long ago: plan again first */
};

struct exec_send_ctx {
	int64_t now_ms, deadline_ms, planned_ms;
	int sends;       /* order/create sent so far for this order */
	bool book_known; /* reconciled */
	int book_side;   /* the symbol's position now */
};

/* The gate every order/create passes immediately before it is sent. */
enum exec_send_verdict exec_plan_send_gate(const struct exec_send_ctx *c);
const char *exec_plan_verdict_str(enum exec_send_verdict v);

/* An order as the exchange reports it (order/realtime row, "order" push). */
enum exec_order_fate {
	EXEC_FATE_OPEN = 0,  /* New, PartiallyFilled, Untriggered: accepted, not final */
	EXEC_FATE_FILLED,    /* Filled, or closed with cumExecQty > 0 (partial) */
	EXEC_FATE_REJECTED,  /* Rejected */
	EXEC_FATE_CANCELLED, /* Cancelled / Deactivated / PartiallyFilledCanceled, nothing filled */
	EXEC_FATE_UNKNOWN,   /* unrecognised status */
};
enum exec_order_fate exec_plan_order_fate(const char *order_status, double cum_exec_qty);

/* hean:orders status of the first row for an order found at the exchange:
 * "submitted" (open or filled), "rejected", "cancelled". */
const char *exec_plan_fate_row(enum exec_order_fate f);

/* Price source of an open position: true when its last tick (local ms,
 * 0 never) is older than HEAN_REST_POLL_S, so REST prices take over
 * within one poll period after the ticks stop. */
bool exec_plan_use_rest(int64_t tick_ms, int64_t now_ms, int rest_poll_s);

#endif
