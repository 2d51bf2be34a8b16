/* feed/session: see session.h. Every decision lives in a pure module; this
 * file only moves events between common/ws, common/redis, the timers and
 * those modules, and reports through common/health. */
#include "feed/session.h"

#include "common/log.h"
#include "common/timeutil.h"
#include "feed/parse.h"
#include "feed/report.h"
#include "feed/subs.h"
#include "feed/universe.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TICK_S 0.25
#define QUEUE_CAP 65536           /* XADDs kept while Redis is down */
#define INFLIGHT_HIGH 8000        /* pause WebSocket reads above this ... */
#define INFLIGHT_LOW 2000         /* ... resume below this */
#define SUBSCRIBE_TIMEOUT_MIN_S 10
#define FIN_MAX_S 1.0             /* shutdown: wait this long for close frames */
#define FEED_CONN_GAP_S 0.2       /* at most one new connection per this */
#define PLAN_MAX 256              /* changes applied per tick */
#define GONE_MS 30000             /* ticks of a dropped symbol expected this long */
#define REJECT_RETRY_MS 3600000   /* a refused symbol is retried after an hour */

static const char ping_text[] = "{\"op\":\"ping\"}";

/* ======================= small helpers =================================== */

static int64_t now_ms(const struct feed_app *f)
{
	return (int64_t)(ev_now(f->app->loop.loop) * 1000.0);
}

/* true when a line may be logged now; *suppressed is how many were not. */
static bool loglimit_ok(struct feed_app *f, struct feed_loglimit *l, uint64_t *suppressed)
{
	double now = ev_now(f->app->loop.loop);
	if (now - l->last < 1.0) {
		l->suppressed++;
		return false;
	}
	*suppressed = l->suppressed;
	l->suppressed = 0;
	l->last = now;
	return true;
}

/* ======================= Redis side ====================================== */

static void set_paused(struct feed_app *f, bool pause)
{
	if (f->rx_paused == pause) {
		return;
	}
	f->rx_paused = pause;
	if (pause) {
		f->pauses++;
	}
	for (size_t i = 0; i < f->n_sess; i++) {
		hean_ws_rx_pause(f->sess[i].ws, pause);
	}
}

/* The XADD reply. Replies come back in the order the commands were sent
 * (exactly one callback each, NULL included), so each XADD's recv_us waits
 * in a FIFO: no allocation and no global per command. */
static void xadd_done(struct hean_redis *r, redisReply *reply, void *priv)
{
	struct feed_app *f = priv;
	int64_t recv_us = 0;
	uint64_t sup;

	if (f->fifo_n > 0) {
		recv_us = f->fifo[f->fifo_head];
		f->fifo_head = (f->fifo_head + 1) & (FEED_FIFO - 1);
		f->fifo_n--;
	}
	if (reply == NULL) {
		f->lost++; /* outcome unknown: link lost or deadline */
	} else if (reply->type == REDIS_REPLY_ERROR) {
		f->xadd_errors++;
		if (loglimit_ok(f, &f->ll_redis, &sup)) {
			log_warn("event=xadd_error err=\"%.160s\" suppressed=%" PRIu64, reply->str,
				 sup);
		}
	} else {
		int64_t d = hean_time_now_us() - recv_us;
		f->acked++;
		f->lat[feed_lat_bucket(d > 0 ? (uint64_t)d : 0)]++;
		f->lat_n++;
		hean_hist_observe(&f->hist, (double)d / 1000.0);
	}
	if (f->rx_paused && hean_redis_in_flight(r) < INFLIGHT_LOW) {
		set_paused(f, false);
	}
}

static int sink_send(void *ctx, const char *cmd, size_t len, int64_t xadd_recv_us)
{
	struct feed_app *f = ctx;
	int rc;
	if (xadd_recv_us == 0) {
		return hean_redis_command_raw(f->app->redis, NULL, NULL, cmd, len);
	}
	if (f->fifo_n == FEED_FIFO) {
		return -ENOBUFS; /* never with the default in-flight cap (10000) */
	}
	rc = hean_redis_command_raw(f->app->redis, xadd_done, f, cmd, len);
	if (rc == 0) {
		f->fifo[(f->fifo_head + f->fifo_n) & (FEED_FIFO - 1)] = xadd_recv_us;
		f->fifo_n++;
	}
	return rc;
}

