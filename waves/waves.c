/* waves/waves: hean-waves glue. See waves.h.
 *
 * State machine, all on the loop thread:
 *   sync   IDLE -> MARKER (MGET last_s last) -> SIGNALS (XRANGE pages) -> READY
 *          restarted on every command-link up; READY gates every decision.
 *   op     NONE -> POSITIONS (HGET batch) -> EMIT (EVAL) -> NONE
 *          one wave at a time, strictly in order: cur is the next wave to
 *          emit, it only moves forward on a DONE or STALE reply.
 * Replies carry a generation number; a reply from an abandoned sync or
 * op is ignored. A NULL emit reply (or a link loss with the EVAL in
 * flight) sets `unknown`: the next sync re-reads the marker and so learns
 * whether the EVAL was applied, never guessing. The sync machine is
 * waves/sync.c; the state both share is waves/waves_int.h. */
#include "waves/waves_int.h"
#include "common/keys.h"

#include "common/json.h"
#include "common/log.h"
#include "common/wave.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ===================== helpers ===================== */




static void wake_at(struct waves *w, int64_t ms)
{
	ev_periodic_stop(w->loop, &w->wake);
	/* half a ms late so that the clock read in the callback is >= ms */
	ev_periodic_set(&w->wake, (double)ms / 1000.0 + 0.0005, 0., 0);
	ev_periodic_start(w->loop, &w->wake);
}



void waves_health_cur(struct waves *w)
{
	struct tstr t;

	if (!w->have_cur || (w->health_cur_set && w->health_cur == w->cur)) {
		return;
	}
	w->health_cur = w->cur;
	w->health_cur_set = true;
	hean_health_set_str(w->app->health, HEAN_FIELD_WAVES_NEXT_WAVE, fmt_t(&t, w->cur * 1000)->utc);
	hean_health_set_str(w->app->health, "next_due",
			    fmt_t(&t, waves_clock_due_ms(&w->clock, w->cur))->utc);
}


static void want_soon(struct waves *w);

/* ===================== signal intake ===================== */

/* Indexes one entry (live or rebuilt). sid: the stream entry id. */
void waves_index_entry(struct waves *w, const char *sid, const char *const *f,
		       const size_t *l, size_t n)
{
	struct waves_signal s;
	char err[160];
	int64_t now = now_ms(), id_ms = 0;
	int rc;

	if (waves_signal_parse(f, l, n, &s, err, sizeof(err)) < 0) {
		log_warn("event=signal_invalid stream_id=%s err=\"%s\"", sid, err);
		hean_health_add_int(w->app->health, "signals_invalid", 1);
		return;
	}
	if (!hean_wave_is_aligned(s.wave_s, w->clock.interval_s)) {
		log_warn("event=signal_invalid stream_id=%s id=%" PRId64
			 " err=\"wave_ts not aligned to %" PRId64 " s\"",
			 sid, s.id, w->clock.interval_s);
		hean_health_add_int(w->app->health, "signals_invalid", 1);
		return;
	}
	if (s.wave_s < keep_floor(w, now) || s.wave_s > now / 1000 + WAVES_CLOCK_HORIZON_S) {
		log_debug("event=signal_out_of_horizon stream_id=%s id=%" PRId64, sid, s.id);
		return;
	}
	/* arrival = the stream id's time (when it reached Redis) */
	id_ms = strtoll(sid, NULL, 10);
	s.seen_ms = id_ms > 0 ? id_ms : now;
	rc = waves_index_add(w->index, &s);
	if (rc < 0) {
		log_warn("event=signal_dropped id=%" PRId64 " err=%d (index cap)", s.id, rc);
		hean_health_add_int(w->app->health, "signals_dropped", 1);
		return;
	}
	if (rc == 1) {
		hean_health_set_int(w->app->health, "signals_indexed",
				    (int64_t)waves_index_total(w->index));
		if (s.wave_s * 1000 >= now - (int64_t)WANT_BACK_WAVES * w->clock.interval_s * 1000) {
			want_soon(w);
		}
		if (w->have_cur && s.wave_s == w->cur) {
			waves_evaluate(w);
		}
	}
}

static void on_stream_entry(struct hean_stream *s, const struct hean_stream_entry *e, void *data)
{
	struct waves *w = data;

	if (w->stopping) {
		return; /* not acked: re-read on the next start */
	}
	if (e->fields) { /* NULL: trimmed entry, acked by common/stream */
		hean_health_msg(w->app->health);
		waves_index_entry(w, e->id, e->fields, e->lens, e->n_fields);
		(void)hean_stream_ack(s, e->id);
	}
}

