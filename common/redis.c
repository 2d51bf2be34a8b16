/* common/redis: hiredis 0.14.1 async on libev, plus what 0.14.1 lacks.
 *
 * One struct hean_redis is a logical link; each physical connection is one
 * redisAsyncContext (hiredis cannot reconnect a context). Per connection:
 *   redisAsyncConnect[Unix] -> AUTH, SELECT (pipelined, before the TCP
 *   connect completes) -> PING. The link is UP only when the PING reply
 *   arrives: a TCP connect to a SIGSTOPped redis succeeds (reliability.md
 *   §1.6), so onConnect proves nothing.
 *
 * Deadlines. Replies come back in order, so every command's deadline goes
 * into a FIFO ring next to its callback; one ev_timer watches only the head.
 * Deadlines are made monotone on push (max(now + t, previous)): a command
 * queued behind a long BLOCK read cannot be answered before it, so it is not
 * late while the BLOCK read is not. The timer is re-armed lazily (at most
 * once per head deadline), not per command: the feed pushes 100k cmds/s.
 *
 * hiredis lifetime rules followed here (reliability.md §1.6, async.c
 * v0.14.1):
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
#include "common/redis.h"

#include "common/backoff.h"
#include "common/log.h"
#include "common/url.h"

#include <errno.h>
#include <hiredis/adapters/libev.h>
#include <hiredis/async.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static void do_connect(struct hean_redis *r);
static void link_abort(struct hean_redis *r, const char *reason);

/* ============================ ring ============================ */

/* Makes room for one more slot. false: the cap is reached or no memory. */
static bool ring_reserve(struct hean_redis *r)
{
	if (r->ring_count == r->ring_cap) {
		uint32_t ncap = r->ring_cap * 2;
		struct slot *n;

		if (ncap > r->ring_max) {
			return false;
		}
		n = malloc(sizeof(*n) * ncap);
		if (!n) {
			return false;
		}
		for (uint32_t i = 0; i < r->ring_count; i++) {
			n[i] = r->ring[(r->ring_head + i) & (r->ring_cap - 1)];
		}
		free(r->ring);
		r->ring = n;
		r->ring_cap = ncap;
		r->ring_head = 0;
	}
	return true;
}

/* Only after ring_reserve() succeeded. */
static void ring_push(struct hean_redis *r, const struct slot *s)
{
	r->ring[(r->ring_head + r->ring_count) & (r->ring_cap - 1)] = *s;
	r->ring_count++;
}

static bool ring_pop(struct hean_redis *r, struct slot *out)
{
	if (r->ring_count == 0) {
		return false;
	}
	*out = r->ring[r->ring_head];
	r->ring_head = (r->ring_head + 1) & (r->ring_cap - 1);
	r->ring_count--;
	if (r->ring_count == 0) {
		r->last_deadline = 0;
	}
	return true;
}

static const struct slot *ring_peek(const struct hean_redis *r)
{
	return r->ring_count ? &r->ring[r->ring_head] : NULL;
}

static uint32_t pow2_at_least(uint32_t v)
{
	uint32_t p = 64;

	while (p < v && p < (1u << 30)) {
		p <<= 1;
	}
	return p;
}

/* ============================ state ============================ */

static void call_state(struct hean_redis *r, bool up)
{
	if (!r->on_state) {
		return;
	}
	r->busy++;
	r->on_state(r, up, r->data);
	r->busy--;
}

static void stop_timers(struct hean_redis *r)
{
	ev_timer_stop(r->loop, &r->guard);
	ev_timer_stop(r->loop, &r->connect);
}

static void schedule_retry(struct hean_redis *r)
{
	uint32_t ms;

	if (r->closing || r->destroyed) {
		return;
	}
	ms = hean_backoff_next_ms(&r->bo, hean_backoff_random());
	log_debug("event=redis_retry name=%s delay_ms=%u attempt=%llu", r->name, ms,
		  (unsigned long long)r->attempts + 1);
	ev_timer_stop(r->loop, &r->retry);
	ev_timer_set(&r->retry, ms / 1000.0, 0.);
	ev_timer_start(r->loop, &r->retry);
}

/* The physical connection is gone (r->ac already NULL). Logs the state
 * change once, tells the owner if it had been told "up", and schedules the
 * reconnect. May run user code (on_state). */