static void on_redis(struct hean_app *app, bool up, void *data)
{
	struct feed_app *f = data;
	if (up) {
		log_info("event=redis_up queued=%zu resync_symbols=%zu", f->pub.count, f->book.live);
		feed_pub_resync(&f->pub);
		feed_pub_flush(&f->pub);
	} else {
		log_warn("event=redis_down queued=%zu (WebSocket stays up; queue bounded at %d)",
			 f->pub.count, QUEUE_CAP);
		set_paused(f, false);
	}
}

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct feed_app *f = w->data;
	if ((f->pub.count > 0 || f->pub.n_dirty > 0) && hean_redis_is_up(f->app->redis)) {
		feed_pub_flush(&f->pub);
	}
}

/* ======================= WebSocket side ================================== */

static void detach(struct feed_app *f, struct feed_ticker *t, bool unsubscribe);

/* A subscribe answered with an error (an unknown or delisted symbol): the
 * symbol alone is dropped and held out for an hour; logged once. */
static void reject(struct feed_session *s, const struct feed_msg *m)
{
	struct feed_app *f = s->f;
	struct feed_ticker *t = feed_book_find(&f->book, m->req_id, strlen(m->req_id));
	const char *topic = strstr(m->ret_msg, "tickers.");

	if (t == NULL && topic != NULL) {
		/* no req_id echoed: the refused topic is named in ret_msg */
		size_t n = strspn(topic + 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
		t = feed_book_find(&f->book, topic + 8, n);
	}
	f->sub_errors++;
	if (t == NULL || t->conn != s->idx) {
		log_warn("event=subscribe_failed conn=%u req_id=%s ret_msg=\"%s\"", s->idx,
			 m->req_id, m->ret_msg);
		return;
	}
	f->rejected++;
	log_warn("event=symbol_rejected conn=%u symbol=%s ret_msg=\"%s\" retry_s=%d action=drop",
		 s->idx, t->symbol, m->ret_msg, REJECT_RETRY_MS / 1000);
	hean_health_event(f->app->health, "symbol_rejected", "conn=%u symbol=%s ret_msg=%s",
			  s->idx, t->symbol, m->ret_msg);
	feed_uni_reject(&f->uni, t->symbol, now_ms(f));
	detach(f, t, false);
}

static void handle_reply(struct feed_session *s, const struct feed_msg *m)
{
	struct feed_app *f = s->f;
	if (m->pong) {
		return;
	}
	if (strcmp(m->op, "unsubscribe") == 0) {
		if (m->success != 1) {
			f->unsub_errors++;
			log_info("event=unsubscribe_failed conn=%u req_id=%s ret_msg=\"%s\"", s->idx,
				 m->req_id, m->ret_msg);
		}
		return;
	}
	if (strcmp(m->op, "subscribe") != 0) {
		return;
	}
	if (m->success != 1 && strstr(m->ret_msg, "already subscribed") == NULL) {
		reject(s, m);
	}
	if (s->acks_pending > 0) {
		s->acks_pending--;
	}
	if (s->acks_pending == 0 && s->state == FEED_SESS_SUBSCRIBING) {
		s->state = FEED_SESS_STREAMING;
		hean_ws_backoff_reset(s->ws);
		log_info("event=streaming conn=%u symbols=%zu", s->idx, s->n_syms);
		feed_report_state(f, NULL);
	}
}

static void report_bad(struct feed_session *s, const struct feed_msg *m, size_t len)
{
	struct feed_app *f = s->f;
	uint64_t sup;

	switch (m->bad) {
	case FEED_BAD_FIELD:
		f->bad_fields++;
		break;
	case FEED_BAD_TOPIC:
		f->unknown_topics++;
		/* fall through */
	default:
		f->bad_frames++;
	}
	if (loglimit_ok(f, &f->ll_bad, &sup)) {
		log_warn("event=bad_frame conn=%u kind=%s why=\"%s\" len=%zu suppressed=%" PRIu64,
			 s->idx, feed_bad_name(m->bad), m->why, len, sup);
	}
}

static bool recently_gone(const struct feed_app *f, const char *sym)
{
	int64_t now = now_ms(f);
	for (size_t i = 0; i < FEED_GONE; i++) {
		if (f->gone[i].ms != 0 && now - f->gone[i].ms < GONE_MS &&
		    strcmp(f->gone[i].sym, sym) == 0) {
			return true;
		}
	}
	return false;
}

static void on_message(struct hean_ws *ws, const char *msg, size_t len, void *data)
{
	struct feed_session *s = data;
	struct feed_app *f = s->f;
	struct feed_msg m;
	struct feed_ticker *t;
	uint64_t sup;

	f->msgs++;
	enum feed_msg_kind k = feed_parse_fast(msg, len, &m);
	if (k == FEED_MSG_FALLBACK) {
		k = feed_parse_slow(msg, len, &m);
	} else {
		f->fast_msgs++;
	}
	if (k == FEED_MSG_BAD) {
		report_bad(s, &m, len);
		return;
	}
	hean_health_msg(f->app->health);
	if (k == FEED_MSG_REPLY) {
		handle_reply(s, &m);
		return;
	}
	switch (feed_book_apply(&f->book, &m, hean_ws_rx_us(ws), &t)) {
	case FEED_MERGE_OK: {
		int64_t now = now_ms(f);
		int64_t silent = now - t->stale.last_ms;
		if (feed_stale_touch(&t->stale, now)) {
			log_info("event=resumed symbol=%s silent_ms=%" PRId64, t->symbol, silent);
			hean_health_event(f->app->health, "resumed", "symbol=%s silent_ms=%" PRId64,
					  t->symbol, silent);
			feed_report_state(f, NULL);
		}
		feed_pub_tick(&f->pub, t);
		if (!f->rx_paused && hean_redis_is_up(f->app->redis) &&
		    hean_redis_in_flight(f->app->redis) > INFLIGHT_HIGH) {
			set_paused(f, true);
		}
		break;
	}
	case FEED_MERGE_NO_SNAPSHOT:
		f->dbs++;
		break;
	case FEED_MERGE_UNKNOWN_SYMBOL:
		if (recently_gone(f, m.symbol)) {
			f->late_ticks++; /* unsubscribed a moment ago: expected */
			break;
		}
		f->unknown_syms++;
		if (loglimit_ok(f, &f->ll_sym, &sup)) {
			log_warn("event=unknown_symbol conn=%u symbol=%s suppressed=%" PRIu64, s->idx,
				 m.symbol, sup);
		}
		break;
	}
}

static void on_open(struct hean_ws *ws, void *data)
{
	struct feed_session *s = data;
	struct feed_app *f = s->f;
	char frame[128];

	s->open_ms = now_ms(f);
	s->sub_sent_ms = s->open_ms;
	s->state = FEED_SESS_SUBSCRIBING;
	s->acks_pending = s->n_syms;
	feed_book_invalidate_conn(&f->book, s->idx); /* every symbol needs a new snapshot */
	if (s->n_syms == 0) {
		s->state = FEED_SESS_STREAMING; /* nothing to subscribe (yet) */
	}
	log_info("event=connected conn=%u symbols=%zu", s->idx, s->n_syms);
	hean_health_event(f->app->health, "connected", "conn=%u symbols=%zu", s->idx, s->n_syms);
	feed_report_state(f, NULL);
	for (size_t i = 0; i < s->n_syms; i++) {
		int n = feed_subs_frame(frame, sizeof(frame), f->book.t[s->syms[i]].symbol);
		if (n < 0 || hean_ws_send(ws, frame, (size_t)n) < 0) {
			/* -ENOBUFS already dropped the link; -ENOTCONN: it is gone */
			log_warn("event=subscribe_send_failed conn=%u symbol=%s", s->idx,
				 f->book.t[s->syms[i]].symbol);
			return;
		}
	}
}

static void on_close(struct hean_ws *ws, int code, const char *reason, void *data)
{
	struct feed_session *s = data;
	struct feed_app *f = s->f;
	bool was_up = s->open_ms != 0;

	s->state = FEED_SESS_DISCONNECTED;
	s->open_ms = 0;
	feed_book_invalidate_conn(&f->book, s->idx);
	snprintf(s->close_detail, sizeof(s->close_detail), "conn=%u code=%d reason=%s", s->idx,
		 code, reason);
	if (f->stopping) {
		return;
	}
	if (strcmp(hean_health_state(f->app->health), "disconnected") == 0) {
		/* state unchanged: no automatic event, so write our own */
		hean_health_event(f->app->health, "disconnected", "%s", s->close_detail);
	} else {
		feed_report_state(f, s->close_detail);
	}
	if (was_up) {
		log_warn("event=disconnected conn=%u code=%d reason=\"%s\"", s->idx, code, reason);
	}
}

static void on_reconnecting(struct hean_ws *ws, uint32_t delay_ms, void *data)
{
	struct feed_session *s = data;
	struct feed_app *f = s->f;
	if (f->stopping) {
		return;
	}
	hean_health_inc_reconnects(f->app->health);
	hean_health_event(f->app->health, "reconnecting", "conn=%u delay_ms=%u", s->idx, delay_ms);
}

static void on_connecting(struct hean_ws *ws, void *data)
{
	struct feed_session *s = data;

	if (s->f->stopping || s->state != FEED_SESS_DISCONNECTED) {
		return;
	}
	s->state = FEED_SESS_CONNECTING;
	feed_report_state(s->f, NULL);
}

static const struct hean_ws_ops ws_ops = {
	.on_open = on_open,
	.on_message = on_message,
	.on_close = on_close,
	.on_reconnecting = on_reconnecting,
	.on_connecting = on_connecting,
};

/* ======================= symbols <-> connections ========================= */

static struct feed_session *session_new(struct feed_app *f)
{
	const struct hean_config *cfg = &f->app->cfg;
	struct hean_ws_config wc = {0};
	struct feed_session *s;
	char name[32];

	if (f->n_sess == FEED_MAX_CONNS || f->stopping) {
		return NULL;
	}
	s = &f->sess[f->n_sess];
	memset(s, 0, sizeof(*s));
	s->f = f;
	s->idx = (uint32_t)f->n_sess;
	s->max_syms = (size_t)cfg->feed_conn_symbols;
	s->syms = calloc(s->max_syms, sizeof(*s->syms));
	s->stale = calloc(s->max_syms, sizeof(*s->stale));
	snprintf(name, sizeof(name), "public%u", s->idx);
	wc.url = cfg->ws_public;
	wc.name = name;
	wc.ping_interval_s = cfg->ping_interval_s;
	wc.ping_text = ping_text;
	wc.liveness_s = cfg->liveness_timeout_s;
	wc.tls_insecure = cfg->tls_insecure;
	if (s->syms != NULL && s->stale != NULL) {
		s->ws = hean_ws_create(f->wsctx, &wc, &ws_ops, s);
	}
	if (s->ws == NULL) {
		free(s->syms);
		free(s->stale);
		memset(s, 0, sizeof(*s));
		return NULL;
	}
	f->n_sess++;
	return s; /* started by start_pending, FEED_CONN_GAP_S apart */
}

/* Puts t on the first connection with room, or a new one; subscribes at
 * once when that connection is open. Returns 0 or -ENOSPC. */
static int attach(struct feed_app *f, struct feed_ticker *t)
{
	struct feed_session *s = NULL;
	char frame[128];
	int n;

	for (size_t c = 0; c < f->n_sess && s == NULL; c++) {
		struct feed_session *k = &f->sess[c];
		if (feed_subs_fits(k->args_used, k->n_syms, t->symbol, FEED_ARGS_LIMIT, k->max_syms)) {
			s = k;
		}
	}
	if (s == NULL && (s = session_new(f)) == NULL) {
		return -ENOSPC;
	}
	t->conn = s->idx;
	s->stale[s->n_syms] = &t->stale;
	s->syms[s->n_syms++] = t->idx;
	s->args_used += feed_subs_topic_cost(t->symbol);
	if (s->open_ms == 0) {
		return 0; /* subscribed with the others when it opens */
	}
	n = feed_subs_frame(frame, sizeof(frame), t->symbol);
	if (n > 0 && hean_ws_send(s->ws, frame, (size_t)n) == 0) {
		s->acks_pending++;
		s->sub_sent_ms = now_ms(f);
	} else {
		log_warn("event=subscribe_send_failed conn=%u symbol=%s", s->idx, t->symbol);
	}
	return 0;
}

/* Takes t off its connection (unsubscribing it there when asked and
 * open) and out of the book and the publisher. */
static void detach(struct feed_app *f, struct feed_ticker *t, bool unsubscribe)
{
	struct feed_session *s = t->conn < f->n_sess ? &f->sess[t->conn] : NULL;
	char frame[128];
	int n;

	for (size_t i = 0; s != NULL && i < s->n_syms; i++) {
		if (s->syms[i] != t->idx) {
			continue;
		}
		s->n_syms--;
		s->syms[i] = s->syms[s->n_syms];
		s->stale[i] = s->stale[s->n_syms];
		s->args_used -= feed_subs_topic_cost(t->symbol);
		if (unsubscribe && s->open_ms != 0) {
			n = feed_subs_unframe(frame, sizeof(frame), t->symbol);
			if (n > 0) {
				hean_ws_send(s->ws, frame, (size_t)n);
			}
		}
		break;
	}
	snprintf(f->gone[f->gone_next].sym, sizeof(f->gone[0].sym), "%s", t->symbol);
	f->gone[f->gone_next].ms = now_ms(f);
	f->gone_next = (f->gone_next + 1) % FEED_GONE;
	feed_pub_forget(&f->pub, t->idx);
	feed_book_remove(&f->book, t);
}

static const char *src_names(uint8_t src, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s%s", src & FEED_UNI_STATIC ? "+static" : "",
		 src & FEED_UNI_LISTED ? "+listed" : "", src & FEED_UNI_WANTED ? "+wanted" : "");
	return buf[0] ? buf + 1 : "none";
}