/* ===================== emission ===================== */

/* The EVAL wrote wave cur (emitted or recorded as expired). */
static void emitted(struct waves *w, const char *id, const struct tstr *tw,
		    const struct tstr *td, const struct tstr *tn, int64_t now)
{
	int64_t lag = w->emit_ms - w->emit_due_ms;
	bool expired = strcmp(w->emit_reason, "expired") == 0;

	log_info("event=%s wave_ts=%s due=%s due_local=%s now=%s now_local=%s reason=%s"
		 " selected=%zu considered=%zu lag_ms=%" PRId64 " id=%s",
		 expired ? "wave_expired" : "wave_emitted", tw->utc, td->utc, td->local, tn->utc,
		 tn->local, w->emit_reason, w->emit_selected, w->emit_considered, lag, id);
	if (expired) {
		hean_health_add_int(w->app->health, HEAN_FIELD_WAVES_EXPIRED, 1);
		hean_health_event(w->app->health, "wave_expired", "wave_ts=%s due=%s", tw->utc,
				  td->utc);
	} else {
		hean_health_add_int(w->app->health, HEAN_FIELD_WAVES_PROCESSED, 1);
		if (strcmp(w->emit_reason, "empty") == 0) {
			hean_health_add_int(w->app->health, HEAN_FIELD_WAVES_EMPTY, 1);
		}
		if (lag > LATE_SLACK_MS) {
			hean_health_add_int(w->app->health, HEAN_FIELD_WAVES_LATE, 1);
		} else if (lag > w->max_lag_ms) {
			w->max_lag_ms = lag;
			hean_health_set_int(w->app->health, "max_lag_ms", lag);
		}
	}
	hean_health_set_str(w->app->health, HEAN_FIELD_WAVES_LAST_EMITTED, tw->utc);
	hean_health_set_int(w->app->health, HEAN_FIELD_WAVES_LAST_EMIT_MS, now); /* for hean-metrics */
	w->last = w->cur;
	w->have_last = true;
	w->cur += w->clock.interval_s;
}

static void on_emit_reply(struct hean_redis *r, redisReply *reply, void *priv)
{
	struct req *q = priv;
	struct waves *w = q->w;
	char id[64], err[256];
	struct tstr tw, td, tn;
	int64_t cur_marker = 0, now = now_ms();
	enum waves_emit_result res;
	bool stale_gen = q->gen != w->op_gen || w->op != OP_EMIT;

	free(q);
	if ((w->stopping && !reply) || stale_gen) {
		return;
	}
	w->op = OP_NONE;
	res = waves_emit_parse(reply, id, sizeof(id), &cur_marker, err, sizeof(err));
	fmt_t(&tw, w->cur * 1000);
	fmt_t(&td, w->emit_due_ms);
	fmt_t(&tn, now);
	switch (res) {
	case WAVES_EMIT_DONE:
		emitted(w, id, &tw, &td, &tn, now);
		break;
	case WAVES_EMIT_STALE:
		log_warn("event=wave_already_emitted wave_ts=%s marker=%s"
			 " (a previous run or another instance emitted it)",
			 tw.utc, fmt_t(&td, cur_marker * 1000)->utc);
		if (!w->have_last || cur_marker > w->last) {
			w->last = cur_marker;
			w->have_last = true;
		}
		w->cur = waves_clock_start(&w->clock, true, w->last, now, NULL);
		if (w->cur <= w->last) { /* cannot happen: start > last */
			w->cur = w->last + w->clock.interval_s;
		}
		hean_health_add_int(w->app->health, "already_emitted", 1);
		break;
	case WAVES_EMIT_UNKNOWN:
		log_warn("event=wave_emit_unknown wave_ts=%s err=\"%s\""
			 " (marker re-read after reconnect decides)",
			 tw.utc, err);
		w->unknown = true;
		w->unknown_wave = w->cur;
		if (hean_redis_is_up(w->app->redis)) {
			waves_sync_start(w);
		}
		return;
	case WAVES_EMIT_ERROR:
	default:
		log_error("event=wave_emit_failed wave_ts=%s err=\"%s\" retry_ms=%d", tw.utc, err,
			  RETRY_MS);
		wake_at(w, now + RETRY_MS);
		return;
	}
	waves_health_cur(w);
	waves_evaluate(w);
}

