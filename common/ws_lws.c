/* common/ws_lws: the libwebsockets side of the WebSocket client: the
 * protocol callback that turns lws events into session transitions, and
 * the per-process lws context on the libev foreign loop. */
#include "common/ws_internal.h"

#include "common/log.h"
#include "common/resolve.h"
#include "common/timeutil.h"

#include <errno.h>
#include <libwebsockets.h>
#include "common/fetch.h" /* after libwebsockets.h: its protocol callback */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void on_kick_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct hean_ws_ctx *c = w->data;

	/* forces the libev plugin's idle path, which services ripe lws suls
	 * (close timeouts, kill-async): lws 4.1.6 re-arms its one ev_timer
	 * only from that idle path, run after lws socket I/O, so without
	 * this its timers fire late or never */
	if (c->lws) {
		lws_cancel_service(c->lws);
	}
}

/* ===================== lws callback ===================== */


static void mark_rx(struct hean_ws *ws)
{
	ws->last_rx_mono = hws_mono_now();
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
	rc = hws_rx_append(ws, in, len);
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
		hws_begin_close(ws, HEAN_WS_CLOSE_TOO_BIG, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, why);
		return 0;
	}
	if (!lws_is_final_fragment(wsi)) {
		return 0;
	}
	mark_rx(ws);
	ws->rx_us = hean_time_now_us();
	if (!ws->rx) {
		/* empty message: deliver "" */
		if (hws_rx_append(ws, "", 0) < 0) {
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
		hws_end_session(ws, ws->close_code, code_reason, false);
		return -1; /* lws sends the close frame; the wsi is detached */
	}
	if (ws->state != HEAN_WS_OPEN) {
		return 0;
	}
	while (ws->q_head) {
		struct out_msg *m = ws->q_head;
		int n = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);

		if (n < 0 || (size_t)n < m->len) {
			hws_end_session(ws, HEAN_WS_CLOSE_SEND_FAILED, "lws_write failed", false);
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

void hws_cert_refusal(void *x509_store_ctx, char *out, size_t len)
{
	X509_STORE_CTX *x = x509_store_ctx;
	int err = X509_STORE_CTX_get_error(x);
	X509 *cert = X509_STORE_CTX_get_current_cert(x);
	char subj[96] = "";

	if (cert) {
		X509_NAME_oneline(X509_get_subject_name(cert), subj, sizeof(subj));
	}
	snprintf(out, len, "TLS certificate refused: %s (depth %d, subject %s)",
		 X509_verify_cert_error_string(err), X509_STORE_CTX_get_error_depth(x),
		 subj[0] ? subj : "?");
}

/* The peer closed: in = 2-byte big-endian code + reason (lws hands the
 * raw close payload); lws has already rewritten codes 1012-1014 to 1002. */
static void cb_peer_close(struct hean_ws *ws, const void *in, size_t len)
{
	char why[WS_REASON_LEN];
	int code;

	if (in && len >= 2) {
		const unsigned char *p = in;

		code = (p[0] << 8) | p[1];
		hws_copy_reason(why, sizeof(why), (const char *)in + 2, len - 2);
	} else {
		code = 1005; /* no status code present */
		why[0] = '\0';
	}
	hws_end_session(ws, code, why, false);
}

/* The link ended without a close frame: a failed connect while
 * CONNECTING, else an abnormal close (1006). */
static void end_lost(struct hean_ws *ws, const char *why)
{
	hws_end_session(ws,
			ws->state == HEAN_WS_CONNECTING ? HEAN_WS_CLOSE_CONNECT_FAILED
							: HEAN_WS_CLOSE_ABNORMAL,
			why, false);
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len)
{
	struct hean_ws *ws;
	char why[WS_REASON_LEN];

	if (wsi && lws_get_protocol(wsi) &&
	    lws_get_protocol(wsi)->callback == hean_fetch_lws_callback) {
		/* lws calls protocol 0 for some events of any wsi (the TLS
		 * verdict): common/fetch's wsi carry a struct hean_fetch */
		return hean_fetch_lws_callback(wsi, reason, user, in, len);
	}
	ws = wsi ? lws_get_opaque_user_data(wsi) : NULL;
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
			hws_cert_refusal(user, ws->tls_err, sizeof(ws->tls_err));
		}
		return 0;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (ws->tls_err[0]) {
			hws_copy_reason(why, sizeof(why), ws->tls_err, strlen(ws->tls_err));
		} else {
			hws_copy_reason(why, sizeof(why), in ? (const char *)in : "connection error",
				    in ? strlen((const char *)in) : strlen("connection error"));
		}
		end_lost(ws, why);
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
		cb_peer_close(ws, in, len);
		return 0; /* lws echoes the close and closes the socket */

	case LWS_CALLBACK_CLIENT_CLOSED:
		end_lost(ws, "connection lost (no close frame)");
		return 0;

	case LWS_CALLBACK_WSI_DESTROY:
		/* backstop: a wsi freed while still ours */
		end_lost(ws, "connection destroyed");
		return 0;

	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{"hean-ws", ws_callback, 0, 0, 0, NULL, 0},
	{"hean-fetch", hean_fetch_lws_callback, 0, 0, 0, NULL, 0}, /* common/fetch */
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

	/* before creation: no NOTICE spam from the libev plugin (a line per
	 * watcher start/stop) */
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
	ev_timer_stop(c->loop, &c->fin); /* a pending hean_ws_ctx_shutdown */
	hean_fetch_abort_all(c);          /* no callbacks */
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