/* Applies the universe's changes: new symbols attached (and subscribed
 * where their connection is open), unwanted ones unsubscribed. */
static void apply_plan(struct feed_app *f)
{
	struct feed_uni_change ch[PLAN_MAX];
	int64_t now = now_ms(f);
	size_t n = feed_uni_plan(&f->uni, now, ch, PLAN_MAX);
	char why[40];
	size_t added = 0, dropped = 0;

	for (size_t i = 0; i < n; i++) {
		struct feed_ticker *t = NULL;
		if (ch[i].action == FEED_UNI_DROP) {
			t = feed_book_find(&f->book, ch[i].sym, strlen(ch[i].sym));
			if (t != NULL) {
				log_info("event=unsubscribe symbol=%s conn=%u", t->symbol, t->conn);
				detach(f, t, true);
				f->dropped_syms++;
				dropped++;
			}
			continue;
		}
		if (feed_book_add(&f->book, ch[i].sym, now, &t) < 0 || attach(f, t) < 0) {
			log_warn("event=symbol_not_added symbol=%s why=\"%s\" symbols=%zu "
				 "connections=%zu",
				 ch[i].sym, t ? "no connection left" : "symbol table full", f->book.live,
				 f->n_sess);
			if (t != NULL) {
				feed_book_remove(&f->book, t);
			}
			feed_uni_reject(&f->uni, ch[i].sym, now);
			continue;
		}
		f->added++;
		added++;
		if ((ch[i].src & FEED_UNI_WANTED) || f->src.instr_reads > 1) {
			log_info("event=subscribe symbol=%s conn=%u source=%s", t->symbol, t->conn,
				 src_names(ch[i].src, why, sizeof(why)));
		}
	}
	if (n > 0) {
		log_info("event=symbols_changed added=%zu dropped=%zu symbols=%zu connections=%zu",
			 added, dropped, f->book.live, f->n_sess);
		feed_report_state(f, NULL);
	}
}

