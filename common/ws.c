/* common/ws: WebSocket client on libwebsockets 4.1.6 + libev foreign loop.
 *
 * Design (see ws.h and notes/stack.md):
 * - All timing is ours (ev_timer): reconnect backoff, connect deadline,
 *   close deadline, app ping, liveness. lws timers are not trusted
 *   (gotcha 1); lws' own validity ping/hang-up is disabled per connection.
 * - A session is one connect attempt. It ends in exactly one place,
 *   end_session(), which detaches the wsi from us (opaque user data NULL),
 *   moves to DISCONNECTED, calls on_close once and schedules the reconnect.
 *   lws callbacks for a detached wsi are ignored, so a late CLIENT_CLOSED
 *   or a destroyed hean_ws can never be touched.
 * - The wsi is never assumed to close on its own when we abandon it: from
 *   outside its callbacks we kill it with lws_set_timeout(LWS_TO_KILL_ASYNC),
 *   inside them we return -1. */
#include "common/ws.h"

#include "common/log.h"
#include "common/resolve.h"
#include "common/timeutil.h"
#include "common/url.h"

#include <errno.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define WS_DEFAULT_CONNECT_TIMEOUT_S 10
#define WS_DEFAULT_MAX_MSG (1u << 20)
#define WS_DEFAULT_MAX_QUEUE (1u << 20)
#define WS_CLOSE_TIMEOUT_S 1.0 /* our close frame must leave within this */
#define WS_KICK_S 0.05         /* lws_cancel_service period (gotcha 1) */
#define WS_REASON_LEN 124      /* a close reason fits a control frame */

struct hean_ws_ctx {
	struct ev_loop *loop;    /* borrowed */
	struct lws_context *lws; /* owned; NULLed by lws when destroyed */
	struct ev_timer kick;
	unsigned conns;
};

struct out_msg {
	struct out_msg *next;
	size_t len;
	unsigned char buf[]; /* LWS_PRE headroom + len bytes */
};

struct hean_ws {
	struct hean_ws_ctx *ctx; /* borrowed: outlives us */
	char *url;               /* owned */
	char *name;              /* owned */
	char *ping_text;         /* owned, may be NULL */
	struct hean_url u;
	int ping_interval_s;
	int liveness_s;
	int connect_timeout_s;
	size_t max_msg;
	size_t max_queue;
	bool tls_insecure;
	struct hean_ws_ops ops;
	void *data;

	enum hean_ws_state state;
	bool started;      /* reconnect until stop/destroy */
	bool session;      /* a session reached CONNECTING; on_close still due */
	struct lws *wsi;   /* the current session's wsi; NULL before connect returns */
	struct hean_resolve *dns; /* the session's name lookup in flight, or NULL */
	char tls_err[200];        /* why the peer's certificate was refused ("" none) */
	int close_code;    /* CLOSING: code for on_close */
	int close_wire;    /* CLOSING: code in our close frame */
	char close_reason[WS_REASON_LEN];

	struct hean_backoff bo;
	struct ev_timer retry_t;
	struct ev_timer deadline_t; /* connect deadline or close deadline */
	struct ev_timer ping_t;
	struct ev_timer live_t;
	uint32_t retry_delay_ms;

	struct out_msg *q_head, *q_tail; /* owned */
	size_t q_bytes;

	char *rx;         /* owned, cap rx_cap */
	size_t rx_len, rx_cap;
	bool rx_discard;  /* dropping the rest of an oversized message */
	bool rx_paused;

	double last_rx_mono; /* monotonic s of the last complete message/pong */
	int64_t last_rx_ms;  /* wall clock */
	int64_t rx_us;       /* wall clock of the message being delivered */
	uint64_t reconnects;
	uint64_t attempts;
};

/* lws' own validity pings and hang-up are off: hangup 0 disables them.
 * Liveness is ours (live_t). */
