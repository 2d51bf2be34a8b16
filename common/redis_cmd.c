/* common/redis_cmd: submitting commands: the FIFO ring of pending
 * replies with their deadlines, the checks on a command (no pub/sub or
 * MONITOR: their replies do not follow the FIFO), and the command API of
 * redis.h. */
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

/* ============================ ring ============================ */

/* Makes room for one more slot. false: the cap is reached or no memory. */
bool hr_ring_reserve(struct hean_redis *r)
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

/* Only after hr_ring_reserve() succeeded. */
void hr_ring_push(struct hean_redis *r, const struct slot *s)
{
	r->ring[(r->ring_head + r->ring_count) & (r->ring_cap - 1)] = *s;
	r->ring_count++;
}

bool hr_ring_pop(struct hean_redis *r, struct slot *out)
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

const struct slot *hr_ring_peek(const struct hean_redis *r)
{
	return r->ring_count ? &r->ring[r->ring_head] : NULL;
}

uint32_t hr_pow2_at_least(uint32_t v)
{
	uint32_t p = 64;

	while (p < v && p < (1u << 30)) {
		p <<= 1;
	}
	return p;
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

int hr_can_submit(struct hean_redis *r, bool user)
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
	hr_ring_push(r, &s); /* space reserved before hiredis took the command */
	if (kind == SLOT_USER) {
		r->in_flight++;
	}
	if (!ev_is_active(&r->guard)) {
		ev_timer_set(&r->guard, s.deadline - now > 0 ? s.deadline - now : 0., 0.);
		ev_timer_start(r->loop, &r->guard);
	}
}

int hr_submit_formatted(struct hean_redis *r, enum slot_kind kind, ev_tstamp timeout,
			    hean_redis_reply_fn *fn, void *priv, const char *cmd, size_t len)
{
	int rc = hr_can_submit(r, kind == SLOT_USER);

	if (rc < 0) {
		return rc;
	}
	if (!hr_ring_reserve(r)) {
		return -ENOBUFS;
	}
	if (redisAsyncFormattedCommand(r->ac, hr_on_reply, r, cmd, len) != REDIS_OK) {
		return -ENOMEM;
	}
	track(r, kind, fn, priv, timeout);
	return 0;
}

int hr_submit_argv(struct hean_redis *r, enum slot_kind kind, ev_tstamp timeout,
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
	rc = hr_can_submit(r, kind == SLOT_USER);
	if (rc < 0) {
		return rc;
	}
	len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
	if (len < 0) {
		return -ENOMEM;
	}
	rc = hr_submit_formatted(r, kind, timeout, fn, priv, cmd, (size_t)len);
	free(cmd);
	return rc;
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
	rc = hr_can_submit(r, true);
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
	rc = hr_submit_formatted(r, SLOT_USER, r->reply_timeout, fn, priv, cmd, (size_t)len);
	free(cmd);
	return rc;
}

int hean_redis_command_argv(struct hean_redis *r, hean_redis_reply_fn *fn, void *priv, int argc,
			    const char **argv, const size_t *argvlen)
{
	if (!r) {
		return -EINVAL;
	}
	return hr_submit_argv(r, SLOT_USER, r->reply_timeout, fn, priv, argc, argv, argvlen);
}

void hean_redis_args_init(struct hean_redis_args *a, const char *cmd, const char *key)
{
	a->argc = 0;
	a->overflow = false;
	hean_redis_args_add(a, cmd);
	if (key) {
		hean_redis_args_add(a, key);
	}
}

void hean_redis_args_add(struct hean_redis_args *a, const char *arg)
{
	if (a->argc >= HEAN_REDIS_ARGS_MAX) {
		a->overflow = true;
		return;
	}
	a->argv[a->argc++] = arg ? arg : "";
}

void hean_redis_args_field(struct hean_redis_args *a, const char *name, const char *value)
{
	hean_redis_args_add(a, name);
	hean_redis_args_add(a, value);
}

int hean_redis_send_args(struct hean_redis *r, hean_redis_reply_fn *fn, void *priv,
			 struct hean_redis_args *a)
{
	if (a->overflow) {
		return -E2BIG;
	}
	return hean_redis_command_argv(r, fn, priv, a->argc, a->argv, NULL);
}

int hean_redis_command_raw(struct hean_redis *r, hean_redis_reply_fn *fn, void *priv,
			   const char *cmd, size_t len)
{
	if (!r || !cmd || !raw_cmd_ok(cmd, len)) {
		return -EINVAL;
	}
	return hr_submit_formatted(r, SLOT_USER, r->reply_timeout, fn, priv, cmd, len);
}

int hean_redis_command_argv_deadline(struct hean_redis *r, uint32_t deadline_ms,
				     hean_redis_reply_fn *fn, void *priv, int argc,
				     const char **argv, const size_t *argvlen)
{
	if (!r) {
		return -EINVAL;
	}
	return hr_submit_argv(r, SLOT_USER, deadline_ms ? deadline_ms / 1000.0 : r->reply_timeout, fn,
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