static bool has_position(const char *symbol, void *data)
{
	struct waves *w = data;

	for (size_t i = 0; i < w->n_pos; i++) {
		if (strcmp(w->pos[i].symbol, symbol) == 0) {
			return w->pos[i].open;
		}
	}
	return false;
}

/* Selects (or expires) the snapshot and sends the EVAL. */
static void emit_cur(struct waves *w)
{
	struct waves_selection sel;
	struct waves_emit_entry e;
	char *sig_json = NULL, *skip_json = NULL;
	struct req *q = NULL;
	int rc;

	rc = w->op_expired ? waves_select_expired(w->snap, w->n_snap, &sel)
			   : waves_select(&w->sel_cfg, w->snap, w->n_snap, has_position, w, &sel);
	if (rc < 0) {
		goto fail;
	}
	sig_json = waves_selection_signals_json(&sel);
	skip_json = waves_selection_skipped_json(&sel);
	q = req_new(w, w->op_gen, 0);
	if (!sig_json || !skip_json || !q) {
		rc = -ENOMEM;
		goto fail_sel;
	}
	memset(&e, 0, sizeof(e));
	e.wave_s = w->cur;
	e.signals_json = sig_json;
	e.skipped_json = skip_json;
	e.considered = sel.considered;
	e.reason = w->op_expired ? "expired" : waves_selection_reason(&sel);
	e.due_ms = waves_clock_due_ms(&w->clock, w->cur);
	e.emitted_ms = now_ms();
	e.minid_ms = e.emitted_ms - (int64_t)HEAN_STREAM_KEEP_MS;
	w->emit_reason = e.reason; /* static strings */
	w->emit_selected = sel.n_chosen;
	w->emit_considered = sel.considered;
	w->emit_due_ms = e.due_ms;
	w->emit_ms = e.emitted_ms;
	rc = waves_emit_send(w->app->redis, &w->keys, &e, on_emit_reply, q);
	if (rc < 0) {
		goto fail_sel;
	}
	w->op = OP_EMIT;
	free(sig_json);
	free(skip_json);
	waves_selection_finish(&sel);
	return;

fail_sel:
	free(q);
	free(sig_json);
	free(skip_json);
	waves_selection_finish(&sel);
fail:
	log_warn("event=wave_emit_not_sent wave_ts=%" PRId64 " err=%d retry_ms=%d", w->cur, rc,
		 RETRY_MS);
	op_abort(w);
	if (rc != -ENOTCONN) {
		wake_at(w, now_ms() + RETRY_MS);
	}
}

static void on_pos_reply(struct hean_redis *r, redisReply *reply, void *priv)
{
	struct req *q = priv;
	struct waves *w = q->w;
	size_t i = q->i;
	double size;

	if (w->stopping || q->gen != w->op_gen || w->op != OP_POSITIONS) {
		free(q);
		return;
	}
	free(q);
	if (!reply || reply->type == REDIS_REPLY_ERROR) {
		log_warn("event=position_read_failed symbol=%s err=\"%s\"", w->pos[i].symbol,
			 reply ? reply->str : "no reply");
		w->pos_failed = true;
	} else if (reply->type == REDIS_REPLY_STRING) {
		if (hean_parse_decimal(reply->str, reply->len, &size, 0) < 0) {
			log_warn("event=position_size_invalid symbol=%s size=\"%.40s\""
				 " (treated as open)",
				 w->pos[i].symbol, reply->str);
			w->pos[i].open = true;
		} else {
			w->pos[i].open = size > 0 || size < 0;
		}
	} /* NIL: no position */
	if (--w->pos_left > 0) {
		return;
	}
	if (w->pos_failed) {
		op_abort(w);
		if (hean_redis_is_up(w->app->redis)) {
			wake_at(w, now_ms() + RETRY_MS);
		}
		return;
	}
	emit_cur(w);
}

/* Copies cur's signals, reads positions of their symbols in one pipelined
 * batch (or goes straight to the EVAL when expired / no symbol). */