static const lws_retry_bo_t no_validity = {
	.secs_since_valid_ping = 0,
	.secs_since_valid_hangup = 0,
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* ===================== queue and buffers ===================== */

static void queue_clear(struct hean_ws *ws)
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

static void rx_reset(struct hean_ws *ws)
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

/* Appends to the reassembly buffer. Returns 0, -EMSGSIZE past max_msg, or
 * -ENOMEM. */
static int rx_append(struct hean_ws *ws, const void *in, size_t len)
{
	size_t need = ws->rx_len + len + 1;

	if (ws->rx_len + len > ws->max_msg) {
		return -EMSGSIZE;
	}
	if (need > ws->rx_cap) {
		size_t cap = ws->rx_cap ? ws->rx_cap : 4096;
		char *p;

		while (cap < need) {
			cap *= 2;
		}
		if (cap > ws->max_msg + 1) {
			cap = ws->max_msg + 1;
		}
		p = realloc(ws->rx, cap);
		if (!p) {
			return -ENOMEM;
		}
		ws->rx = p;
		ws->rx_cap = cap;
	}
	if (len) {
		memcpy(ws->rx + ws->rx_len, in, len);
	}
	ws->rx_len += len;
	ws->rx[ws->rx_len] = '\0';
	return 0;
}

/* Copies a close reason for logs and callbacks: printable ASCII only. */
static void copy_reason(char *dst, size_t cap, const char *src, size_t len)
{
	size_t i, n = 0;

	for (i = 0; src && i < len && n + 1 < cap; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[n++] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
	}
	dst[n] = '\0';
}

/* ===================== session end: the one exit ===================== */

static void schedule_retry(struct hean_ws *ws)
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
static void detach_wsi(struct hean_ws *ws, bool kill)
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
static void end_session(struct hean_ws *ws, int code, const char *reason, bool kill)
{
	struct ev_loop *loop = ws->ctx->loop;
	char why[WS_REASON_LEN];

	if (!ws->session) {
		return;
	}
	copy_reason(why, sizeof(why), reason ? reason : "", reason ? strlen(reason) : 0);
	ws->session = false;
	hean_resolve_cancel(ws->dns);
	ws->dns = NULL;
	detach_wsi(ws, kill);
	ev_timer_stop(loop, &ws->deadline_t);
	ev_timer_stop(loop, &ws->ping_t);
	ev_timer_stop(loop, &ws->live_t);
	queue_clear(ws);
	rx_reset(ws);
	ws->state = HEAN_WS_DISCONNECTED;

	if (code == HEAN_WS_CLOSE_CONNECT_FAILED) {
		log_warn("event=ws_connect_failed name=%s peer=%s:%d url=%s reason=\"%s\"", ws->name,
			 ws->u.host, ws->u.port, ws->url, why);
	} else {
		log_info("event=ws_close name=%s code=%d reason=\"%s\"", ws->name, code, why);
	}
	if (ws->started) {
		schedule_retry(ws);
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
 * (names: never getaddrinfo on the loop, notes gotcha 3) or the connect. */
static void connect_now(struct hean_ws *ws)
{
	ws->state = HEAN_WS_CONNECTING;
	ws->session = true;
	ws->tls_err[0] = '\0';
	ws->attempts++;
	if (ws->attempts > 1) {
		ws->reconnects++;
	}
	rx_reset(ws);
	queue_clear(ws);
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
		end_session(ws, HEAN_WS_CLOSE_CONNECT_FAILED, "name lookup could not start",
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
		end_session(ws, HEAN_WS_CLOSE_CONNECT_FAILED, why, false);
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
	i.protocol = NULL; /* no Sec-WebSocket-Protocol header (gotcha 16) */
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
		end_session(ws, HEAN_WS_CLOSE_CONNECT_FAILED, "connect failed (socket)", false);
		return;
	}
	ws->wsi = wsi;
}

static void on_retry_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct hean_ws *ws = w->data;

	if (!ws->started || ws->session) {
		return;
	}
	connect_now(ws);
}

static void on_deadline_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct hean_ws *ws = w->data;

	if (ws->state == HEAN_WS_CONNECTING) {
		end_session(ws, HEAN_WS_CLOSE_CONNECT_FAILED, "connect timeout", true);
	} else if (ws->state == HEAN_WS_CLOSING) {
		/* our close frame could not leave (peer not reading) */
		end_session(ws, ws->close_code, ws->close_reason, true);
	}
}

/* Queues a copy of text. Returns 0, -ENOMEM or -ENOBUFS (queue full). */
static int enqueue(struct hean_ws *ws, const char *text, size_t len)
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

static void on_ping_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct hean_ws *ws = w->data;
	int rc;

	if (ws->state != HEAN_WS_OPEN || !ws->ping_text) {
		return;
	}
	rc = enqueue(ws, ws->ping_text, strlen(ws->ping_text));
	if (rc == -ENOBUFS) {
		end_session(ws, HEAN_WS_CLOSE_SEND_FAILED, "send queue full (ping)", true);
	}
}

