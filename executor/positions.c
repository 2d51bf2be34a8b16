/* executor/positions: book, Redis hash, reconcile, stop-loss, trailing.
 * See positions.h. */
#include "executor/positions_int.h"
#include "common/keys.h"

#include "common/json.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "executor/instruments.h"
#include "executor/prices.h"
#include "executor/private_ws.h"
#include "executor/reconcile.h"
#include "executor/rest.h"
#include "executor/sizing.h"
#include "executor/trail.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static struct pos *find_or_add(struct exec_positions *ps, const char *sym)
{
	struct pos *p = find(ps, sym);

	if (p || !ps->v || ps->n >= MAX_POS || !exec_sizing_symbol_valid(sym)) {
		return p;
	}
	p = &ps->v[ps->n++];
	memset(p, 0, sizeof(*p));
	memcpy(p->symbol, sym, strlen(sym) + 1); /* valid: <= 20 chars */
	return p;
}

static const struct exec_instrument *inst_of(struct exec_positions *ps, const char *sym)
{
	return exec_instruments_find(ps->x->inst, sym);
}

/* ===================== Redis ===================== */

void pos_write_hash(struct exec_positions *ps, const struct pos *p)
{
	const struct exec_instrument *in = inst_of(ps, p->symbol);
	int pdp = in ? in->price_dp : 8, qdp = in ? in->qty_dp : 8;
	char key[128], size[EXEC_NUM_LEN], entry[EXEC_NUM_LEN], stop[EXEC_NUM_LEN];
	char best[EXEC_NUM_LEN], upd[32], rpnl[EXEC_NUM_LEN], upnl[EXEC_NUM_LEN];
	struct hean_redis_args c;

	hean_app_key(ps->x->app, key, sizeof(key), HEAN_KEY_POSITION, p->symbol);
	exec_sizing_fmt(p->open ? p->size : 0, qdp, size, sizeof(size));
	exec_sizing_fmt(p->open ? p->entry : 0, pdp, entry, sizeof(entry));
	exec_sizing_fmt(p->stop, pdp, stop, sizeof(stop));
	exec_sizing_fmt(p->open ? p->trail.best : 0, pdp, best, sizeof(best));
	snprintf(upd, sizeof(upd), "%lld", (long long)p->updated_ms);
	exec_sizing_fmt(p->realized, 4, rpnl, sizeof(rpnl));
	exec_sizing_fmt(p->open ? exec_reconcile_unrealized(p->side, p->size, p->entry, p->last_price)
				: 0,
			4, upnl, sizeof(upnl));
	hean_redis_args_init(&c, "HSET", key);
	hean_redis_args_field(&c, HEAN_FIELD_SIDE, !p->open ? "" : p->side > 0 ? "Buy" : "Sell");
	hean_redis_args_field(&c, HEAN_FIELD_SIZE, p->open ? size : "0");
	hean_redis_args_field(&c, HEAN_FIELD_ENTRY, entry);
	hean_redis_args_field(&c, HEAN_FIELD_STOP_LOSS, stop);
	hean_redis_args_field(&c, HEAN_FIELD_TRAIL_HIGH, best);
	hean_redis_args_field(&c, HEAN_FIELD_UPDATED_MS, upd);
	hean_redis_args_field(&c, HEAN_FIELD_AVG_PRICE, entry);
	hean_redis_args_field(&c, HEAN_FIELD_REALIZED_PNL, rpnl);
	hean_redis_args_field(&c, HEAN_FIELD_UNREALIZED_PNL, upnl);
	if (hean_redis_send_args(ps->x->app->redis, NULL, NULL, &c) < 0) {
		/* the book stays authoritative; the next change or reconcile rewrites it */
		log_warn("event=position_write_failed symbol=%s", p->symbol);
	}
}

/* ===================== stop-loss requests ===================== */

static void protect(struct exec_positions *ps, struct pos *p);

static void mark_closed(struct exec_positions *ps, struct pos *p, const char *source)
{
	if (!p->open) {
		return;
	}
	log_info("event=position_closed symbol=%s source=%s last_stop=%.10g", p->symbol, source,
		 p->stop);
	hean_health_event(ps->x->app->health, "position_closed", "symbol=%s source=%s", p->symbol,
			  source);
	p->open = false;
	p->size = 0;
	p->trail_wait = false;
	p->updated_ms = hean_time_now_ms();
	pos_write_hash(ps, p);
}

