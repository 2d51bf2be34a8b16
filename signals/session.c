/* signals/session: signal-server client on common/ws. See session.h. */
#include "signals/session.h"

#include "common/health.h"
#include "common/keys.h"
#include "common/log.h"
#include "common/wave.h"
#include "common/ws.h"
#include "signals/dedupe.h"
#include "signals/parse.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INVALID_SEEN_CAP 10000
#define AUTH_REJECT_CODE 4001
#define SIGNALS_CLOSE_MAX_S 2.0 /* shutdown: wait this long for the close handshake */

/* The default table without its 30 s step: an auth refusal (slow step)
 * retries every ~10 s, which is no hammering for one connection and loses
 * at most seconds of a 15 min wave. */
static const uint32_t backoff_ms[] = {250, 500, 1000, 2000, 5000, 10000};
static const struct hean_backoff_policy backoff = {
	.table_ms = backoff_ms,
	.table_len = sizeof(backoff_ms) / sizeof(backoff_ms[0]),
	.jitter_pct = 20,
};

struct signals_session {
	struct hean_app *app;           /* borrowed */
	struct signals_publish *pub;    /* borrowed */
	struct hean_ws_ctx *ctx;        /* owned */
	struct hean_ws *ws;             /* owned */
	struct signals_dedupe *invalid_seen; /* owned: ids already warned about */
	enum signals_state state;
	bool auth_refused;   /* this session's auth was refused */
	bool auth_failed;    /* health shows auth_failed until an auth succeeds */
	bool stopping;
	int64_t closed_ms;   /* when the last session ended (for reconnect timing) */
	ev_timer auth_t;     /* auth deadline */
	ev_timer ping_t;     /* {"type":"ping"} while authenticated */
	ev_timer poll_t;     /* safety-net get_signals while authenticated */
	ev_periodic wave_p;  /* get_signals at every wave due time */
};

/* ===================== state ===================== */

/* Applies ev; on a change logs it and writes health (state + event with
 * detail). While auth_failed is sticky the health state stays auth_failed
 * and the change is written as an event only. */
static void transition(struct signals_session *s, enum signals_event ev, const char *detail)
{
	enum signals_state next = signals_state_next(s->state, ev);
	const char *name = signals_state_name(next);

	if (next == s->state) {
		return;
	}
	log_info("event=state from=%s to=%s detail=\"%s\"", signals_state_name(s->state), name,
		 detail ? detail : "");
	s->state = next;
	if (s->stopping) {
		return;
	}
	if (next == SIGNALS_AUTHENTICATED) {
		s->auth_failed = false;
	}
	if (s->auth_failed) {
		hean_health_event(s->app->health, name, "%s", detail ? detail : "");
	} else {
		hean_health_set_state(s->app->health, name, detail);
	}
}

static void stop_session_timers(struct signals_session *s)
{
	struct ev_loop *loop = s->app->loop.loop;

	ev_timer_stop(loop, &s->auth_t);
	ev_timer_stop(loop, &s->ping_t);
	ev_timer_stop(loop, &s->poll_t);
}

/* ===================== requests ===================== */

/* Sends a request, only in authenticated. A failure ends the session:
 * the socket is not trusted again (a client that kept "authenticated"
 * after a close 1000 once failed every request for hours). */
static void request(struct signals_session *s, const char *what, const char *text)
{
	int rc;

	if (!signals_state_may_request(s->state)) {
		log_debug("event=request_skipped what=%s state=%s", what,
			  signals_state_name(s->state));
		return;
	}
	rc = hean_ws_send(s->ws, text, strlen(text));
	if (rc == 0) {
		log_debug("event=request what=%s", what);
		return;
	}
	log_warn("event=request_failed what=%s err=\"%s\" action=reconnect", what, strerror(-rc));
	stop_session_timers(s);
	transition(s, SIGNALS_EV_SEND_FAILED, "request failed");
	/* -ENOBUFS: common/ws has already ended the session; otherwise
	 * close it now (a no-op unless the socket is still open) */
	hean_ws_drop(s->ws, 1000, "request failed");
}

static void on_ping_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct signals_session *s = w->data;

	request(s, "ping", "{\"type\":\"ping\"}");
}

static void on_poll_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct signals_session *s = w->data;

	request(s, "get_signals", "{\"type\":\"get_signals\"}");
}

