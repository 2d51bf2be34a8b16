/* common/ws_session: one WebSocket session's state machine: connect
 * (name lookup, then connect to the address), the one exit
 * hws_end_session, our close, the timers that drive them (retry, connect
 * and close deadlines, app ping, liveness) and the outbound queue and
 * reassembly buffer. See ws_internal.h for the design. */
#include "common/ws_internal.h"

#include "common/log.h"
#include "common/resolve.h"
#include "common/timeutil.h"
#include "common/url.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* lws' own validity pings and hang-up are off: hangup 0 disables them.
 * Liveness is ours (live_t). */
static const lws_retry_bo_t no_validity = {
	.secs_since_valid_ping = 0,
	.secs_since_valid_hangup = 0,
};

double hws_mono_now(void)
{
	return (double)hean_time_mono_us() / 1e6;
}

/* ===================== queue and buffers ===================== */

void hws_queue_clear(struct hean_ws *ws)
{
	struct out_msg *m = ws->q_head;

	while (m) {
		struct out_msg *next = m->next;

		free(m);
		m = next;
	}
	ws->q_head = ws->q_tail = NULL;
	ws->q_bytes = 0;
}

static void hws_rx_reset(struct hean_ws *ws)
{
	ws->rx_len = 0;
	ws->rx_discard = false;
	/* do not keep a large buffer from one big message forever */
	if (ws->rx_cap > 65536) {
		free(ws->rx);
		ws->rx = NULL;
		ws->rx_cap = 0;
	}
}

int hws_buf_append(char **buf, size_t *blen, size_t *bcap, size_t max, const void *in,
		   size_t len)
{
	size_t need = *blen + len + 1;

	if (*blen + len > max) {
		return -EMSGSIZE;
	}
	if (need > *bcap) {
		size_t cap = *bcap ? *bcap : 4096;
		char *p;

		while (cap < need) {
			cap *= 2;
		}
		if (cap > max + 1) {
			cap = max + 1;
		}
		p = realloc(*buf, cap);
		if (!p) {
			return -ENOMEM;
		}
		*buf = p;
		*bcap = cap;
	}
	if (len) {
		memcpy(*buf + *blen, in, len);
	}
	*blen += len;
	(*buf)[*blen] = '\0';
	return 0;
}

/* Appends to the reassembly buffer. Returns 0, -EMSGSIZE past max_msg, or
 * -ENOMEM. */
int hws_rx_append(struct hean_ws *ws, const void *in, size_t len)
{
	return hws_buf_append(&ws->rx, &ws->rx_len, &ws->rx_cap, ws->max_msg, in, len);
}

/* Copies a close reason for logs and callbacks: printable ASCII only. */
void hws_copy_reason(char *dst, size_t cap, const char *src, size_t len)
{
	size_t i, n = 0;

	for (i = 0; src && i < len && n + 1 < cap; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[n++] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
	}
	dst[n] = '\0';
}

/* ===================== session end: the one exit ===================== */

void hws_schedule_retry(struct hean_ws *ws)
{
	ws->retry_delay_ms = hean_backoff_next_ms(&ws->bo, hean_backoff_random());
	ev_timer_stop(ws->ctx->loop, &ws->retry_t);
	ev_timer_set(&ws->retry_t, ws->retry_delay_ms / 1000.0, 0.);
	ev_timer_start(ws->ctx->loop, &ws->retry_t);
	log_info("event=ws_reconnect name=%s delay_ms=%u attempt=%llu", ws->name,
		 ws->retry_delay_ms, (unsigned long long)ws->attempts + 1);
}

/* Detaches the current wsi from us. kill: also make lws close it (only
 * when lws will not do so by itself, i.e. outside a callback that returns
 * -1 and outside CLIENT_CLOSED/CONNECTION_ERROR). */