static void on_stop_answer(const struct exec_rest_result *res, void *data)
{
	struct stop_req *q = data;
	struct exec_positions *ps = q->ps;
	struct pos *p;
	int64_t now = hean_time_now_ms();

	if (res->aborted) {
		free(q);
		return;
	}
	p = find(ps, q->symbol);
	if (!p) {
		free(q);
		return;
	}
	p->stop_inflight = false;
	if (res->cls == EXEC_REST_OK || res->ret_code == 34040) {
		bool same_pos = p->open && p->side == q->side;
		if (same_pos) {
			p->stop = q->stop;
			if (p->fill_ms > 0 && ps->x->on_protected) {
				ps->x->on_protected(ps->x, p->fill_ms);
			}
			p->fill_ms = 0;
			if (q->trail) {
				exec_trail_commit(&p->trail, q->stop, now);
				hean_health_add_int(ps->x->app->health, "trail_updates", 1);
			} else {
				exec_trail_set_stop(&p->trail, q->stop);
			}
			p->updated_ms = now;
			pos_write_hash(ps, p);
		}
		log_info("event=stop_set symbol=%s stop=%.10g kind=%s ret_code=%d attempts=%d",
			 q->symbol, q->stop, q->trail ? "trail" : "protect", res->ret_code,
			 res->attempts);
	} else if (res->ret_code == 10001 && strstr(res->ret_msg, "zero position")) {
		mark_closed(ps, p, "trading_stop");
		exec_positions_reconcile(ps);
	} else {
		log_warn("event=stop_failed symbol=%s stop=%.10g kind=%s ret_code=%d msg=\"%.120s\"",
			 q->symbol, q->stop, q->trail ? "trail" : "protect", res->ret_code,
			 res->ret_msg);
		if (q->trail) {
			p->trail_wait = true; /* re-evaluated on the next price */
		} else {
			p->protect_after_ms = now + PROTECT_RETRY_MS;
		}
	}
	free(q);
	if (ps->x->on_change) {
		ps->x->on_change(ps->x);
	}
}

static int send_stop(struct exec_positions *ps, struct pos *p, double stop, bool trail)
{
	const struct exec_instrument *in = inst_of(ps, p->symbol);
	struct stop_req *q;
	char body[256], s[EXEC_NUM_LEN];
	int rc;

	if (!in || !(stop > 0)) {
		return -EINVAL;
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		return -ENOMEM;
	}
	q->ps = ps;
	q->stop = stop;
	q->trail = trail;
	q->side = p->side;
	snprintf(q->symbol, sizeof(q->symbol), "%s", p->symbol);
	snprintf(body, sizeof(body),
		 "{\"category\":\"linear\",\"symbol\":\"%s\",\"tpslMode\":\"Full\","
		 "\"positionIdx\":0,\"stopLoss\":\"%s\"}",
		 p->symbol, exec_sizing_fmt(stop, in->price_dp, s, sizeof(s)));
	rc = exec_rest_call(ps->x->rest, "POST", "/v5/position/trading-stop", body,
			    EXEC_REST_SIGNED | EXEC_REST_IDEMPOTENT, on_stop_answer, q);
	if (rc < 0) {
		free(q);
		return rc;
	}
	p->stop_inflight = true;
	return 0;
}

/* A position without a stop-loss gets one now (entry-based, or price-based
 * when the price already moved past it). */
static void protect(struct exec_positions *ps, struct pos *p)
{
	const struct exec_instrument *in = inst_of(ps, p->symbol);
	struct exec_quote q;
	double last = p->last_price, stop;
	int64_t now = hean_time_now_ms();

	if (!p->open || p->stop > 0 || p->stop_inflight || now < p->protect_after_ms ||
	    ps->stopped) {
		return;
	}
	if (!in) {
		p->protect_after_ms = now + PROTECT_RETRY_MS;
		if (exec_instruments_loaded(ps->x->inst)) {
			log_error("event=protect_failed symbol=%s reason=\"unknown instrument\"",
				  p->symbol);
		}
		return;
	}
	if (exec_prices_get(ps->x->prices, p->symbol, &q) == 0) {
		last = q.last;
	}
	stop = exec_reconcile_protect_stop(in, p->side, p->entry, last, ps->x->cfg->stop_loss_pct);
	log_warn("event=protect symbol=%s side=%s size=%.10g entry=%.10g last=%.10g stop=%.10g",
		 p->symbol, p->side > 0 ? "Buy" : "Sell", p->size, p->entry, last, stop);
	if (send_stop(ps, p, stop, false) < 0) {
		p->protect_after_ms = now + PROTECT_RETRY_MS;
	}
}

