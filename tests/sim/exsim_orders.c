/* exsim orders: order/create with Bybit's checks, delayed fills, one-way
 * positions, trading-stop (SL/TP/trailing) and stop triggers on the last
 * price, order/realtime and position/list, plus the private pushes. */
#include "tests/sim/exsim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FEE_RATE 0.00055
#define LEVERAGE 10.0

static const char *const S_NEW = "New", *const S_FILLED = "Filled",
		  *const S_CANCELLED = "Cancelled", *const S_PARTIAL = "PartiallyFilled";
/* conditional (TP/SL/trailing) order states */
static const char *const S_UNTRIG = "Untriggered", *const S_TRIG = "Triggered",
		  *const S_DEACT = "Deactivated";
static const char *const by_names[3] = {"LastPrice", "MarkPrice", "IndexPrice"};
static const char *const cond_kinds[3] = {"StopLoss", "TakeProfit", "TrailingStop"};

static double p10(int n)
{
	return pow(10, n);
}

static const char *px(char *b, double v, int scale)
{
	snprintf(b, 40, "%.*f", scale, v);
	return b;
}

/* ===== JSON views ===== */

static json_t *order_json(struct exsim_app *app, const struct exsim_order *o)
{
	const struct exsim_inst *in = &app->syms[o->sym].in;
	char b[9][40];
	json_t *j = json_object();

	json_object_set_new(j, "category", json_string("linear"));
	json_object_set_new(j, "symbol", json_string(in->symbol));
	json_object_set_new(j, "orderId", json_string(o->order_id));
	json_object_set_new(j, "orderLinkId", json_string(o->link_id));
	json_object_set_new(j, "side", json_string(o->side > 0 ? "Buy" : "Sell"));
	json_object_set_new(j, "orderType", json_string(o->market ? "Market" : "Limit"));
	json_object_set_new(j, "timeInForce", json_string(o->market ? "IOC" : "GTC"));
	json_object_set_new(j, "price", json_string(exsim_fixed_str(b[0], o->price, in->pscale)));
	json_object_set_new(j, "qty", json_string(exsim_fixed_str(b[1], o->qty, in->qscale)));
	json_object_set_new(j, "orderStatus", json_string(o->status));
	json_object_set_new(j, "avgPrice", json_string(o->cum_qty ? px(b[2], o->avg, in->pscale) : "0"));
	json_object_set_new(j, "cumExecQty",
			    json_string(exsim_fixed_str(b[3], o->cum_qty, in->qscale)));
	snprintf(b[4], 40, "%.4f", o->avg * o->cum_qty / p10(in->qscale));
	json_object_set_new(j, "cumExecValue", json_string(b[4]));
	json_object_set_new(j, "leavesQty",
			    json_string(exsim_fixed_str(b[5],
							o->status == S_NEW || o->status == S_UNTRIG ||
									o->status == S_PARTIAL
								? o->qty - o->cum_qty
								: 0,
							in->qscale)));
	json_object_set_new(j, "positionIdx", json_integer(0));
	json_object_set_new(j, "reduceOnly", json_boolean(o->reduce_only));
	json_object_set_new(j, "closeOnTrigger", json_boolean(o->stop_type[0] != 'U'));
	json_object_set_new(j, "stopOrderType", json_string(o->stop_type));
	json_object_set_new(j, "triggerPrice",
			    json_string(o->trigger ? exsim_fixed_str(b[6], o->trigger, in->pscale)
						   : "0"));
	json_object_set_new(j, "triggerBy", json_string(o->trigger_by ? o->trigger_by : ""));
	json_object_set_new(j, "takeProfit", json_string("0"));
	json_object_set_new(j, "stopLoss",
			    json_string(o->sl ? exsim_fixed_str(b[6], o->sl, in->pscale) : "0"));
	json_object_set_new(j, "tpslMode", json_string(o->sl ? "Full" : "UNKNOWN"));
	json_object_set_new(j, "rejectReason", json_string("EC_NoError"));
	json_object_set_new(j, "cancelType",
			    json_string(o->cancel_type ? o->cancel_type : "UNKNOWN"));
	json_object_set_new(j, "createType", json_string(o->create_type));
	snprintf(b[7], 40, "%lld", (long long)o->created_ms);
	snprintf(b[8], 40, "%lld", (long long)o->updated_ms);
	json_object_set_new(j, "createdTime", json_string(b[7]));
	json_object_set_new(j, "updatedTime", json_string(b[8]));
	return j;
}

