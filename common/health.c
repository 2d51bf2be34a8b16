/* common/health: the hean:health:{proc} hash and hean:events entries.
 *
 * The hash is written in ONE HSET every second (ev_timer) and at once on a
 * state change; if Redis is down the write is skipped (the next one
 * rewrites everything). Events go out as XADD {prefix}events MAXLEN ~
 * 100000; while Redis is down (or the in-flight cap is hit) they wait in a
 * ring of 256 (oldest dropped and counted) and are flushed, in order, as
 * soon as the link is back. Nothing here ever blocks. */
#include "common/health.h"
#include "common/keys.h"
#include "common/hist.h"

#include "common/log.h"
#include "common/notify.h"
#include "common/timeutil.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEALTH_PERIOD_S 1.0
#define MAX_NAMED 32
#define EVENT_RING 256
#define EVENTS_MAXLEN "100000"

struct named_int {
	const char *name; /* borrowed: literal or outlives h */
	int64_t v;
};

struct named_str {
	const char *name; /* borrowed */
	char v[HEAN_HIST_TEXT_LEN]; /* room for a common/hist text form */
};

struct event_rec {
	int64_t ts_ms;
	char event[32];
	char detail[256];
};

struct hean_health {
	struct ev_loop *loop;     /* borrowed */
	struct hean_redis *redis; /* borrowed: the owner's command link */
	char key[192];
	char events_key[128];
	char proc[64];
	char pid[24];
	char host[64];
	char state[32];
	char detail[256];
	bool ready; /* READY=1 sent to systemd */
	int64_t last_msg_ms;
	uint64_t reconnects;
	struct named_int ints[MAX_NAMED];
	size_t n_ints;
	struct named_str strs[MAX_NAMED];
	size_t n_strs;
	bool warned_full;

	struct event_rec ring[EVENT_RING];
	unsigned ring_head;
	unsigned ring_count;
	uint64_t dropped;       /* events lost to a full ring, total */
	uint64_t dropped_unreported;

	ev_timer tick;
	int64_t last_attempt_ms;
	bool standby; /* writing {key}:standby (lease not held) */
	bool fenced;  /* lease lost: never write the hash again */
	char standby_key[200];
	bool stopped;
	bool saw_redis_down;
};

/* ============================ hash ============================ */

static void write_hash(struct hean_health *h)
{
	const char *av[2 + 2 * (10 + 2 * MAX_NAMED)];
	char num[9 + MAX_NAMED][24];
	int n = 0, k = 0;

	if (!hean_redis_is_up(h->redis) || h->fenced) {
		return;
	}
	av[n++] = "HSET";
	av[n++] = h->standby ? h->standby_key : h->key;
	av[n++] = HEAN_FIELD_PID;
	av[n++] = h->pid;
	av[n++] = HEAN_FIELD_STATE;
	av[n++] = h->state;
	av[n++] = HEAN_FIELD_UPDATED_MS;
	snprintf(num[k], sizeof(num[k]), "%" PRId64, hean_time_now_ms());
	av[n++] = num[k++];
	av[n++] = HEAN_FIELD_LAST_MSG_MS;
	snprintf(num[k], sizeof(num[k]), "%" PRId64, h->last_msg_ms);
	av[n++] = num[k++];
	av[n++] = HEAN_FIELD_RECONNECTS;
	snprintf(num[k], sizeof(num[k]), "%" PRIu64, h->reconnects);
	av[n++] = num[k++];
	av[n++] = HEAN_FIELD_DETAIL;
	av[n++] = h->detail;
	av[n++] = HEAN_FIELD_HOST;
	av[n++] = h->host;
	av[n++] = HEAN_FIELD_REDIS_RECONNECTS;
	snprintf(num[k], sizeof(num[k]), "%" PRIu64, hean_redis_reconnects(h->redis));
	av[n++] = num[k++];
	av[n++] = HEAN_FIELD_EVENTS_DROPPED;
	snprintf(num[k], sizeof(num[k]), "%" PRIu64, h->dropped);
	av[n++] = num[k++];
	av[n++] = HEAN_FIELD_LAST_ATTEMPT_MS;
	snprintf(num[k], sizeof(num[k]), "%" PRId64, h->last_attempt_ms);
	av[n++] = num[k++];
	for (size_t i = 0; i < h->n_ints; i++) {
		av[n++] = h->ints[i].name;
		snprintf(num[k], sizeof(num[k]), "%" PRId64, h->ints[i].v);
		av[n++] = num[k++];
	}
	for (size_t i = 0; i < h->n_strs; i++) {
		av[n++] = h->strs[i].name;
		av[n++] = h->strs[i].v;
	}
	/* Fire and forget: an error reply is logged by common/redis; a lost
	 * write is simply redone in a second. */
	(void)hean_redis_command_argv(h->redis, NULL, NULL, n, av, NULL);
	if (h->standby) {
		const char *ex[] = {"PEXPIRE", h->standby_key, "10000"};

		(void)hean_redis_command_argv(h->redis, NULL, NULL, 3, ex, NULL);
	}
}