/* ===================== trailing ===================== */

static void trail_check(struct exec_positions *ps, struct pos *p, int64_t now)
{
	double ns = 0;
	enum exec_trail_verdict v;

	if (!p->open || !(p->last_price > 0) || ps->stopped) {
		return;
	}
	if (p->stop <= 0) {
		protect(ps, p);
		return;
	}
	v = exec_trail_update(&p->trail, &ps->tcfg, p->last_price, now, &ns);
	p->trail_wait = v == EXEC_TRAIL_WAIT || (v == EXEC_TRAIL_MOVE && p->stop_inflight);
	if (v == EXEC_TRAIL_MOVE && !p->stop_inflight) {
		log_info("event=trail_move symbol=%s best=%.10g price=%.10g stop=%.10g->%.10g",
			 p->symbol, p->trail.best, p->last_price, p->stop, ns);
		if (send_stop(ps, p, ns, true) < 0) {
			p->trail_wait = true;
		}
	}
}

void exec_positions_on_price(struct exec_positions *ps, const char *symbol, double price,
			     int64_t now_ms)
{
	struct pos *p = find(ps, symbol);
	const struct exec_instrument *in;

	if (!p || !p->open) {
		return;
	}
	p->last_price = price;
	in = inst_of(ps, symbol);
	if (in) {
		p->trail.tick = in->tick;
	}
	trail_check(ps, p, now_ms);
}

/* ===================== book ===================== */

/* A position the book did not have: trailing starts from its entry. */
static void book_open(struct exec_positions *ps, struct pos *p, int side, double entry,
		      double stop, double tick, int64_t now)
{
	p->open = true;
	p->side = side;
	p->stop_inflight = false;
	p->protect_after_ms = 0;
	p->trail_wait = false;
	p->fill_ms = now;
	p->entry = entry;
	exec_trail_init(&p->trail, &ps->tcfg, side, entry, stop, tick);
}

void exec_positions_apply(struct exec_positions *ps, const char *symbol, int side, double size,
			  double entry, double stop, const char *source)
{
	struct pos *p;
	const struct exec_instrument *in = inst_of(ps, symbol);
	int64_t now = hean_time_now_ms();
	struct exec_book_pos b;
	struct exec_pos_row r;
	unsigned act;

	if (!exec_sizing_symbol_valid(symbol)) {
		return;
	}
	memset(&r, 0, sizeof(r));
	snprintf(r.symbol, sizeof(r.symbol), "%s", symbol);
	r.side = size > 0 ? side : 0;
	r.size = r.side ? size : 0;
	r.avg = entry;
	r.stop = stop;
	p = r.side ? find_or_add(ps, symbol) : find(ps, symbol);
	if (!p) {
		if (r.side) {
			log_error("event=position_book_full symbol=%s", symbol);
		}
		return;
	}
	memset(&b, 0, sizeof(b));
	b.open = p->open;
	b.side = p->side;
	b.size = p->size;
	b.entry = p->entry;
	b.stop = p->stop;
	act = exec_reconcile_diff(&b, &r); /* the rules: executor/reconcile.c */
	if (act & EXEC_RC_CLOSE) {
		mark_closed(ps, p, source);
		return;
	}
	if (!r.side) {
		return;
	}
	if (act & EXEC_RC_OPEN) {
		log_info("event=position_open symbol=%s side=%s size=%.10g entry=%.10g stop=%.10g "
			 "source=%s",
			 symbol, side > 0 ? "Buy" : "Sell", size, entry, stop, source);
		book_open(ps, p, side, entry, stop, in ? in->tick : 0, now);
	} else {
		if (act & EXEC_RC_STOP) {
			exec_trail_set_stop(&p->trail, stop);
		}
		if (act & EXEC_RC_RESIZE) {
			/* a partial fill or an add: the stop (Full mode) covers the whole
			 * size; the trail measures from the exchange's average entry */
			if (size > p->size) {
				p->fill_ms = now;
			}
			if (entry > 0) {
				p->entry = entry;
				p->trail.entry = entry;
			}
		}
	}
	p->size = size;
	p->stop = stop;
	p->updated_ms = now;
	if (p->stop > 0 && p->fill_ms > 0) {
		if (ps->x->on_protected) {
			ps->x->on_protected(ps->x, p->fill_ms);
		}
		p->fill_ms = 0;
	}
	pos_write_hash(ps, p);
	if (act & EXEC_RC_PROTECT) {
		protect(ps, p);
	}
	exec_prices_poll_now(ps->x->prices);
	if (ps->x->on_change) {
		ps->x->on_change(ps->x);
	}
}