json_t *exsim_orders_position_json(struct exsim_app *app, int i, bool rest)
{
	const struct exsim_sym *s = &app->syms[i];
	const struct exsim_pos *p = &app->pos[i];
	int ps = s->in.pscale;
	double size = p->size / p10(s->in.qscale), mark = s->t.mark / p10(ps);
	char b[10][40];
	json_t *j = json_object();

	if (!rest) {
		json_object_set_new(j, "category", json_string("linear"));
	}
	json_object_set_new(j, "symbol", json_string(s->in.symbol));
	json_object_set_new(j, "positionIdx", json_integer(0));
	json_object_set_new(j, "side", json_string(p->side > 0 ? "Buy" : p->side < 0 ? "Sell" : ""));
	json_object_set_new(j, "size", json_string(p->side ? exsim_fixed_str(b[0], p->size, s->in.qscale) : "0"));
	json_object_set_new(j, rest ? "avgPrice" : "entryPrice",
			    json_string(p->side ? px(b[1], p->avg, ps) : "0"));
	snprintf(b[2], 40, "%.4f", size * p->avg);
	json_object_set_new(j, "positionValue", json_string(p->side ? b[2] : ""));
	json_object_set_new(j, "leverage", json_string("10"));
	json_object_set_new(j, "markPrice", json_string(px(b[3], mark, ps)));
	json_object_set_new(j, "liqPrice", json_string(""));
	json_object_set_new(j, "bustPrice", json_string(""));
	json_object_set_new(j, "takeProfit", json_string(exsim_fixed_str(b[4], p->tp, ps)));
	json_object_set_new(j, "stopLoss", json_string(exsim_fixed_str(b[5], p->sl, ps)));
	json_object_set_new(j, "trailingStop", json_string(exsim_fixed_str(b[6], p->ts_dist, ps)));
	json_object_set_new(j, "tpslMode", json_string("Full"));
	snprintf(b[7], 40, "%.4f", p->side ? (mark - p->avg) * size * p->side : 0.0);
	json_object_set_new(j, "unrealisedPnl", json_string(b[7]));
	snprintf(b[8], 40, "%.4f", p->realised);
	json_object_set_new(j, "curRealisedPnl", json_string(b[8]));
	json_object_set_new(j, "cumRealisedPnl", json_string(b[8]));
	json_object_set_new(j, "positionStatus", json_string("Normal"));
	json_object_set_new(j, "tradeMode", json_integer(0));
	json_object_set_new(j, "riskId", json_integer(1));
	json_object_set_new(j, "isReduceOnly", json_false());
	json_object_set_new(j, "seq", json_integer((json_int_t)p->seq));
	snprintf(b[9], 40, "%lld", (long long)p->created_ms);
	json_object_set_new(j, "createdTime", json_string(b[9]));
	snprintf(b[9], 40, "%lld", (long long)p->updated_ms);
	json_object_set_new(j, "updatedTime", json_string(b[9]));
	return j;
}

static struct exsim_order *order_new(struct exsim_app *app, int sym, int side, int64_t qty);

/* Trigger price of conditional kind k for position p (0 when none). */
static int64_t cond_trigger(const struct exsim_pos *p, int k)
{
	if (k == 0) {
		return p->sl;
	}
	if (k == 1) {
		return p->tp;
	}
	/* trailing: the current trigger once armed, else the activation price */
	if (!p->ts_dist) {
		return 0;
	}
	return p->ts_armed ? p->ts_extreme - p->side * p->ts_dist
			   : (p->ts_active ? p->ts_active : 0);
}

/* Brings symbol i's Untriggered conditional orders in line with its
 * position's stops (Bybit carries TP/SL/trailing out as reduce-only
 * conditional orders it manages itself): creates, moves or deactivates
 * them; pushes each change on the order topic when push. */
