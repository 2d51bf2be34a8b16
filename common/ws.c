/* common/ws: the public API of the WebSocket client (see ws.h): create,
 * start, stop, destroy, send, drop and the getters. The state machine is
 * in ws_session.c, the libwebsockets callback in ws_lws.c. */
#include "common/ws_internal.h"

#include "common/log.h"
#include "common/resolve.h"
#include "common/url.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* ===================== connections ===================== */

struct hean_ws *hean_ws_create(struct hean_ws_ctx *c, const struct hean_ws_config *cfg,
			       const struct hean_ws_ops *ops, void *data)
{
	struct hean_ws *ws;
	char err[128];

	if (!c || !cfg || !cfg->url || !ops) {
		return NULL;
	}
	ws = calloc(1, sizeof(*ws));
	if (!ws) {
		return NULL;
	}
	err[0] = '\0';
	if (hean_url_parse(cfg->url, &ws->u, err, sizeof(err)) < 0 ||
	    (strcmp(ws->u.scheme, "ws") != 0 && strcmp(ws->u.scheme, "wss") != 0)) {
		log_error("event=ws_bad_url name=%s url=%s reason=\"%s\"",
			  cfg->name ? cfg->name : "ws", cfg->url, err[0] ? err : "not ws/wss");
		free(ws);
		return NULL;
	}
	ws->ctx = c;
	ws->url = strdup(cfg->url);
	ws->name = strdup(cfg->name ? cfg->name : "ws");
	ws->ping_text = dup_or_null(cfg->ping_text);
	if (!ws->url || !ws->name || (cfg->ping_text && !ws->ping_text)) {
		free(ws->url);
		free(ws->name);
		free(ws->ping_text);
		free(ws);
		return NULL;
	}
	ws->ping_interval_s = cfg->ping_interval_s > 0 ? cfg->ping_interval_s : 0;
	ws->liveness_s = cfg->liveness_s > 0 ? cfg->liveness_s : 0;
	ws->connect_timeout_s =
		cfg->connect_timeout_s > 0 ? cfg->connect_timeout_s : WS_DEFAULT_CONNECT_TIMEOUT_S;
	ws->max_msg = cfg->max_msg ? cfg->max_msg : WS_DEFAULT_MAX_MSG;
	ws->max_queue = cfg->max_queue ? cfg->max_queue : WS_DEFAULT_MAX_QUEUE;
	ws->tls_insecure = cfg->tls_insecure;
	ws->ops = *ops;
	ws->data = data;
	ws->state = HEAN_WS_DISCONNECTED;
	hean_backoff_init(&ws->bo, cfg->backoff ? cfg->backoff : &hean_backoff_default);

	ev_timer_init(&ws->retry_t, hws_on_retry_timer, 0., 0.);
	ev_timer_init(&ws->deadline_t, hws_on_deadline_timer, 0., 0.);
	ev_timer_init(&ws->ping_t, hws_on_ping_timer, 0., 0.);
	ev_timer_init(&ws->live_t, hws_on_live_timer, 0., 0.);
	ws->retry_t.data = ws->deadline_t.data = ws->ping_t.data = ws->live_t.data = ws;

	if (ws->u.tls && ws->tls_insecure) {
		log_warn("event=ws_tls_insecure name=%s url=%s detail=\"TLS certificate and "
			 "host name are NOT verified\"",
			 ws->name, ws->url);
	}
	c->conns++;
	ws->ctx_next = c->list;
	if (c->list) {
		c->list->ctx_prev = ws;
	}
	c->list = ws;
	return ws;
}

int hean_ws_start(struct hean_ws *ws)
{
	if (!ws) {
		return -EINVAL;
	}
	if (ws->started) {
		return 0;
	}
	ws->started = true;
	if (!ws->session) {
		/* connect from the loop, so no owner callback runs inside
		 * this call */
		ev_timer_stop(ws->ctx->loop, &ws->retry_t);
		ev_timer_set(&ws->retry_t, 0., 0.);
		ev_timer_start(ws->ctx->loop, &ws->retry_t);
	}
	return 0;
}

static bool wire_code_ok(int code)
{
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
	       (code >= 3000 && code <= 4999);
}

void hean_ws_stop(struct hean_ws *ws)
{
	if (!ws) {
		return;
	}
	ws->started = false;
	ev_timer_stop(ws->ctx->loop, &ws->retry_t);
	if (ws->state == HEAN_WS_OPEN && ws->wsi) {
		hws_begin_close(ws, 1000, 1000, "stopped");
	} else if (ws->state == HEAN_WS_CONNECTING) {
		hws_end_session(ws, HEAN_WS_CLOSE_BY_OWNER, "stopped", true);
	}
}

