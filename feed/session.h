/* feed/session: the I/O shell of the feed. Translates WebSocket, Redis and
 * timer events into calls on the pure modules (parse, ticker, stale,
 * publish, subs, universe) and reports through common/health.
 *
 * The symbols streamed change at run time (feed/universe, fed by
 * feed/sources): every 250 ms the plan's changes are applied: a new
 * symbol goes to the first connection with room (at most
 * HEAN_FEED_CONN_SYMBOLS symbols and under Bybit's 21,000 characters of
 * args text, feed/subs), or to a new connection; it is subscribed at once
 * on a connection that is open. A dropped symbol is unsubscribed on its
 * connection alone; no other symbol and no connection is disturbed.
 *
 * One struct feed_session per connection, each its own state machine:
 * connecting -> subscribing -> streaming; any close -> disconnected ->
 * backoff with jitter -> reconnect -> resubscribe its symbols (common/ws
 * drives the reconnects; backoff resets once every subscription of the
 * connection is acknowledged). A failure of one connection touches only
 * its symbols. New connections open at most one per FEED_CONN_GAP_S. */
#ifndef HEAN_FEED_SESSION_H
#define HEAN_FEED_SESSION_H

#include "common/hist.h"
#include "common/app.h"
#include "common/ws.h"
#include "feed/publish.h"
#include "feed/sources.h"
#include "feed/ticker.h"
#include "feed/universe.h"

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

struct feed_app;

enum feed_sess_state {
	FEED_SESS_DISCONNECTED = 0,
	FEED_SESS_CONNECTING,
	FEED_SESS_SUBSCRIBING,
	FEED_SESS_STREAMING,
};

struct feed_session {
	struct feed_app *f;   /* borrowed: owner */
	struct hean_ws *ws;   /* owned */
	uint32_t idx;
	uint32_t *syms;       /* owned: book indices carried by this connection */
	const struct feed_stale **stale; /* owned: views for feed_stale_conn_dead */
	size_t n_syms, max_syms;
	size_t args_used;     /* args text of its topics (feed/subs) */
	bool started;         /* hean_ws_start called */
	enum feed_sess_state state;
	int64_t open_ms;      /* when the socket opened (0 = not open) */
	size_t acks_pending;  /* subscribe requests not answered yet */
	int64_t sub_sent_ms;  /* last subscribe sent (answer deadline) */
	char close_detail[160];
};

/* Rate limit for repeated log lines: one line per second per kind. */
struct feed_loglimit {
	double last;
	uint64_t suppressed;
};

#define FEED_LAT_BUCKETS 512
#define FEED_MAX_CONNS 32 /* x at most ~15 connects per 5 min each (common/backoff) < Bybit's 500 */
#define FEED_GONE 32 /* recently dropped symbols: late ticks are expected */
#define FEED_FIFO 16384 /* > the Redis link's in-flight cap */

struct feed_app {
	struct hean_app *app;      /* borrowed: outlives us */
	struct hean_ws_ctx *wsctx; /* owned */
	struct feed_book book;
	struct feed_pub pub;
	struct feed_session *sess; /* owned array, FEED_MAX_CONNS */
	size_t n_sess;
	struct feed_universe uni;
	struct feed_sources src;
	bool all;                  /* HEAN_SYMBOLS holds ALL */
	double last_conn_open;     /* ev time a connection was last started */
	struct {
		char sym[FEED_SYM_MAX + 1];
		int64_t ms;
	} gone[FEED_GONE];
	size_t gone_next;
	ev_timer tick;     /* 250 ms: staleness, subscribe deadline, health counters */
	ev_prepare flush;  /* before each poll: coalesced HSETs, queued XADDs */
	bool stopping;
	bool rx_paused;    /* backpressure: Redis in-flight above the high mark */
	int64_t stale_ms;
	/* counters (health hash) */
	uint64_t msgs, fast_msgs, bad_frames, bad_fields, unknown_topics, dbs, unknown_syms;
	uint64_t sub_errors, acked, lost, xadd_errors, pauses;
	uint64_t added, dropped_syms, rejected, late_ticks, unsub_errors;
	uint32_t lat[FEED_LAT_BUCKETS]; /* recv -> XADD ack, µs, log buckets */
	uint64_t lat_n;
	struct hean_hist hist; /* same, exported as hist_recv_to_stored */
	int64_t fifo[FEED_FIFO]; /* recv_us of XADDs awaiting their reply, in order */
	size_t fifo_head, fifo_n;
	struct feed_loglimit ll_bad, ll_sym, ll_redis;
};

/* The shape of every daemon (common/app.h): start builds the book, the
 * publisher, the lws context and the connections, registers on_stop,
 * on_redis and data on app and starts connecting (NULL on failure,
 * logged, nothing left running). After hean_app_run: feed_app_close (the
 * connections and timers), hean_app_finish (Redis replies still due run
 * into the publisher), feed_app_destroy (publisher, book, f). Both take
 * NULL. */
struct feed_app *feed_app_start(struct hean_app *app);
void feed_app_close(struct feed_app *f);
void feed_app_destroy(struct feed_app *f);

/* Latency bucket helpers (exposed for the benchmark / tests). */
unsigned feed_lat_bucket(uint64_t us);
uint64_t feed_lat_bucket_us(unsigned b);

#endif