static void cond_sync(struct exsim_app *app, int i, bool push)
{
	struct exsim_pos *p = &app->pos[i];
	const struct exsim_ticker *t = &app->syms[i].t;

	for (int k = 0; k < 3; k++) {
		struct exsim_order *o = p->cond[k];
		bool want = p->side != 0 && (k == 2 ? p->ts_dist > 0 : cond_trigger(p, k) > 0);
		int64_t trig = want ? cond_trigger(p, k) : 0;
		const char *by = by_names[k == 0 ? p->sl_by : k == 1 ? p->tp_by : EXSIM_BY_LAST];

		if (o && o->status != S_UNTRIG) {
			p->cond[k] = o = NULL; /* triggered: no longer the position's */
		}
		if (!want && !o) {
			continue;
		}
		if (!want) {
			o->status = S_DEACT;
			o->cancel_type = p->side ? "CancelByUser" : "CancelByTpSlTsClear";
			p->cond[k] = NULL;
		} else if (!o) {
			o = order_new(app, i, -p->side, p->size);
			if (!o) {
				continue;
			}
			o->status = S_UNTRIG;
			o->market = true;
			o->reduce_only = true;
			o->stop_type = cond_kinds[k];
			o->create_type = k == 0	  ? "CreateByStopLoss"
					 : k == 1 ? "CreateByTakeProfit"
						  : "CreateByTrailingStop";
			o->price = o->side > 0 ? t->ask : t->bid;
			o->trigger = trig;
			o->trigger_by = by;
			p->cond[k] = o;
		} else if (o->trigger != trig || o->qty != p->size || o->trigger_by != by) {
			o->trigger = trig;
			o->qty = p->size;
			o->trigger_by = by;
		} else {
			continue;
		}
		o->updated_ms = exsim_now_ms(app);
		if (push) {
			exsim_priv_push(app, "order", json_pack("[o]", order_json(app, o)));
		}
	}
}

void exsim_orders_cond_scan(struct exsim_app *app)
{
	for (int i = 0; i < app->nsyms; i++) {
		cond_sync(app, i, false);
	}
}

static void push_position(struct exsim_app *app, int i)
{
	cond_sync(app, i, true);
	exsim_stops_note(app, i, "push");
	exsim_priv_push(app, "position", json_pack("[o]", exsim_orders_position_json(app, i, false)));
}

json_t *exsim_orders_wallet_json(const struct exsim_app *app)
{
	char b[40];

	snprintf(b, sizeof(b), "%.4f", app->wallet);
	return json_pack("{s:s,s:s,s:s,s:[{s:s,s:s,s:s,s:s}]}", "accountType", "UNIFIED",
			 "totalEquity", b, "totalAvailableBalance", b, "coin", "coin", "USDT",
			 "equity", b, "walletBalance", b, "unrealisedPnl", "0");
}

static void push_wallet(struct exsim_app *app)
{
	exsim_priv_push(app, "wallet", json_pack("[o]", exsim_orders_wallet_json(app)));
}

/* ===== fills ===== */

static void clear_stops(struct exsim_pos *p)
{
	p->sl = p->tp = p->ts_dist = p->ts_active = p->ts_extreme = 0;
	p->ts_armed = false;
	p->sl_by = p->tp_by = EXSIM_BY_LAST;
}

/* Applies a fill to the one-way position; returns realised PnL. */
static double apply_fill(struct exsim_app *app, int i, int side, int64_t q, double price)
{
	struct exsim_pos *p = &app->pos[i];
	double qs = p10(app->syms[i].in.qscale), pnl = 0;
	int64_t now = exsim_now_ms(app);

	if (p->side == 0) {
		p->side = side;
		p->size = q;
		p->avg = price;
		p->created_ms = now;
	} else if (p->side == side) {
		p->avg = (p->avg * p->size + price * q) / (double)(p->size + q);
		p->size += q;
	} else {
		int64_t cq = q < p->size ? q : p->size;
		pnl = (price - p->avg) * (cq / qs) * p->side;
		p->size -= cq;
		p->realised += pnl;
		if (p->size == 0) {
			p->side = 0;
			p->avg = 0;
			clear_stops(p);
		}
		if (q > cq) {
			p->side = side;
			p->size = q - cq;
			p->avg = price;
			p->created_ms = now;
			clear_stops(p);
		}
	}
	p->updated_ms = now;
	p->seq = ++app->seq;
	return pnl;
}