void hean_ws_destroy(struct hean_ws *ws)
{
	struct ev_loop *loop;

	if (!ws) {
		return;
	}
	loop = ws->ctx->loop;
	ws->started = false;
	/* no owner callbacks from destroy: just let go of the wsi */
	hws_detach_wsi(ws, true);
	hean_resolve_cancel(ws->dns);
	ws->dns = NULL;
	ev_timer_stop(loop, &ws->retry_t);
	ev_timer_stop(loop, &ws->deadline_t);
	ev_timer_stop(loop, &ws->ping_t);
	ev_timer_stop(loop, &ws->live_t);
	hws_queue_clear(ws);
	free(ws->rx);
	ws->ctx->conns--;
	if (ws->ctx_prev) {
		ws->ctx_prev->ctx_next = ws->ctx_next;
	} else {
		ws->ctx->list = ws->ctx_next;
	}
	if (ws->ctx_next) {
		ws->ctx_next->ctx_prev = ws->ctx_prev;
	}
	free(ws->url);
	free(ws->name);
	free(ws->ping_text);
	free(ws);
}

int hean_ws_send(struct hean_ws *ws, const char *text, size_t len)
{
	int rc;

	if (!ws || ws->state != HEAN_WS_OPEN || !ws->wsi) {
		return -ENOTCONN;
	}
	rc = hws_enqueue(ws, text, len);
	if (rc == -ENOBUFS) {
		log_warn("event=ws_send_queue_full name=%s queued=%zu max_queue=%zu", ws->name,
			 ws->q_bytes, ws->max_queue);
		hws_end_session(ws, HEAN_WS_CLOSE_SEND_FAILED, "send queue full", true);
	}
	return rc;
}

void hean_ws_drop(struct hean_ws *ws, int code, const char *why)
{
	if (!ws) {
		return;
	}
	log_info("event=ws_drop name=%s code=%d reason=\"%s\"", ws->name, code, why ? why : "");
	if (ws->state == HEAN_WS_OPEN && ws->wsi) {
		hws_begin_close(ws, HEAN_WS_CLOSE_BY_OWNER, wire_code_ok(code) ? code : 1000, why);
	} else if (ws->state == HEAN_WS_CONNECTING) {
		hws_end_session(ws, HEAN_WS_CLOSE_BY_OWNER, why, true);
	}
}

void hean_ws_backoff_reset(struct hean_ws *ws)
{
	if (ws) {
		hean_backoff_reset(&ws->bo);
	}
}

void hean_ws_backoff_slow(struct hean_ws *ws)
{
	if (!ws) {
		return;
	}
	hean_backoff_set_slow(&ws->bo);
	if (ev_is_active(&ws->retry_t) && !ws->session) {
		/* a reconnect is already pending (called from on_close):
		 * it should be slow too */
		hws_schedule_retry(ws);
	}
}

enum hean_ws_state hean_ws_get_state(const struct hean_ws *ws)
{
	return ws ? ws->state : HEAN_WS_DISCONNECTED;
}

const char *hean_ws_state_name(enum hean_ws_state s)
{
	switch (s) {
	case HEAN_WS_DISCONNECTED:
		return "disconnected";
	case HEAN_WS_CONNECTING:
		return "connecting";
	case HEAN_WS_OPEN:
		return "open";
	case HEAN_WS_CLOSING:
		return "closing";
	}
	return "unknown";
}

uint64_t hean_ws_reconnects(const struct hean_ws *ws)
{
	return ws ? ws->reconnects : 0;
}

int64_t hean_ws_last_rx_ms(const struct hean_ws *ws)
{
	return ws ? ws->last_rx_ms : 0;
}

int64_t hean_ws_rx_us(const struct hean_ws *ws)
{
	return ws ? ws->rx_us : 0;
}

void hean_ws_rx_pause(struct hean_ws *ws, bool pause)
{
	if (!ws || ws->rx_paused == pause) {
		return;
	}
	ws->rx_paused = pause;
	if (!pause) {
		ws->last_rx_mono = hws_mono_now(); /* silence while paused was ours */
	}
	if (ws->wsi && ws->state == HEAN_WS_OPEN) {
		lws_rx_flow_control(ws->wsi, pause ? 0 : 1);
	}
}

/* ===================== shutdown ===================== */

#define WS_FIN_POLL_S 0.02

static void on_fin_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct hean_ws_ctx *c = w->data;
	bool all_down = true;

	for (struct hean_ws *ws = c->list; ws; ws = ws->ctx_next) {
		all_down = all_down && ws->state == HEAN_WS_DISCONNECTED;
	}
	if (!all_down && ev_now(loop) < c->fin_deadline) {
		return;
	}
	ev_timer_stop(loop, w);
	if (!all_down) {
		log_warn("event=ws_shutdown reason=\"close frames not done in time\"");
	}
	/* outside any lws callback: the lws side can go now */
	if (c->fin_release) {
		c->fin_release(c->fin_data);
	}
	hean_ws_ctx_destroy(c);
}

void hean_ws_ctx_shutdown(struct hean_ws_ctx *c, double max_s, hean_ws_release_fn *release,
			  void *data)
{
	if (!c) {
		return;
	}
	c->fin_release = release;
	c->fin_data = data;
	if (ev_is_active(&c->fin)) {
		return;
	}
	for (struct hean_ws *ws = c->list; ws; ws = ws->ctx_next) {
		hean_ws_stop(ws);
	}
	c->fin_deadline = ev_now(c->loop) + max_s;
	ev_timer_init(&c->fin, on_fin_timer, 0., WS_FIN_POLL_S);
	c->fin.data = c;
	ev_timer_start(c->loop, &c->fin);
}