static void on_live_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct hean_ws *ws = w->data;
	double now = mono_now(), silent;

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
		end_session(ws, HEAN_WS_CLOSE_LIVENESS, why, true);
		return;
	}
	ev_timer_stop(loop, w);
	ev_timer_set(w, ws->liveness_s - silent + 0.001, 0.);
	ev_timer_start(loop, w);
}

static void on_kick_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct hean_ws_ctx *c = w->data;

	/* forces the libev plugin's idle path, which services ripe lws suls
	 * (close timeouts, kill-async): gotcha 1 */
	if (c->lws) {
		lws_cancel_service(c->lws);
	}
}

/* ===================== lws callback ===================== */

static void begin_close(struct hean_ws *ws, int code, int wire, const char *why);

static void mark_rx(struct hean_ws *ws)
{
	ws->last_rx_mono = mono_now();
	ws->last_rx_ms = hean_time_now_ms();
}

static void set_user_timeout(struct hean_ws *ws, struct lws *wsi)
{
	int fd = lws_get_socket_fd(wsi);
	unsigned int ms;

	if (fd < 0 || ws->liveness_s <= 0) {
		return;
	}
	/* unacknowledged data past this kills the socket in the kernel too */
	ms = (unsigned int)ws->liveness_s * 1000u;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms));
}

static int cb_established(struct hean_ws *ws, struct lws *wsi)
{
	struct ev_loop *loop = ws->ctx->loop;

	ev_timer_stop(loop, &ws->deadline_t);
	ws->state = HEAN_WS_OPEN;
	mark_rx(ws);
	set_user_timeout(ws, wsi);
	if (ws->rx_paused) {
		lws_rx_flow_control(wsi, 0);
	}
	ev_timer_stop(loop, &ws->ping_t);
	ev_timer_stop(loop, &ws->live_t);
	if (ws->ping_interval_s > 0 && ws->ping_text) {
		ev_timer_set(&ws->ping_t, ws->ping_interval_s, ws->ping_interval_s);
		ev_timer_start(loop, &ws->ping_t);
	}
	if (ws->liveness_s > 0) {
		ev_timer_set(&ws->live_t, ws->liveness_s, 0.);
		ev_timer_start(loop, &ws->live_t);
	}
	log_info("event=ws_open name=%s url=%s attempt=%llu", ws->name, ws->url,
		 (unsigned long long)ws->attempts);
	if (ws->ops.on_open) {
		ws->ops.on_open(ws, ws->data);
	}
	return 0;
}