static void on_wave_due(struct ev_loop *loop, ev_periodic *w, int revents)
{
	struct signals_session *s = w->data;
	const struct hean_config *c = &s->app->cfg;
	int64_t now_s = (int64_t)ev_now(loop);
	int64_t wave = hean_wave_latest_due(now_s + 1, c->wave_interval_s, c->wave_delay_s);
	char ts[HEAN_TIME_STR_LEN];

	hean_time_format_utc(wave * 1000, 0, ts, sizeof(ts));
	log_info("event=wave_due wave_ts=%s state=%s action=%s", ts, signals_state_name(s->state),
		 signals_state_may_request(s->state) ? "get_signals"
						     : "none (the buffer after re-auth has it)");
	request(s, "get_signals", "{\"type\":\"get_signals\"}");
}

static void on_auth_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct signals_session *s = w->data;

	if (s->state != SIGNALS_AUTHENTICATING) {
		return;
	}
	log_warn("event=auth_timeout after_s=%d action=reconnect", SIGNALS_AUTH_TIMEOUT_S);
	transition(s, SIGNALS_EV_AUTH_TIMEOUT, "auth timeout");
	hean_ws_drop(s->ws, 1000, "auth timeout");
}

/* ===================== ws callbacks ===================== */

static void send_auth(struct signals_session *s)
{
	json_t *j = json_pack("{s:s, s:s}", "type", "auth", "token", s->app->cfg.signal_token);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int rc = text ? hean_ws_send(s->ws, text, strlen(text)) : -ENOMEM;

	if (text) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	json_decref(j);
	if (rc < 0) {
		log_warn("event=auth_send_failed err=\"%s\" action=reconnect", strerror(-rc));
		transition(s, SIGNALS_EV_SEND_FAILED, "auth send failed");
		hean_ws_drop(s->ws, 1000, "auth send failed");
		return;
	}
	ev_timer_stop(s->app->loop.loop, &s->auth_t);
	ev_timer_set(&s->auth_t, SIGNALS_AUTH_TIMEOUT_S, 0.);
	ev_timer_start(s->app->loop.loop, &s->auth_t);
}

static void ws_open(struct hean_ws *ws, void *data)
{
	struct signals_session *s = data;

	s->auth_refused = false;
	if (s->closed_ms > 0) {
		log_info("event=reconnected after_ms=%" PRId64, hean_time_now_ms() - s->closed_ms);
	}
	transition(s, SIGNALS_EV_OPEN, "socket open, auth sent");
	send_auth(s);
}

/* Logs the refusal once per session, sets auth_failed and the slow step. */
static void auth_refused(struct signals_session *s, const char *how, const char *msg)
{
	char clean[128];
	const char *tok = s->app->cfg.signal_token;

	if (s->auth_refused) {
		return;
	}
	s->auth_refused = true;
	s->auth_failed = true;
	/* the server's message must not carry the token into our log */
	snprintf(clean, sizeof(clean), "%s", msg ? msg : "");
	if (tok[0] && strstr(clean, tok)) {
		snprintf(clean, sizeof(clean), "(withheld: it quotes the token)");
	}
	log_error("event=auth_rejected how=%s msg=\"the signal server refused the token "
		  "(HEAN_SIGNAL_TOKEN)\" server_message=\"%s\" action=\"reconnect at the slow "
		  "backoff step\"",
		  how, clean);
	if (!s->stopping) {
		hean_health_set_state(s->app->health, "auth_failed",
				      "signal server refused the token");
	}
	hean_ws_backoff_slow(s->ws);
}

static void handle_signals(struct signals_session *s, struct signals_frame *f)
{
	size_t fresh = 0;

	for (size_t i = 0; i < f->n_rej; i++) {
		const struct signals_reject *r = &f->rej[i];
		bool first = r->id < 0 || signals_dedupe_add(s->invalid_seen, r->id);

		if (first) {
			log_warn("event=signal_invalid id=%" PRId64 " index=%zu field=%s reason=\"%s\"",
				 r->id, r->index, r->field, r->reason);
		} else {
			log_debug("event=signal_invalid id=%" PRId64 " field=%s repeat=1", r->id,
				  r->field);
		}
	}
	for (size_t i = 0; i < f->n_sig; i++) {
		struct signals_signal sig;

		signals_frame_take(f, i, &sig);
		fresh += signals_publish_offer(s->pub, &sig);
	}
	if (!s->stopping) {
		hean_health_add_int(s->app->health, HEAN_FIELD_SIGNALS_RECEIVED, (int64_t)(f->n_sig + f->n_rej));
		hean_health_add_int(s->app->health, HEAN_FIELD_SIGNALS_INVALID, (int64_t)f->n_rej);
	}
	log_info("event=signals_frame count=%zu valid=%zu invalid=%zu new=%zu nonfinite=%zu "
		 "state=%s",
		 f->n_sig + f->n_rej, f->n_sig, f->n_rej, fresh, f->n_nonfinite,
		 signals_state_name(s->state));
}