void hws_detach_wsi(struct hean_ws *ws, bool kill)
{
	struct lws *wsi = ws->wsi;

	if (!wsi) {
		return;
	}
	ws->wsi = NULL;
	lws_set_opaque_user_data(wsi, NULL);
	if (kill) {
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
}

/* Ends the current session: exactly one on_close per session, then
 * DISCONNECTED with a reconnect scheduled (unless stopped). */
void hws_end_session(struct hean_ws *ws, int code, const char *reason, bool kill)
{
	struct ev_loop *loop = ws->ctx->loop;
	char why[WS_REASON_LEN];

	if (!ws->session) {
		return;
	}
	hws_copy_reason(why, sizeof(why), reason ? reason : "", reason ? strlen(reason) : 0);
	ws->session = false;
	hean_resolve_cancel(ws->dns);
	ws->dns = NULL;
	hws_detach_wsi(ws, kill);
	ev_timer_stop(loop, &ws->deadline_t);
	ev_timer_stop(loop, &ws->ping_t);
	ev_timer_stop(loop, &ws->live_t);
	hws_queue_clear(ws);
	hws_rx_reset(ws);
	ws->state = HEAN_WS_DISCONNECTED;

	if (code == HEAN_WS_CLOSE_CONNECT_FAILED) {
		log_warn("event=ws_connect_failed name=%s peer=%s:%d url=%s reason=\"%s\"", ws->name,
			 ws->u.host, ws->u.port, ws->url, why);
	} else {
		log_info("event=ws_close name=%s code=%d reason=\"%s\"", ws->name, code, why);
	}
	if (ws->started) {
		hws_schedule_retry(ws);
	}
	if (ws->ops.on_close) {
		ws->ops.on_close(ws, code, why, ws->data);
	}
	/* on_close may have called stop (retry cancelled) or backoff_slow
	 * (retry re-armed): report what is actually scheduled. */
	if (ws->started && ev_is_active(&ws->retry_t) && ws->ops.on_reconnecting) {
		ws->ops.on_reconnecting(ws, ws->retry_delay_ms, ws->data);
	}
}

/* ===================== timers ===================== */

static void connect_addr(struct hean_ws *ws, const char *addr);
static void on_resolved(int status, const char *addr, const char *err, void *data);

/* A session starts: CONNECTING, deadline armed (name lookup + TCP + TLS +
 * handshake must all fit in connect_timeout_s), then either the lookup
 * (names: never getaddrinfo on the loop: lws' client connect resolves
 * inline, and a resolver that does not answer stalls the loop for
 * seconds) or the connect. */
static void connect_now(struct hean_ws *ws)
{
	ws->state = HEAN_WS_CONNECTING;
	ws->session = true;
	ws->tls_err[0] = '\0';
	ws->attempts++;
	if (ws->attempts > 1) {
		ws->reconnects++;
	}
	hws_rx_reset(ws);
	hws_queue_clear(ws);
	if (ws->ops.on_connecting) {
		ws->ops.on_connecting(ws, ws->data);
	}
	ev_timer_stop(ws->ctx->loop, &ws->deadline_t);
	ev_timer_set(&ws->deadline_t, (double)ws->connect_timeout_s, 0.);
	ev_timer_start(ws->ctx->loop, &ws->deadline_t);

	log_info("event=ws_connecting name=%s url=%s attempt=%llu", ws->name, ws->url,
		 (unsigned long long)ws->attempts);
	if (hean_resolve_is_numeric(ws->u.host)) {
		connect_addr(ws, ws->u.host);
		return;
	}
	ws->dns = hean_resolve_start(ws->ctx->loop, ws->u.host, on_resolved, ws);
	if (!ws->dns) {
		hws_end_session(ws, HEAN_WS_CLOSE_CONNECT_FAILED, "name lookup could not start",
			    false);
	}
}

static void on_resolved(int status, const char *addr, const char *err, void *data)
{
	struct hean_ws *ws = data;

	ws->dns = NULL;
	if (status < 0) {
		char why[WS_REASON_LEN];

		snprintf(why, sizeof(why), "name lookup failed: %s", err);
		hws_end_session(ws, HEAN_WS_CLOSE_CONNECT_FAILED, why, false);
		return;
	}
	log_info("event=ws_resolved name=%s host=%s addr=%s", ws->name, ws->u.host, addr);
	connect_addr(ws, addr);
}

/* Connects to addr (numeric: lws' getaddrinfo does no lookup) while the
 * Host header, Origin, TLS SNI and the certificate's host name check all
 * use the URL's host name (lws takes SNI and the name it verifies from the
 * Host header, without the port). */
static void connect_addr(struct hean_ws *ws, const char *addr)
{
	struct lws_client_connect_info i;
	struct lws *wsi;
	char host_hdr[300];

	memset(&i, 0, sizeof(i));
	i.context = ws->ctx->lws;
	i.address = addr;
	i.port = ws->u.port;
	i.path = ws->u.path[0] ? ws->u.path : "/";
	if ((ws->u.tls && ws->u.port == 443) || (!ws->u.tls && ws->u.port == 80)) {
		snprintf(host_hdr, sizeof(host_hdr), "%s", ws->u.host);
	} else {
		snprintf(host_hdr, sizeof(host_hdr), "%s:%d", ws->u.host, ws->u.port);
	}
	i.host = host_hdr;
	i.origin = host_hdr;
	i.protocol = NULL; /* no Sec-WebSocket-Protocol header (Bybit uses none);
			     * local_protocol_name binds our callback */
	i.local_protocol_name = "hean-ws";
	i.retry_and_idle_policy = &no_validity;
	i.opaque_user_data = ws;
	if (ws->u.tls) {
		i.ssl_connection = LCCSCF_USE_SSL;
		if (ws->tls_insecure) {
			/* explicit opt-in only (HEAN_TLS_INSECURE=1, logged at
			 * create): any certificate, any name */
			i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED |
					    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
					    LCCSCF_ALLOW_INSECURE;
		}
	}

	/* addr is numeric: no DNS here. Errors inside this call are returned
	 * as NULL without a CONNECTION_ERROR callback; callbacks that do run
	 * inside it see ws->wsi == NULL and are ignored. */
	wsi = lws_client_connect_via_info(&i);
	if (!wsi) {
		hws_end_session(ws, HEAN_WS_CLOSE_CONNECT_FAILED, "connect failed (socket)", false);
		return;
	}
	ws->wsi = wsi;
}

void hws_on_retry_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct hean_ws *ws = w->data;

	if (!ws->started || ws->session) {
		return;
	}
	connect_now(ws);
}

