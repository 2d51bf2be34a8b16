/* exsim market: instruments, seeded ticker random walk, delta/snapshot
 * frames (fixed-point formatting, no JSON library on the hot path) and the
 * per-symbol truth. */
#include "tests/sim/exsim.h"

#include "common/symbol.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct exsim_inst known[] = {
	/* sym, base, pscale, tick, qscale, qstep, qmin, qmax, qmaxmkt, notional, init, maxp */
	{"BTCUSDT", "BTC", 2, 10, 3, 1, 1, 1190000, 500000, 5, 6666660, 199999980},
	{"ETHUSDT", "ETH", 2, 1, 2, 1, 1, 724000, 72400, 5, 350000, 19999998},
	{"SOLUSDT", "SOL", 3, 10, 1, 1, 1, 797700, 79770, 5, 150000, 19999980},
};

static const char *const tick_dirs[] = {"ZeroPlusTick", "PlusTick", "MinusTick", "ZeroMinusTick"};

static int64_t pow10i(int n)
{
	int64_t v = 1;
	while (n-- > 0) {
		v *= 10;
	}
	return v;
}

static int64_t next_funding(int64_t now)
{
	const int64_t h8 = 8LL * 3600 * 1000;
	return (now / h8 + 1) * h8;
}

static void init_ticker(struct exsim_app *app, struct exsim_sym *s)
{
	struct exsim_ticker *t = &s->t;
	int64_t p = s->in.init_price, tk = s->in.tick;

	t->fair = p;
	t->last = p;
	t->prev24h = p + p / 50 / tk * tk;
	t->high = t->prev24h + 5 * tk;
	t->low = p - p / 40 / tk * tk;
	t->prev1h = p;
	t->mark = p;
	t->index = p + tk;
	t->bid = p;
	t->ask = p + tk;
	t->bid_sz = s->in.qstep * (1 + exsim_rand_n(app, 5000));
	t->ask_sz = s->in.qstep * (1 + exsim_rand_n(app, 5000));
	t->oi = s->in.qstep * (100000 + exsim_rand_n(app, 100000));
	t->volume = s->in.qstep * (500000 + exsim_rand_n(app, 100000));
	t->turnover = 0;
	{
		__int128 v = (__int128)t->volume * p;
		int d = s->in.qscale + s->in.pscale - 4;
		t->turnover = (int64_t)(d >= 0 ? v / pow10i(d) : v * pow10i(-d));
	}
	t->tick_dir = 2;
	t->next_funding = next_funding(exsim_now_ms(app));
	t->cs = 1000000 + (int64_t)exsim_rand_n(app, 1000000);
	t->ts = exsim_now_ms(app);
}

/* Appends instrument name[0..n) with status; synth > 0 makes it the
 * synth-th synthetic perpetual, whose prices sit in their own band around
 * (10000 + synth) * 1000 USDT so that a price tells its symbol (benchmarks
 * check that no frame is merged into another symbol's ticker). Index or
 * -errno. */
static int add_sym(struct exsim_app *app, const char *name, size_t n, int status, int synth)
{
	struct exsim_sym *s;
	size_t k;

	if (!hean_symbol_valid(name, n)) {
		return -EINVAL;
	}
	if (app->nsyms >= EXSIM_MAX_SYMS) {
		return -ENOSPC;
	}
	s = &app->syms[app->nsyms];
	memset(s, 0, sizeof(*s));
	s->idx = app->nsyms;
	for (k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
		if (strlen(known[k].symbol) == n && !memcmp(known[k].symbol, name, n)) {
			s->in = known[k];
			break;
		}
	}
	if (k == sizeof(known) / sizeof(known[0])) {
		struct exsim_inst g = {"", "", 4, 1, 0, 1, 1, 1000000, 100000, 5, 10000, 99999999};
		if (synth > 0) {
			struct exsim_inst b = {"", "", 2, 1, 1, 1, 1, 1000000, 100000, 5,
					       (10000 + (int64_t)synth) * 100000, 99999999999LL};
			g = b;
		}
		s->in = g;
		memcpy(s->in.symbol, name, n);
		s->in.symbol[n] = '\0';
		snprintf(s->in.base, sizeof(s->in.base), "%.*s", (int)(n > 4 ? n - 4 : n), name);
	}
	if (exsim_market_find(app, s->in.symbol) >= 0) {
		return -EINVAL;
	}
	s->ring = calloc((size_t)app->ring_n, sizeof(*s->ring));
	if (!s->ring) {
		return -ENOMEM;
	}
	s->status = status;
	init_ticker(app, s);
	s->sent = s->t;
	if (!app->fast) {
		/* own phase per symbol: pushes spread over each 100 ms */
		s->due = (double)exsim_rand_n(app, 1000) / 1000.0;
	}
	return app->nsyms++;
}

