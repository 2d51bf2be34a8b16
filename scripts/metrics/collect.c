/* hean-metrics collect: see collect.h. */
#include "scripts/metrics/collect.h"

#include "common/keys.h"
#include "common/log.h"
#include "common/timeutil.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROCS 256
#define MAX_TICKERS 4096
#define MAX_EVENTS 1000

struct mx_collect {
	struct hean_redis *r;
	char prefix[64];
	mx_collect_done_fn *done;
	void *data;
	struct cycle *cur;     /* running cycle or NULL */
	char ev_last[48];      /* last hean:events id seen; "" = not known yet */
	bool ev_known;
};

enum kind { K_SCAN, K_HEALTH, K_TICKER, K_XLEN, K_XINFO, K_WAVE, K_WAVE_S, K_HALT, K_PNL,
	    K_EVENTS, K_EVTAIL };

struct cycle {
	struct mx_collect *c;
	struct mx_snap *snap;
	unsigned outstanding;
	bool failed;
	char **health_keys;
	size_t n_health;
	char **ticker_keys;
	size_t n_ticker;
};

struct req {
	struct cycle *cy;
	enum kind kind;
	size_t idx;
};

struct mx_collect *mx_collect_create(struct hean_redis *r, const char *prefix,
				     mx_collect_done_fn *done, void *data)
{
	struct mx_collect *c = calloc(1, sizeof(*c));

	if (!c) {
		return NULL;
	}
	c->r = r;
	snprintf(c->prefix, sizeof(c->prefix), "%s", prefix);
	c->done = done;
	c->data = data;
	return c;
}

static void cycle_free_keys(struct cycle *cy)
{
	for (size_t i = 0; i < cy->n_health; i++) {
		free(cy->health_keys[i]);
	}
	for (size_t i = 0; i < cy->n_ticker; i++) {
		free(cy->ticker_keys[i]);
	}
	free(cy->health_keys);
	free(cy->ticker_keys);
	cy->health_keys = cy->ticker_keys = NULL;
	cy->n_health = cy->n_ticker = 0;
}

void mx_collect_destroy(struct mx_collect *c)
{
	if (!c) {
		return;
	}
	if (c->cur) { /* cannot happen after the link is gone: defensive */
		c->cur->c = NULL;
	}
	free(c);
}

static void finish(struct cycle *cy)
{
	struct mx_collect *c = cy->c;

	cycle_free_keys(cy);
	if (c) {
		c->cur = NULL;
		cy->snap->complete = !cy->failed;
		c->done(cy->snap, !cy->failed, c->data);
	} else {
		mx_snap_free(cy->snap);
		free(cy->snap);
	}
	free(cy);
}

static void on_reply(struct hean_redis *r, redisReply *rep, void *priv);

