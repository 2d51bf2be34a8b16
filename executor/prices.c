/* executor/prices: ticks from hean:ticks, REST fallback. See prices.h. */
#include "executor/prices.h"
#include "common/keys.h"

#include "common/json.h"
#include "common/log.h"
#include "common/redis.h"
#include "common/timeutil.h"
#include "executor/plan.h"
#include "executor/positions.h"
#include "executor/rest.h"
#include "executor/sizing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SYMS 1024
#define BLOCK_MS 1000
#define READ_COUNT "1000"
#define POLL_CHECK_S 0.25

struct sym_price {
	char symbol[EXEC_SYM_LEN];
	struct exec_quote q;
	int64_t tick_ms; /* local ms of the last stream tick, 0 never */
	int64_t rest_ms; /* local ms of the last REST price, 0 never */
	bool fetching;   /* a fallback fetch is in flight */
	int64_t fetch_ms; /* local ms of the last fallback fetch */
	bool on_rest;    /* currently served by REST polling */
};

struct fetch {
	struct exec_prices *p; /* borrowed */
	char symbol[EXEC_SYM_LEN];
	exec_prices_fn *fn; /* NULL: a fallback poll */
	void *data;
};

struct exec_prices {
	struct exec_app *x;       /* borrowed */
	struct hean_redis *block; /* owned: XREAD BLOCK link */
	char key[128];
	char last_id[64];
	bool reading, stopped, fallback;
	struct sym_price *v; /* owned, MAX_SYMS */
	size_t n;
	ev_timer poll;
	ev_timer restart;
};

static struct sym_price *find(const struct exec_prices *p, const char *sym, bool create)
{
	struct exec_prices *mp = (struct exec_prices *)p;

	for (size_t i = 0; i < p->n; i++) {
		if (!strcmp(p->v[i].symbol, sym)) {
			return &mp->v[i];
		}
	}
	if (!create || p->n >= MAX_SYMS || !exec_sizing_symbol_valid(sym)) {
		return NULL;
	}
	memset(&mp->v[mp->n], 0, sizeof(mp->v[0]));
	snprintf(mp->v[mp->n].symbol, EXEC_SYM_LEN, "%s", sym);
	return &mp->v[mp->n++];
}

/* ===================== hean:ticks reader ===================== */

static void read_next(struct exec_prices *p);

static double field_num(const redisReply *kv, const char *name)
{
	double v = 0;

	for (size_t i = 0; i + 1 < kv->elements; i += 2) {
		const redisReply *k = kv->element[i], *val = kv->element[i + 1];
		if (k->type == REDIS_REPLY_STRING && !strcmp(k->str, name) &&
		    val->type == REDIS_REPLY_STRING) {
			if (hean_parse_decimal(val->str, val->len, &v, HEAN_NUM_POSITIVE) < 0) {
				return 0;
			}
			return v;
		}
	}
	return 0;
}

static const char *field_str(const redisReply *kv, const char *name)
{
	for (size_t i = 0; i + 1 < kv->elements; i += 2) {
		const redisReply *k = kv->element[i], *val = kv->element[i + 1];
		if (k->type == REDIS_REPLY_STRING && !strcmp(k->str, name) &&
		    val->type == REDIS_REPLY_STRING) {
			return val->str;
		}
	}
	return NULL;
}

static void on_tick(struct exec_prices *p, const redisReply *kv, int64_t now)
{
	const char *sym = field_str(kv, HEAN_FIELD_SYMBOL);
	double last = field_num(kv, HEAN_FIELD_LAST);
	struct sym_price *s;

	if (!sym || !(last > 0) || !exec_sizing_symbol_valid(sym)) {
		return;
	}
	s = find(p, sym, true);
	if (!s) {
		return;
	}
	s->q.last = last;
	s->q.bid = field_num(kv, HEAN_FIELD_BID);
	s->q.ask = field_num(kv, HEAN_FIELD_ASK);
	s->tick_ms = now;
	if (s->on_rest) {
		s->on_rest = false;
		log_info("event=price_source symbol=%s source=stream", sym);
	}
	if (p->x->on_price) {
		p->x->on_price(p->x, sym, last, now);
	}
}