static void link_lost(struct hean_redis *r, const char *reason)
{
	bool was_announced = r->announced;

	r->up = false;
	r->announced = false;
	stop_timers(r);
	if (r->logged != LOGGED_DOWN || strcmp(r->last_reason, reason) != 0) {
		if (r->closing) {
			log_info("event=redis_down name=%s reason=%s url=%s", r->name, reason,
				 r->log_url);
		} else {
			log_warn("event=redis_down name=%s reason=%s url=%s", r->name, reason,
				 r->log_url);
		}
		r->logged = LOGGED_DOWN;
		snprintf(r->last_reason, sizeof(r->last_reason), "%s", reason);
	} else {
		log_debug("event=redis_connect_failed name=%s reason=%s", r->name, reason);
	}
	if (was_announced) {
		r->down_since = ev_now(r->loop);
		call_state(r, false);
	}
	if (!r->destroyed && !r->closing) {
		schedule_retry(r);
	}
}

static void link_up(struct hean_redis *r)
{
	ev_timer_stop(r->loop, &r->connect);
	r->up = true;
	hean_backoff_reset(&r->bo);
	if (r->ever_up) {
		r->reconnects++;
		log_info("event=redis_up name=%s url=%s reconnects=%llu down_ms=%.0f", r->name,
			 r->log_url, (unsigned long long)r->reconnects,
			 (ev_now(r->loop) - r->down_since) * 1000.0);
	} else {
		log_info("event=redis_up name=%s url=%s", r->name, r->log_url);
	}
	r->ever_up = true;
	r->logged = LOGGED_UP;
	r->last_reason[0] = 0;
	r->announced = true;
	call_state(r, true);
}

/* Drops the current connection at once: pending callbacks get NULL
 * (immediately, or right after the running reply callback returns). */
static void link_abort(struct hean_redis *r, const char *reason)
{
	redisAsyncContext *ac = r->ac;

	r->ac = NULL;
	r->up = false;
	stop_timers(r);
	if (ac) {
		redisAsyncFree(ac);
	}
	if (r->destroyed) {
		return;
	}
	link_lost(r, reason);
}

/* ============================ hiredis callbacks ============================ */

static void log_ff_error(struct hean_redis *r, const redisReply *reply)
{
	ev_tstamp now = ev_now(r->loop);

	r->ff_errors++;
	if (now - r->ff_last_log >= 1.0) {
		log_warn("event=redis_error name=%s err=\"%.200s\" count=%llu", r->name,
			 reply->str ? reply->str : "", (unsigned long long)r->ff_errors);
		r->ff_errors = 0;
		r->ff_last_log = now;
	}
}

static void on_reply(redisAsyncContext *ac, void *reply_, void *privdata)
{
	struct hean_redis *r = privdata;
	redisReply *reply = reply_;
	struct slot s;
	char reason[160];

	if (!ring_pop(r, &s)) {
		log_error("event=redis_bug name=%s msg=\"reply without pending slot\"", r->name);
		return;
	}
	if (s.kind == SLOT_USER && r->in_flight > 0) {
		r->in_flight--;
	}
	if (!reply && ac == r->ac) {
		/* The context is being torn down: refuse new commands now. */
		r->up = false;
	}

	switch (s.kind) {
	case SLOT_USER:
		if (s.fn) {
			r->busy++;
			s.fn(r, reply, s.priv);
			r->busy--;
		} else if (reply && reply->type == REDIS_REPLY_ERROR) {
			log_ff_error(r, reply);
		}
		break;
	case SLOT_AUTH:
	case SLOT_SELECT:
		if (!reply || ac != r->ac || r->destroyed) {
			break;
		}
		if (reply->type == REDIS_REPLY_ERROR) {
			/* Redis' text never echoes the password. */
			snprintf(reason, sizeof(reason), "%s_failed: %.120s",
				 s.kind == SLOT_AUTH ? "auth" : "select", reply->str);
			link_abort(r, reason);
		}
		break;
	case SLOT_PING:
		if (!reply || ac != r->ac || r->destroyed || r->closing) {
			break;
		}
		if (reply->type == REDIS_REPLY_STATUS && strcasecmp(reply->str, "PONG") == 0) {
			link_up(r);
		} else {
			snprintf(reason, sizeof(reason), "ping_failed: %.120s",
				 reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
			link_abort(r, reason);
		}
		break;
	default:
		break;
	}
}

static void on_connect(const redisAsyncContext *ac, int status)
{
	struct hean_redis *r = ac->data;
	char reason[160];

	if (r->ac != ac) {
		return;
	}
	if (status == REDIS_OK) {
		log_debug("event=redis_connected name=%s (awaiting PING)", r->name);
		return;
	}
	/* hiredis frees ac after we return; no user code may run here. */
	snprintf(reason, sizeof(reason), "connect: %.140s", ac->errstr ? ac->errstr : "error");
	r->ac = NULL;
	r->up = false;
	stop_timers(r);
	if (r->destroyed) {
		return;
	}
	/* Never announced up (the PING reply makes it up), so link_lost runs no
	 * user code. */
	link_lost(r, reason);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	struct hean_redis *r = ac->data;
	char reason[160];

	if (r->ac != ac) {
		return; /* we aborted it ourselves and handled the loss already */
	}
	if (status == REDIS_OK) {
		snprintf(reason, sizeof(reason), "closed");
	} else {
		snprintf(reason, sizeof(reason), "%.150s", ac->errstr ? ac->errstr : "error");
	}
	r->ac = NULL;
	r->up = false;
	stop_timers(r);
	if (r->destroyed) {
		return;
	}
	link_lost(r, reason);
}

/* ============================ timers ============================ */

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct hean_redis *r = w->data;
	const struct slot *head = ring_peek(r);
	ev_tstamp now = ev_now(loop);

	if (!head || !r->ac) {
		return;
	}
	if (head->deadline <= now + 0.0005) {
		char reason[64];

		snprintf(reason, sizeof(reason), "reply_timeout pending=%u", r->ring_count);
		link_abort(r, reason);
		return;
	}
	ev_timer_set(w, head->deadline - now, 0.);
	ev_timer_start(loop, w);
}