/* ============================ events ============================ */

static int send_event(struct hean_health *h, const struct event_rec *e)
{
	char ts[24];
	const char *av[14];

	snprintf(ts, sizeof(ts), "%" PRId64, e->ts_ms);
	av[0] = "XADD";
	av[1] = h->events_key;
	av[2] = "MAXLEN";
	av[3] = "~";
	av[4] = EVENTS_MAXLEN;
	av[5] = "*";
	av[6] = HEAN_FIELD_PROC;
	av[7] = h->proc;
	av[8] = HEAN_FIELD_EVENT;
	av[9] = e->event;
	av[10] = HEAN_FIELD_DETAIL;
	av[11] = e->detail;
	av[12] = HEAN_FIELD_TS_MS;
	av[13] = ts;
	return hean_redis_command_argv(h->redis, NULL, NULL, 14, av, NULL);
}

static void ring_add(struct hean_health *h, const struct event_rec *e)
{
	if (h->ring_count == EVENT_RING) {
		h->ring_head = (h->ring_head + 1) % EVENT_RING;
		h->ring_count--;
		h->dropped++;
		h->dropped_unreported++;
	}
	h->ring[(h->ring_head + h->ring_count) % EVENT_RING] = *e;
	h->ring_count++;
}

/* Sends queued events in order while the link takes them. */
static void flush_events(struct hean_health *h)
{
	while (h->ring_count > 0 && hean_redis_is_up(h->redis)) {
		if (send_event(h, &h->ring[h->ring_head]) < 0) {
			return;
		}
		h->ring_head = (h->ring_head + 1) % EVENT_RING;
		h->ring_count--;
	}
	if (h->ring_count == 0 && h->dropped_unreported > 0 && hean_redis_is_up(h->redis)) {
		struct event_rec e;

		e.ts_ms = hean_time_now_ms();
		snprintf(e.event, sizeof(e.event), "events_dropped");
		snprintf(e.detail, sizeof(e.detail), "n=%" PRIu64 " (queue of %d full while redis was down)",
			 h->dropped_unreported, EVENT_RING);
		if (send_event(h, &e) == 0) {
			log_warn("event=events_dropped proc=%s n=%" PRIu64, h->proc,
				 h->dropped_unreported);
			h->dropped_unreported = 0;
		}
	}
}

static void push_event(struct hean_health *h, const char *event, const char *detail)
{
	struct event_rec e;

	e.ts_ms = hean_time_now_ms();
	snprintf(e.event, sizeof(e.event), "%s", event);
	snprintf(e.detail, sizeof(e.detail), "%s", detail ? detail : "");
	if (h->ring_count == 0 && send_event(h, &e) == 0) {
		return;
	}
	ring_add(h, &e);
	flush_events(h);
}

/* ============================ timer ============================ */

/* The states the watchdog counts as healthy (HELPERS vocabulary). */
static bool is_healthy(const char *state)
{
	return !strcmp(state, "streaming") || !strcmp(state, "authenticated") ||
	       !strcmp(state, "running") || !strcmp(state, "standby");
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct hean_health *h = w->data;

	flush_events(h);
	write_hash(h);
	/* systemd WatchdogSec: the loop ran this tick (no-op off systemd) */
	hean_notify("WATCHDOG=1");
}

/* ============================ public API ============================ */

struct hean_health *hean_health_create(struct ev_loop *loop, struct hean_redis *redis,
				       const struct hean_config *cfg)
{
	struct hean_health *h;

	if (!loop || !redis || !cfg) {
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		return NULL;
	}
	h->loop = loop;
	h->redis = redis;
	snprintf(h->proc, sizeof(h->proc), "%s", cfg->proc_name[0] ? cfg->proc_name : cfg->role);
	snprintf(h->key, sizeof(h->key), "%s" HEAN_KEY_HEALTH, cfg->prefix, h->proc);
	snprintf(h->standby_key, sizeof(h->standby_key), "%s:standby", h->key);
	snprintf(h->events_key, sizeof(h->events_key), "%s" HEAN_KEY_EVENTS, cfg->prefix);
	snprintf(h->pid, sizeof(h->pid), "%ld", (long)getpid());
	if (gethostname(h->host, sizeof(h->host) - 1) < 0) {
		h->host[0] = 0;
	}
	snprintf(h->state, sizeof(h->state), "starting");
	h->last_msg_ms = 0;
	ev_timer_init(&h->tick, on_tick, HEALTH_PERIOD_S, HEALTH_PERIOD_S);
	h->tick.data = h;
	ev_timer_start(loop, &h->tick);
	push_event(h, "starting", "");
	return h;
}

void hean_health_destroy(struct hean_health *h)
{
	if (!h) {
		return;
	}
	ev_timer_stop(h->loop, &h->tick);
	free(h);
}