static void on_read(struct hean_redis *r, redisReply *reply, void *priv)
{
	struct exec_prices *p = priv;
	int64_t now = hean_time_now_ms();

	p->reading = false;
	if (p->stopped) {
		return;
	}
	if (!reply || reply->type == REDIS_REPLY_ERROR) {
		if (reply) {
			log_warn("event=ticks_read_error err=\"%.100s\"", reply->str);
		}
		/* link down or error: the state callback or this timer resumes */
		ev_timer_stop(p->x->loop, &p->restart);
		ev_timer_set(&p->restart, 1.0, 0.);
		ev_timer_start(p->x->loop, &p->restart);
		return;
	}
	if (reply->type == REDIS_REPLY_ARRAY) {
		for (size_t i = 0; i < reply->elements; i++) {
			const redisReply *st = reply->element[i];
			if (st->type != REDIS_REPLY_ARRAY || st->elements < 2 ||
			    st->element[1]->type != REDIS_REPLY_ARRAY) {
				continue;
			}
			for (size_t j = 0; j < st->element[1]->elements; j++) {
				const redisReply *e = st->element[1]->element[j];
				if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
				    e->element[0]->type != REDIS_REPLY_STRING) {
					continue;
				}
				snprintf(p->last_id, sizeof(p->last_id), "%s", e->element[0]->str);
				if (e->element[1]->type == REDIS_REPLY_ARRAY) {
					on_tick(p, e->element[1], now);
				}
			}
		}
	}
	read_next(p);
}

static void read_next(struct exec_prices *p)
{
	const char *av[9];
	int rc;

	if (p->reading || p->stopped || !hean_redis_is_up(p->block)) {
		return;
	}
	av[0] = "XREAD";
	av[1] = "COUNT";
	av[2] = READ_COUNT;
	av[3] = "BLOCK";
	av[4] = "1000";
	av[5] = "STREAMS";
	av[6] = p->key;
	av[7] = p->last_id;
	rc = hean_redis_command_argv_deadline(p->block, BLOCK_MS + 2000, on_read, p, 8, av, NULL);
	if (rc == 0) {
		p->reading = true;
	}
}

static void on_restart(struct ev_loop *loop, ev_timer *w, int revents)
{
	read_next(w->data);
}

static void on_block_state(struct hean_redis *r, bool up, void *data)
{
	struct exec_prices *p = data;

	if (up) {
		read_next(p);
	}
}

/* ===================== REST ===================== */

/* True when a tickers row names the symbol that was asked for. */
static bool row_is_symbol(const json_t *row, const char *symbol)
{
	const char *got = json_string_value(json_object_get(row, "symbol"));

	return got && strcmp(got, symbol) == 0;
}

static void on_ticker(const struct exec_rest_result *res, void *data)
{
	struct fetch *f = data;
	struct exec_prices *p = f->p;
	struct exec_quote q;
	const json_t *row;
	bool ok = false;

	if (res->aborted) {
		free(f);
		return;
	}
	memset(&q, 0, sizeof(q));
	row = res->cls == EXEC_REST_OK
		      ? json_array_get(json_object_get(res->result, "list"), 0)
		      : NULL;
	if (json_is_object(row) && !row_is_symbol(row, f->symbol)) {
		/* never price one symbol with another's ticker */
		const char *got = json_string_value(json_object_get(row, "symbol"));

		log_warn("event=ticker_wrong_symbol want=%s got=%s", f->symbol, got ? got : "(none)");
		row = NULL;
	}
	if (json_is_object(row) &&
	    hean_json_get_num_str(row, "lastPrice", &q.last, HEAN_NUM_POSITIVE, NULL, 0) == 0) {
		hean_json_get_num_str(row, "bid1Price", &q.bid, HEAN_NUM_POSITIVE, NULL, 0);
		hean_json_get_num_str(row, "ask1Price", &q.ask, HEAN_NUM_POSITIVE, NULL, 0);
		ok = true;
	}
	if (p) {
		struct sym_price *s = find(p, f->symbol, ok);
		int64_t now = hean_time_now_ms();
		if (s && !f->fn) {
			s->fetching = false;
		}
		if (s && ok && exec_plan_use_rest(s->tick_ms, now, p->x->cfg->rest_poll_s)) {
			/* the stream is not fresher: take the REST price */
			s->q = q;
			s->rest_ms = now;
			if (p->x->on_price) {
				p->x->on_price(p->x, f->symbol, q.last, now);
			}
		}
	}
	if (f->fn) {
		f->fn(p ? p->x : NULL, f->symbol, ok, &q, f->data);
	}
	free(f);
}

static int fetch(struct exec_prices *p, const char *symbol, exec_prices_fn *fn, void *data)
{
	struct fetch *f;
	char q[96];
	int rc;

	if (!exec_sizing_symbol_valid(symbol)) {
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		return -ENOMEM;
	}
	f->p = p;
	snprintf(f->symbol, sizeof(f->symbol), "%s", symbol);
	f->fn = fn;
	f->data = data;
	snprintf(q, sizeof(q), "category=linear&symbol=%s", symbol);
	rc = exec_rest_call(p->x->rest, "GET", "/v5/market/tickers", q, EXEC_REST_IDEMPOTENT,
			    on_ticker, f);
	if (rc < 0) {
		free(f);
	}
	return rc;
}