static void on_connect_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct hean_redis *r = w->data;

	if (!r->ac || r->up) {
		return;
	}
	link_abort(r, "connect_timeout");
}

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	do_connect(w->data);
}

/* ============================ submit ============================ */

/* Checks the first argument of a RESP command: at least one argument, and
 * no pub/sub or MONITOR (their replies do not follow the FIFO). */
static bool cmd_name_ok(const char *name, size_t len)
{
	static const char *const bad[] = { "subscribe", "psubscribe", "ssubscribe",
					   "unsubscribe", "punsubscribe", "monitor" };

	if (len == 0) {
		return false;
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (strlen(bad[i]) == len && strncasecmp(bad[i], name, len) == 0) {
			return false;
		}
	}
	return true;
}

static bool raw_cmd_ok(const char *cmd, size_t len)
{
	const char *p, *end = cmd + len;
	char *num_end;
	long alen;

	if (len < 8 || cmd[0] != '*') {
		return false;
	}
	p = memchr(cmd, '$', len);
	if (!p || p + 1 >= end) {
		return false;
	}
	alen = strtol(p + 1, &num_end, 10);
	if (alen <= 0 || num_end + 2 > end || num_end[0] != '\r' || num_end[1] != '\n') {
		return false;
	}
	p = num_end + 2;
	if (p + alen + 2 > end) {
		return false;
	}
	return cmd_name_ok(p, (size_t)alen);
}

static int can_submit(struct hean_redis *r, bool user)
{
	if (r->destroyed || !r->ac ||
	    (r->ac->c.flags & (REDIS_DISCONNECTING | REDIS_FREEING))) {
		return -ENOTCONN;
	}
	if (user && !r->up) {
		return -ENOTCONN;
	}
	if (user && r->in_flight >= r->max_in_flight) {
		return -ENOBUFS;
	}
	return 0;
}

/* Records the slot of a command hiredis accepted. */
static void track(struct hean_redis *r, enum slot_kind kind, hean_redis_reply_fn *fn, void *priv,
		  ev_tstamp timeout)
{
	struct slot s;
	ev_tstamp now = ev_now(r->loop);

	s.fn = fn;
	s.priv = priv;
	s.kind = (uint8_t)kind;
	s.deadline = now + timeout;
	if (s.deadline < r->last_deadline) {
		s.deadline = r->last_deadline;
	}
	r->last_deadline = s.deadline;
	ring_push(r, &s); /* space reserved before hiredis took the command */
	if (kind == SLOT_USER) {
		r->in_flight++;
	}
	if (!ev_is_active(&r->guard)) {
		ev_timer_set(&r->guard, s.deadline - now > 0 ? s.deadline - now : 0., 0.);
		ev_timer_start(r->loop, &r->guard);
	}
}