int exsim_market_init(struct exsim_app *app, const char *symbols, int n_synth, int n_pre)
{
	const char *p = symbols;
	int nsym = 1 + n_synth + n_pre, rc;
	char name[24];

	for (const char *q = symbols; *q; q++) {
		nsym += *q == ',';
	}
	/* frames kept per symbol: a client that falls further behind gets a
	 * snapshot. About 600 bytes a frame: 128 frames keep 600 symbols at
	 * ~46 MB (a ring of 2048 would be 740 MB). */
	app->ring_n = nsym <= 16 ? EXSIM_RING : nsym <= 128 ? 512 : 128;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n > 0 && (rc = add_sym(app, p, n, EXSIM_ST_TRADING, 0)) < 0) {
			return rc;
		}
		p = e ? e + 1 : p + n;
	}
	for (int k = 1; k <= n_synth; k++) {
		snprintf(name, sizeof(name), "S%04dUSDT", k);
		if ((rc = add_sym(app, name, strlen(name), EXSIM_ST_TRADING, k)) < 0) {
			return rc;
		}
	}
	for (int k = 1; k <= n_pre; k++) {
		snprintf(name, sizeof(name), "P%04dUSDT", k);
		if ((rc = add_sym(app, name, strlen(name), EXSIM_ST_PRELAUNCH, 0)) < 0) {
			return rc;
		}
	}
	return app->nsyms > 0 ? 0 : -EINVAL;
}

int exsim_market_list(struct exsim_app *app, const char *symbol)
{
	int i = exsim_market_find(app, symbol);

	if (i < 0) {
		return add_sym(app, symbol, strlen(symbol), EXSIM_ST_TRADING, 0);
	}
	app->syms[i].status = EXSIM_ST_TRADING;
	app->syms[i].t.ts = exsim_now_ms(app);
	return i;
}

const char *exsim_status_name(int status)
{
	return status == EXSIM_ST_PRELAUNCH ? "PreLaunch"
	       : status == EXSIM_ST_CLOSED  ? "Closed"
					    : "Trading";
}

int exsim_status_of(const char *name)
{
	for (int st = EXSIM_ST_TRADING; st <= EXSIM_ST_CLOSED; st++) {
		if (!strcmp(name, exsim_status_name(st))) {
			return st;
		}
	}
	return -1;
}

void exsim_market_finish(struct exsim_app *app)
{
	for (int i = 0; i < app->nsyms; i++) {
		free(app->syms[i].ring);
		app->syms[i].ring = NULL;
	}
}

int exsim_market_find(const struct exsim_app *app, const char *symbol)
{
	for (int i = 0; i < app->nsyms; i++) {
		if (!strcmp(app->syms[i].in.symbol, symbol)) {
			return i;
		}
	}
	return -1;
}

bool exsim_market_is_stale(const struct exsim_app *app, int i, int64_t now)
{
	int64_t u = app->syms[i].stale_until_ms;
	/* not Trading (PreLaunch, delisted) or paused: no market steps */
	return u < 0 || (u > 0 && now < u) || app->syms[i].status != EXSIM_ST_TRADING ||
	       app->paused;
}

/* ===== formatting ===== */

