/* common/redis_link: keeps one Redis link up: connect, AUTH/SELECT
 * pipelined, UP on the PING reply, loss, reconnect with backoff; the
 * hiredis callbacks and the reply/connect deadline timers. See
 * redis_internal.h for the lifetime rules. */
#include "common/redis_internal.h"

#include "common/backoff.h"
#include "common/log.h"

#include <errno.h>
#include <hiredis/adapters/libev.h>
#include <hiredis/async.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

void hr_stop_timers(struct hean_redis *r)
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
	hr_stop_timers(r);
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
void hr_link_abort(struct hean_redis *r, const char *reason)
{
	redisAsyncContext *ac = r->ac;

	r->ac = NULL;
	r->up = false;
	hr_stop_timers(r);
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

void hr_on_reply(redisAsyncContext *ac, void *reply_, void *privdata)
{
	struct hean_redis *r = privdata;
	redisReply *reply = reply_;
	struct slot s;
	char reason[160];

	if (!hr_ring_pop(r, &s)) {
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
			hr_link_abort(r, reason);
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
			hr_link_abort(r, reason);
		}
		break;
	default:
		break;
	}
}

/* hiredis is freeing the context (connect failed or disconnected): forget
 * it, then the loss (unless destroyed). */
static void context_gone(struct hean_redis *r, const char *reason)
{
	r->ac = NULL;
	r->up = false;
	hr_stop_timers(r);
	if (!r->destroyed) {
		link_lost(r, reason);
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
	/* Never announced up (the PING reply makes it up), so link_lost runs no
	 * user code. */
	context_gone(r, reason);
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
	context_gone(r, reason);
}

/* ============================ timers ============================ */

void hr_on_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct hean_redis *r = w->data;
	const struct slot *head = hr_ring_peek(r);
	ev_tstamp now = ev_now(loop);

	if (!head || !r->ac) {
		return;
	}
	if (head->deadline <= now + 0.0005) {
		char reason[64];

		snprintf(reason, sizeof(reason), "reply_timeout pending=%u", r->ring_count);
		hr_link_abort(r, reason);
		return;
	}
	ev_timer_set(w, head->deadline - now, 0.);
	ev_timer_start(loop, w);
}

void hr_on_connect_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct hean_redis *r = w->data;

	if (!r->ac || r->up) {
		return;
	}
	hr_link_abort(r, "connect_timeout");
}

void hr_on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	hr_do_connect(w->data);
}

/* ============================ connect ============================ */

void hr_do_connect(struct hean_redis *r)
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
		if (hr_submit_argv(r, SLOT_AUTH, r->connect_timeout, NULL, NULL, ac_n, av, NULL) < 0) {
			hr_link_abort(r, "connect: AUTH not queued");
			return;
		}
	}
	if (r->db) {
		char db[16];
		const char *av[2] = { "SELECT", db };

		snprintf(db, sizeof(db), "%d", r->db);
		if (hr_submit_argv(r, SLOT_SELECT, r->connect_timeout, NULL, NULL, 2, av, NULL) < 0) {
			hr_link_abort(r, "connect: SELECT not queued");
			return;
		}
	}
	{
		const char *av[1] = { "PING" };

		if (hr_submit_argv(r, SLOT_PING, r->connect_timeout, NULL, NULL, 1, av, NULL) < 0) {
			hr_link_abort(r, "connect: PING not queued");
			return;
		}
	}
}
