/* common/stream: a consumer-group reader of one Redis stream, on its own
 * blocking connection. On every (re)connect: XGROUP CREATE key group $
 * MKSTREAM (BUSYGROUP ignored), then this consumer's pending entries
 * (XREADGROUP ... 0, COUNT n) until empty, then new ones (">", BLOCK).
 * NOGROUP re-creates the group (event logged). Entries whose body was
 * trimmed (nil) are acknowledged and reported with fields == NULL.
 *
 * Acknowledgement is the owner's: call hean_stream_ack() after the effect
 * is durable. */
#ifndef HEAN_COMMON_STREAM_H
#define HEAN_COMMON_STREAM_H

#include "common/redis.h"

struct hean_stream;

/* One entry. fields: alternating name/value, n_fields entries (even), or
 * NULL for a trimmed entry. Copy what you need. pending is true while the
 * entry comes from the pending list (a replay after restart). */
struct hean_stream_entry {
	const char *id;
	const char *const *fields;
	const size_t *lens;
	size_t n_fields;
	bool pending;
};

typedef void hean_stream_entry_fn(struct hean_stream *s, const struct hean_stream_entry *e,
				  void *data);

struct hean_stream_options {
	const char *url;        /* Redis URL for the blocking connection */
	const char *key;        /* full key, e.g. "hean:signals" */
	const char *group;      /* consumer group, e.g. "waves" */
	const char *consumer;   /* stable consumer name, e.g. "waves" */
	const char *start_id;   /* id the group starts at when created: "0" or "$" */
	uint32_t count;         /* entries per read, default 100 */
	uint32_t block_ms;      /* default 1000 */
	hean_stream_entry_fn *on_entry;
	hean_redis_state_fn *on_state;
	void *data;
};

/* cmd: the owner's command connection, used for XACK (borrowed). */
struct hean_stream *hean_stream_create(struct ev_loop *loop, struct hean_redis *cmd,
				       const struct hean_stream_options *opt);
void hean_stream_destroy(struct hean_stream *s);

/* Stops reading (reads in flight are allowed to finish); resume restarts.
 * Lets an owner apply backpressure. */
void hean_stream_pause(struct hean_stream *s);
void hean_stream_resume(struct hean_stream *s);

/* XACK key group id on the command connection. 0 or -ENOTCONN/-ENOBUFS
 * (the entry then stays pending and is re-read on the next start). */
int hean_stream_ack(struct hean_stream *s, const char *id);

/* Helper: value of field name in an entry, or NULL. */
const char *hean_stream_field(const struct hean_stream_entry *e, const char *name, size_t *len);

#endif
