/* common/redis_internal.h: what the parts of the Redis client share
 * (private to common/redis*.c; owners use common/redis.h). The client is
 * split by job: redis_link.c keeps the link up (connect, AUTH/SELECT/PING,
 * loss, reconnect, the hiredis callbacks and deadline timers);
 * redis_cmd.c submits commands (the FIFO of pending replies, command
 * checks, the command API); redis.c creates, closes and destroys.
 *
 * hiredis 0.14.1 async on libev, plus what 0.14.1 lacks.
 *
 * One struct hean_redis is a logical link; each physical connection is one
 * redisAsyncContext (hiredis cannot reconnect a context). Per connection:
 *   redisAsyncConnect[Unix] -> AUTH, SELECT (pipelined, before the TCP
 *   connect completes) -> PING. The link is UP only when the PING reply
 *   arrives: a TCP connect to a SIGSTOPped redis succeeds (the kernel
 *   accepts it), so onConnect proves nothing.
 *
 * Deadlines. Replies come back in order, so every command's deadline goes
 * into a FIFO ring next to its callback; one ev_timer watches only the head.
 * Deadlines are made monotone on push (max(now + t, previous)): a command
 * queued behind a long BLOCK read cannot be answered before it, so it is not
 * late while the BLOCK read is not. The timer is re-armed lazily (at most
 * once per head deadline), not per command: the feed pushes 100k cmds/s.
 *
 * hiredis lifetime rules followed here (from hiredis 0.14.1 async.c):
 *   - redisAsyncConnect returning ac->err: we free it.
 *   - onConnect(ERR): hiredis frees ac after the callback: drop the pointer.
 *     No user code runs inside onConnect (unsafe before hiredis 1.1).
 *   - onDisconnect: the context is freed after it: drop the pointer.
 *   - We never call redisAsyncFree from the connect/disconnect callbacks;
 *     inside a reply callback it is deferred by hiredis (REDIS_IN_CALLBACK).
 *   - Aborts (deadline, AUTH failure, destroy) first set r->ac = NULL, then
 *     redisAsyncFree: pending callbacks get NULL, and the onDisconnect that
 *     follows sees r->ac != ac and does nothing.
 * Invariant: all callbacks of an old context have run before a new context
 * is created (the reconnect always goes through an ev_timer), so one ring
 * serves every physical connection in turn. */
#ifndef HEAN_COMMON_REDIS_INTERNAL_H
#define HEAN_COMMON_REDIS_INTERNAL_H

#include "common/redis.h"

#include "common/backoff.h"

#include <ev.h>
#include <hiredis/async.h>
#include <stdbool.h>
#include <stdint.h>

#define DEFAULT_CONNECT_MS 2000
#define DEFAULT_REPLY_MS 2000
#define DEFAULT_MAX_IN_FLIGHT 10000
#define INTERNAL_SLOTS 8 /* AUTH, SELECT, PING, and slack */

enum slot_kind {
	SLOT_USER = 0,
	SLOT_AUTH,
	SLOT_SELECT,
	SLOT_PING,
};

struct slot {
	hean_redis_reply_fn *fn;
	void *priv;
	ev_tstamp deadline;
	uint8_t kind;
};

struct hean_redis {
	struct ev_loop *loop;         /* borrowed */
	redisAsyncContext *ac;        /* owned by hiredis once attached; NULL while down */
	char name[32];
	char log_url[300];            /* the URL without password */
	bool unix_sock;
	char path[1024];              /* unix socket path */
	char host[256];
	int port;
	int db;
	char user[64];
	char pass[128];               /* wiped on destroy; never logged */

	ev_tstamp connect_timeout;
	ev_tstamp reply_timeout;
	uint32_t max_in_flight;
	hean_redis_state_fn *on_state;
	void *data;

	/* FIFO of pending commands (user and internal), in send order. */
	struct slot *ring; /* owned */
	uint32_t ring_cap; /* power of two */
	uint32_t ring_head;
	uint32_t ring_count;
	uint32_t ring_max;
	ev_tstamp last_deadline;
	uint32_t in_flight; /* user commands only */

	ev_timer guard;   /* head-of-FIFO reply deadline */
	ev_timer connect; /* connect (until PING reply) deadline */
	ev_timer retry;   /* backoff before the next connect */
	struct hean_backoff bo;

	bool up;        /* accepting commands */
	bool announced; /* redis_up logged and on_state(true) delivered */
	bool ever_up;
	bool closing;   /* hean_redis_close: no reconnect */
	bool destroyed; /* hean_redis_destroy called; free pending */
	int busy;       /* depth of user callbacks running */
	uint64_t reconnects;
	uint64_t attempts;
	ev_tstamp down_since;

	enum { LOGGED_NONE, LOGGED_UP, LOGGED_DOWN } logged;
	char last_reason[160];

	uint64_t ff_errors; /* fire-and-forget error replies not yet logged */
	ev_tstamp ff_last_log;
};

/* redis_link.c */
void hr_stop_timers(struct hean_redis *r);
/* Drops the current connection at once: pending callbacks get NULL
 * (immediately, or right after the running reply callback returns). */
void hr_link_abort(struct hean_redis *r, const char *reason);
/* Starts a physical connection: connect, then AUTH, SELECT, PING. */
void hr_do_connect(struct hean_redis *r);
/* hiredis reply callback of every command (privdata = r). */
void hr_on_reply(redisAsyncContext *ac, void *reply_, void *privdata);
void hr_on_guard(struct ev_loop *loop, ev_timer *w, int revents);
void hr_on_connect_timeout(struct ev_loop *loop, ev_timer *w, int revents);
void hr_on_retry(struct ev_loop *loop, ev_timer *w, int revents);

/* redis_cmd.c */
/* Makes room for one more slot. false: the cap is reached or no memory. */
bool hr_ring_reserve(struct hean_redis *r);
/* Only after hr_ring_reserve() succeeded. */
void hr_ring_push(struct hean_redis *r, const struct slot *s);
bool hr_ring_pop(struct hean_redis *r, struct slot *out);
const struct slot *hr_ring_peek(const struct hean_redis *r);
/* The ring's cap for max_in_flight commands: a power of two >= v. */
uint32_t hr_pow2_at_least(uint32_t v);
int hr_can_submit(struct hean_redis *r, bool user);
int hr_submit_formatted(struct hean_redis *r, enum slot_kind kind, ev_tstamp timeout,
			hean_redis_reply_fn *fn, void *priv, const char *cmd, size_t len);
int hr_submit_argv(struct hean_redis *r, enum slot_kind kind, ev_tstamp timeout,
		   hean_redis_reply_fn *fn, void *priv, int argc, const char **argv,
		   const size_t *argvlen);

#endif