int exec_prices_fetch(struct exec_prices *p, const char *symbol, exec_prices_fn *fn, void *data)
{
	return fetch(p, symbol, fn, data);
}

static void poll_one(const char *symbol, void *data)
{
	struct exec_prices *p = data;
	struct sym_price *s = find(p, symbol, true);
	int64_t now = hean_time_now_ms();

	if (!s) {
		return;
	}
	if (!exec_plan_use_rest(s->tick_ms, now, p->x->cfg->rest_poll_s)) {
		return; /* the stream is fresh */
	}
	if (!s->on_rest) {
		s->on_rest = true;
		log_info("event=price_source symbol=%s source=rest tick_age_ms=%lld", symbol,
			 (long long)(s->tick_ms ? now - s->tick_ms : -1));
	}
	p->fallback = true;
	if (!s->fetching && now - s->fetch_ms >= (int64_t)p->x->cfg->rest_poll_s * 1000 &&
	    fetch(p, symbol, NULL, NULL) == 0) {
		s->fetching = true;
		s->fetch_ms = now;
	}
}

void exec_prices_poll_now(struct exec_prices *p)
{
	bool was = p->fallback;

	if (p->stopped) {
		return;
	}
	p->fallback = false;
	exec_positions_each_open(p->x->pos, poll_one, p);
	if (was != p->fallback) {
		log_info("event=rest_fallback on=%d", p->fallback ? 1 : 0);
		hean_health_event(p->x->app->health, p->fallback ? "rest_fallback" : "stream_fresh",
				  "rest_fallback=%d", p->fallback ? 1 : 0);
	}
	hean_health_set_int(p->x->app->health, HEAN_FIELD_EXEC_REST_FALLBACK, p->fallback ? 1 : 0);
}

static void on_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
	exec_prices_poll_now(w->data);
}

/* ===================== lifecycle ===================== */

struct exec_prices *exec_prices_create(struct exec_app *x)
{
	struct exec_prices *p = calloc(1, sizeof(*p));
	struct hean_redis_options ro;
	double period = POLL_CHECK_S; /* fetches are spaced HEAN_REST_POLL_S per symbol */

	if (!p) {
		return NULL;
	}
	p->v = calloc(MAX_SYMS, sizeof(*p->v));
	if (!p->v) {
		free(p);
		return NULL;
	}
	p->x = x;
	hean_config_key(x->cfg, p->key, sizeof(p->key), HEAN_KEY_TICKS);
	snprintf(p->last_id, sizeof(p->last_id), "$");
	ev_timer_init(&p->restart, on_restart, 1.0, 0.);
	p->restart.data = p;
	ev_timer_init(&p->poll, on_poll, period, period);
	p->poll.data = p;
	memset(&ro, 0, sizeof(ro));
	ro.url = x->cfg->redis_url;
	ro.name = "ticks";
	ro.reply_timeout_ms = BLOCK_MS + 2000;
	ro.on_state = on_block_state;
	ro.data = p;
	p->block = hean_redis_create(x->loop, &ro);
	if (!p->block) {
		free(p->v);
		free(p);
		return NULL;
	}
	ev_timer_start(x->loop, &p->poll);
	hean_health_set_int(x->app->health, HEAN_FIELD_EXEC_REST_FALLBACK, 0);
	return p;
}

void exec_prices_stop(struct exec_prices *p)
{
	if (!p || p->stopped) {
		return;
	}
	p->stopped = true;
	ev_timer_stop(p->x->loop, &p->poll);
	ev_timer_stop(p->x->loop, &p->restart);
	hean_redis_destroy(p->block); /* a BLOCK read would hold a graceful close */
	p->block = NULL;
}

void exec_prices_destroy(struct exec_prices *p)
{
	if (!p) {
		return;
	}
	exec_prices_stop(p);
	free(p->v);
	free(p);
}

int exec_prices_get(const struct exec_prices *p, const char *symbol, struct exec_quote *q)
{
	const struct sym_price *s = find(p, symbol, false);
	int64_t now = hean_time_now_ms();

	if (!s) {
		return -ENOENT;
	}
	if ((s->tick_ms > 0 && now - s->tick_ms <= (int64_t)p->x->cfg->stale_s * 1000) ||
	    (s->rest_ms > 0 && now - s->rest_ms <= 2000LL * p->x->cfg->rest_poll_s)) {
		*q = s->q;
		return 0;
	}
	return -ENOENT;
}

bool exec_prices_rest_fallback(const struct exec_prices *p)
{
	return p->fallback;
}