static void do_fill(struct exsim_app *app, struct exsim_order *o, int64_t price_units)
{
	const struct exsim_sym *s = &app->syms[o->sym];
	struct exsim_pos *p = &app->pos[o->sym];
	double price = price_units / p10(s->in.pscale), fee, pnl;
	int64_t q = o->qty - o->cum_qty;
	char b[3][40], eid[40];
	json_t *ex;

	if (o->parts_left > 1) {
		/* a partial fill: an equal share of what is left, on the step */
		int64_t steps = q / s->in.qstep / o->parts_left;
		q = (steps > 0 ? steps : 1) * s->in.qstep;
	}
	o->parts_left = o->parts_left > 1 && q < o->qty - o->cum_qty ? o->parts_left - 1 : 0;

	if (o->reduce_only) {
		if (p->side == 0 || p->side == o->side) {
			o->status = S_CANCELLED;
			o->updated_ms = exsim_now_ms(app);
			exsim_priv_push(app, "order", json_pack("[o]", order_json(app, o)));
			return;
		}
		if (q > p->size) {
			q = p->size;
		}
	}
	pnl = apply_fill(app, o->sym, o->side, q, price);
	fee = price * (q / p10(s->in.qscale)) * FEE_RATE;
	app->wallet += pnl - fee;
	if (o->sl && p->side == o->side) {
		p->sl = o->sl;
		p->sl_by = o->sl_by;
	}
	o->avg = (o->avg * o->cum_qty + price * q) / (double)(o->cum_qty + q);
	o->cum_qty += q;
	o->status = o->parts_left > 0 ? S_PARTIAL : S_FILLED;
	o->updated_ms = exsim_now_ms(app);
	exsim_conn_id(app, eid);
	exsim_journal_add(app, "fill",
			  json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:f}", "symbol", s->in.symbol,
				    "side", o->side > 0 ? "Buy" : "Sell", "qty",
				    exsim_fixed_str(b[0], q, s->in.qscale), "price",
				    px(b[1], price, s->in.pscale), "orderLinkId", o->link_id, "orderId",
				    o->order_id, "execId", eid, "stopOrderType", o->stop_type, "fee", fee));
	exsim_priv_push(app, "order", json_pack("[o]", order_json(app, o)));
	snprintf(b[2], 40, "%.8f", fee);
	ex = json_pack("[{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:I}]",
		       "category", "linear", "symbol", s->in.symbol, "orderId", o->order_id,
		       "orderLinkId", o->link_id, "side", o->side > 0 ? "Buy" : "Sell", "execId", eid,
		       "execPrice", px(b[1], price, s->in.pscale), "execQty",
		       exsim_fixed_str(b[0], q, s->in.qscale), "execFee", b[2], "feeRate", "0.00055",
		       "execType", "Trade", "leavesQty", "", "orderType",
		       o->market ? "Market" : "Limit", "isMaker", 0, "execTime", "",
		       "seq", (json_int_t)app->seq);
	{
		char t[32];
		snprintf(t, sizeof(t), "%lld", (long long)o->updated_ms);
		json_object_set_new(json_array_get(ex, 0), "execTime", json_string(t));
		snprintf(t, sizeof(t), "%.4f", price * (q / p10(s->in.qscale)));
		json_object_set_new(json_array_get(ex, 0), "execValue", json_string(t));
		json_object_set_new(json_array_get(ex, 0), "leavesQty",
				    json_string(exsim_fixed_str(t, o->qty - o->cum_qty,
								s->in.qscale)));
	}
	exsim_priv_push(app, "execution", ex);
	push_position(app, o->sym);
	push_wallet(app);
	if (o->status == S_PARTIAL) {
		o->fill_pending = true;
		ev_timer_stop(app->loop, &o->fill);
		ev_timer_set(&o->fill, app->fill_part_ms / 1000.0, 0.);
		ev_timer_start(app->loop, &o->fill);
	}
}

