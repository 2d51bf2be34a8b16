/* common/lease: one active copy per HEAN_PROC_NAME.
 *
 * Two copies of a daemon with the same name (a standby on a second host
 * sharing one Redis, or a copy started twice by mistake) must never both
 * act. The active copy holds {prefix}lease:{proc} (value: a token naming
 * host, pid and a random part), taken with SET NX PX and renewed every
 * second by a compare-and-set Lua script (extend if ours; take it again if
 * Redis lost it, e.g. restarted empty; "lost" if another token is there).
 * A copy that does not hold it waits as standby and tries every second.
 *
 * Fencing: the active copy counts its lease as valid only until
 * (send time of the last confirmed renewal) + TTL - TTL/5. Past that
 * (Redis unreachable or too slow) or on a "lost" reply it calls on_lost
 * and never acts again, so it has stopped before the key can expire in
 * Redis and a standby take it. The fence timer runs at the loop's highest
 * priority: after a SIGSTOP/SIGCONT it fires before any I/O callback.
 *
 * Same host, dead holder: a standby that finds the token of a process of
 * its own boot and pid namespace that no longer exists (crashed, killed
 * -9, zombie) takes the lease at once instead of waiting for the TTL.
 * A clean stop releases the lease (compare-and-delete). */
#ifndef HEAN_COMMON_LEASE_H
#define HEAN_COMMON_LEASE_H

#include "common/config.h"
#include "common/redis.h"

#include <ev.h>
#include <stdbool.h>

struct hean_lease;

/* acquired: the copy is now active. lost: the copy must stop acting at
 * once (it will never be active again). standby: called on each attempt
 * that found another holder (holder = its token). */
struct hean_lease_ops {
	void (*acquired)(struct hean_lease *l, void *data);
	void (*lost)(struct hean_lease *l, const char *why, void *data);
	void (*standby)(struct hean_lease *l, const char *holder, void *data);
};

/* redis is borrowed (the command link). cfg->lease_ttl_ms > 0. Nothing is
 * sent before hean_lease_start. */
struct hean_lease *hean_lease_create(struct ev_loop *loop, struct hean_redis *redis,
				     const struct hean_config *cfg, const struct hean_lease_ops *ops,
				     void *data);

/* Starts trying to acquire (at once if the link is up, else on link up). */
void hean_lease_start(struct hean_lease *l);

/* The command link came up: try/renew at once. */
void hean_lease_on_redis(struct hean_lease *l, bool up);

/* true while active and within the fence deadline. */
bool hean_lease_held(const struct hean_lease *l);

/* Stops the timers; if held, deletes the key when it still holds our token
 * (fire and forget: call before the graceful Redis close). */
void hean_lease_release(struct hean_lease *l);

/* Frees (after the Redis link is destroyed: pending replies reference l). */
void hean_lease_destroy(struct hean_lease *l);

const char *hean_lease_token(const struct hean_lease *l);
const char *hean_lease_key(const struct hean_lease *l);

/* Pure, for tests: is token a process of this boot and pid namespace that
 * no longer runs (or is a zombie)? */
bool hean_lease_holder_dead(const char *token);

#endif
