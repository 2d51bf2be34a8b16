/* executor/positions_int.h: the state shared by positions.c (book, Redis
 * hash, reconcile, stop-loss, trailing) and pnl.c (realized PnL from
 * executions, per UTC day). Internal to executor/. */
#ifndef HEAN_EXECUTOR_POSITIONS_INT_H
#define HEAN_EXECUTOR_POSITIONS_INT_H

#include "executor/positions.h"

#include "executor/trail.h"

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define MAX_POS 512
#define HOUSE_S 0.1
#define PROTECT_RETRY_MS 1000
#define MAX_PAGES 50
#define EXEC_IDS 256

struct pos {
	char symbol[EXEC_SYM_LEN];
	int side; /* 1 long, -1 short; meaningful while open */
	bool open;
	double size, entry, stop; /* stop: on the exchange, 0 none */
	struct exec_trail trail;
	double last_price;
	bool stop_inflight;   /* a trading-stop is in flight */
	bool trail_wait;      /* a better stop is due: re-check on the tick */
	int64_t updated_ms;   /* local ms of the last change from any source */
	double realized;      /* realized PnL of this symbol since 00:00 UTC (USD) */
	int64_t fill_ms;      /* local ms the position (or its growth) was seen, 0 when protected */
	int64_t protect_after_ms;
};

struct stop_req {
	struct exec_positions *ps; /* borrowed */
	char symbol[EXEC_SYM_LEN];
	double stop;
	bool trail; /* a trailing move (else a protection) */
	int side;
};

struct exec_positions {
	struct exec_app *x; /* borrowed */
	struct pos *v;      /* owned, MAX_POS */
	size_t n;
	struct exec_trail_cfg tcfg;
	bool reconciling, again, reconciled, stopped;
	int64_t reconcile_t0, last_reconcile_ms;
	double realized_today; /* realized PnL since 00:00 UTC (executions) */
	bool seen[MAX_POS];    /* rows seen during a paged reconcile */
	int pages;
	bool hedge;            /* a hedge-mode row was seen: refused */
	int64_t done_t0;       /* start time of the last completed reconcile */
	char day[16];          /* UTC day of realized_today (YYYY-MM-DD) */
	char exec_ids[EXEC_IDS][48]; /* recent execIds (dedup) */
	unsigned exec_head;
	ev_timer house;
};

static inline struct pos *find(const struct exec_positions *ps, const char *sym)
{
	for (size_t i = 0; i < ps->n; i++) {
		if (!strcmp(ps->v[i].symbol, sym)) {
			return &ps->v[i];
		}
	}
	return NULL;
}

/* Writes the symbol's {prefix}position:{SYM} hash from the book. */
void pos_write_hash(struct exec_positions *ps, const struct pos *p);

#endif