void hws_on_deadline_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct hean_ws *ws = w->data;

	if (ws->state == HEAN_WS_CONNECTING) {
		hws_end_session(ws, HEAN_WS_CLOSE_CONNECT_FAILED, "connect timeout", true);
	} else if (ws->state == HEAN_WS_CLOSING) {
		/* our close frame could not leave (peer not reading) */
		hws_end_session(ws, ws->close_code, ws->close_reason, true);
	}
}

/* Queues a copy of text. Returns 0, -ENOMEM or -ENOBUFS (queue full). */
int hws_enqueue(struct hean_ws *ws, const char *text, size_t len)
{
	struct out_msg *m;

	if (ws->q_bytes + len > ws->max_queue) {
		return -ENOBUFS;
	}
	m = malloc(sizeof(*m) + LWS_PRE + len);
	if (!m) {
		return -ENOMEM;
	}
	m->next = NULL;
	m->len = len;
	if (len) {
		memcpy(m->buf + LWS_PRE, text, len);
	}
	if (ws->q_tail) {
		ws->q_tail->next = m;
	} else {
		ws->q_head = m;
	}
	ws->q_tail = m;
	ws->q_bytes += len;
	lws_callback_on_writable(ws->wsi);
	return 0;
}

void hws_on_ping_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct hean_ws *ws = w->data;
	int rc;

	if (ws->state != HEAN_WS_OPEN || !ws->ping_text) {
		return;
	}
	rc = hws_enqueue(ws, ws->ping_text, strlen(ws->ping_text));
	if (rc == -ENOBUFS) {
		hws_end_session(ws, HEAN_WS_CLOSE_SEND_FAILED, "send queue full (ping)", true);
	}
}

void hws_on_live_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct hean_ws *ws = w->data;
	double now = hws_mono_now(), silent;

	if (ws->state != HEAN_WS_OPEN) {
		return;
	}
	if (ws->rx_paused) {
		/* we stopped reading: silence is ours, not the peer's */
		ws->last_rx_mono = now;
	}
	silent = now - ws->last_rx_mono;
	if (silent >= ws->liveness_s) {
		char why[64];

		snprintf(why, sizeof(why), "no data for %.1f s", silent);
		hws_end_session(ws, HEAN_WS_CLOSE_LIVENESS, why, true);
		return;
	}
	ev_timer_stop(loop, w);
	ev_timer_set(w, ws->liveness_s - silent + 0.001, 0.);
	ev_timer_start(loop, w);
}

/* Starts our close: CLOSING, close frame from WRITEABLE, deadline. */
void hws_begin_close(struct hean_ws *ws, int code, int wire, const char *why)
{
	ws->state = HEAN_WS_CLOSING;
	ws->close_code = code;
	ws->close_wire = wire;
	hws_copy_reason(ws->close_reason, sizeof(ws->close_reason), why ? why : "",
		    why ? strlen(why) : 0);
	ev_timer_stop(ws->ctx->loop, &ws->ping_t);
	ev_timer_stop(ws->ctx->loop, &ws->live_t);
	ev_timer_stop(ws->ctx->loop, &ws->deadline_t);
	ev_timer_set(&ws->deadline_t, WS_CLOSE_TIMEOUT_S, 0.);
	ev_timer_start(ws->ctx->loop, &ws->deadline_t);
	hws_queue_clear(ws);
	lws_callback_on_writable(ws->wsi);
}
