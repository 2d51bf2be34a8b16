/* common/health: hean:health:{proc} (pid, host, state, updated_ms,
 * last_msg_ms, last_attempt_ms, reconnects, detail, plus named counters) written every second, and
 * hean:events entries (proc, event, detail, ts_ms) on every state change.
 * While Redis is down, events wait in a bounded ring (oldest dropped and
 * counted) and are flushed on reconnect; the hash is simply rewritten. */
#ifndef HEAN_COMMON_HEALTH_H
#define HEAN_COMMON_HEALTH_H

#include "common/config.h"
#include "common/redis.h"

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

struct hean_health;

/* redis is borrowed (the owner's command connection). */
struct hean_health *hean_health_create(struct ev_loop *loop, struct hean_redis *redis,
				       const struct hean_config *cfg);
void hean_health_destroy(struct hean_health *h);

/* Starts/stops the 1 s write timer. Creation starts it. */
void hean_health_stop(struct hean_health *h);

/* Sets the state (e.g. "streaming", "disconnected", "auth_failed"); on a
 * change also appends an event named after the new state unless event is
 * given. detail may be NULL. Writes at once. */
void hean_health_set_state(struct hean_health *h, const char *state, const char *detail);

/* Sets only the detail text. */
void hean_health_set_detail(struct hean_health *h, const char *detail);

/* Appends an event (connected, disconnected, reconnecting, stale, resumed,
 * ...) to hean:events. */
void hean_health_event(struct hean_health *h, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Marks a valid inbound message now (last_msg_ms). Cheap: call per message. */
void hean_health_msg(struct hean_health *h);
void hean_health_inc_reconnects(struct hean_health *h);

/* Named integer fields in the hash (counters, gauges). Up to 32 names;
 * name must be a string literal or outlive h. */
void hean_health_set_int(struct hean_health *h, const char *name, int64_t value);
void hean_health_add_int(struct hean_health *h, const char *name, int64_t delta);
void hean_health_set_str(struct hean_health *h, const char *name, const char *value);

const char *hean_health_state(const struct hean_health *h);

/* Lease (common/lease): standby = true writes the hash to
 * {prefix}health:{proc}:standby instead (expiring 10 s after its last
 * rewrite), never to the active copy's hash; false switches to the
 * active hash and deletes the standby one. */
void hean_health_set_standby(struct hean_health *h, bool standby);

/* The lease is lost: the hash is never written again by this process
 * (another copy owns it now); events still go out. */
void hean_health_fence(struct hean_health *h);

/* Records a connection attempt to a remote endpoint now: field
 * last_attempt_ms (0 = none yet), so that the watchdog can tell a
 * process that keeps trying from one that stopped. Cheap. Also done by
 * hean_health_inc_reconnects. Owners of connections call it from their
 * on_connecting hook (common/ws) or before each HTTP attempt. */
void hean_health_attempt(struct hean_health *h);

/* The owner's command link went up or down (common/app calls this from
 * the link's on_state). Up: queued events are flushed and the hash is
 * rewritten at once; an event "redis_up" follows an earlier "redis_down".
 * Down: a "redis_down" event is queued. */
void hean_health_on_redis(struct hean_health *h, bool up);

#endif