/* Fills o now if it can: market at ask/bid, limit when marketable. */
static void try_fill(struct exsim_app *app, struct exsim_order *o)
{
	const struct exsim_ticker *t = &app->syms[o->sym].t;
	int64_t book = o->side > 0 ? t->ask : t->bid;

	if (o->status == S_PARTIAL) {
		/* the rest of a partially filled order: at the book, a limit
		 * order never worse than its price */
		do_fill(app, o,
			o->market || (o->side > 0 ? book <= o->price : book >= o->price) ? book
											  : o->price);
		return;
	}
	if (o->status != S_NEW) {
		return;
	}
	if (o->market || (o->side > 0 ? book <= o->price : book >= o->price)) {
		do_fill(app, o, book);
	}
}

static void on_fill_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct exsim_order *o = w->data;
	struct exsim_app *app = o->app;

	o->fill_pending = false;
	try_fill(app, o);
	if (o->status == S_NEW) {
		app->open_limits++;
	}
}

static struct exsim_order *order_new(struct exsim_app *app, int sym, int side, int64_t qty)
{
	struct exsim_order *o;

	if (app->norders >= EXSIM_MAX_ORDERS) {
		return NULL;
	}
	if (app->norders % 256 == 0) {
		struct exsim_order **n =
			realloc(app->orders, sizeof(*n) * ((size_t)app->norders + 256));
		if (!n) {
			return NULL;
		}
		app->orders = n;
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		return NULL;
	}
	o->app = app;
	o->sym = sym;
	o->side = side;
	o->qty = qty;
	o->status = S_NEW;
	o->stop_type = "UNKNOWN";
	o->create_type = "CreateByUser";
	o->trigger_by = "";
	o->cancel_type = "UNKNOWN";
	o->created_ms = o->updated_ms = exsim_now_ms(app);
	exsim_conn_id(app, o->order_id);
	app->orders[app->norders++] = o;
	return o;
}

/* ===== stops ===== */

static void trigger(struct exsim_app *app, int i, const char *kind, int64_t trig)
{
	struct exsim_sym *s = &app->syms[i];
	struct exsim_pos *p = &app->pos[i];
	struct exsim_order *o;
	char b[5][40];

	exsim_journal_add(
		app, "stop_triggered",
		json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "symbol", s->in.symbol, "side",
			  p->side > 0 ? "Buy" : "Sell", "qty",
			  exsim_fixed_str(b[0], p->size, s->in.qscale), "trigger", kind, "stopLoss",
			  exsim_fixed_str(b[1], p->sl, s->in.pscale), "trailingStop",
			  exsim_fixed_str(b[2], p->ts_dist, s->in.pscale), "lastPrice",
			  exsim_fixed_str(b[3], s->t.last, s->in.pscale), "triggerPrice",
			  exsim_fixed_str(b[4], trig, s->in.pscale)));
	log_info("event=stop_triggered symbol=%s kind=%s", s->in.symbol, kind);
	{
		int k = !strcmp(kind, "StopLoss") ? 0 : !strcmp(kind, "TakeProfit") ? 1 : 2;
		o = p->cond[k];
		p->cond[k] = NULL;
	}
	if (o && o->status == S_UNTRIG) {
		/* the conditional order itself triggers, then fills */
		o->status = S_TRIG;
		o->trigger = trig;
		o->qty = p->size;
		o->updated_ms = exsim_now_ms(app);
		exsim_priv_push(app, "order", json_pack("[o]", order_json(app, o)));
		o->status = S_NEW;
	} else {
		o = order_new(app, i, -p->side, p->size);
	}
	clear_stops(p);
	if (!o) {
		return;
	}
	o->market = true;
	o->reduce_only = true;
	o->stop_type = kind;
	o->create_type = !strcmp(kind, "StopLoss")	  ? "CreateByStopLoss"
			 : !strcmp(kind, "TrailingStop") ? "CreateByTrailingStop"
							 : "CreateByTakeProfit";
	o->price = o->side > 0 ? s->t.ask : s->t.bid;
	snprintf(o->link_id, sizeof(o->link_id), "%s", "");
	do_fill(app, o, o->price);
}

