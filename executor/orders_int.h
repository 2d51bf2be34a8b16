/* executor/orders_int.h: the state shared by orders.c (waves -> orders
 * -> outcomes) and order_log.c (hean:orders rows, outcome counters, the
 * ring of recent orders that turns private pushes into rows). Internal to
 * executor/. */
#ifndef HEAN_EXECUTOR_ORDERS_INT_H
#define HEAN_EXECUTOR_ORDERS_INT_H

#include "executor/orders.h"

#include "executor/plan.h"

#include <ev.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define MAX_SIGNALS 200
#define PAUSE_AT 32
#define RESUME_AT 8
#define RING 1024
#define DONE_IDS 128
#define FUTURE_SLACK_S 120
#define NOT_READY_S 0.2
#define RESERVE 256
#define RESERVE_MS 30000

enum ord_state { O_NEW = 0, O_PRICE, O_SENT, O_LOOKUP, O_WAIT, O_DONE };

struct wave;

struct ord {
	struct wave *w; /* borrowed: owns us */
	char symbol[EXEC_SYM_LEN];
	int side;
	char link[EXEC_LINK_LEN];
	char qty_s[EXEC_NUM_LEN], sl_s[EXEC_NUM_LEN];
	enum ord_state state;
	int sends;
	bool was_unknown;   /* a send ended without a definitive answer */
	bool dup;           /* the lookup follows a 110072 */
	bool lookup_due;    /* the retry timer runs a lookup, not a send */
	bool replay;        /* a replayed wave: ask order/realtime before anything */
	int64_t planned_ms; /* when qty/stop were computed from a quote, 0 never */
	ev_timer retry;
};

struct wave {
	struct exec_orders *o; /* borrowed */
	char id[64];
	char wave_ts[64];
	int64_t wave_s, deadline_ms;
	int64_t read_ms; /* when the executor read it (wall clock) */
	bool pending;
	int n, left;
	int writes;        /* hean:orders rows not yet stored */
	uint64_t halt_gen; /* traded only once this hean:halt read has answered */
	bool write_failed; /* a row was not stored: the wave is not acked */
	struct ord *ords; /* owned, n */
	struct wave *next;
};

/* Recent orders, to turn private "Filled" pushes into hean:orders rows. */
struct sent {
	char link[EXEC_LINK_LEN];
	char wave_ts[64], symbol[EXEC_SYM_LEN], side[8], qty[EXEC_NUM_LEN];
	bool outcome_logged, filled_seen, filled_logged, closed_logged;
	char fill_qty[EXEC_NUM_LEN], fill_price[EXEC_NUM_LEN];
};

struct exec_orders {
	struct exec_app *x; /* borrowed */
	struct wave *waves; /* owned list, arrival order */
	int n_waves;
	bool paused, stopped;
	struct sent *ring; /* owned, RING */
	unsigned ring_head;
	char done_ids[DONE_IDS][64];
	unsigned done_head;
	struct row *rows; /* owned: hean:orders writes in flight */
	/* orders planned and not yet in the book: they count toward the
	 * risk limits (a wave's orders are planned before any fill) */
	struct {
		char symbol[EXEC_SYM_LEN];
		double usd;
		int64_t until_ms;
	} res[RESERVE];
};

/* One hean:orders write in flight. o is NULL once orders is destroyed. */
struct row {
	struct exec_orders *o;
	char wave_id[64]; /* the wave waiting for it, "" none */
	struct row *next;
};

static inline const char *side_str(int side)
{
	return side > 0 ? "Buy" : "Sell";
}

void ord_count_outcome(struct exec_orders *o, const char *status);
void ord_log(struct exec_orders *o, struct wave *w, const char *wave_ts,
		       const char *symbol, const char *side, const char *qty, const char *link,
		       const char *status, int ret_code, const char *ret_msg);
enum exec_order_fate ord_note_row(struct sent *s, const json_t *row);
struct sent *ord_sent_note(struct exec_orders *o, const struct ord *d);
void ord_wave_maybe_finish(struct wave *w);
void ord_count_retry(struct exec_orders *o);
struct sent *ord_sent_find(struct exec_orders *o, const char *link);
void ord_log_fill(struct exec_orders *o, struct sent *s, struct wave *w);

#endif