static int submit_formatted(struct hean_redis *r, enum slot_kind kind, ev_tstamp timeout,
			    hean_redis_reply_fn *fn, void *priv, const char *cmd, size_t len)
{
	int rc = can_submit(r, kind == SLOT_USER);

	if (rc < 0) {
		return rc;
	}
	if (!ring_reserve(r)) {
		return -ENOBUFS;
	}
	if (redisAsyncFormattedCommand(r->ac, on_reply, r, cmd, len) != REDIS_OK) {
		return -ENOMEM;
	}
	track(r, kind, fn, priv, timeout);
	return 0;
}

static int submit_argv(struct hean_redis *r, enum slot_kind kind, ev_tstamp timeout,
		       hean_redis_reply_fn *fn, void *priv, int argc, const char **argv,
		       const size_t *argvlen)
{
	char *cmd = NULL;
	int len, rc;

	if (!r || argc < 1 || !argv || !argv[0]) {
		return -EINVAL;
	}
	if (!cmd_name_ok(argv[0], argvlen ? argvlen[0] : strlen(argv[0]))) {
		return -EINVAL;
	}
	rc = can_submit(r, kind == SLOT_USER);
	if (rc < 0) {
		return rc;
	}
	len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
	if (len < 0) {
		return -ENOMEM;
	}
	rc = submit_formatted(r, kind, timeout, fn, priv, cmd, (size_t)len);
	free(cmd);
	return rc;
}

/* ============================ connect ============================ */

static void do_connect(struct hean_redis *r)
{
	redisAsyncContext *ac;
	char reason[160];

	if (r->closing || r->destroyed || r->ac) {
		return;
	}
	r->attempts++;
	if (r->unix_sock) {
		ac = redisAsyncConnectUnix(r->path);
	} else {
		ac = redisAsyncConnect(r->host, r->port);
	}
	if (!ac) {
		link_lost(r, "connect: out of memory");
		return;
	}
	if (ac->err) {
		snprintf(reason, sizeof(reason), "connect: %.140s", ac->errstr);
		redisAsyncFree(ac); /* ours to free: never attached, no callbacks */
		link_lost(r, reason);
		return;
	}
	ac->data = r;
	if (redisLibevAttach(r->loop, ac) != REDIS_OK) {
		redisAsyncFree(ac);
		link_lost(r, "connect: libev attach failed");
		return;
	}
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	if (!r->unix_sock) {
		redisEnableKeepAlive(&ac->c);
	}
	r->ac = ac;
	ev_timer_stop(r->loop, &r->connect);
	ev_timer_set(&r->connect, r->connect_timeout, 0.);
	ev_timer_start(r->loop, &r->connect);

	/* Pipelined before the connect completes; hiredis writes them in order
	 * once the socket is writable. */
	if (r->pass[0]) {
		const char *av[3];
		int ac_n = 0;

		av[ac_n++] = "AUTH";
		if (r->user[0]) {
			av[ac_n++] = r->user;
		}
		av[ac_n++] = r->pass;
		if (submit_argv(r, SLOT_AUTH, r->connect_timeout, NULL, NULL, ac_n, av, NULL) < 0) {
			link_abort(r, "connect: AUTH not queued");
			return;
		}
	}
	if (r->db) {
		char db[16];
		const char *av[2] = { "SELECT", db };

		snprintf(db, sizeof(db), "%d", r->db);
		if (submit_argv(r, SLOT_SELECT, r->connect_timeout, NULL, NULL, 2, av, NULL) < 0) {
			link_abort(r, "connect: SELECT not queued");
			return;
		}
	}
	{
		const char *av[1] = { "PING" };

		if (submit_argv(r, SLOT_PING, r->connect_timeout, NULL, NULL, 1, av, NULL) < 0) {
			link_abort(r, "connect: PING not queued");
			return;
		}
	}
}

/* ============================ public API ============================ */

struct hean_redis *hean_redis_create(struct ev_loop *loop, const struct hean_redis_options *opt)
{
	struct hean_redis *r;
	struct hean_url u;
	char err[160];

