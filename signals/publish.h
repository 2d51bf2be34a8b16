/* signals/publish: validated signals -> hean:signals, each id once, across
 * reconnects, restarts and Redis outages.
 *
 * Three layers, cheapest first:
 *  1. done: an in-memory bounded set (SIGNALS_DONE_CAP ids, oldest
 *     forgotten first) of ids known to be in hean:signals. Rebuilt at start
 *     from the stream itself (XREVRANGE in pages of 500, newest first, back
 *     SIGNALS_REBUILD_WINDOW_S or SIGNALS_DONE_CAP entries). The initial
 *     buffer after every reconnect (hundreds of repeats) stops here.
 *  2. pending: ids queued or in flight, so a repeat that arrives while the
 *     first copy waits (Redis down, reply outstanding) is not queued twice.
 *  3. Redis itself: publication is one EVAL that XADDs only if the marker
 *     hean:signal:seen:{id} does not exist, then sets it (value = the
 *     stream entry id, EX SIGNALS_SEEN_TTL_S). The script is atomic, so a
 *     crash between XADD and our bookkeeping, or a reply lost on the wire
 *     (outcome unknown: the command is simply sent again), can never add an
 *     id twice. XADD comes before SET: if XADD fails nothing is marked.
 *
 * Redis down (or the rebuild not done yet): new signals wait in a bounded
 * FIFO (SIGNALS_QUEUE_CAP; when full the oldest is dropped and forgotten, so
 * it is taken again when the server re-sends its buffer) and are published
 * when the link is back. The stream is trimmed only by age: MINID ~ now -
 * HEAN_STREAM_KEEP_MS (never a tight MAXLEN: waves reads it with a group).
 *
 * Health counters: published, duplicate, publish_errors, queue_dropped,
 * queued (gauge), dedupe_ids (gauge). */
#ifndef HEAN_SIGNALS_PUBLISH_H
#define HEAN_SIGNALS_PUBLISH_H

#include "common/app.h"
#include "signals/parse.h"

#include <stdbool.h>
#include <stddef.h>

#define SIGNALS_DONE_CAP 100000
#define SIGNALS_QUEUE_CAP 10000
#define SIGNALS_MAX_IN_FLIGHT 256
#define SIGNALS_REBUILD_WINDOW_S (48 * 3600)
#define SIGNALS_SEEN_TTL_S (3 * 86400)

struct signals_publish;

/* app is borrowed (its redis and health are used). NULL on no memory. */
struct signals_publish *signals_publish_create(struct hean_app *app);

/* Frees (queued signals are dropped: the server re-sends them). Must run
 * after the Redis link is gone (no reply callback may follow). NULL: no-op. */
void signals_publish_destroy(struct signals_publish *p);

/* Offers one validated signal; takes ownership of s->raw (s is cleared).
 * Returns true if the id is new (queued for publication), false if it is a
 * duplicate (already published or already waiting). */
bool signals_publish_offer(struct signals_publish *p, struct signals_signal *s);

/* The Redis command link went up or down (from the app's on_redis). */
void signals_publish_redis(struct signals_publish *p, bool up);

/* Shutdown: sends everything still queued at once (Redis up; the app's
 * graceful close flushes it), then no new commands; replies still arriving
 * are only freed. */
void signals_publish_stop(struct signals_publish *p);

size_t signals_publish_queued(const struct signals_publish *p);

#endif