void hean_health_stop(struct hean_health *h)
{
	if (!h || h->stopped) {
		return;
	}
	h->stopped = true;
	ev_timer_stop(h->loop, &h->tick);
	hean_notify("STOPPING=1");
	/* Last words, flushed by the graceful close that follows. */
	push_event(h, "stopped", h->state);
	write_hash(h);
}

/* Additive (not in the first header): the owner's command link went up or
 * down. Up: flush queued events and rewrite the hash at once. */
void hean_health_on_redis(struct hean_health *h, bool up)
{
	if (!h) {
		return;
	}
	if (!up) {
		h->saw_redis_down = true;
		push_event(h, "redis_down", "command link lost");
		return;
	}
	if (h->saw_redis_down) {
		h->saw_redis_down = false;
		push_event(h, "redis_up", "command link back");
	}
	flush_events(h);
	write_hash(h);
}

void hean_health_set_state(struct hean_health *h, const char *state, const char *detail)
{
	bool changed;

	if (!h || !state) {
		return;
	}
	changed = strcmp(h->state, state) != 0;
	if (!changed && (!detail || strcmp(detail, h->detail) == 0)) {
		return;
	}
	if (detail) {
		snprintf(h->detail, sizeof(h->detail), "%s", detail);
	} else if (changed) {
		h->detail[0] = 0;
	}
	if (changed) {
		log_info("event=health_state proc=%s from=%s to=%s detail=\"%s\"", h->proc,
			 h->state, state, h->detail);
		snprintf(h->state, sizeof(h->state), "%s", state);
		push_event(h, h->state, h->detail);
		if (!h->ready && is_healthy(state)) {
			h->ready = true;
			hean_notify("READY=1");
		}
	}
	if (!h->stopped) {
		write_hash(h);
	}
}

void hean_health_set_detail(struct hean_health *h, const char *detail)
{
	if (h) {
		snprintf(h->detail, sizeof(h->detail), "%s", detail ? detail : "");
	}
}

void hean_health_event(struct hean_health *h, const char *event, const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	if (!h || !event) {
		return;
	}
	detail[0] = 0;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	push_event(h, event, detail);
}

void hean_health_msg(struct hean_health *h)
{
	if (h) {
		h->last_msg_ms = (int64_t)(ev_now(h->loop) * 1000.0);
	}
}

void hean_health_inc_reconnects(struct hean_health *h)
{
	if (h) {
		h->reconnects++;
		hean_health_attempt(h);
	}
}

void hean_health_attempt(struct hean_health *h)
{
	if (h) {
		h->last_attempt_ms = hean_time_now_ms();
	}
}

void hean_health_set_standby(struct hean_health *h, bool standby)
{
	if (!h || h->standby == standby) {
		return;
	}
	h->standby = standby;
	if (!standby && hean_redis_is_up(h->redis)) {
		const char *av[] = {"DEL", h->standby_key};

		(void)hean_redis_command_argv(h->redis, NULL, NULL, 2, av, NULL);
	}
}

void hean_health_fence(struct hean_health *h)
{
	if (h) {
		h->fenced = true;
	}
}

static struct named_int *find_int(struct hean_health *h, const char *name)
{
	for (size_t i = 0; i < h->n_ints; i++) {
		if (h->ints[i].name == name || strcmp(h->ints[i].name, name) == 0) {
			return &h->ints[i];
		}
	}
	if (h->n_ints == MAX_NAMED) {
		if (!h->warned_full) {
			log_warn("event=health_fields_full proc=%s dropped=%s", h->proc, name);
			h->warned_full = true;
		}
		return NULL;
	}
	h->ints[h->n_ints].name = name;
	h->ints[h->n_ints].v = 0;
	return &h->ints[h->n_ints++];
}

void hean_health_set_int(struct hean_health *h, const char *name, int64_t value)
{
	struct named_int *f;

	if (!h || !name) {
		return;
	}
	f = find_int(h, name);
	if (f) {
		f->v = value;
	}
}

void hean_health_add_int(struct hean_health *h, const char *name, int64_t delta)
{
	struct named_int *f;

	if (!h || !name) {
		return;
	}
	f = find_int(h, name);
	if (f) {
		f->v += delta;
	}
}

void hean_health_set_str(struct hean_health *h, const char *name, const char *value)
{
	if (!h || !name) {
		return;
	}
	for (size_t i = 0; i < h->n_strs; i++) {
		if (h->strs[i].name == name || strcmp(h->strs[i].name, name) == 0) {
			snprintf(h->strs[i].v, sizeof(h->strs[i].v), "%s", value ? value : "");
			return;
		}
	}
	if (h->n_strs == MAX_NAMED) {
		if (!h->warned_full) {
			log_warn("event=health_fields_full proc=%s dropped=%s", h->proc, name);
			h->warned_full = true;
		}
		return;
	}
	h->strs[h->n_strs].name = name;
	snprintf(h->strs[h->n_strs].v, sizeof(h->strs[h->n_strs].v), "%s", value ? value : "");
	h->n_strs++;
}

const char *hean_health_state(const struct hean_health *h)
{
	return h ? h->state : "";
}
