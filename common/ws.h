/* common/ws: a WebSocket client connection on libwebsockets with the libev
 * foreign loop, and the one state machine every connection in hean uses:
 *
 *   DISCONNECTED --start/retry timer--> CONNECTING --established--> OPEN
 *   OPEN --hean_ws_drop / liveness / send failure--> CLOSING
 *   any state --error, any close code (1000 included), TCP loss,
 *               connect failure, silence past liveness--> DISCONNECTED
 *   DISCONNECTED always schedules a reconnect with backoff + jitter
 *   (our own ev_timer, never lws timers: in lws 4.1.6 on libev they fire
 *   late or never unless lws socket I/O happens to run its idle path).
 *
 * There is no way to stay OPEN on a dead socket: any complete inbound
 * message proves liveness; silence past liveness_s drops the link; a send
 * that cannot be queued drops the link. The owner is told about every
 * close (code + reason) and every scheduled reconnect. */
#ifndef HEAN_COMMON_WS_H
#define HEAN_COMMON_WS_H

#include "common/backoff.h"

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hean_ws_ctx; /* one lws context per process, shared by connections */
struct hean_ws;

enum hean_ws_state {
	HEAN_WS_DISCONNECTED = 0,
	HEAN_WS_CONNECTING,
	HEAN_WS_OPEN,
	HEAN_WS_CLOSING,
};

/* Close codes reported for paths with no close frame. */
#define HEAN_WS_CLOSE_ABNORMAL 1006   /* TCP lost, no close frame */
#define HEAN_WS_CLOSE_TOO_BIG 1009    /* message over max_msg (we closed) */
#define HEAN_WS_CLOSE_CONNECT_FAILED 0 /* never opened (refused, DNS, TLS, handshake) */
#define HEAN_WS_CLOSE_LIVENESS 4900    /* we closed: silence past liveness_s */
#define HEAN_WS_CLOSE_SEND_FAILED 4901 /* we closed: a send failed */
#define HEAN_WS_CLOSE_BY_OWNER 4902    /* we closed: hean_ws_drop() */

struct hean_ws_ops {
	/* Socket open (handshake done). Send auth/subscribe from here. */
	void (*on_open)(struct hean_ws *ws, void *data);
	/* One complete text/binary message (fragments reassembled). msg is
	 * NUL-terminated (at msg[len]) and valid only during the call. */
	void (*on_message)(struct hean_ws *ws, const char *msg, size_t len, void *data);
	/* The session is over: code is the peer's close code, or one of the
	 * HEAN_WS_CLOSE_* values; reason may be "". Called exactly once per
	 * session that reached CONNECTING. A reconnect is already scheduled.
	 * Inside it the state is DISCONNECTED and hean_ws_send returns
	 * -ENOTCONN. hean_ws_drop() reports HEAN_WS_CLOSE_BY_OWNER (the
	 * owner's code goes on the wire); liveness/send failures kill the
	 * socket without a close frame. May call stop/backoff_reset/
	 * backoff_slow (slow re-arms the pending reconnect), not destroy. */
	void (*on_close)(struct hean_ws *ws, int code, const char *reason, void *data);
	/* A reconnect attempt will start in delay_ms. May be NULL. */
	void (*on_reconnecting)(struct hean_ws *ws, uint32_t delay_ms, void *data);
	/* A connect attempt starts now (state CONNECTING). May be NULL. Must
	 * not stop or destroy the connection. */
	void (*on_connecting)(struct hean_ws *ws, void *data);
};

struct hean_ws_config {
	const char *url;            /* ws://host:port/path or wss://... */
	const char *name;           /* for logs: "public", "private", "signals" */
	int ping_interval_s;        /* app ping period; 0 = none */
	const char *ping_text;      /* sent every ping_interval_s while OPEN, e.g. {"op":"ping"} */
	int liveness_s;             /* silence past this drops the link; 0 = off */
	int connect_timeout_s;      /* default 10 */
	size_t max_msg;             /* reassembly cap, default 1 MiB; over -> close 1009 */
	size_t max_queue;           /* outbound bytes queued, default 1 MiB; over -> drop */
	const struct hean_backoff_policy *backoff; /* default hean_backoff_default */
	bool tls_insecure;          /* accept self-signed certs (logged loudly) */
};