static int cb_receive(struct hean_ws *ws, struct lws *wsi, const void *in, size_t len)
{
	int rc;

	if (lws_is_first_fragment(wsi)) {
		ws->rx_len = 0;
		ws->rx_discard = false;
	}
	if (ws->rx_discard) {
		return 0;
	}
	rc = rx_append(ws, in, len);
	if (rc < 0) {
		/* Close 1009 from WRITEABLE: returning -1 from CLIENT_RECEIVE
		 * crashed lws 4.1.6 (use after free in the rx path) here. The
		 * rest of the message is discarded while CLOSING. */
		char why[64];

		if (rc == -EMSGSIZE) {
			snprintf(why, sizeof(why), "message over %zu bytes", ws->max_msg);
		} else {
			snprintf(why, sizeof(why), "out of memory for message");
		}
		log_warn("event=ws_too_big name=%s max_msg=%zu", ws->name, ws->max_msg);
		ws->rx_discard = true;
		begin_close(ws, HEAN_WS_CLOSE_TOO_BIG, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, why);
		return 0;
	}
	if (!lws_is_final_fragment(wsi)) {
		return 0;
	}
	mark_rx(ws);
	ws->rx_us = hean_time_now_us();
	if (!ws->rx) {
		/* empty message: deliver "" */
		if (rx_append(ws, "", 0) < 0) {
			return 0;
		}
	}
	if (ws->ops.on_message) {
		ws->ops.on_message(ws, ws->rx, ws->rx_len, ws->data);
	}
	if (ws->wsi == wsi) {
		ws->rx_len = 0;
	}
	return 0;
}