void exsim_orders_on_price(struct exsim_app *app, int i)
{
	struct exsim_pos *p = &app->pos[i];
	const struct exsim_ticker *t = &app->syms[i].t;
	int64_t last = t->last;
	const int64_t by_px[3] = {t->last, t->mark, t->index};
	int64_t slpx, tppx;

	if (app->open_limits > 0) {
		for (int k = 0; k < app->norders; k++) {
			struct exsim_order *o = app->orders[k];
			if (o->sym == i && !o->market && o->status == S_NEW && !o->fill_pending) {
				try_fill(app, o);
				if (o->status != S_NEW) {
					app->open_limits--;
				}
			}
		}
	}
	if (p->side == 0) {
		return;
	}
	slpx = by_px[p->sl_by >= 0 && p->sl_by < 3 ? p->sl_by : 0];
	tppx = by_px[p->tp_by >= 0 && p->tp_by < 3 ? p->tp_by : 0];
	if (p->sl && (p->side > 0 ? slpx <= p->sl : slpx >= p->sl)) {
		trigger(app, i, "StopLoss", p->sl);
		return;
	}
	if (p->tp && (p->side > 0 ? tppx >= p->tp : tppx <= p->tp)) {
		trigger(app, i, "TakeProfit", p->tp);
		return;
	}
	if (p->ts_dist > 0) {
		if (!p->ts_armed &&
		    (!p->ts_active || (p->side > 0 ? last >= p->ts_active : last <= p->ts_active))) {
			p->ts_armed = true;
			p->ts_extreme = last;
		}
		if (p->ts_armed) {
			if (p->side > 0 ? last > p->ts_extreme : last < p->ts_extreme) {
				p->ts_extreme = last;
			}
			int64_t trig = p->ts_extreme - p->side * p->ts_dist;
			if (p->side > 0 ? last <= trig : last >= trig) {
				trigger(app, i, "TrailingStop", trig);
			}
		}
	}
}

void exsim_orders_set_position(struct exsim_app *app, int i, int side, int64_t qty)
{
	struct exsim_pos *p = &app->pos[i];
	char b[40];

	p->side = qty > 0 ? side : 0;
	p->size = qty;
	p->avg = qty > 0 ? app->syms[i].t.last / p10(app->syms[i].in.pscale) : 0;
	clear_stops(p);
	p->created_ms = p->updated_ms = exsim_now_ms(app);
	p->seq = ++app->seq;
	exsim_journal_add(app, "sim_position",
			  json_pack("{s:s,s:s,s:s}", "symbol", app->syms[i].in.symbol, "side",
				    side > 0 ? "Buy" : "Sell", "qty",
				    exsim_fixed_str(b, qty, app->syms[i].in.qscale)));
	push_position(app, i);
}

json_t *exsim_order_json(struct exsim_app *app, const struct exsim_order *o)
{
	return order_json(app, o);
}

struct exsim_order *exsim_order_new(struct exsim_app *app, int sym, int side, int64_t qty)
{
	return order_new(app, sym, side, qty);
}

void exsim_order_accepted(struct exsim_app *app, struct exsim_order *o)
{
	int ms = app->fill_delay_ms >= 0 ? app->fill_delay_ms : (int)exsim_rand_n(app, 51);

	exsim_priv_push(app, "order", json_pack("[o]", order_json(app, o)));
	push_position(app, o->sym);
	o->parts_left = app->fill_parts > 1 ? app->fill_parts : 0;
	o->fill_pending = true;
	ev_timer_init(&o->fill, on_fill_timer, ms / 1000.0, 0.);
	o->fill.data = o;
	ev_timer_start(app->loop, &o->fill);
}

void exsim_orders_position_changed(struct exsim_app *app, int i)
{
	push_position(app, i);
}

void exsim_orders_finish(struct exsim_app *app)
{
	for (int k = 0; k < app->norders; k++) {
		ev_timer_stop(app->loop, &app->orders[k]->fill);
		free(app->orders[k]);
	}
	free(app->orders);
	app->orders = NULL;
	app->norders = 0;
}