	if (!loop || !opt || !opt->url) {
		log_error("event=redis_bad_config msg=\"no url\"");
		return NULL;
	}
	memset(&u, 0, sizeof(u));
	if (hean_url_parse(opt->url, &u, err, sizeof(err)) < 0) {
		log_error("event=redis_bad_url name=%s err=\"%s\"", opt->name ? opt->name : "redis",
			  err);
		explicit_bzero(&u, sizeof(u));
		return NULL;
	}
	if (strcmp(u.scheme, "unix") != 0 && strcmp(u.scheme, "redis") != 0) {
		log_error("event=redis_bad_url name=%s err=\"scheme %s: want unix:// or redis://\"",
			  opt->name ? opt->name : "redis", u.scheme);
		explicit_bzero(&u, sizeof(u));
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		explicit_bzero(&u, sizeof(u));
		return NULL;
	}
	r->loop = loop;
	snprintf(r->name, sizeof(r->name), "%s", opt->name ? opt->name : "redis");
	r->unix_sock = strcmp(u.scheme, "unix") == 0;
	if (r->unix_sock) {
		if (!u.path[0]) {
			log_error("event=redis_bad_url name=%s err=\"empty socket path\"", r->name);
			free(r);
			return NULL;
		}
		snprintf(r->path, sizeof(r->path), "%s", u.path);
		if (u.db) {
			snprintf(r->log_url, sizeof(r->log_url), "unix://%.250s?db=%d", u.path,
				 u.db);
		} else {
			snprintf(r->log_url, sizeof(r->log_url), "unix://%.250s", u.path);
		}
	} else {
		snprintf(r->host, sizeof(r->host), "%s", u.host);
		r->port = u.port > 0 ? u.port : 6379;
		snprintf(r->user, sizeof(r->user), "%s", u.user);
		memcpy(r->pass, u.pass, sizeof(r->pass));
		r->pass[sizeof(r->pass) - 1] = 0;
		snprintf(r->log_url, sizeof(r->log_url), "redis://%s%s%.200s:%d/%d", r->user,
			 r->user[0] ? "@" : "", r->host, r->port, u.db);
	}
	explicit_bzero(&u.pass, sizeof(u.pass));
	r->db = u.db;
	r->connect_timeout = (opt->connect_timeout_ms ? opt->connect_timeout_ms : DEFAULT_CONNECT_MS) /
			     1000.0;
	r->reply_timeout = (opt->reply_timeout_ms ? opt->reply_timeout_ms : DEFAULT_REPLY_MS) /
			   1000.0;
	r->max_in_flight = opt->max_in_flight ? opt->max_in_flight : DEFAULT_MAX_IN_FLIGHT;
	r->on_state = opt->on_state;
	r->data = opt->data;

	r->ring_max = pow2_at_least(r->max_in_flight + INTERNAL_SLOTS);
	r->ring_cap = 64;
	r->ring = malloc(sizeof(*r->ring) * r->ring_cap);
	if (!r->ring) {
		explicit_bzero(r->pass, sizeof(r->pass));
		free(r);
		return NULL;
	}
	hean_backoff_init(&r->bo, &hean_backoff_default);
	ev_timer_init(&r->guard, on_guard, 0., 0.);
	r->guard.data = r;
	ev_timer_init(&r->connect, on_connect_timeout, 0., 0.);
	r->connect.data = r;
	ev_timer_init(&r->retry, on_retry, 0., 0.);
	r->retry.data = r;
	r->down_since = ev_now(loop);

	log_debug("event=redis_create name=%s url=%s", r->name, r->log_url);
	do_connect(r);
	return r;
}

static void free_now(struct hean_redis *r)
{
	explicit_bzero(r->pass, sizeof(r->pass));
	free(r->ring);
	free(r);
}

static void free_deferred(int revents, void *arg)
{
	free_now(arg);
}

void hean_redis_destroy(struct hean_redis *r)
{
	redisAsyncContext *ac;
	bool defer;

	if (!r || r->destroyed) {
		return;
	}
	r->destroyed = true;
	r->up = false;
	stop_timers(r);
	ev_timer_stop(r->loop, &r->retry);
	ac = r->ac;
	r->ac = NULL;
	/* Inside one of ac's reply callbacks hiredis defers the free until the
	 * callback returns and then runs the remaining callbacks with r as
	 * privdata: r must outlive that. */
	defer = r->busy > 0 || (ac && (ac->c.flags & REDIS_IN_CALLBACK));
	if (ac) {
		redisAsyncFree(ac); /* pending callbacks get NULL */
	}
	if (r->announced) {
		log_info("event=redis_down name=%s reason=destroyed", r->name);
		r->announced = false;
	}
	if (defer || r->busy > 0) {
		ev_once(r->loop, -1, 0, 0., free_deferred, r);
	} else {
		free_now(r);
	}
}