static int cb_writeable(struct hean_ws *ws, struct lws *wsi)
{
	if (ws->state == HEAN_WS_CLOSING) {
		char code_reason[WS_REASON_LEN];
		size_t n = strlen(ws->close_reason);

		memcpy(code_reason, ws->close_reason, n + 1);
		lws_close_reason(wsi, (enum lws_close_status)ws->close_wire,
				 (unsigned char *)code_reason, n);
		end_session(ws, ws->close_code, code_reason, false);
		return -1; /* lws sends the close frame; the wsi is detached */
	}
	if (ws->state != HEAN_WS_OPEN) {
		return 0;
	}
	while (ws->q_head) {
		struct out_msg *m = ws->q_head;
		int n = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);

		if (n < 0 || (size_t)n < m->len) {
			end_session(ws, HEAN_WS_CLOSE_SEND_FAILED, "lws_write failed", false);
			return -1;
		}
		ws->q_head = m->next;
		if (!ws->q_head) {
			ws->q_tail = NULL;
		}
		ws->q_bytes -= m->len;
		free(m);
		if (lws_send_pipe_choked(wsi)) {
			break;
		}
	}
	if (ws->q_head) {
		lws_callback_on_writable(wsi);
	}
	return 0;
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len)
{
	struct hean_ws *ws = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	int code;
	char why[WS_REASON_LEN];

	if (!ws || ws->wsi != wsi) {
		/* not ours, or a session we already ended (it was killed or is
		 * closing on its own): ignore */
		return 0;
	}

	switch (reason) {
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
		/* user = X509_STORE_CTX, len = OpenSSL's verdict. Only noted
		 * for the failure's log line; 0 keeps OpenSSL's verdict (and
		 * lws' own rules): verification is never relaxed here. */
		if (!len && user) {
			X509_STORE_CTX *x = user;
			int err = X509_STORE_CTX_get_error(x);
			X509 *cert = X509_STORE_CTX_get_current_cert(x);
			char subj[96] = "";

			if (cert) {
				X509_NAME_oneline(X509_get_subject_name(cert), subj, sizeof(subj));
			}
			snprintf(ws->tls_err, sizeof(ws->tls_err),
				 "TLS certificate refused: %s (depth %d, subject %s)",
				 X509_verify_cert_error_string(err), X509_STORE_CTX_get_error_depth(x),
				 subj[0] ? subj : "?");
		}
		return 0;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (ws->tls_err[0]) {
			copy_reason(why, sizeof(why), ws->tls_err, strlen(ws->tls_err));
		} else {
			copy_reason(why, sizeof(why), in ? (const char *)in : "connection error",
				    in ? strlen((const char *)in) : strlen("connection error"));
		}
		end_session(ws,
			    ws->state == HEAN_WS_CONNECTING ? HEAN_WS_CLOSE_CONNECT_FAILED
							    : HEAN_WS_CLOSE_ABNORMAL,
			    why, false);
		return 0;

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		/* a drop/stop from on_open closes via WRITEABLE or kill-async */
		return cb_established(ws, wsi);

	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (ws->state != HEAN_WS_OPEN) {
			return 0; /* CLOSING: our close is on its way */
		}
		/* never -1 here: our closes go out from WRITEABLE */
		return cb_receive(ws, wsi, in, len);

	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		mark_rx(ws);
		return 0;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return cb_writeable(ws, wsi);

	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		/* in = 2-byte big-endian code + reason (gotcha 6); lws has
		 * rewritten 1012-1014 to 1002 already (gotcha 5). */
		if (in && len >= 2) {
			const unsigned char *p = in;

			code = (p[0] << 8) | p[1];
			copy_reason(why, sizeof(why), (const char *)in + 2, len - 2);
		} else {
			code = 1005; /* no status code present */
			why[0] = '\0';
		}
		end_session(ws, code, why, false);
		return 0; /* lws echoes the close and closes the socket */

	case LWS_CALLBACK_CLIENT_CLOSED:
		end_session(ws,
			    ws->state == HEAN_WS_CONNECTING ? HEAN_WS_CLOSE_CONNECT_FAILED
							    : HEAN_WS_CLOSE_ABNORMAL,
			    "connection lost (no close frame)", false);
		return 0;

	case LWS_CALLBACK_WSI_DESTROY:
		/* backstop: a wsi freed while still ours */
		end_session(ws,
			    ws->state == HEAN_WS_CONNECTING ? HEAN_WS_CLOSE_CONNECT_FAILED
							    : HEAN_WS_CLOSE_ABNORMAL,
			    "connection destroyed", false);
		return 0;

	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{"hean-ws", ws_callback, 0, 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ===================== context ===================== */

struct hean_ws_ctx *hean_ws_ctx_create(struct ev_loop *loop)
{
	struct lws_context_creation_info info;
	struct hean_ws_ctx *c;
	void *loops[1] = {loop};

	c = calloc(1, sizeof(*c));
	if (!c) {
		log_error("event=ws_ctx_failed reason=\"out of memory\"");
		return NULL;
	}
	c->loop = loop;

	/* before creation: no NOTICE spam from the libev plugin (gotcha 14) */
	hean_log_route_lws();
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.options = LWS_SERVER_OPTION_LIBEV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	if (hean_net_ca_file()[0]) {
		/* HEAN_TLS_CA_FILE replaces the system store (as for REST) */
		info.client_ssl_ca_filepath = hean_net_ca_file();
		info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
		log_info("event=ws_tls_ca file=%s", hean_net_ca_file());
	}
	info.foreign_loops = loops;
	info.protocols = protocols;
	info.pcontext = &c->lws;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	c->lws = lws_create_context(&info);
	if (!c->lws) {
		log_error("event=ws_ctx_failed reason=\"lws_create_context failed "
			  "(libwebsockets-evlib-ev installed? HEAN_TLS_CA_FILE readable?)\"");
		free(c);
		return NULL;
	}
	ev_timer_init(&c->kick, on_kick_timer, WS_KICK_S, WS_KICK_S);
	c->kick.data = c;
	ev_timer_start(loop, &c->kick);
	/* the kick only services lws: it must not keep ev_run alive once every
	 * connection is closed (clean shutdown = the loop runs dry) */
	ev_unref(loop);
	return c;
}

void hean_ws_ctx_destroy(struct hean_ws_ctx *c)
{
	if (!c) {
		return;
	}
	if (c->conns) {
		log_warn("event=ws_ctx_destroy open_connections=%u", c->conns);
	}
	if (ev_is_active(&c->kick)) {
		ev_ref(c->loop);
		ev_timer_stop(c->loop, &c->kick);
	}
	hean_resolve_shutdown(); /* no-op while another user waits */
	if (c->lws) {
		/* libev has no async close: completes here when called
		 * outside lws service (never call from an lws callback) */
		lws_context_destroy(c->lws);
		if (c->lws) {
			log_warn("event=ws_ctx_destroy reason=\"lws context not finalized\"");
		}
	}
	free(c);
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

	ev_timer_init(&ws->retry_t, on_retry_timer, 0., 0.);
	ev_timer_init(&ws->deadline_t, on_deadline_timer, 0., 0.);
	ev_timer_init(&ws->ping_t, on_ping_timer, 0., 0.);
	ev_timer_init(&ws->live_t, on_live_timer, 0., 0.);
	ws->retry_t.data = ws->deadline_t.data = ws->ping_t.data = ws->live_t.data = ws;

	if (ws->u.tls && ws->tls_insecure) {
		log_warn("event=ws_tls_insecure name=%s url=%s detail=\"TLS certificate and "
			 "host name are NOT verified\"",
			 ws->name, ws->url);
	}
	c->conns++;
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

/* Starts our close: CLOSING, close frame from WRITEABLE, deadline. */
static void begin_close(struct hean_ws *ws, int code, int wire, const char *why)
{
	ws->state = HEAN_WS_CLOSING;
	ws->close_code = code;
	ws->close_wire = wire;
	copy_reason(ws->close_reason, sizeof(ws->close_reason), why ? why : "",
		    why ? strlen(why) : 0);
	ev_timer_stop(ws->ctx->loop, &ws->ping_t);
	ev_timer_stop(ws->ctx->loop, &ws->live_t);
	ev_timer_stop(ws->ctx->loop, &ws->deadline_t);
	ev_timer_set(&ws->deadline_t, WS_CLOSE_TIMEOUT_S, 0.);
	ev_timer_start(ws->ctx->loop, &ws->deadline_t);
	queue_clear(ws);
	lws_callback_on_writable(ws->wsi);
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
		begin_close(ws, 1000, 1000, "stopped");
	} else if (ws->state == HEAN_WS_CONNECTING) {
		end_session(ws, HEAN_WS_CLOSE_BY_OWNER, "stopped", true);
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
	detach_wsi(ws, true);
	hean_resolve_cancel(ws->dns);
	ws->dns = NULL;
	ev_timer_stop(loop, &ws->retry_t);
	ev_timer_stop(loop, &ws->deadline_t);
	ev_timer_stop(loop, &ws->ping_t);
	ev_timer_stop(loop, &ws->live_t);
	queue_clear(ws);
	free(ws->rx);
	ws->ctx->conns--;
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
	rc = enqueue(ws, text, len);
	if (rc == -ENOBUFS) {
		log_warn("event=ws_send_queue_full name=%s queued=%zu max_queue=%zu", ws->name,
			 ws->q_bytes, ws->max_queue);
		end_session(ws, HEAN_WS_CLOSE_SEND_FAILED, "send queue full", true);
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
		begin_close(ws, HEAN_WS_CLOSE_BY_OWNER, wire_code_ok(code) ? code : 1000, why);
	} else if (ws->state == HEAN_WS_CONNECTING) {
		end_session(ws, HEAN_WS_CLOSE_BY_OWNER, why, true);
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
		schedule_retry(ws);
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
		ws->last_rx_mono = mono_now(); /* silence while paused was ours */
	}
	if (ws->wsi && ws->state == HEAN_WS_OPEN) {
		lws_rx_flow_control(ws->wsi, pause ? 0 : 1);
	}
}
