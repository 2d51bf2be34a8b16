/* common/redis: hiredis 0.14 async on the libev loop, with what 0.14
 * lacks: connect and reply deadlines (ev_timer), reconnect with backoff
 * forever, AUTH/SELECT first on every connection, a PING reply (not the
 * TCP connect) marking the link up, and a cap on in-flight commands.
 *
 * One struct hean_redis is one logical connection that survives any
 * number of physical reconnects. Processes use two: one for commands,
 * one for blocking XREADGROUP (see common/stream). */
#ifndef HEAN_COMMON_REDIS_H
#define HEAN_COMMON_REDIS_H

#include <ev.h>
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hean_redis;

/* reply NULL means the outcome is unknown (connection lost or deadline
 * passed): the command may or may not have been applied. The reply is
 * freed after the callback returns: copy what you need. */
typedef void hean_redis_reply_fn(struct hean_redis *r, redisReply *reply, void *privdata);

/* Called when the link goes up (after the PING reply) or down. */
typedef void hean_redis_state_fn(struct hean_redis *r, bool up, void *data);

/* Host names in redis:// URLs are resolved with a blocking getaddrinfo()
 * on every connect (hiredis 0.14): use an IP address or a unix socket. */
struct hean_redis_options {
	const char *url;          /* unix://PATH[?db=N] | redis://[[USER]:PASS@]HOST[:PORT][/DB] */
	const char *name;         /* for logs: "cmd", "block" */
	uint32_t connect_timeout_ms; /* default 2000 */
	uint32_t reply_timeout_ms;   /* default 2000: a reply missing past this -> link dropped */
	uint32_t max_in_flight;      /* default 10000 */
	hean_redis_state_fn *on_state;
	void *data;
};

/* Creates the connection and starts connecting (asynchronously).
 * Returns NULL on a bad URL (logged) or -ENOMEM. */
struct hean_redis *hean_redis_create(struct ev_loop *loop, const struct hean_redis_options *opt);

/* Aborts the link (pending callbacks get NULL) and frees. NULL is a no-op.
 * Safe from inside r's own reply or state callbacks: the memory is then
 * released on the next loop iteration (ev_once), after hiredis has run the
 * remaining callbacks (with NULL). */
void hean_redis_destroy(struct hean_redis *r);

/* Graceful: flushes pending commands, then the link stays down (no
 * reconnect); the ev loop can end. Used at shutdown. */
void hean_redis_close(struct hean_redis *r);

bool hean_redis_is_up(const struct hean_redis *r);
uint32_t hean_redis_in_flight(const struct hean_redis *r);
uint64_t hean_redis_reconnects(const struct hean_redis *r);

/* Sends a command. fn may be NULL (fire and forget; error replies logged,
 * at most one line per second). Request/reply commands only: SUBSCRIBE,
 * PSUBSCRIBE, UNSUBSCRIBE and MONITOR are refused with -EINVAL.
 * Deadline: reply_timeout_ms from submission, made monotone along the FIFO
 * (a command queued behind a longer BLOCK read inherits its deadline).
 * Returns 0 (fn will be called exactly once), -ENOTCONN (link down),
 * -ENOBUFS (in-flight cap reached) or -EINVAL; on error fn is never called. */
int hean_redis_command(struct hean_redis *r, hean_redis_reply_fn *fn, void *priv, const char *fmt,
		       ...);
int hean_redis_command_argv(struct hean_redis *r, hean_redis_reply_fn *fn, void *priv, int argc,
			    const char **argv, const size_t *argvlen);
/* A command built argument by argument, for the hashes and stream entries
 * of common/keys.h: hean_redis_args_init(&a, "HSET", key), then
 * hean_redis_args_field(&a, HEAN_FIELD_..., value) per field. The strings
 * must live until hean_redis_send_args returns (hiredis copies them). An
 * overfull builder is refused with -E2BIG, never sent cut short. A NULL
 * argument is sent as the empty string. */
#define HEAN_REDIS_ARGS_MAX 40
struct hean_redis_args {
	int argc;
	bool overflow;
	const char *argv[HEAN_REDIS_ARGS_MAX];
};
void hean_redis_args_init(struct hean_redis_args *a, const char *cmd, const char *key);
void hean_redis_args_add(struct hean_redis_args *a, const char *arg);
void hean_redis_args_field(struct hean_redis_args *a, const char *name, const char *value);
int hean_redis_send_args(struct hean_redis *r, hean_redis_reply_fn *fn, void *priv,
			 struct hean_redis_args *a);
/* A pre-formatted RESP command (redisFormatCommand / hand-built). */
int hean_redis_command_raw(struct hean_redis *r, hean_redis_reply_fn *fn, void *priv,
			   const char *cmd, size_t len);
/* Like command_argv with an explicit reply deadline (BLOCK reads:
 * block ms + margin). */
int hean_redis_command_argv_deadline(struct hean_redis *r, uint32_t deadline_ms,
				     hean_redis_reply_fn *fn, void *priv, int argc,
				     const char **argv, const size_t *argvlen);

/* Compare-and-set marker: sets key to new_value only if its current value
 * is absent or numerically < new_value (monotonic high-water mark), in one
 * Lua EVAL. Reply to fn: integer 1 = set, 0 = not set (already >=). */
int hean_redis_cas_max(struct hean_redis *r, const char *key, long long new_value,
		       hean_redis_reply_fn *fn, void *priv);

/* Helpers for reply inspection. */
bool hean_redis_reply_is_error(const redisReply *rep, const char *prefix);

#endif