/* Starts connections created since the last call, one per FEED_CONN_GAP_S
 * (a universe of hundreds of symbols never opens its connections at once). */
static void start_pending(struct feed_app *f)
{
	double now = ev_now(f->app->loop.loop);

	for (size_t c = 0; c < f->n_sess; c++) {
		struct feed_session *s = &f->sess[c];
		if (s->started) {
			continue;
		}
		if (now - f->last_conn_open < FEED_CONN_GAP_S) {
			return;
		}
		s->started = true;
		s->state = FEED_SESS_CONNECTING;
		f->last_conn_open = now;
		hean_ws_start(s->ws);
		feed_report_state(f, NULL);
	}
}

/* ======================= periodic work =================================== */

static void check_stale(struct feed_app *f, int64_t now)
{
	bool changed = false;
	for (size_t i = 0; i < f->book.n; i++) {
		struct feed_ticker *t = &f->book.t[i];
		if (t->used && feed_stale_check(&t->stale, now, f->stale_ms)) {
			changed = true;
			log_warn("event=stale symbol=%s silent_ms=%" PRId64, t->symbol,
				 now - t->stale.last_ms);
			hean_health_event(f->app->health, "stale", "symbol=%s silent_ms=%" PRId64,
					  t->symbol, now - t->stale.last_ms);
		}
	}
	if (changed) {
		feed_report_state(f, NULL);
	}
	for (size_t i = 0; i < f->n_sess; i++) {
		struct feed_session *s = &f->sess[i];
		if (s->open_ms == 0 ||
		    !feed_stale_conn_dead(s->stale, s->n_syms, now, f->stale_ms, s->open_ms)) {
			continue;
		}
		log_warn("event=all_stale conn=%u symbols=%zu action=reconnect", s->idx, s->n_syms);
		hean_health_event(f->app->health, "all_stale", "conn=%u symbols=%zu", s->idx,
				  s->n_syms);
		s->open_ms = 0; /* once per session */
		hean_ws_drop(s->ws, 1000, "all symbols stale");
	}
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct feed_app *f = w->data;
	int64_t now = now_ms(f);

	for (size_t i = 0; i < f->n_sess; i++) {
		struct feed_session *s = &f->sess[i];
		int limit_s = f->app->cfg.liveness_timeout_s > SUBSCRIBE_TIMEOUT_MIN_S ?
				      f->app->cfg.liveness_timeout_s :
				      SUBSCRIBE_TIMEOUT_MIN_S;
		if (s->acks_pending > 0 && s->open_ms != 0 &&
		    now - s->sub_sent_ms > (int64_t)limit_s * 1000) {
			log_warn("event=subscribe_timeout conn=%u pending=%zu", s->idx,
				 s->acks_pending);
			s->open_ms = 0;
			hean_ws_drop(s->ws, 1000, "subscribe not acknowledged");
		}
	}
	feed_sources_poll(&f->src);
	apply_plan(f);
	start_pending(f);
	check_stale(f, now);
	feed_report_counters(f);
}