static void ws_message(struct hean_ws *ws, const char *msg, size_t len, void *data)
{
	struct signals_session *s = data;
	struct signals_frame f;
	int rc = signals_parse_frame(msg, len, &f);

	if (!s->stopping) {
		hean_health_msg(s->app->health);
	}
	if (rc == -ENOMEM) {
		log_error("event=frame_dropped err=\"out of memory\" len=%zu", len);
		goto out;
	}
	if (rc < 0) {
		log_warn("event=frame_invalid type=%s len=%zu err=\"%s\" action=ignored",
			 f.type_name[0] ? f.type_name : "-", len, f.err);
		if (!s->stopping) {
			hean_health_add_int(s->app->health, "invalid_frames", 1);
		}
		goto out;
	}
	switch (f.type) {
	case SIGNALS_MSG_AUTH_OK:
		if (s->state != SIGNALS_AUTHENTICATING) {
			log_warn("event=unexpected_auth_response state=%s action=ignored",
				 signals_state_name(s->state));
			break;
		}
		ev_timer_stop(s->app->loop.loop, &s->auth_t);
		hean_ws_backoff_reset(s->ws);
		transition(s, SIGNALS_EV_AUTH_OK, "auth ok");
		stop_session_timers(s);
		ev_timer_set(&s->ping_t, s->app->cfg.ping_interval_s, s->app->cfg.ping_interval_s);
		ev_timer_start(s->app->loop.loop, &s->ping_t);
		ev_timer_set(&s->poll_t, s->app->cfg.signal_poll_s, s->app->cfg.signal_poll_s);
		ev_timer_start(s->app->loop.loop, &s->poll_t);
		break;
	case SIGNALS_MSG_AUTH_ERROR:
		auth_refused(s, "auth_response", f.message);
		stop_session_timers(s);
		transition(s, SIGNALS_EV_AUTH_REJECTED, "auth rejected");
		hean_ws_drop(s->ws, 1000, "auth rejected");
		break;
	case SIGNALS_MSG_SIGNALS:
		handle_signals(s, &f);
		break;
	case SIGNALS_MSG_PONG:
	case SIGNALS_MSG_STATS:
		log_debug("event=message type=%s", f.type_name);
		break;
	case SIGNALS_MSG_UNKNOWN:
	case SIGNALS_MSG_INVALID:
		log_info("event=unknown_message type=%s len=%zu action=ignored", f.type_name, len);
		if (!s->stopping) {
			hean_health_add_int(s->app->health, "unknown_messages", 1);
		}
		break;
	}
out:
	signals_frame_finish(&f);
}

static void ws_close(struct hean_ws *ws, int code, const char *reason, void *data)
{
	struct signals_session *s = data;
	char detail[160];

	stop_session_timers(s);
	if (code == AUTH_REJECT_CODE) {
		auth_refused(s, "close_4001", reason);
	}
	s->closed_ms = hean_time_now_ms();
	snprintf(detail, sizeof(detail), "code=%d reason=%s", code, reason);
	log_info("event=disconnected code=%d reason=\"%s\" action=%s", code, reason,
		 s->stopping ? "none (stopping)" : "reconnect");
	if (s->state == SIGNALS_DISCONNECTED && !s->stopping) {
		/* we ended it first (request failed, auth): still one event
		 * with the close code */
		hean_health_event(s->app->health, "disconnected", "%s", detail);
	}
	transition(s, SIGNALS_EV_CLOSED, detail);
	if (!s->stopping) {
		hean_health_inc_reconnects(s->app->health);
	}
}

static void ws_reconnecting(struct hean_ws *ws, uint32_t delay_ms, void *data)
{
	struct signals_session *s = data;
	char detail[64];

	if (s->stopping) {
		return;
	}
	snprintf(detail, sizeof(detail), "delay_ms=%u", delay_ms);
	hean_health_event(s->app->health, "reconnecting", "%s", detail);
	transition(s, SIGNALS_EV_START, detail);
}

/* Shutdown, the link down (or the close deadline passed): called by
 * hean_ws_ctx_shutdown from the loop, never inside a ws callback. */