static void start_op(struct waves *w, bool expired)
{
	const struct waves_signal *sigs;
	size_t n;

	sigs = waves_index_wave(w->index, w->cur, &n);
	if (n > w->cap_snap) {
		struct waves_signal *s = realloc(w->snap, n * sizeof(*s));
		struct pos *p = realloc(w->pos, n * sizeof(*p));

		if (s) {
			w->snap = s;
		}
		if (p) {
			w->pos = p;
		}
		if (!s || !p) {
			log_error("event=oom what=snapshot n=%zu", n);
			wake_at(w, now_ms() + RETRY_MS);
			return;
		}
		w->cap_snap = n;
	}
	if (n) {
		memcpy(w->snap, sigs, n * sizeof(*sigs));
	}
	w->n_snap = n;
	w->n_pos = 0;
	w->pos_failed = false;
	w->op_expired = expired;
	w->op_gen++;
	w->op = OP_POSITIONS;
	if (!expired) {
		for (size_t i = 0; i < n; i++) {
			const struct waves_signal *s = &w->snap[i];
			bool seen = false;

			if (!s->symbol_ok || hean_config_blacklisted(&w->app->cfg, s->symbol)) {
				continue;
			}
			for (size_t k = 0; k < w->n_pos && !seen; k++) {
				seen = strcmp(w->pos[k].symbol, s->symbol) == 0;
			}
			if (!seen) {
				snprintf(w->pos[w->n_pos].symbol, sizeof(w->pos[0].symbol), "%s",
					 s->symbol);
				w->pos[w->n_pos].open = false;
				w->n_pos++;
			}
		}
	}
	w->pos_left = w->n_pos;
	for (size_t i = 0; i < w->n_pos; i++) {
		char key[KEY_LEN];
		struct req *q = req_new(w, w->op_gen, i);
		int rc;

		hean_app_key(w->app, key, sizeof(key), HEAN_KEY_POSITION, w->pos[i].symbol);
		rc = q ? hean_redis_command(w->app->redis, on_pos_reply, q, "HGET %s " HEAN_FIELD_SIZE, key)
		       : -ENOMEM;
		if (rc < 0) {
			/* replies already requested are dropped by the gen check */
			free(q);
			log_warn("event=position_read_not_sent err=%d", rc);
			op_abort(w);
			if (rc != -ENOTCONN) {
				wake_at(w, now_ms() + RETRY_MS);
			}
			return;
		}
	}
	if (w->n_pos == 0) {
		emit_cur(w);
	}
}

/* ===================== wanted symbols ===================== */

/* The symbols of the signals of the current wave (the slot now is in:
 * floor(now / interval) * interval) and of the next one, plus those of
 * the wave still waiting for its due time (cur, a slot or more behind
 * when HEAN_WAVE_DELAY_S > 0): the feed streams them, so prices are
 * fresh when the executor trades them. Only what is known (signals
 * indexed so far); invalid and blacklisted symbols are left out. Written
 * by common/want when the set changed or the refresh is due; nothing
 * before the first sync (the index is not rebuilt yet). */
void waves_want_update(struct waves *w)
{
	int64_t now = now_ms(), iv = w->clock.interval_s;
	int64_t slot = hean_wave_of(now / 1000, iv), lo = slot;

	if (w->stopping || !w->started_ready || !w->want.syms) {
		return;
	}
	if (w->have_cur && w->cur < slot && w->cur >= slot - (int64_t)WANT_BACK_WAVES * iv &&
	    waves_clock_phase(&w->clock, w->cur, now) != WAVES_CLOCK_EXPIRED) {
		lo = w->cur;
	}
	hean_want_clear(&w->want);
	for (int64_t wv = lo; wv <= slot + iv; wv += iv) {
		size_t n;
		const struct waves_signal *sig = waves_index_wave(w->index, wv, &n);

		for (size_t i = 0; i < n; i++) {
			if (!sig[i].symbol_ok ||
			    hean_config_blacklisted(&w->app->cfg, sig[i].symbol)) {
				continue;
			}
			if (!hean_want_add(&w->want, sig[i].symbol)) {
				log_warn("event=want_full max=%d wave_ts=%" PRId64, HEAN_WANT_MAX,
					 wv);
				break;
			}
		}
	}
	(void)hean_want_flush(&w->want, now);
	hean_health_set_int(w->app->health, "want_writes", (int64_t)w->want.writes);
	hean_health_set_int(w->app->health, "want_errors", (int64_t)w->want.write_errors);
}

static void on_want_soon(struct ev_loop *loop, ev_timer *t, int revents)
{
	waves_want_update(t->data);
}