static void send(struct cycle *cy, enum kind kind, size_t idx, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* hiredis-style format with %s arguments only (keys and ids). */
static void send(struct cycle *cy, enum kind kind, size_t idx, const char *fmt, ...)
{
	struct req *q;
	va_list ap;
	const char *argv[8];
	size_t lens[8];
	int argc = 0;
	char *copy, *tok, *save = NULL;

	if (cy->failed) {
		return;
	}
	q = malloc(sizeof(*q));
	copy = strdup(fmt);
	if (!q || !copy) {
		free(q);
		free(copy);
		cy->failed = true;
		return;
	}
	/* fmt is "CMD %s ARG ..." : split on spaces, %s takes the next vararg */
	va_start(ap, fmt);
	for (tok = strtok_r(copy, " ", &save); tok && argc < 8; tok = strtok_r(NULL, " ", &save)) {
		argv[argc] = strcmp(tok, "%s") == 0 ? va_arg(ap, const char *) : tok;
		lens[argc] = strlen(argv[argc]);
		argc++;
	}
	va_end(ap);
	q->cy = cy;
	q->kind = kind;
	q->idx = idx;
	if (hean_redis_command_argv(cy->c->r, on_reply, q, argc, argv, lens) != 0) {
		free(q);
		cy->failed = true;
	} else {
		cy->outstanding++;
	}
	free(copy);
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static bool is_str(const redisReply *e)
{
	return e && (e->type == REDIS_REPLY_STRING || e->type == REDIS_REPLY_STATUS);
}

static void take_hash(struct mx_hash *h, const redisReply *rep)
{
	size_t n;

	if (!rep || rep->type != REDIS_REPLY_ARRAY) {
		return;
	}
	n = rep->elements / 2;
	h->k = calloc(n ? n : 1, sizeof(char *));
	h->v = calloc(n ? n : 1, sizeof(char *));
	if (!h->k || !h->v) {
		free(h->k);
		free(h->v);
		h->k = h->v = NULL;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const redisReply *k = rep->element[2 * i], *v = rep->element[2 * i + 1];

		if (!is_str(k) || !is_str(v)) {
			continue;
		}
		h->k[h->n] = dupn(k->str, k->len);
		h->v[h->n] = dupn(v->str, v->len);
		if (!h->k[h->n] || !h->v[h->n]) {
			free(h->k[h->n]);
			free(h->v[h->n]);
			continue;
		}
		h->n++;
	}
}

static long long int_of(const redisReply *e)
{
	if (!e) {
		return 0;
	}
	if (e->type == REDIS_REPLY_INTEGER) {
		return e->integer;
	}
	if (is_str(e)) {
		return strtoll(e->str, NULL, 10);
	}
	return 0;
}

static void take_groups(struct mx_stream *st, const redisReply *rep)
{
	for (size_t g = 0; g < rep->elements && st->n_groups < MX_MAX_GROUPS; g++) {
		const redisReply *e = rep->element[g];
		struct mx_group *gr = &st->groups[st->n_groups];

		if (!e || e->type != REDIS_REPLY_ARRAY) {
			continue;
		}
		memset(gr, 0, sizeof(*gr));
		for (size_t i = 0; i + 1 < e->elements; i += 2) {
			const redisReply *k = e->element[i], *v = e->element[i + 1];

			if (!is_str(k)) {
				continue;
			}
			if (strcmp(k->str, "name") == 0 && is_str(v)) {
				snprintf(gr->name, sizeof(gr->name), "%.*s", (int)v->len, v->str);
			} else if (strcmp(k->str, "consumers") == 0) {
				gr->consumers = int_of(v);
			} else if (strcmp(k->str, "pending") == 0) {
				gr->pending = int_of(v);
			} else if (strcmp(k->str, "lag") == 0 && v && v->type != REDIS_REPLY_NIL) {
				gr->lag = int_of(v);
				gr->has_lag = true;
			}
		}
		if (gr->name[0]) {
			st->n_groups++;
		}
	}
}

static void take_events(struct cycle *cy, const redisReply *rep)
{
	struct mx_snap *s = cy->snap;
	struct mx_collect *c = cy->c;

	if (rep->elements == 0) {
		return;
	}
	s->events = calloc(rep->elements, sizeof(*s->events));
	if (!s->events) {
		return;
	}
	for (size_t i = 0; i < rep->elements; i++) {
		const redisReply *e = rep->element[i], *f;
		struct mx_event *ev = &s->events[s->n_events];

		if (!e || e->type != REDIS_REPLY_ARRAY || e->elements != 2 || !is_str(e->element[0])) {
			continue;
		}
		if (c) {
			snprintf(c->ev_last, sizeof(c->ev_last), "%.*s", (int)e->element[0]->len,
				 e->element[0]->str);
		}
		f = e->element[1];
		if (!f || f->type != REDIS_REPLY_ARRAY) {
			continue;
		}
		memset(ev, 0, sizeof(*ev));
		for (size_t k = 0; k + 1 < f->elements; k += 2) {
			const redisReply *kk = f->element[k], *vv = f->element[k + 1];

			if (!is_str(kk) || !is_str(vv)) {
				continue;
			}
			if (strcmp(kk->str, HEAN_FIELD_PROC) == 0) {
				snprintf(ev->proc, sizeof(ev->proc), "%.*s", (int)vv->len, vv->str);
			} else if (strcmp(kk->str, HEAN_FIELD_EVENT) == 0) {
				snprintf(ev->event, sizeof(ev->event), "%.*s", (int)vv->len, vv->str);
			} else if (strcmp(kk->str, HEAN_FIELD_DETAIL) == 0) {
				snprintf(ev->detail, sizeof(ev->detail), "%.*s", (int)vv->len, vv->str);
			}
		}
		s->n_events++;
	}
}

static void send_batch(struct cycle *cy);

static void on_scan(struct cycle *cy, const redisReply *rep)
{
	const redisReply *keys;
	size_t pl = strlen(cy->c->prefix);
	char cursor[32];

	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 || !is_str(rep->element[0]) ||
	    rep->element[1]->type != REDIS_REPLY_ARRAY) {
		cy->failed = true;
		return;
	}
	keys = rep->element[1];
	for (size_t i = 0; i < keys->elements; i++) {
		const redisReply *k = keys->element[i];
		const char *rest;
		char ***list;
		size_t *n, cap;

		if (!is_str(k) || k->len <= pl) {
			continue;
		}
		rest = k->str + pl;
		if (strncmp(rest, "health:", 7) == 0 && rest[7]) {
			list = &cy->health_keys;
			n = &cy->n_health;
			cap = MAX_PROCS;
		} else if (strncmp(rest, "ticker:", 7) == 0 && rest[7]) {
			list = &cy->ticker_keys;
			n = &cy->n_ticker;
			cap = MAX_TICKERS;
		} else {
			continue;
		}
		if (*n >= cap) {
			continue;
		}
		if ((*n & (*n - 1)) == 0) { /* grow at powers of two */
			char **nl = realloc(*list, (*n ? *n * 2 : 16) * sizeof(char *));

			if (!nl) {
				cy->failed = true;
				return;
			}
			*list = nl;
		}
		(*list)[*n] = dupn(k->str, k->len);
		if ((*list)[*n]) {
			(*n)++;
		}
	}
	snprintf(cursor, sizeof(cursor), "%.*s", (int)rep->element[0]->len, rep->element[0]->str);
	if (strcmp(cursor, "0") != 0) {
		char pat[80];

		snprintf(pat, sizeof(pat), "%s[ht]*", cy->c->prefix);
		send(cy, K_SCAN, 0, "SCAN %s MATCH %s COUNT 1000", cursor, pat);
	} else {
		send_batch(cy);
	}
}

/* wave:last as ISO 8601 ("2026-12-03T11:30:00+00:00") or epoch seconds;
 * wave:last_s (K_WAVE_S) wins when both are there. */
static void take_wave_last(struct mx_snap *s, const redisReply *rep)
{
	int64_t ms;
	char *end;
	long long v;

	if (!is_str(rep) || s->has_wave_last) {
		return;
	}
	v = strtoll(rep->str, &end, 10);
	if (*end == '\0' && end != rep->str) {
		s->wave_last = v;
		s->has_wave_last = true;
	} else if (hean_time_parse_iso8601(rep->str, rep->len, &ms, NULL) == 0) {
		s->wave_last = ms / 1000;
		s->has_wave_last = true;
	}
}

/* The id of the newest event (XREVRANGE COUNT 1), "0-0" with none. */
static void take_ev_tail(struct mx_collect *c, const redisReply *rep)
{
	if (rep->type != REDIS_REPLY_ARRAY) {
		return;
	}
	if (rep->elements > 0 && rep->element[0]->type == REDIS_REPLY_ARRAY &&
	    rep->element[0]->elements == 2 && is_str(rep->element[0]->element[0])) {
		snprintf(c->ev_last, sizeof(c->ev_last), "%.*s", (int)rep->element[0]->element[0]->len,
			 rep->element[0]->element[0]->str);
	} else {
		snprintf(c->ev_last, sizeof(c->ev_last), "0-0");
	}
	c->ev_known = true;
}

/* Files one successful reply of kind into the snapshot. */
static void take_reply(struct cycle *cy, enum kind kind, size_t idx, redisReply *rep)
{
	struct mx_snap *s = cy->snap;

	switch (kind) {
	case K_SCAN:
		on_scan(cy, rep);
		break;
	case K_HEALTH:
		take_hash(&s->procs[idx], rep);
		break;
	case K_TICKER:
		if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2) {
			struct mx_ticker *t = &s->tickers[idx];

			t->recv_us = is_str(rep->element[0]) ? int_of(rep->element[0]) : 0;
			t->ticks = is_str(rep->element[1]) ? int_of(rep->element[1]) : -1;
		}
		break;
	case K_XLEN:
		s->streams[idx].len = int_of(rep);
		break;
	case K_XINFO:
		if (rep->type == REDIS_REPLY_ARRAY) {
			s->streams[idx].exists = true;
			take_groups(&s->streams[idx], rep);
		}
		break;
	case K_WAVE: /* "2026-12-03T11:30:00+00:00" (or epoch seconds) */
		take_wave_last(s, rep);
		break;
	case K_WAVE_S: /* epoch seconds of wave:last: preferred */
		if (is_str(rep)) {
			s->has_wave_last = true;
			s->wave_last = int_of(rep);
		}
		break;
	case K_HALT:
		if (is_str(rep)) {
			s->halted = true;
			snprintf(s->halt, sizeof(s->halt), "%.*s", (int)rep->len, rep->str);
		}
		break;
	case K_PNL:
		if (rep->type == REDIS_REPLY_ARRAY && rep->elements > 0) {
			s->has_pnl = true;
			take_hash(&s->pnl, rep);
		}
		break;
	case K_EVENTS:
		if (rep->type == REDIS_REPLY_ARRAY) {
			take_events(cy, rep);
		}
		break;
	case K_EVTAIL:
		take_ev_tail(cy->c, rep);
		break;
	}
}

