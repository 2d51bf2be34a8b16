/* common/ws_internal.h: what the parts of the WebSocket client share
 * (private to common/ws*.c; owners use common/ws.h).
 *
 * The client is split by job:
 * - ws_session.c: the state machine of one session (connect, the one exit
 *   hws_end_session, our close, the timers that drive it) and the
 *   outbound queue and reassembly buffer;
 * - ws_lws.c: the libwebsockets callback and the per-process context;
 * - ws.c: the public API (create, start, stop, destroy, send, drop, ...).
 *
 * Design:
 * - All timing is ours (ev_timer): reconnect backoff, connect deadline,
 *   close deadline, app ping, liveness. lws 4.1.6 timers do not fire on
 *   time with the libev event library, so none is trusted; lws' own
 *   validity ping/hang-up is disabled per connection.
 * - A session is one connect attempt. It ends in exactly one place,
 *   hws_end_session(), which detaches the wsi from us (opaque user data
 *   NULL), moves to DISCONNECTED, calls on_close once and schedules the
 *   reconnect. lws callbacks for a detached wsi are ignored, so a late
 *   CLIENT_CLOSED or a destroyed hean_ws can never be touched.
 * - The wsi is never assumed to close on its own when we abandon it: from
 *   outside its callbacks we kill it with lws_set_timeout(LWS_TO_KILL_ASYNC),
 *   inside them we return -1. */
#ifndef HEAN_COMMON_WS_INTERNAL_H
#define HEAN_COMMON_WS_INTERNAL_H

#include "common/ws.h"

#include "common/backoff.h"
#include "common/url.h"

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lws;
struct lws_context;

#define WS_DEFAULT_CONNECT_TIMEOUT_S 10
#define WS_DEFAULT_MAX_MSG (1u << 20)
#define WS_DEFAULT_MAX_QUEUE (1u << 20)
#define WS_CLOSE_TIMEOUT_S 1.0 /* our close frame must leave within this */
#define WS_KICK_S 0.05         /* lws_cancel_service period: services lws' own timers */
#define WS_REASON_LEN 124      /* a close reason fits a control frame */

struct hean_ws_ctx {
	struct ev_loop *loop;    /* borrowed */
	struct lws_context *lws; /* owned; NULLed by lws when destroyed */
	struct ev_timer kick;
	unsigned conns;
	struct hean_ws *list; /* every connection of this context */
	/* hean_ws_ctx_shutdown: polls until all are down or the deadline */
	struct ev_timer fin;
	double fin_deadline; /* ev_now() + max_s */
	hean_ws_release_fn *fin_release;
	void *fin_data;
};

struct out_msg {
	struct out_msg *next;
	size_t len;
	unsigned char buf[]; /* LWS_PRE headroom + len bytes */
};

struct hean_ws {
	struct hean_ws_ctx *ctx; /* borrowed: outlives us */
	struct hean_ws *ctx_prev, *ctx_next; /* ctx->list */
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

/* ws_session.c */
double hws_mono_now(void);
void hws_queue_clear(struct hean_ws *ws);
/* Appends to the reassembly buffer. Returns 0, -EMSGSIZE past max_msg, or
 * -ENOMEM. */
int hws_rx_append(struct hean_ws *ws, const void *in, size_t len);
/* The growable buffer behind hws_rx_append and common/fetch's body:
 * *buf keeps a NUL after *blen; capacity doubles from 4096, capped at
 * max + 1. Returns 0, -EMSGSIZE past max bytes, or -ENOMEM. */
int hws_buf_append(char **buf, size_t *blen, size_t *bcap, size_t max, const void *in,
		   size_t len);
/* Why OpenSSL refused the peer's certificate (x509_store_ctx: the
 * X509_STORE_CTX lws passes to the verify callback), for a log line; the
 * verdict itself stays OpenSSL's. In ws_lws.c; used by common/ws and common/fetch. */
void hws_cert_refusal(void *x509_store_ctx, char *out, size_t len);
/* Copies a close reason for logs and callbacks: printable ASCII only. */
void hws_copy_reason(char *dst, size_t cap, const char *src, size_t len);
void hws_schedule_retry(struct hean_ws *ws);
/* Detaches the current wsi from us; kill: also make lws close it. */
void hws_detach_wsi(struct hean_ws *ws, bool kill);
/* Ends the current session: exactly one on_close per session, then
 * DISCONNECTED with a reconnect scheduled (unless stopped). */
void hws_end_session(struct hean_ws *ws, int code, const char *reason, bool kill);
/* Queues a copy of text. Returns 0, -ENOMEM or -ENOBUFS (queue full). */
int hws_enqueue(struct hean_ws *ws, const char *text, size_t len);
/* Starts our close: CLOSING, close frame from WRITEABLE, deadline. */
void hws_begin_close(struct hean_ws *ws, int code, int wire, const char *why);
void hws_on_retry_timer(struct ev_loop *loop, struct ev_timer *w, int revents);
void hws_on_deadline_timer(struct ev_loop *loop, struct ev_timer *w, int revents);
void hws_on_ping_timer(struct ev_loop *loop, struct ev_timer *w, int revents);
void hws_on_live_timer(struct ev_loop *loop, struct ev_timer *w, int revents);

#endif
