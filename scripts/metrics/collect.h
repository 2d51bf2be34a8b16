/* hean-metrics collect: one cycle reads everything the exporter needs
 * from Redis, asynchronously on the loop: SCAN for health and ticker keys,
 * then one pipelined batch (HGETALL of every health hash, HMGET of every
 * ticker hash, XLEN and XINFO GROUPS of every stream, GET wave:last and
 * halt, HGETALL pnl, XRANGE of the events appended since the last cycle).
 * A slow or dead Redis never blocks: a cycle still running is not
 * restarted, and hean_redis's reply deadline ends it. */
#ifndef HEAN_METRICS_COLLECT_H
#define HEAN_METRICS_COLLECT_H

#include "common/redis.h"
#include "scripts/metrics/metrics.h"

struct mx_collect;

/* snap is handed over (the callee owns it, mx_snap_free); ok false when a
 * reply was missing or an error (snap then holds what did arrive). */
typedef void mx_collect_done_fn(struct mx_snap *snap, bool ok, void *data);

struct mx_collect *mx_collect_create(struct hean_redis *r, const char *prefix,
				     mx_collect_done_fn *done, void *data);
/* Frees c; call after the Redis link is destroyed (every callback ran). */
void mx_collect_destroy(struct mx_collect *c);

/* Starts a cycle. Returns 0, -EBUSY (one is running) or -ENOTCONN. */
int mx_collect_start(struct mx_collect *c, int64_t now_ms);

#endif