/* One per process. Installs a 50 ms ev_timer that calls
 * lws_cancel_service (lws timer workaround). NULL on failure (logged). */
struct hean_ws_ctx *hean_ws_ctx_create(struct ev_loop *loop);
/* Destroys the lws context (connections must be destroyed first). Call
 * outside lws callbacks; with libev it completes synchronously. */
void hean_ws_ctx_destroy(struct hean_ws_ctx *c);

/* The owner's part of a shutdown: destroy every connection of the
 * context (hean_ws_destroy, or the owner's wrapper around it) and forget
 * the context pointer (it is destroyed right after this returns). */
typedef void hean_ws_release_fn(void *data);

/* The one way to end a process's WebSocket side: stops every connection
 * of c (hean_ws_stop: close 1000 where open; owners may stop theirs first
 * with their own wrappers), then, from the loop and never inside an lws
 * callback, waits until every connection is DISCONNECTED or max_s has
 * passed (checked every 20 ms), calls release(data), and destroys c. The
 * pending check keeps ev_run alive until then. Calling
 * hean_ws_ctx_destroy(c) before that cancels it (release is not called).
 * A second call while one is pending only updates release/data. */
void hean_ws_ctx_shutdown(struct hean_ws_ctx *c, double max_s, hean_ws_release_fn *release,
			  void *data);

/* Creates a connection (DISCONNECTED, nothing sent yet). cfg strings are
 * copied. NULL on a bad URL (logged) or no memory. */
struct hean_ws *hean_ws_create(struct hean_ws_ctx *c, const struct hean_ws_config *cfg,
			       const struct hean_ws_ops *ops, void *data);

/* Starts connecting now (then reconnects forever until stop/destroy). */
int hean_ws_start(struct hean_ws *ws);

/* Closes (code 1000) and stays down: no reconnect. For shutdown. */
void hean_ws_stop(struct hean_ws *ws);

/* Frees. Safe from any callback except this connection's own (use stop
 * there). NULL is a no-op. Calls no owner callback (no on_close); a live
 * socket is detached and killed asynchronously. */
void hean_ws_destroy(struct hean_ws *ws);

/* Queues a text message. Returns 0, or -ENOTCONN when not OPEN (nothing
 * queued; the caller must not "retry on the same socket"), or -ENOBUFS
 * when the queue is full, in which case the link is dropped
 * (HEAN_WS_CLOSE_SEND_FAILED) and a reconnect scheduled. */
int hean_ws_send(struct hean_ws *ws, const char *text, size_t len);

/* The owner declares the session over (bad auth reply, all symbols stale,
 * protocol violation): close with code, then reconnect with backoff. */
void hean_ws_drop(struct hean_ws *ws, int code, const char *why);

/* The link proved useful (subscription ack, auth success): backoff
 * restarts from the first step. */
void hean_ws_backoff_reset(struct hean_ws *ws);

/* Next reconnect delays use the slowest step until the next reset
 * (auth rejected: do not hammer). */
void hean_ws_backoff_slow(struct hean_ws *ws);

enum hean_ws_state hean_ws_get_state(const struct hean_ws *ws);
const char *hean_ws_state_name(enum hean_ws_state s);
uint64_t hean_ws_reconnects(const struct hean_ws *ws);
/* Wall-clock ms of the last complete inbound message (0 = never). */
int64_t hean_ws_last_rx_ms(const struct hean_ws *ws);
/* Wall-clock µs at which the message being delivered was read. */
int64_t hean_ws_rx_us(const struct hean_ws *ws);

/* Pause/resume reading (backpressure, lws_rx_flow_control). */
void hean_ws_rx_pause(struct hean_ws *ws, bool pause);

#endif