void hean_redis_close(struct hean_redis *r)
{
	if (!r || r->destroyed || r->closing) {
		return;
	}
	r->closing = true;
	ev_timer_stop(r->loop, &r->retry);
	ev_timer_stop(r->loop, &r->connect);
	if (!r->ac) {
		return;
	}
	if (!r->up) {
		/* Still connecting: nothing of the owner's to flush. */
		link_abort(r, "closed");
		return;
	}
	r->up = false;
	/* Graceful: hiredis flushes and waits for pending replies; the guard
	 * timer still aborts if the server does not answer in time. */
	redisAsyncDisconnect(r->ac);
}

bool hean_redis_is_up(const struct hean_redis *r)
{
	return r && r->up;
}

uint32_t hean_redis_in_flight(const struct hean_redis *r)
{
	return r ? r->in_flight : 0;
}

uint64_t hean_redis_reconnects(const struct hean_redis *r)
{
	return r ? r->reconnects : 0;
}

int hean_redis_command(struct hean_redis *r, hean_redis_reply_fn *fn, void *priv, const char *fmt,
		       ...)
{
	va_list ap;
	char *cmd = NULL;
	int len, rc;

	if (!r || !fmt) {
		return -EINVAL;
	}
	rc = can_submit(r, true);
	if (rc < 0) {
		return rc;
	}
	va_start(ap, fmt);
	len = redisvFormatCommand(&cmd, fmt, ap);
	va_end(ap);
	if (len < 0) {
		return len == -2 ? -ENOMEM : -EINVAL;
	}
	if (!raw_cmd_ok(cmd, (size_t)len)) {
		free(cmd);
		return -EINVAL;
	}
	rc = submit_formatted(r, SLOT_USER, r->reply_timeout, fn, priv, cmd, (size_t)len);
	free(cmd);
	return rc;
}

int hean_redis_command_argv(struct hean_redis *r, hean_redis_reply_fn *fn, void *priv, int argc,
			    const char **argv, const size_t *argvlen)
{
	if (!r) {
		return -EINVAL;
	}
	return submit_argv(r, SLOT_USER, r->reply_timeout, fn, priv, argc, argv, argvlen);
}

int hean_redis_command_raw(struct hean_redis *r, hean_redis_reply_fn *fn, void *priv,
			   const char *cmd, size_t len)
{
	if (!r || !cmd || !raw_cmd_ok(cmd, len)) {
		return -EINVAL;
	}
	return submit_formatted(r, SLOT_USER, r->reply_timeout, fn, priv, cmd, len);
}

int hean_redis_command_argv_deadline(struct hean_redis *r, uint32_t deadline_ms,
				     hean_redis_reply_fn *fn, void *priv, int argc,
				     const char **argv, const size_t *argvlen)
{
	if (!r) {
		return -EINVAL;
	}
	return submit_argv(r, SLOT_USER, deadline_ms ? deadline_ms / 1000.0 : r->reply_timeout, fn,
			   priv, argc, argv, argvlen);
}

/* KEYS[1] = key, ARGV[1] = new value. */
static const char cas_max_lua[] =
	"local c = redis.call('GET', KEYS[1]) "
	"local n = tonumber(ARGV[1]) "
	"if c then "
	"  local v = tonumber(c) "
	"  if v == nil then return redis.error_reply('ERR cas_max: current value is not a number') end "
	"  if v >= n then return 0 end "
	"end "
	"redis.call('SET', KEYS[1], ARGV[1]) "
	"return 1";

int hean_redis_cas_max(struct hean_redis *r, const char *key, long long new_value,
		       hean_redis_reply_fn *fn, void *priv)
{
	char val[32];
	const char *av[5] = { "EVAL", cas_max_lua, "1", key, val };

	if (!r || !key || !key[0]) {
		return -EINVAL;
	}
	snprintf(val, sizeof(val), "%lld", new_value);
	return hean_redis_command_argv(r, fn, priv, 5, av, NULL);
}

bool hean_redis_reply_is_error(const redisReply *rep, const char *prefix)
{
	if (!rep || rep->type != REDIS_REPLY_ERROR) {
		return false;
	}
	if (!prefix) {
		return true;
	}
	return rep->str && strncmp(rep->str, prefix, strlen(prefix)) == 0;
}
