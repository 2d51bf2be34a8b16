/* waves/waves_int.h: the state shared by the parts of hean-waves' glue
 * (waves.c: intake, emission, wants, timers; sync.c: the sync machine).
 * Internal to waves/. */
#ifndef HEAN_WAVES_INT_H
#define HEAN_WAVES_INT_H

#include "waves/waves.h"

#include "common/app.h"
#include "common/stream.h"
#include "common/timeutil.h"
#include "common/want.h"
#include "waves/clock.h"
#include "waves/emit.h"
#include "waves/index.h"
#include "waves/select.h"

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define REBUILD_PAGE 500
#define MAX_PER_WAVE 1000
#define MAX_TOTAL 200000
#define SETTLE_MS 300        /* quiet time after a late signal before processing */
#define SETTLE_GUARD_MS 100 /* settling ends this long before the deadline */
#define LATE_SLACK_MS 1000   /* processed later than due + this counts as late */
#define RETRY_MS 1000        /* after an error reply or a full in-flight cap */
#define WAVES_KEEP_S (7 * 86400) /* hean:waves trimmed by MINID ~ now - 7 days */
#define KEY_LEN 160
#define WANT_SOON_S 0.05     /* coalesces a burst of signals into one rebuild */
#define WANT_BACK_WAVES 8    /* how far back a not yet emitted wave is wanted */

enum sync_state { SYNC_IDLE = 0, SYNC_MARKER, SYNC_SIGNALS, SYNC_READY };
enum op_state { OP_NONE = 0, OP_POSITIONS, OP_EMIT };

struct pos {
	char symbol[WAVES_SYMBOL_LEN];
	bool open;
};

struct req {
	struct waves *w; /* borrowed */
	uint64_t gen;
	size_t i;
};

struct waves {
	struct hean_app *app; /* borrowed: outlives us */
	struct ev_loop *loop; /* borrowed */
	struct waves_clock clock;
	struct waves_select_cfg sel_cfg;
	struct waves_index *index;  /* owned */
	struct hean_stream *stream; /* owned */
	ev_periodic wake;
	ev_timer cron;
	char k_signals[KEY_LEN], k_waves[KEY_LEN], k_last[KEY_LEN], k_last_s[KEY_LEN];
	struct waves_emit_keys keys;

	enum sync_state sync;
	uint64_t sync_gen;
	bool redis_up;
	bool stopping;
	bool started_ready; /* a first sync has completed */

	bool have_cur;
	int64_t cur;          /* next wave to emit */
	bool have_last;
	int64_t last;         /* last emitted wave known (marker or ours) */
	bool unknown;         /* an EVAL's outcome is unknown */
	int64_t unknown_wave;

	enum op_state op;
	uint64_t op_gen;
	bool op_expired;
	struct waves_signal *snap; /* owned: cur's signals when the op began */
	size_t n_snap, cap_snap;
	struct pos *pos;           /* owned */
	size_t n_pos, cap_pos, pos_left;
	bool pos_failed;
	/* the EVAL in flight, for its log line */
	const char *emit_reason;
	size_t emit_selected, emit_considered;
	int64_t emit_due_ms, emit_ms;

	int64_t logged_sched, logged_wait; /* wave last logged as scheduled/waiting */
	int64_t health_cur;
	bool health_cur_set;
	int64_t max_lag_ms;
	/* XRANGE paging */
	char range_from[64];
	size_t range_count;
	/* {prefix}want:waves: symbols of the current and next waves */
	struct hean_want want;
	ev_timer want_soon;
};

/* Shared by waves.c and sync.c. */
void waves_evaluate(struct waves *w);
void waves_want_update(struct waves *w);
void waves_health_cur(struct waves *w);
void waves_index_entry(struct waves *w, const char *sid, const char *const *f, const size_t *l,
		       size_t n);
/* sync.c: (re)reads the marker, then rebuilds the index from hean:signals;
 * READY gates every decision. */
void waves_sync_start(struct waves *w);

static inline int64_t now_ms(void)
{
	return hean_time_now_ms();
}

struct tstr {
	char utc[HEAN_TIME_STR_LEN];
	char local[HEAN_TIME_STR_LEN];
};

static inline const struct tstr *fmt_t(struct tstr *t, int64_t ms)
{
	hean_time_format_utc(ms, 0, t->utc, sizeof(t->utc));
	hean_time_format_local(ms, t->local, sizeof(t->local));
	return t;
}

static inline struct req *req_new(struct waves *w, uint64_t gen, size_t i)
{
	struct req *q = malloc(sizeof(*q));

	if (q) {
		q->w = w;
		q->gen = gen;
		q->i = i;
	}
	return q;
}

/* Oldest wave still worth keeping signals for. */
static inline int64_t keep_floor(const struct waves *w, int64_t now)
{
	return waves_clock_floor(&w->clock, now) - w->clock.interval_s;
}

static inline void op_abort(struct waves *w)
{
	w->op = OP_NONE;
	w->op_gen++;
}

#endif
