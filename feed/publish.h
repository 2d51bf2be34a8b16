/* feed/publish: merged tickers -> Redis, as hand-built RESP, pipelined.
 * Pure: the bytes go to a sink supplied by the I/O shell (session.c sends
 * them with hean_redis_command_raw), so this is unit-tested without Redis.
 *
 *   every merged update  -> XADD {prefix}ticks MAXLEN ~ N * symbol S last L
 *                           bid B ask A mark M ts T recv_us U
 *   the symbol's hash    -> HSET {prefix}ticker:{SYM} (same fields plus
 *                           n_ticks, the symbol's update count), coalesced:
 *                           marked dirty per update, written by feed_pub_flush
 *                           (once per loop iteration), so the hash always ends
 *                           with the latest state.
 * When the sink refuses (link down, in-flight cap), XADDs wait in a bounded
 * ring, in order; when the ring is full the oldest is dropped and counted.
 * On Redis up the owner calls feed_pub_resync: every symbol's hash is
 * rewritten from the latest state. */
#ifndef HEAN_FEED_PUBLISH_H
#define HEAN_FEED_PUBLISH_H

#include "feed/ticker.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sends one complete command. xadd_recv_us: the XADD's recv_us (for the
 * ack latency), or 0 for an HSET. Returns 0 (sent; the sink owns the
 * reply), or a negative errno (nothing sent: -ENOTCONN, -ENOBUFS). */
typedef int feed_pub_send_fn(void *ctx, const char *cmd, size_t len, int64_t xadd_recv_us);

struct feed_pub_rec {
	uint32_t idx; /* ticker index in the book */
	uint32_t gen; /* the slot's gen when recorded: a reused slot never
		       * lends its symbol to an older record */
	int64_t ts;
	int64_t recv_us;
	struct feed_px px[FEED_PX_N];
};

struct feed_pub {
	const struct feed_book *book; /* borrowed: outlives us */
	feed_pub_send_fn *send;
	void *ctx;
	char xadd_head[192]; /* "*20\r\n$4\r\nXADD\r\n$..\r\nKEY\r\n...*\r\n" */
	size_t xadd_head_len;
	char hset_key[72]; /* "{prefix}ticker:" */
	size_t hset_key_len;
	struct feed_pub_rec *q; /* owned ring */
	size_t cap, head, count;
	uint32_t *dirty; /* owned: indices of symbols whose hash is behind */
	uint8_t *is_dirty;
	size_t n_dirty;
	uint64_t ticks;   /* merged updates offered */
	uint64_t *sym_ticks; /* owned: merged updates per symbol (hash field n_ticks) */
	uint64_t xadds;   /* XADDs handed to the sink */
	uint64_t hsets;   /* HSETs handed to the sink */
	uint64_t dropped; /* oldest queued XADDs dropped (ring full) */
	uint64_t orphans; /* queued XADDs of a symbol removed meanwhile (dropped) */
	size_t queue_peak;
	char buf[1024]; /* scratch for one command */
};

/* prefix: "hean:"; maxlen <= 0: no MAXLEN clause; queue_cap: ring entries.
 * Returns 0, -EINVAL (prefix too long) or -ENOMEM. */
int feed_pub_init(struct feed_pub *p, const struct feed_book *book, const char *prefix,
		  long maxlen, size_t queue_cap, feed_pub_send_fn *send, void *ctx);
void feed_pub_finish(struct feed_pub *p);

/* One merged update of t: XADD now (or queue), and mark its hash dirty. */
void feed_pub_tick(struct feed_pub *p, const struct feed_ticker *t);

/* Sends queued XADDs, then dirty HSETs, until the sink refuses. Returns
 * true when nothing is left behind. */
bool feed_pub_flush(struct feed_pub *p);

/* A symbol left the book: its counter restarts and its hash is no longer
 * written (queued XADDs of it are dropped when their turn comes). */
void feed_pub_forget(struct feed_pub *p, uint32_t idx);

/* Redis came (back) up: every symbol with data gets its hash rewritten on
 * the next flush. */
void feed_pub_resync(struct feed_pub *p);

/* Formats the XADD / HSET of a record into buf (size >= 1024). Returns
 * the length. Exposed for tests. */
size_t feed_pub_format_xadd(const struct feed_pub *p, const struct feed_pub_rec *r, char *buf);
size_t feed_pub_format_hset(const struct feed_pub *p, const struct feed_pub_rec *r, char *buf);

/* The record of a ticker's current state. */
void feed_pub_rec_of(const struct feed_ticker *t, struct feed_pub_rec *r);

#endif