/* ===================== reconcile ===================== */

static void fetch_page(struct exec_positions *ps, const char *cursor);

/* One row of position/list, applied unless the private stream is fresher. */
static void list_row(struct exec_positions *ps, const json_t *row)
{
	struct exec_pos_row r;
	struct pos *p;
	int rc = exec_reconcile_parse_row(row, &r);

	if (rc < 0) {
		return;
	}
	if (rc == EXEC_ROW_HEDGE) {
		if (!ps->hedge) {
			ps->hedge = true;
			log_error("event=hedge_mode_refused symbol=%s positionIdx=%d reason=\"the "
				  "account is in hedge mode; hean trades one-way mode only: no "
				  "orders until it is switched\"",
				  r.symbol, r.idx);
			hean_health_event(ps->x->app->health, "hedge_mode_refused",
					  "symbol=%s positionIdx=%d", r.symbol, r.idx);
		}
		return;
	}
	p = find(ps, r.symbol);
	if (p && p->updated_ms > ps->reconcile_t0) {
		ps->seen[p - ps->v] = true; /* the private stream is fresher */
		return;
	}
	exec_positions_apply(ps, r.symbol, r.side, r.size, r.avg, r.stop, "reconcile");
	p = find(ps, r.symbol);
	if (p) {
		ps->seen[p - ps->v] = true;
	}
}

static void on_list(const struct exec_rest_result *res, void *data)
{
	struct exec_positions *ps = data;
	const json_t *list, *row, *next;
	size_t i;

	if (res->aborted) {
		return;
	}
	list = res->cls == EXEC_REST_OK ? json_object_get(res->result, "list") : NULL;
	if (!json_is_array(list)) {
		ps->reconciling = false;
		ps->last_reconcile_ms = hean_time_now_ms();
		log_warn("event=reconcile_failed ret_code=%d msg=\"%.120s\"", res->ret_code,
			 res->ret_msg);
		goto out;
	}
	if (ps->pages == 0) {
		memset(ps->seen, 0, sizeof(ps->seen));
	}
	json_array_foreach(list, i, row) {
		list_row(ps, row);
	}
	next = json_object_get(res->result, "nextPageCursor");
	if (json_is_string(next) && json_string_length(next) > 0 && ++ps->pages < MAX_PAGES) {
		fetch_page(ps, json_string_value(next));
		return;
	}
	ps->reconciling = false;
	ps->pages = 0;
	ps->last_reconcile_ms = hean_time_now_ms();
	ps->done_t0 = ps->reconcile_t0;
	for (i = 0; i < ps->n; i++) {
		struct pos *p = &ps->v[i];
		if (p->open && !ps->seen[i] && p->updated_ms <= ps->reconcile_t0) {
			mark_closed(ps, p, "reconcile");
		}
	}
	if (!ps->reconciled && !ps->hedge) {
		ps->reconciled = true;
		log_info("event=reconciled positions=%zu", ps->n);
		if (ps->x->on_reconciled) {
			ps->x->on_reconciled(ps->x);
		}
	}
out:
	if (ps->x->on_change) {
		ps->x->on_change(ps->x);
	}
	if (ps->again) {
		ps->again = false;
		exec_positions_reconcile(ps);
	}
}

static void fetch_page(struct exec_positions *ps, const char *cursor)
{
	char q[600];

	if (exec_reconcile_query(cursor, q, sizeof(q)) < 0 ||
	    exec_rest_call(ps->x->rest, "GET", "/v5/position/list", q,
			   EXEC_REST_SIGNED | EXEC_REST_IDEMPOTENT, on_list, ps) < 0) {
		log_warn("event=reconcile_failed reason=submit");
		ps->reconciling = false;
		ps->pages = 0;
		return;
	}
	ps->reconciling = true;
}

void exec_positions_reconcile(struct exec_positions *ps)
{
	if (ps->stopped) {
		return;
	}
	if (ps->reconciling) {
		ps->again = true;
		return;
	}
	ps->reconcile_t0 = hean_time_now_ms();
	ps->pages = 0;
	fetch_page(ps, NULL);
}