static void on_reply(struct hean_redis *r, redisReply *rep, void *priv)
{
	struct req *q = priv;
	struct cycle *cy = q->cy;
	enum kind kind = q->kind;
	size_t idx = q->idx;

	free(q);
	cy->outstanding--;
	if (!rep || !cy->c) {
		cy->failed = true;
	} else if (rep->type == REDIS_REPLY_ERROR) {
		/* XINFO "no such key": the stream does not exist yet */
		if (kind != K_XINFO) {
			log_warn("event=collect_error what=%d err=\"%.*s\"", (int)kind,
				 (int)rep->len, rep->str);
			cy->failed = true;
		}
	} else {
		take_reply(cy, kind, idx, rep);
	}
	if (cy->outstanding == 0) {
		finish(cy);
	}
}

static void send_batch(struct cycle *cy)
{
	struct mx_snap *s = cy->snap;
	const char *p = cy->c->prefix;
	size_t pl = strlen(p);
	char key[160];

	s->procs = calloc(cy->n_health ? cy->n_health : 1, sizeof(*s->procs));
	s->tickers = calloc(cy->n_ticker ? cy->n_ticker : 1, sizeof(*s->tickers));
	if (!s->procs || !s->tickers) {
		cy->failed = true;
		return;
	}
	s->n_procs = cy->n_health;
	s->n_tickers = cy->n_ticker;
	for (size_t i = 0; i < cy->n_health; i++) {
		snprintf(s->procs[i].name, sizeof(s->procs[i].name), "%s", cy->health_keys[i] + pl + 7);
		send(cy, K_HEALTH, i, "HGETALL %s", cy->health_keys[i]);
	}
	for (size_t i = 0; i < cy->n_ticker; i++) {
		snprintf(s->tickers[i].sym, sizeof(s->tickers[i].sym), "%s", cy->ticker_keys[i] + pl + 7);
		s->tickers[i].ticks = -1;
		send(cy, K_TICKER, i, "HMGET %s " HEAN_FIELD_RECV_US " " HEAN_FIELD_N_TICKS, cy->ticker_keys[i]);
	}
	for (int i = 0; i < MX_N_STREAMS; i++) {
		snprintf(key, sizeof(key), "%s%s", p, mx_stream_names[i]);
		send(cy, K_XLEN, (size_t)i, "XLEN %s", key);
		send(cy, K_XINFO, (size_t)i, "XINFO GROUPS %s", key);
	}
	snprintf(key, sizeof(key), "%swave:last_s", p);
	send(cy, K_WAVE_S, 0, "GET %s", key);
	snprintf(key, sizeof(key), "%swave:last", p);
	send(cy, K_WAVE, 0, "GET %s", key);
	snprintf(key, sizeof(key), "%shalt", p);
	send(cy, K_HALT, 0, "GET %s", key);
	snprintf(key, sizeof(key), "%spnl", p);
	send(cy, K_PNL, 0, "HGETALL %s", key);
	snprintf(key, sizeof(key), "%sevents", p);
	if (!cy->c->ev_known) {
		send(cy, K_EVTAIL, 0, "XREVRANGE %s + - COUNT 1", key);
	} else {
		char from[64], cnt[16];

		snprintf(from, sizeof(from), "(%s", cy->c->ev_last);
		snprintf(cnt, sizeof(cnt), "%d", MAX_EVENTS);
		send(cy, K_EVENTS, 0, "XRANGE %s %s + COUNT %s", key, from, cnt);
	}
}

int mx_collect_start(struct mx_collect *c, int64_t now_ms)
{
	struct cycle *cy;
	char pat[80];

	if (c->cur) {
		return -EBUSY;
	}
	if (!hean_redis_is_up(c->r)) {
		return -ENOTCONN;
	}
	cy = calloc(1, sizeof(*cy));
	if (!cy) {
		return -ENOMEM;
	}
	cy->snap = calloc(1, sizeof(*cy->snap));
	if (!cy->snap) {
		free(cy);
		return -ENOMEM;
	}
	cy->c = c;
	cy->snap->now_ms = now_ms;
	c->cur = cy;
	snprintf(pat, sizeof(pat), "%s[ht]*", c->prefix);
	send(cy, K_SCAN, 0, "SCAN %s MATCH %s COUNT 1000", "0", pat);
	if (cy->outstanding == 0) {
		c->cur = NULL;
		mx_snap_free(cy->snap);
		free(cy->snap);
		free(cy);
		return -ENOTCONN;
	}
	return 0;
}
