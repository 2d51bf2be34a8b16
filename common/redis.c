/* common/redis: creating, closing and destroying a Redis link (see
 * redis.h; the link's state machine is in redis_link.c, commands in
 * redis_cmd.c). */
#include "common/redis_internal.h"

#include "common/backoff.h"
#include "common/log.h"
#include "common/url.h"

#include <errno.h>
#include <hiredis/async.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ============================ public API ============================ */

/* Copies where to connect from the parsed URL (unix:// or redis://) and
 * the URL without its password for logs. -1: an empty socket path. */
static int set_endpoint(struct hean_redis *r, const struct hean_url *u)
{
	r->unix_sock = strcmp(u->scheme, "unix") == 0;
	r->db = u->db;
	if (!r->unix_sock) {
		snprintf(r->host, sizeof(r->host), "%s", u->host);
		r->port = u->port > 0 ? u->port : 6379;
		snprintf(r->user, sizeof(r->user), "%s", u->user);
		memcpy(r->pass, u->pass, sizeof(r->pass));
		r->pass[sizeof(r->pass) - 1] = 0;
		snprintf(r->log_url, sizeof(r->log_url), "redis://%s%s%.200s:%d/%d", r->user,
			 r->user[0] ? "@" : "", r->host, r->port, u->db);
		return 0;
	}
	if (!u->path[0]) {
		log_error("event=redis_bad_url name=%s err=\"empty socket path\"", r->name);
		return -1;
	}
	snprintf(r->path, sizeof(r->path), "%s", u->path);
	if (u->db) {
		snprintf(r->log_url, sizeof(r->log_url), "unix://%.250s?db=%d", u->path, u->db);
	} else {
		snprintf(r->log_url, sizeof(r->log_url), "unix://%.250s", u->path);
	}
	return 0;
}

/* Timeouts and limits from the options (0 = default). */
static void set_limits(struct hean_redis *r, const struct hean_redis_options *opt)
{
	r->connect_timeout = (opt->connect_timeout_ms ? opt->connect_timeout_ms : DEFAULT_CONNECT_MS) /
			     1000.0;
	r->reply_timeout = (opt->reply_timeout_ms ? opt->reply_timeout_ms : DEFAULT_REPLY_MS) /
			   1000.0;
	r->max_in_flight = opt->max_in_flight ? opt->max_in_flight : DEFAULT_MAX_IN_FLIGHT;
	r->on_state = opt->on_state;
	r->data = opt->data;
	r->ring_max = hr_pow2_at_least(r->max_in_flight + INTERNAL_SLOTS);
	r->ring_cap = 64;
}

static void init_timers(struct hean_redis *r)
{
	hean_backoff_init(&r->bo, &hean_backoff_default);
	ev_timer_init(&r->guard, hr_on_guard, 0., 0.);
	r->guard.data = r;
	ev_timer_init(&r->connect, hr_on_connect_timeout, 0., 0.);
	r->connect.data = r;
	ev_timer_init(&r->retry, hr_on_retry, 0., 0.);
	r->retry.data = r;
	r->down_since = ev_now(r->loop);
}

static void free_now(struct hean_redis *r)
{
	explicit_bzero(r->pass, sizeof(r->pass));
	free(r->ring);
	free(r);
}

struct hean_redis *hean_redis_create(struct ev_loop *loop, const struct hean_redis_options *opt)
{
	struct hean_redis *r = NULL;
	struct hean_url u;
	char err[160];
	const char *name = opt && opt->name ? opt->name : "redis";

	memset(&u, 0, sizeof(u));
	if (!loop || !opt || !opt->url) {
		log_error("event=redis_bad_config msg=\"no url\"");
		return NULL;
	}
	if (hean_url_parse(opt->url, &u, err, sizeof(err)) < 0) {
		log_error("event=redis_bad_url name=%s err=\"%s\"", name, err);
		goto fail;
	}
	if (strcmp(u.scheme, "unix") != 0 && strcmp(u.scheme, "redis") != 0) {
		log_error("event=redis_bad_url name=%s err=\"scheme %s: want unix:// or redis://\"",
			  name, u.scheme);
		goto fail;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		goto fail;
	}
	r->loop = loop;
	snprintf(r->name, sizeof(r->name), "%s", name);
	if (set_endpoint(r, &u) < 0) {
		goto fail;
	}
	explicit_bzero(&u, sizeof(u));
	set_limits(r, opt);
	r->ring = malloc(sizeof(*r->ring) * r->ring_cap);
	if (!r->ring) {
		goto fail;
	}
	init_timers(r);
	log_debug("event=redis_create name=%s url=%s", r->name, r->log_url);
	hr_do_connect(r);
	return r;

fail:
	explicit_bzero(&u, sizeof(u));
	if (r) {
		free_now(r);
	}
	return NULL;
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
	hr_stop_timers(r);
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
		hr_link_abort(r, "closed");
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
