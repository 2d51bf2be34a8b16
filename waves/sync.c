/* waves/sync: the sync machine of hean-waves (see waves.c's header):
 * IDLE -> MARKER (MGET last_s last) -> SIGNALS (XRANGE pages) -> READY,
 * restarted on every command-link up. Replies carry sync_gen: one from an
 * abandoned sync is ignored. */
#include "waves/waves_int.h"

#include "common/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>


/* The waves from cur that are due at now (the catch-up ahead), counted
 * by phase from the clock's plan, taken in pages of PLAN_PAGE steps. */
#define PLAN_PAGE 64
static void count_due(const struct waves *w, int64_t now, int64_t *n_exp, int64_t *n_open)
{
	struct waves_clock_step st[PLAN_PAGE];
	int64_t first = w->cur, end = w->cur + (int64_t)WAVES_CLOCK_HORIZON_S + w->clock.interval_s;

	for (;;) {
		size_t n = waves_clock_plan(&w->clock, first, now, st, PLAN_PAGE);

		for (size_t i = 0; i < n; i++) {
			if (st[i].phase == WAVES_CLOCK_NOT_DUE || st[i].wave_s >= end) {
				return;
			}
			if (st[i].phase == WAVES_CLOCK_EXPIRED) {
				(*n_exp)++;
			} else {
				(*n_open)++;
			}
		}
		if (n == 0) {
			return;
		}
		first = st[n - 1].wave_s + w->clock.interval_s;
	}
}

static void finish_sync(struct waves *w)
{
	struct tstr a, b, c, d;
	int64_t now = now_ms(), gap = 0, start, n_exp = 0, n_open = 0;

	start = waves_clock_start(&w->clock, w->have_last, w->last, now, &gap);
	if (w->unknown) {
		bool applied = w->have_last && w->last >= w->unknown_wave;

		log_warn("event=wave_emit_resolved wave_ts=%s outcome=%s",
			 fmt_t(&a, w->unknown_wave * 1000)->utc,
			 applied ? "applied" : "not_applied (will be sent again)");
		w->unknown = false;
	}
	if (gap > 0) {
		log_warn("event=wave_gap last=%s missing=%" PRId64
			 " reason=\"older than the %d s catch-up horizon, not recorded\"",
			 fmt_t(&a, w->last * 1000)->utc, gap, WAVES_CLOCK_HORIZON_S);
		hean_health_event(w->app->health, "wave_gap", "last=%s missing=%" PRId64,
				  a.utc, gap);
	}
	if (!w->have_cur || start > w->cur) {
		w->cur = start;
		w->have_cur = true;
	}
	count_due(w, now, &n_exp, &n_open);
	log_info("event=sync last=%s first=%s first_due=%s first_due_local=%s now=%s"
		 " expired=%" PRId64 " open=%" PRId64 " signals=%zu waves=%zu",
		 w->have_last ? fmt_t(&a, w->last * 1000)->utc : "none",
		 fmt_t(&b, w->cur * 1000)->utc,
		 fmt_t(&c, waves_clock_due_ms(&w->clock, w->cur))->utc, c.local,
		 fmt_t(&d, now)->utc, n_exp, n_open, waves_index_total(w->index),
		 waves_index_waves(w->index));
	if (!w->started_ready && !w->have_last) {
		hean_health_event(w->app->health, "first_start", "first=%s", b.utc);
	}
	w->started_ready = true;
	w->sync = SYNC_READY;
	hean_health_set_state(w->app->health, "running", NULL);
	waves_health_cur(w);
	w->want.written_ms = 0; /* (re)connected: a restarted Redis may have lost it */
	waves_want_update(w);
	waves_evaluate(w);
}

static void send_range(struct waves *w);