/* A signal of a wanted wave arrived: rebuild shortly (once per burst). */
static void want_soon(struct waves *w)
{
	if (!ev_is_active(&w->want_soon) && !w->stopping) {
		ev_timer_set(&w->want_soon, WANT_SOON_S, 0.);
		ev_timer_start(w->loop, &w->want_soon);
	}
}

/* ===================== the clock ===================== */

/* Decides what to do with cur now. Called on every wake, signal for cur,
 * reply, sync and cron tick; cheap and idempotent. */
void waves_evaluate(struct waves *w)
{
	struct tstr tw, td, tn, tl;
	int64_t now, due, deadline, seen;
	size_t n;

	if (w->stopping || w->sync != SYNC_READY || w->op != OP_NONE || !w->have_cur) {
		return;
	}
	now = now_ms();
	waves_health_cur(w);
	due = waves_clock_due_ms(&w->clock, w->cur);
	deadline = waves_clock_deadline_ms(&w->clock, w->cur);
	switch (waves_clock_phase(&w->clock, w->cur, now)) {
	case WAVES_CLOCK_NOT_DUE:
		if (w->logged_sched != w->cur) {
			w->logged_sched = w->cur;
			waves_index_wave(w->index, w->cur, &n);
			log_info("event=wave_scheduled wave_ts=%s due=%s due_local=%s now=%s"
				 " now_local=%s signals=%zu",
				 fmt_t(&tw, w->cur * 1000)->utc, fmt_t(&td, due)->utc, td.local,
				 fmt_t(&tn, now)->utc, tn.local, n);
		}
		wake_at(w, due);
		return;
	case WAVES_CLOCK_EXPIRED:
		start_op(w, true);
		return;
	case WAVES_CLOCK_OPEN:
	default:
		break;
	}
	waves_index_wave(w->index, w->cur, &n);
	if (n == 0) {
		if (w->logged_wait != w->cur) {
			w->logged_wait = w->cur;
			log_warn("event=wave_waiting wave_ts=%s due=%s due_local=%s now=%s"
				 " now_local=%s deadline=%s reason=\"no signals yet\"",
				 fmt_t(&tw, w->cur * 1000)->utc, fmt_t(&td, due)->utc, td.local,
				 fmt_t(&tn, now)->utc, tn.local, fmt_t(&tl, deadline)->utc);
		}
		wake_at(w, deadline + 1);
		return;
	}
	/* Late signals: give the rest of the wave a moment to arrive, but never
	 * past the deadline (a settle that would overrun it waits until the
	 * deadline instead of processing a partial wave at once). */
	seen = waves_index_last_seen_ms(w->index, w->cur);
	if (seen > due) {
		/* stop settling a little before the deadline: a wake that lands
		 * past it would find the wave expired with its signals in hand */
		int64_t cap = deadline - SETTLE_GUARD_MS;
		int64_t settle = seen + SETTLE_MS < cap ? seen + SETTLE_MS : cap;

		if (now < settle) {
			wake_at(w, settle);
			return;
		}
	}
	start_op(w, false);
}

static void on_wake(struct ev_loop *loop, ev_periodic *p, int revents)
{
	waves_evaluate(p->data);
}

static void on_cron(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct waves *w = t->data;
	size_t dropped;

	if (w->stopping) {
		return;
	}
	if (w->redis_up && w->sync == SYNC_IDLE) {
		waves_sync_start(w);
	}
	dropped = waves_index_prune(w->index, keep_floor(w, now_ms()));
	if (dropped) {
		log_debug("event=index_pruned dropped=%zu", dropped);
		hean_health_set_int(w->app->health, "signals_indexed",
				    (int64_t)waves_index_total(w->index));
	}
	waves_evaluate(w); /* safety net; the periodic does the timing */
	waves_want_update(w); /* the slot moves on; refresh */
}

/* ===================== lifecycle ===================== */

static struct waves *create(struct hean_app *app)
{
	struct waves *w = calloc(1, sizeof(*w));
	const struct hean_config *cfg = &app->cfg;