/* ======================= lifecycle ======================================= */

/* hean_ws_ctx_shutdown's release: every connection is down (or the
 * deadline passed); we are outside any lws callback. */
static void release_ws(void *data)
{
	struct feed_app *f = data;
	for (size_t i = 0; i < f->n_sess; i++) {
		hean_ws_destroy(f->sess[i].ws);
		f->sess[i].ws = NULL;
	}
	f->wsctx = NULL; /* destroyed by hean_ws_ctx_shutdown right after */
}

static void on_stop(struct hean_app *app, void *data)
{
	struct feed_app *f = data;
	struct ev_loop *loop = app->loop.loop;

	f->stopping = true;
	feed_sources_stop(&f->src);
	ev_timer_stop(loop, &f->tick);
	ev_prepare_stop(loop, &f->flush);
	feed_pub_flush(&f->pub);
	feed_report_counters(f);
	hean_ws_ctx_shutdown(f->wsctx, FIN_MAX_S, release_ws, f);
}

/* The body of feed_app_start: 0 or a negative errno (logged). */
static int start(struct feed_app *f, struct hean_app *app)
{
	const struct hean_config *cfg = &app->cfg;
	struct ev_loop *loop = app->loop.loop;
	int rc;

	f->app = app;
	f->stale_ms = (int64_t)cfg->stale_s * 1000;
	rc = feed_book_init(&f->book, NULL, 0, hean_time_now_ms());
	if (rc == 0) {
		rc = feed_uni_init(&f->uni, FEED_BOOK_CAP + 1024,
				   (int64_t)cfg->feed_unsub_grace_s * 1000, REJECT_RETRY_MS);
	}
	f->sess = calloc(FEED_MAX_CONNS, sizeof(*f->sess));
	if (rc < 0 || f->sess == NULL) {
		log_error("event=start_failed what=memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_symbols; i++) {
		if (strcmp(cfg->symbols[i], "ALL") == 0) {
			f->all = true;
		} else if (feed_uni_add_static(&f->uni, cfg->symbols[i]) < 0) {
			log_error("event=start_failed what=symbols symbol=%s (each must match "
				  "^[A-Z0-9]{2,20}$)",
				  cfg->symbols[i]);
			return -EINVAL;
		}
	}
	if (!f->all && feed_uni_count(&f->uni, 0) == 0 && f->uni.n == 0) {
		log_error("event=start_failed what=symbols err=\"HEAN_SYMBOLS is empty\"");
		return -EINVAL;
	}
	rc = feed_pub_init(&f->pub, &f->book, cfg->prefix, cfg->ticks_maxlen, QUEUE_CAP, sink_send,
			   f);
	if (rc < 0) {
		log_error("event=start_failed what=publish err=%d", rc);
		return rc;
	}
	f->wsctx = hean_ws_ctx_create(loop);
	if (f->wsctx == NULL) {
		return -EIO;
	}
	rc = feed_sources_start(&f->src, app, &f->uni, f->wsctx, f->all);
	if (rc < 0) {
		log_error("event=start_failed what=sources err=%d", rc);
		return rc;
	}
	hean_app_hook(app, on_stop, on_redis, f);
	ev_timer_init(&f->tick, on_tick, TICK_S, TICK_S);
	f->tick.data = f;
	ev_timer_start(loop, &f->tick);
	ev_prepare_init(&f->flush, on_prepare);
	f->flush.data = f;
	ev_prepare_start(loop, &f->flush);
	hean_health_set_state(app->health, "connecting", NULL);
	apply_plan(f);
	log_info("event=feed_start symbols=%zu all=%d connections=%zu conn_symbols=%d url=%s "
		 "stale_s=%d ping_s=%d liveness_s=%d maxlen=%ld unsub_grace_s=%d",
		 f->book.live, f->all, f->n_sess, cfg->feed_conn_symbols, cfg->ws_public,
		 cfg->stale_s, cfg->ping_interval_s, cfg->liveness_timeout_s, cfg->ticks_maxlen,
		 cfg->feed_unsub_grace_s);
	start_pending(f);
	return 0;
}

struct feed_app *feed_app_start(struct hean_app *app)
{
	/* large (latency histogram, FIFO): on the heap */
	struct feed_app *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		log_error("event=start_failed err=\"out of memory\"");
		return NULL;
	}
	if (start(f, app) < 0) {
		hean_app_unhook(app);
		feed_app_close(f);
		feed_app_destroy(f);
		return NULL;
	}
	return f;
}

void feed_app_close(struct feed_app *f)
{
	struct ev_loop *loop;

	if (f == NULL) {
		return;
	}
	loop = f->app ? f->app->loop.loop : NULL;
	if (loop != NULL) {
		ev_timer_stop(loop, &f->tick);
		ev_prepare_stop(loop, &f->flush);
	}
	feed_sources_finish(&f->src);
	for (size_t i = 0; i < f->n_sess; i++) {
		hean_ws_destroy(f->sess[i].ws);
		free(f->sess[i].syms);
		free(f->sess[i].stale);
	}
	free(f->sess);
	f->sess = NULL;
	f->n_sess = 0;
	hean_ws_ctx_destroy(f->wsctx); /* cancels a shutdown still pending */
	f->wsctx = NULL;
}

void feed_app_destroy(struct feed_app *f)
{
	if (f == NULL) {
		return;
	}
	feed_pub_finish(&f->pub);
	feed_book_finish(&f->book);
	feed_uni_finish(&f->uni);
	free(f);
}