static void on_range_reply(struct hean_redis *r, redisReply *reply, void *priv)
{
	struct req *q = priv;
	struct waves *w = q->w;
	const char *f[64];
	size_t l[64];

	if (w->stopping || q->gen != w->sync_gen || w->sync != SYNC_SIGNALS) {
		free(q);
		return;
	}
	free(q);
	if (!reply || reply->type != REDIS_REPLY_ARRAY) {
		log_warn("event=rebuild_failed err=\"%s\"",
			 reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no reply");
		w->sync = SYNC_IDLE; /* the cron or the next up retries */
		return;
	}
	for (size_t i = 0; i < reply->elements; i++) {
		const redisReply *e = reply->element[i];
		const redisReply *body;
		size_t n;

		if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
		    e->element[0]->type != REDIS_REPLY_STRING) {
			continue;
		}
		snprintf(w->range_from, sizeof(w->range_from), "(%s", e->element[0]->str);
		body = e->element[1];
		if (body->type != REDIS_REPLY_ARRAY) {
			continue;
		}
		n = body->elements & ~(size_t)1;
		if (n > 64) {
			n = 64;
		}
		for (size_t k = 0; k < n; k++) {
			const redisReply *x = body->element[k];
			bool str = x->type == REDIS_REPLY_STRING;

			f[k] = str ? x->str : "";
			l[k] = str ? x->len : 0;
		}
		waves_index_entry(w, e->element[0]->str, f, l, n);
		w->range_count++;
	}
	if (reply->elements >= REBUILD_PAGE) {
		send_range(w);
		return;
	}
	log_info("event=index_rebuilt entries=%zu signals=%zu waves=%zu", w->range_count,
		 waves_index_total(w->index), waves_index_waves(w->index));
	finish_sync(w);
}

static void send_range(struct waves *w)
{
	char count[16];
	const char *av[6];
	struct req *q = req_new(w, w->sync_gen, 0);
	int rc;

	snprintf(count, sizeof(count), "%d", REBUILD_PAGE);
	av[0] = "XRANGE";
	av[1] = w->k_signals;
	av[2] = w->range_from;
	av[3] = "+";
	av[4] = "COUNT";
	av[5] = count;
	rc = q ? hean_redis_command_argv(w->app->redis, on_range_reply, q, 6, av, NULL) : -ENOMEM;
	if (rc < 0) {
		free(q);
		w->sync = SYNC_IDLE;
	}
}

static void on_marker_reply(struct hean_redis *r, redisReply *reply, void *priv)
{
	struct req *q = priv;
	struct waves *w = q->w;
	char err[160];
	bool have = false;
	int64_t last = 0;
	int rc;

	if (w->stopping || q->gen != w->sync_gen || w->sync != SYNC_MARKER) {
		free(q);
		return;
	}
	free(q);
	rc = waves_emit_parse_marker(reply, &have, &last, err, sizeof(err));
	if (rc < 0) {
		log_error("event=marker_unreadable key=%s err=\"%s\"", w->k_last_s, err);
		if (rc == -EINVAL) {
			char detail[KEY_LEN + 16];

			snprintf(detail, sizeof(detail), "%s unreadable", w->k_last_s);
			hean_health_set_detail(w->app->health, detail);
		}
		w->sync = SYNC_IDLE;
		return;
	}
	if (have && (!w->have_last || last > w->last)) {
		w->last = last;
		w->have_last = true;
	}
	w->sync = SYNC_SIGNALS;
	w->range_count = 0;
	snprintf(w->range_from, sizeof(w->range_from), "%" PRId64 "-0",
		 keep_floor(w, now_ms()) * 1000);
	send_range(w);
}

void waves_sync_start(struct waves *w)
{
	struct req *q;
	int rc;

	if (w->stopping || !w->redis_up) {
		return;
	}
	if (w->op == OP_EMIT) {
		w->unknown = true; /* resolved by the marker read below */
		w->unknown_wave = w->cur;
	}
	op_abort(w);
	w->sync_gen++;
	w->sync = SYNC_MARKER;
	q = req_new(w, w->sync_gen, 0);
	rc = q ? waves_emit_read_marker(w->app->redis, &w->keys, on_marker_reply, q) : -ENOMEM;
	if (rc < 0) {
		free(q);
		w->sync = SYNC_IDLE;
	}
}