	if (!w) {
		return NULL;
	}
	w->app = app;
	w->loop = app->loop.loop;
	waves_clock_init(&w->clock, cfg->wave_interval_s, cfg->wave_delay_s, cfg->wave_max_late_s);
	w->sel_cfg.min_score = cfg->wave_min_score;
	w->sel_cfg.max_trades = cfg->wave_max_trades;
	w->sel_cfg.blacklist = (const char *const *)cfg->blacklist;
	w->sel_cfg.n_blacklist = cfg->n_blacklist;
	w->index = waves_index_create(MAX_PER_WAVE, MAX_TOTAL);
	if (!w->index) {
		free(w);
		return NULL;
	}
	hean_app_key(app, w->k_signals, sizeof(w->k_signals), HEAN_KEY_SIGNALS);
	hean_app_key(app, w->k_waves, sizeof(w->k_waves), HEAN_KEY_WAVES);
	hean_app_key(app, w->k_last, sizeof(w->k_last), HEAN_KEY_WAVE_LAST);
	hean_app_key(app, w->k_last_s, sizeof(w->k_last_s), HEAN_KEY_WAVE_LAST_S);
	w->keys.stream = w->k_waves;
	w->keys.last = w->k_last;
	w->keys.last_s = w->k_last_s;
	if (hean_want_init(&w->want, cfg, app->redis, "waves") < 0) {
		waves_index_destroy(w->index);
		free(w);
		return NULL;
	}
	w->logged_sched = w->logged_wait = INT64_MIN;
	ev_periodic_init(&w->wake, on_wake, 0., 0., 0);
	w->wake.data = w;
	ev_timer_init(&w->cron, on_cron, 1., 1.);
	w->cron.data = w;
	ev_timer_init(&w->want_soon, on_want_soon, WANT_SOON_S, 0.);
	w->want_soon.data = w;
	return w;
}

static int start(struct waves *w)
{
	struct hean_stream_options so;

	memset(&so, 0, sizeof(so));
	so.url = w->app->cfg.redis_url;
	so.key = w->k_signals;
	so.group = HEAN_GROUP_WAVES;
	so.consumer = w->app->cfg.proc_name;
	so.start_id = "0";
	so.count = 100;
	so.block_ms = 1000;
	so.on_entry = on_stream_entry;
	so.data = w;
	w->stream = hean_stream_create(w->loop, w->app->redis, &so);
	if (!w->stream) {
		return -ENOMEM;
	}
	ev_timer_start(w->loop, &w->cron);
	hean_health_set_int(w->app->health, "want_writes", 0);
	hean_health_set_int(w->app->health, "want_errors", 0);
	log_info("event=waves_config interval_s=%" PRId64 " delay_s=%" PRId64
		 " max_late_s=%" PRId64 " max_trades=%d min_score=%g blacklist=%zu",
		 w->clock.interval_s, w->clock.delay_s, w->clock.max_late_s,
		 w->sel_cfg.max_trades, w->sel_cfg.min_score, w->sel_cfg.n_blacklist);
	return 0;
}

void waves_app_close(struct waves *w)
{
	if (!w || w->stopping) {
		return;
	}
	w->stopping = true;
	ev_periodic_stop(w->loop, &w->wake);
	ev_timer_stop(w->loop, &w->cron);
	ev_timer_stop(w->loop, &w->want_soon);
	hean_stream_destroy(w->stream);
	w->stream = NULL;
}

static void on_redis(struct hean_app *app, bool up, void *data)
{
	struct waves *w = data;

	w->redis_up = up;
	if (w->stopping) {
		return;
	}
	if (up) {
		waves_sync_start(w);
		return;
	}
	if (w->op == OP_EMIT) {
		w->unknown = true;
		w->unknown_wave = w->cur;
	}
	op_abort(w);
	w->sync = SYNC_IDLE;
	w->sync_gen++;
	ev_periodic_stop(w->loop, &w->wake);
	hean_health_set_state(w->app->health, "redis_down", NULL);
}

void waves_app_destroy(struct waves *w)
{
	if (!w) {
		return;
	}
	/* waves_app_close ran before the loop was destroyed; the stream is gone */
	waves_index_destroy(w->index);
	hean_want_finish(&w->want); /* after hean_app_finish: no reply due */
	free(w->snap);
	free(w->pos);
	free(w);
}

static void on_stop(struct hean_app *app, void *data)
{
	waves_app_close(data);
}

struct waves *waves_app_start(struct hean_app *app)
{
	struct waves *w = create(app);
	int rc;

	if (!w) {
		log_error("event=start_failed what=waves err=\"out of memory\"");
		return NULL;
	}
	hean_app_hook(app, on_stop, on_redis, w);
	rc = start(w);
	if (rc < 0) {
		log_error("event=start_failed what=stream err=%d", rc);
		hean_app_unhook(app);
		waves_app_close(w);
		waves_app_destroy(w);
		return NULL;
	}
	return w;
}