static void on_house(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct exec_positions *ps = w->data;
	int64_t now = hean_time_now_ms();
	/* every HEAN_REST_POLL_S, private stream up or not: a stop dropped by
	 * the exchange (or answered OK and not applied) is seen and re-set */
	int64_t period = (int64_t)ps->x->cfg->rest_poll_s * 1000;

	for (size_t i = 0; i < ps->n; i++) {
		struct pos *p = &ps->v[i];
		if (!p->open) {
			continue;
		}
		if (p->stop <= 0) {
			protect(ps, p);
		} else if (p->trail_wait) {
			trail_check(ps, p, now);
		}
	}
	if (!ps->reconciling && now - ps->last_reconcile_ms >= period) {
		exec_positions_reconcile(ps);
	}
}

/* ===================== lifecycle and views ===================== */

struct exec_positions *exec_positions_create(struct exec_app *x)
{
	struct exec_positions *ps = calloc(1, sizeof(*ps));

	if (!ps) {
		return NULL;
	}
	ps->v = calloc(MAX_POS, sizeof(*ps->v));
	if (!ps->v) {
		free(ps);
		return NULL;
	}
	ps->x = x;
	ps->tcfg.activation_pct = x->cfg->trail_activation_pct;
	ps->tcfg.callback_pct = x->cfg->trail_callback_pct;
	ps->tcfg.min_interval_ms = x->cfg->trail_min_interval_ms;
	ps->last_reconcile_ms = hean_time_now_ms();
	ev_timer_init(&ps->house, on_house, HOUSE_S, HOUSE_S);
	ps->house.data = ps;
	ev_timer_start(x->loop, &ps->house);
	return ps;
}

void exec_positions_stop(struct exec_positions *ps)
{
	if (!ps) {
		return;
	}
	ps->stopped = true;
	ev_timer_stop(ps->x->loop, &ps->house);
}

void exec_positions_destroy(struct exec_positions *ps)
{
	if (!ps) {
		return;
	}
	exec_positions_stop(ps);
	free(ps->v);
	free(ps);
}

void exec_positions_rewrite(struct exec_positions *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		pos_write_hash(ps, &ps->v[i]);
	}
}

bool exec_positions_reconciled(const struct exec_positions *ps)
{
	return ps->reconciled;
}

bool exec_positions_hedge(const struct exec_positions *ps)
{
	return ps->hedge;
}

void exec_positions_each_open(const struct exec_positions *ps, void (*fn)(const char *sym, void *),
			      void *data)
{
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->v[i].open) {
			fn(ps->v[i].symbol, data);
		}
	}
}

int exec_positions_side(const struct exec_positions *ps, const char *symbol)
{
	const struct pos *p = find(ps, symbol);

	return p && p->open ? p->side : 0;
}

void exec_positions_counts(const struct exec_positions *ps, int *open, int *naked)
{
	*open = *naked = 0;
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->v[i].open) {
			(*open)++;
			if (ps->v[i].stop <= 0) {
				(*naked)++;
			}
		}
	}
}

void exec_positions_view(const struct exec_positions *ps, const char *symbol,
			 struct exec_plan_book *b)
{
	memset(b, 0, sizeof(*b));
	b->known = ps->reconciled;
	b->side = exec_positions_side(ps, symbol);
	for (size_t i = 0; i < ps->n; i++) {
		const struct pos *p = &ps->v[i];
		if (p->open) {
			b->open_positions++;
			b->exposure_usd += p->size * (p->last_price > 0 ? p->last_price : p->entry);
		}
	}
	b->realized_today_usd = ps->realized_today;
}

int64_t exec_positions_last_reconcile_t0(const struct exec_positions *ps)
{
	return ps->done_t0;
}

int exec_positions_get(const struct exec_positions *ps, const char *symbol, int *side,
		       double *size)
{
	const struct pos *p = find(ps, symbol);

	if (!p || !p->open) {
		*side = 0;
		*size = 0;
		return p ? 0 : -ENOENT;
	}
	*side = p->side;
	*size = p->size;
	return 0;
}

void exec_positions_on_push(struct exec_positions *ps, const json_t *row)
{
	struct exec_pos_row r;
	int rc = exec_reconcile_parse_row(row, &r);

	if (rc == EXEC_ROW_HEDGE) {
		log_warn("event=position_hedge_ignored symbol=%s idx=%d", r.symbol, r.idx);
		return;
	}
	if (rc == 0) {
		exec_positions_apply(ps, r.symbol, r.side, r.size, r.avg, r.stop, "private");
	}
}