static void ws_release(void *data)
{
	struct signals_session *s = data;

	hean_ws_destroy(s->ws);
	s->ws = NULL;
	s->ctx = NULL; /* destroyed by hean_ws_ctx_shutdown after this */
	log_info("event=signals_closed");
}

static const struct hean_ws_ops ws_ops = {
	.on_open = ws_open,
	.on_message = ws_message,
	.on_close = ws_close,
	.on_reconnecting = ws_reconnecting,
};

/* ===================== lifecycle ===================== */

/* See session.h. */
struct signals_session *signals_session_create(struct hean_app *app, struct signals_publish *pub)
{
	struct signals_session *s = calloc(1, sizeof(*s));
	const struct hean_config *c = &app->cfg;
	struct hean_ws_config wc;

	if (!s) {
		return NULL;
	}
	s->app = app;
	s->pub = pub;
	s->invalid_seen = signals_dedupe_create(INVALID_SEEN_CAP);
	s->ctx = hean_ws_ctx_create(app->loop.loop);
	if (!s->invalid_seen || !s->ctx) {
		goto fail;
	}
	memset(&wc, 0, sizeof(wc));
	wc.url = c->signal_url;
	wc.name = "signals";
	wc.ping_interval_s = 0; /* our own ping timer, only once authenticated */
	wc.ping_text = NULL;
	wc.liveness_s = c->liveness_timeout_s;
	wc.connect_timeout_s = 10;
	wc.max_msg = SIGNALS_MAX_MSG;
	wc.max_queue = 1u << 20;
	wc.backoff = &backoff;
	wc.tls_insecure = c->tls_insecure;
	s->ws = hean_ws_create(s->ctx, &wc, &ws_ops, s);
	if (!s->ws) {
		goto fail;
	}
	ev_timer_init(&s->auth_t, on_auth_timer, SIGNALS_AUTH_TIMEOUT_S, 0.);
	ev_timer_init(&s->ping_t, on_ping_timer, 1., 1.);
	ev_timer_init(&s->poll_t, on_poll_timer, 1., 1.);
	/* fires at every t with t mod interval == (interval + delay) mod
	 * interval, i.e. at W + interval + delay for every candle W (UTC) */
	ev_periodic_init(&s->wave_p, on_wave_due,
			 (double)((c->wave_interval_s + c->wave_delay_s) % c->wave_interval_s),
			 (double)c->wave_interval_s, NULL);
	s->auth_t.data = s->ping_t.data = s->poll_t.data = s->wave_p.data = s;
	return s;
fail:
	log_error("event=session_create_failed url=%s", c->signal_url);
	signals_session_destroy(s);
	return NULL;
}

/* See session.h. */
int signals_session_start(struct signals_session *s)
{
	int rc;

	ev_periodic_start(s->app->loop.loop, &s->wave_p);
	rc = hean_ws_start(s->ws);
	if (rc == 0) {
		transition(s, SIGNALS_EV_START, "starting");
		log_info("event=signals_start url=%s ping_s=%d liveness_s=%d poll_s=%d "
			 "wave_interval_s=%d wave_delay_s=%d",
			 s->app->cfg.signal_url, s->app->cfg.ping_interval_s,
			 s->app->cfg.liveness_timeout_s, s->app->cfg.signal_poll_s,
			 s->app->cfg.wave_interval_s, s->app->cfg.wave_delay_s);
	}
	return rc;
}

/* See session.h. */
void signals_session_stop(struct signals_session *s)
{
	s->stopping = true;
	stop_session_timers(s);
	ev_periodic_stop(s->app->loop.loop, &s->wave_p);
	transition(s, SIGNALS_EV_STOP, "stopping");
	/* close 1000, wait for the close handshake (at most
	 * SIGNALS_CLOSE_MAX_S), then free the connection and the lws context
	 * (its service timer would keep ev_run alive) */
	hean_ws_ctx_shutdown(s->ctx, SIGNALS_CLOSE_MAX_S, ws_release, s);
}

/* See session.h. */
void signals_session_destroy(struct signals_session *s)
{
	if (!s) {
		return;
	}
	if (s->app) {
		stop_session_timers(s);
		ev_periodic_stop(s->app->loop.loop, &s->wave_p);
	}
	hean_ws_destroy(s->ws);
	hean_ws_ctx_destroy(s->ctx);
	signals_dedupe_destroy(s->invalid_seen);
	free(s);
}

enum signals_state signals_session_state(const struct signals_session *s)
{
	return s->state;
}