static char *put(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

static char *put_num(char *p, int64_t v)
{
	return exsim_fmt_fixed(p, v, 0);
}

/* ,"key":"fixed" */
static char *put_fx(char *p, const char *key, int64_t v, int scale)
{
	*p++ = ',';
	*p++ = '"';
	p = put(p, key);
	p = put(p, "\":\"");
	p = exsim_fmt_fixed(p, v, scale);
	*p++ = '"';
	return p;
}

static int64_t oi_value(const struct exsim_sym *s)
{
	/* oi * mark, 2 decimals */
	__int128 v = (__int128)s->t.oi * s->t.mark;
	int d = s->in.qscale + s->in.pscale - 2;
	if (d >= 0) {
		v /= pow10i(d);
	} else {
		v *= pow10i(-d);
	}
	return (int64_t)v;
}

static int64_t pcnt(const struct exsim_ticker *t)
{
	return t->prev24h ? (t->last - t->prev24h) * 1000000 / t->prev24h : 0;
}

static char *put_header(char *p, const struct exsim_sym *s, const char *type)
{
	p = put(p, "{\"topic\":\"tickers.");
	p = put(p, s->in.symbol);
	p = put(p, "\",\"type\":\"");
	p = put(p, type);
	p = put(p, "\",\"data\":{\"symbol\":\"");
	p = put(p, s->in.symbol);
	*p++ = '"';
	return p;
}

static char *put_trailer(char *p, const struct exsim_ticker *t)
{
	p = put(p, "},\"cs\":");
	p = put_num(p, t->cs);
	p = put(p, ",\"ts\":");
	p = put_num(p, t->ts);
	*p++ = '}';
	return p;
}

char *exsim_market_snapshot(const struct exsim_app *app, int i, size_t *len)
{
	const struct exsim_sym *s = &app->syms[i];
	const struct exsim_ticker *t = &s->t;
	int ps = s->in.pscale, qs = s->in.qscale;
	char *buf = malloc(LWS_PRE + 2048), *p;

	if (!buf) {
		return NULL;
	}
	p = buf;
	p = put_header(p, s, "snapshot");
	p = put(p, ",\"tickDirection\":\"");
	p = put(p, tick_dirs[t->tick_dir]);
	*p++ = '"';
	p = put_fx(p, "price24hPcnt", pcnt(t), 6);
	p = put_fx(p, "lastPrice", t->last, ps);
	p = put_fx(p, "prevPrice24h", t->prev24h, ps);
	p = put_fx(p, "highPrice24h", t->high, ps);
	p = put_fx(p, "lowPrice24h", t->low, ps);
	p = put_fx(p, "prevPrice1h", t->prev1h, ps);
	p = put_fx(p, "markPrice", t->mark, ps);
	p = put_fx(p, "indexPrice", t->index, ps);
	p = put_fx(p, "openInterest", t->oi, qs);
	p = put_fx(p, "openInterestValue", oi_value(s), 2);
	p = put_fx(p, "turnover24h", t->turnover, 4);
	p = put_fx(p, "volume24h", t->volume, qs);
	p = put(p, ",\"fundingIntervalHour\":\"8\",\"fundingCap\":\"0.005\"");
	p = put_fx(p, "nextFundingTime", t->next_funding, 0);
	p = put(p, ",\"fundingRate\":\"0.0001\"");
	p = put_fx(p, "bid1Price", t->bid, ps);
	p = put_fx(p, "bid1Size", t->bid_sz, qs);
	p = put_fx(p, "ask1Price", t->ask, ps);
	p = put_fx(p, "ask1Size", t->ask_sz, qs);
	p = put(p, ",\"preOpenPrice\":\"\",\"preQty\":\"\",\"curPreListingPhase\":\"\"");
	p = put_trailer(p, t);
	*p = '\0';
	*len = (size_t)(p - buf);
	return buf;
}

/* ===== the walk ===== */

static int64_t new_size(struct exsim_app *app, const struct exsim_sym *s, int64_t old)
{
	int64_t v;
	do {
		v = s->in.qstep * (1 + exsim_rand_n(app, 5000));
	} while (v == old);
	return v;
}

static void trade_stats(struct exsim_sym *s, int64_t qty, int64_t price)
{
	__int128 v = (__int128)qty * price;
	int d = s->in.qscale + s->in.pscale - 4;
	struct exsim_ticker *t = &s->t;

	t->volume += qty;
	t->turnover += (int64_t)(d >= 0 ? v / pow10i(d) : v * pow10i(-d));
	if (t->last > t->high) {
		t->high = t->last;
	}
	if (t->last < t->low) {
		t->low = t->last;
	}
}

static int new_dir(int old_dir, int64_t old, int64_t now)
{
	if (now > old) {
		return 1;
	}
	if (now < old) {
		return 2;
	}
	return (old_dir == 1 || old_dir == 0) ? 0 : 3;
}

static struct exsim_frame *ring_next(struct exsim_app *app, struct exsim_sym *s, int ring_n)
{
	app->gen++;
	struct exsim_frame *f = &s->ring[s->head % (uint64_t)ring_n];
	f->seq = s->head;
	return f;
}

/* Emits symbol i's pending change as one delta frame: the keys that
 * differ from what was last sent. Fast mode sends every step at once;
 * realistic pacing (as Bybit) at most one frame per 100 ms per symbol, the
 * steps in between merged (force: a flush that may not wait). */
void exsim_market_emit(struct exsim_app *app, int i, bool force)
{
	struct exsim_sym *s = &app->syms[i];
	struct exsim_ticker *t = &s->t;
	const struct exsim_ticker *o = &s->sent;
	struct exsim_frame *f;
	char *p, *start;
	int ps = s->in.pscale, qs = s->in.qscale;
	int64_t now = exsim_now_ms(app);

	if (!app->fast && !force && now - s->last_push_ms < EXSIM_PACE_MS) {
		if (!s->dirty) {
			s->dirty = true;
			app->ndirty++;
		}
		return;
	}
	if (!app->fast) {
		t->ts = now; /* generated now: the merged steps are one push */
	}
	f = ring_next(app, s, app->ring_n);
	start = (char *)f->buf + LWS_PRE;
	p = put_header(start, s, "delta");
	if (t->tick_dir != o->tick_dir) {
		p = put(p, ",\"tickDirection\":\"");
		p = put(p, tick_dirs[t->tick_dir]);
		*p++ = '"';
	}
	if (t->last != o->last) {
		p = put_fx(p, "price24hPcnt", pcnt(t), 6);
		p = put_fx(p, "lastPrice", t->last, ps);
	}
	if (t->high != o->high) {
		p = put_fx(p, "highPrice24h", t->high, ps);
	}
	if (t->low != o->low) {
		p = put_fx(p, "lowPrice24h", t->low, ps);
	}
	if (t->mark != o->mark) {
		p = put_fx(p, "markPrice", t->mark, ps);
	}
	if (t->index != o->index) {
		p = put_fx(p, "indexPrice", t->index, ps);
	}
	if (t->oi != o->oi) {
		p = put_fx(p, "openInterest", t->oi, qs);
	}
	if (t->oi != o->oi || t->mark != o->mark) {
		p = put_fx(p, "openInterestValue", oi_value(s), 2);
	}
	if (t->volume != o->volume) {
		p = put_fx(p, "turnover24h", t->turnover, 4);
		p = put_fx(p, "volume24h", t->volume, qs);
	}
	if (t->bid != o->bid) {
		p = put_fx(p, "bid1Price", t->bid, ps);
	}
	if (t->bid_sz != o->bid_sz) {
		p = put_fx(p, "bid1Size", t->bid_sz, qs);
	}
	if (t->ask != o->ask) {
		p = put_fx(p, "ask1Price", t->ask, ps);
	}
	if (t->ask_sz != o->ask_sz) {
		p = put_fx(p, "ask1Size", t->ask_sz, qs);
	}
	p = put_trailer(p, t);
	f->len = (size_t)(p - start);
	s->head++;
	s->sent = *t;
	s->last_push_ms = now;
	if (s->dirty) {
		s->dirty = false;
		app->ndirty--;
	}
}

bool exsim_market_step(struct exsim_app *app, int i)
{
	struct exsim_sym *s = &app->syms[i];
	struct exsim_ticker *t = &s->t, o = s->t;
	int64_t tk = s->in.tick;
	uint32_t r;

	if (exsim_market_is_stale(app, i, hean_time_now_ms())) {
		return false;
	}
	if (exsim_rand_n(app, 10) < 3) {
		t->fair += exsim_rand_n(app, 2) ? tk : -tk;
		if (t->fair < 20 * tk) {
			t->fair = 20 * tk;
		}
	}
	r = exsim_rand_n(app, 100);
	if (r < 25) { /* bid side only */
		t->bid = t->fair - tk * (int64_t)exsim_rand_n(app, 3);
		if (t->bid >= t->ask) {
			t->bid = t->ask - tk;
		}
		t->bid_sz = new_size(app, s, t->bid_sz);
	} else if (r < 50) { /* ask side only */
		t->ask = t->fair + tk * (1 + (int64_t)exsim_rand_n(app, 3));
		if (t->ask <= t->bid) {
			t->ask = t->bid + tk;
		}
		t->ask_sz = new_size(app, s, t->ask_sz);
	} else if (r < 60) { /* both sides */
		t->bid = t->fair - tk * (int64_t)exsim_rand_n(app, 2);
		t->ask = t->bid + tk * (1 + (int64_t)exsim_rand_n(app, 2));
		t->bid_sz = new_size(app, s, t->bid_sz);
		t->ask_sz = new_size(app, s, t->ask_sz);
	} else if (r < 72) { /* mark/index */
		t->mark = t->fair;
		t->index = t->fair + tk * ((int64_t)exsim_rand_n(app, 5) - 2);
		t->oi += s->in.qstep * (1 + (int64_t)exsim_rand_n(app, 50));
	} else { /* trade */
		int64_t q = s->in.qstep * (1 + (int64_t)exsim_rand_n(app, 100));
		t->last = exsim_rand_n(app, 2) ? t->ask : t->bid;
		t->tick_dir = new_dir(o.tick_dir, o.last, t->last);
		trade_stats(s, q, t->last);
	}
	t->cs += 1 + exsim_rand_n(app, 4);
	t->ts = exsim_now_ms(app);
	exsim_market_emit(app, i, false);
	if (t->last != o.last || t->bid != o.bid || t->ask != o.ask || t->mark != o.mark ||
	    t->index != o.index) {
		exsim_orders_on_price(app, i);
	}
	return true;
}

void exsim_market_set_price(struct exsim_app *app, int i, int64_t price)
{
	exsim_market_set_prices(app, i, price, 0, 0);
}

void exsim_market_set_prices(struct exsim_app *app, int i, int64_t price, int64_t mark,
			     int64_t index)
{
	struct exsim_sym *s = &app->syms[i];
	struct exsim_ticker *t = &s->t, o = s->t;
	int64_t tk = s->in.tick;
	struct exsim_frame *f;
	char *p, *start;
	int ps = s->in.pscale;

	price = price / tk * tk;
	if (price < 2 * tk) {
		price = 2 * tk;
	}
	t->fair = t->last = t->mark = t->index = price;
	if (mark > 0) {
		t->mark = mark / tk * tk;
	}
	if (index > 0) {
		t->index = index / tk * tk;
	}
	t->bid = price - tk;
	t->ask = price + tk;
	t->tick_dir = new_dir(o.tick_dir, o.last, price);
	if (t->last > t->high) {
		t->high = t->last;
	}
	if (t->last < t->low) {
		t->low = t->last;
	}
	t->cs += 1;
	t->ts = exsim_now_ms(app);
	if (!app->fast && t->ts - s->last_push_ms < EXSIM_PACE_MS) {
		exsim_market_emit(app, i, false); /* merged into the next push */
		exsim_orders_on_price(app, i);
		return;
	}
	f = ring_next(app, s, app->ring_n);
	start = (char *)f->buf + LWS_PRE;
	p = put_header(start, s, "delta");
	p = put(p, ",\"tickDirection\":\"");
	p = put(p, tick_dirs[t->tick_dir]);
	*p++ = '"';
	p = put_fx(p, "price24hPcnt", pcnt(t), 6);
	p = put_fx(p, "lastPrice", t->last, ps);
	p = put_fx(p, "highPrice24h", t->high, ps);
	p = put_fx(p, "lowPrice24h", t->low, ps);
	p = put_fx(p, "markPrice", t->mark, ps);
	p = put_fx(p, "indexPrice", t->index, ps);
	p = put_fx(p, "openInterestValue", oi_value(s), 2);
	p = put_fx(p, "bid1Price", t->bid, ps);
	p = put_fx(p, "ask1Price", t->ask, ps);
	p = put_trailer(p, t);
	f->len = (size_t)(p - start);
	s->head++;
	s->sent = *t;
	s->last_push_ms = t->ts;
	if (s->dirty) {
		s->dirty = false;
		app->ndirty--;
	}
	exsim_orders_on_price(app, i);
	exsim_ws_notify_symbol(app, i);
}

/* ===== JSON views ===== */

static void set_fx(json_t *o, const char *k, int64_t v, int scale)
{
	char b[40];
	json_object_set_new(o, k, json_string(exsim_fixed_str(b, v, scale)));
}

json_t *exsim_market_truth(const struct exsim_app *app, int i)
{
	const struct exsim_sym *s = &app->syms[i];
	const struct exsim_ticker *t = &s->t;
	int ps = s->in.pscale, qs = s->in.qscale;
	json_t *o = json_object();

	json_object_set_new(o, "symbol", json_string(s->in.symbol));
	json_object_set_new(o, "tickDirection", json_string(tick_dirs[t->tick_dir]));
	set_fx(o, "price24hPcnt", pcnt(t), 6);
	set_fx(o, "lastPrice", t->last, ps);
	set_fx(o, "prevPrice24h", t->prev24h, ps);
	set_fx(o, "highPrice24h", t->high, ps);
	set_fx(o, "lowPrice24h", t->low, ps);
	set_fx(o, "prevPrice1h", t->prev1h, ps);
	set_fx(o, "markPrice", t->mark, ps);
	set_fx(o, "indexPrice", t->index, ps);
	set_fx(o, "openInterest", t->oi, qs);
	set_fx(o, "openInterestValue", oi_value(s), 2);
	set_fx(o, "turnover24h", t->turnover, 4);
	set_fx(o, "volume24h", t->volume, qs);
	json_object_set_new(o, "fundingIntervalHour", json_string("8"));
	json_object_set_new(o, "fundingCap", json_string("0.005"));
	set_fx(o, "nextFundingTime", t->next_funding, 0);
	json_object_set_new(o, "fundingRate", json_string("0.0001"));
	set_fx(o, "bid1Price", t->bid, ps);
	set_fx(o, "bid1Size", t->bid_sz, qs);
	set_fx(o, "ask1Price", t->ask, ps);
	set_fx(o, "ask1Size", t->ask_sz, qs);
	json_object_set_new(o, "preOpenPrice", json_string(""));
	json_object_set_new(o, "preQty", json_string(""));
	json_object_set_new(o, "curPreListingPhase", json_string(""));
	json_object_set_new(o, "cs", json_integer(t->cs));
	json_object_set_new(o, "ts", json_integer(t->ts));
	json_object_set_new(o, "frames", json_integer((json_int_t)s->head));
	return o;
}

json_t *exsim_market_rest_ticker(const struct exsim_app *app, int i)
{
	json_t *o = exsim_market_truth(app, i);

	json_object_del(o, "tickDirection");
	json_object_del(o, "cs");
	json_object_del(o, "ts");
	json_object_del(o, "frames");
	json_object_set_new(o, "predictedDeliveryPrice", json_string(""));
	json_object_set_new(o, "basisRate", json_string(""));
	json_object_set_new(o, "basis", json_string(""));
	json_object_set_new(o, "deliveryFeeRate", json_string(""));
	json_object_set_new(o, "deliveryTime", json_string("0"));
	json_object_set_new(o, "basisRateYear", json_string(""));
	return o;
}

json_t *exsim_market_instrument(const struct exsim_app *app, int i)
{
	const struct exsim_inst *in = &app->syms[i].in;
	char b1[40], b2[40], b3[40], b4[40], b5[40], b6[40], b7[40], b8[40], b9[40], b10[40];

	return json_pack(
		"{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:s,"
		"s:{s:s,s:s,s:s},s:{s:s,s:s,s:s},s:{s:s,s:s,s:s,s:s,s:s,s:s}}",
		"symbol", in->symbol, "contractType", "LinearPerpetual", "status",
		exsim_status_name(app->syms[i].status),
		"baseCoin", in->base, "quoteCoin", "USDT", "settleCoin", "USDT", "launchTime",
		"1585526400000", "deliveryTime", "0", "priceScale",
		exsim_fixed_str(b1, in->pscale, 0), "fundingInterval", 480, "copyTrading", "both",
		"upperFundingRate", "0.005", "lowerFundingRate", "-0.005", "leverageFilter",
		"minLeverage", "1", "maxLeverage", "100.00", "leverageStep", "0.01", "priceFilter",
		"minPrice", exsim_fixed_str(b2, in->tick, in->pscale), "maxPrice",
		exsim_fixed_str(b3, in->max_price, in->pscale), "tickSize",
		exsim_fixed_str(b4, in->tick, in->pscale), "lotSizeFilter", "maxOrderQty",
		exsim_fixed_str(b5, in->qmax, in->qscale), "minOrderQty",
		exsim_fixed_str(b6, in->qmin, in->qscale), "qtyStep",
		exsim_fixed_str(b7, in->qstep, in->qscale), "postOnlyMaxOrderQty",
		exsim_fixed_str(b8, in->qmax, in->qscale), "maxMktOrderQty",
		exsim_fixed_str(b9, in->qmaxmkt, in->qscale), "minNotionalValue",
		exsim_fixed_str(b10, in->min_notional, 0));
}
