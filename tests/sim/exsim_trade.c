/* exsim trade REST handlers: order/create (Bybit's parameter checks and
 * retCodes), order/realtime, position/list, position/trading-stop and the
 * /sim/state view. The engine (fills, stops, pushes) is exsim_orders.c. */
#include "tests/sim/exsim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *jstr(json_t *body, const char *k)
{
	json_t *v = json_object_get(body, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void reject(struct exsim_conn *c, const char *kind, json_t *body, int code, const char *msg)
{
	exsim_http_envelope(c, code, msg, NULL);
	exsim_journal_reply(c->app, kind, body, code, msg, NULL);
}

static bool link_id_ok(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 36 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					     "0123456789_-") == n;
}

static bool position_idx_ok(json_t *body)
{
	json_t *v = json_object_get(body, "positionIdx");
	if (!v) {
		return true;
	}
	if (json_is_integer(v)) {
		return json_integer_value(v) == 0;
	}
	return json_is_string(v) && !strcmp(json_string_value(v), "0");
}

/* *TriggerBy value: EXSIM_BY_* (LastPrice when absent), -1 when invalid. */
static int trigger_by(json_t *body, const char *k)
{
	const char *v = jstr(body, k);

	if (!json_object_get(body, k) || (v && !v[0])) {
		return EXSIM_BY_LAST;
	}
	if (!v) {
		return -1;
	}
	return !strcmp(v, "LastPrice")	  ? EXSIM_BY_LAST
	       : !strcmp(v, "MarkPrice")  ? EXSIM_BY_MARK
	       : !strcmp(v, "IndexPrice") ? EXSIM_BY_INDEX
					  : -1;
}

static struct exsim_order *find_link(struct exsim_app *app, const char *link)
{
	for (int k = app->norders - 1; k >= 0; k--) {
		if (link[0] && !strcmp(app->orders[k]->link_id, link) &&
		    !exsim_link_forgotten(app, app->orders[k])) {
			return app->orders[k];
		}
	}
	return NULL;
}

/* Parses the symbol and category common to every trade endpoint. */
static int symbol_of(struct exsim_conn *c, json_t *body, const char *kind)
{
	const char *cat = jstr(body, "category"), *sym = jstr(body, "symbol");
	int i;

	if (!cat || strcmp(cat, "linear")) {
		reject(c, kind, body, 10001, "Illegal category");
		return -1;
	}
	i = sym ? exsim_market_find(c->app, sym) : -1;
	if (i < 0) {
		reject(c, kind, body, 10001, sym ? "Not supported symbols" : "symbol is required");
	}
	return i;
}

void exsim_orders_create(struct exsim_conn *c, json_t *body)
{
	struct exsim_app *app = c->app;
	const char *side = jstr(body, "side"), *type = jstr(body, "orderType");
	const char *qtys = jstr(body, "qty"), *link = jstr(body, "orderLinkId");
	const char *prices = jstr(body, "price"), *sls = jstr(body, "stopLoss");
	json_t *ro = json_object_get(body, "reduceOnly");
	bool reduce = json_is_true(ro), market;
	int i = symbol_of(c, body, "reject"), sd;
	int64_t qty, price = 0, sl = 0, ref;
	const struct exsim_sym *s;
	const struct exsim_pos *p;
	double notional;
	struct exsim_order *o;
	char b[3][40], m[96];

	if (i < 0) {
		return;
	}
	s = &app->syms[i];
	p = &app->pos[i];
	if (!side || (strcmp(side, "Buy") && strcmp(side, "Sell"))) {
		reject(c, "reject", body, 10001, "Side invalid");
		return;
	}
	sd = side[0] == 'B' ? 1 : -1;
	if (!type || (strcmp(type, "Market") && strcmp(type, "Limit"))) {
		reject(c, "reject", body, 10001, "OrderType invalid");
		return;
	}
	market = type[0] == 'M';
	if (link && !link_id_ok(link)) {
		reject(c, "reject", body, 10001, "orderLinkId is illegal");
		return;
	}
	if (json_object_get(body, "orderLinkId") && !link) {
		reject(c, "reject", body, 10001, "orderLinkId is illegal");
		return;
	}
	if (link && find_link(app, link)) {
		reject(c, "reject", body, 110072, "OrderLinkedID is duplicate");
		return;
	}
	if (!position_idx_ok(body)) {
		reject(c, "reject", body, 10001, "position idx not match position mode");
		return;
	}
	if (!qtys || exsim_parse_fixed(qtys, s->in.qscale, &qty) < 0 || qty <= 0 ||
	    qty % s->in.qstep) {
		reject(c, "reject", body, 10001, "Qty invalid");
		return;
	}
	if (qty < s->in.qmin) {
		reject(c, "reject", body, 10001, "The number of contracts exceeds minimum limit allowed");
		return;
	}
	if (qty > (market ? s->in.qmaxmkt : s->in.qmax)) {
		reject(c, "reject", body, 10001, "The number of contracts exceeds maximum limit allowed");
		return;
	}
	if (!market) {
		if (!prices || exsim_parse_fixed(prices, s->in.pscale, &price) < 0 || price <= 0 ||
		    price % s->in.tick || price > s->in.max_price) {
			reject(c, "reject", body, 10001, "Price invalid");
			return;
		}
	}
	if (sls && sls[0] && (exsim_parse_fixed(sls, s->in.pscale, &sl) < 0 || sl % s->in.tick)) {
		reject(c, "reject", body, 10001, "StopLoss invalid");
		return;
	}
	if (trigger_by(body, "slTriggerBy") < 0) {
		reject(c, "reject", body, 10001, "slTriggerBy invalid");
		return;
	}
	if (reduce && p->side == 0) {
		reject(c, "reject", body, 110017,
		       "current position is zero, cannot fix reduce-only order qty");
		return;
	}
	if (reduce && p->side == sd) {
		reject(c, "reject", body, 110017, "Reduce-only rule not satisfied");
		return;
	}
	ref = market ? (sd > 0 ? s->t.ask : s->t.bid) : price;
	notional = (double)qty / pow(10, s->in.qscale) * ref / pow(10, s->in.pscale);
	if (notional < (double)s->in.min_notional) {
		snprintf(m, sizeof(m), "Order does not meet minimum order value %lldUSDT",
			 (long long)s->in.min_notional);
		reject(c, "reject", body, 110094, m);
		return;
	}
	if (!reduce && notional / 10.0 > app->wallet) {
		reject(c, "reject", body, 110007, "ab not enough for new order");
		return;
	}
	o = exsim_order_new(app, i, sd, qty);
	if (!o) {
		reject(c, "reject", body, 10016, "System error. Please try again later.");
		return;
	}
	o->market = market;
	o->reduce_only = reduce;
	o->sl = sl;
	o->sl_by = trigger_by(body, "slTriggerBy");
	/* a market order's price is the protective IOC limit (+-3 %) */
	o->price = market ? (ref + sd * (ref * 3 / 100)) / s->in.tick * s->in.tick : price;
	snprintf(o->link_id, sizeof(o->link_id), "%s", link ? link : "");
	exsim_journal_reply(app, "order", body, 0, "OK",
		     json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "symbol", s->in.symbol, "side", side,
			       "qty", exsim_fixed_str(b[0], qty, s->in.qscale), "price",
			       exsim_fixed_str(b[1], o->price, s->in.pscale), "orderLinkId",
			       o->link_id, "orderId", o->order_id));
	exsim_http_envelope(c, 0, "OK",
			    json_pack("{s:s,s:s}", "orderId", o->order_id, "orderLinkId", o->link_id));
	exsim_order_accepted(app, o);
}

void exsim_orders_realtime(struct exsim_conn *c)
{
	struct exsim_app *app = c->app;
	char settle[16] = "", base[16] = "", oid[64] = "", link[64] = "";
	int i = -1, limit = (int)exsim_query_int(c, "limit", 1, 50, 20), have_sym;
	bool have_id;
	json_t *list;

	if (!exsim_rest_category_ok(c) || (have_sym = exsim_rest_query_symbol(c, &i)) < 0) {
		return;
	}
	if (!have_sym && !exsim_query_get(c, "settleCoin", settle, sizeof(settle)) &&
	    !exsim_query_get(c, "baseCoin", base, sizeof(base))) {
		exsim_http_envelope(c, 10001,
				    "Missing some parameters that must be filled in, symbol or "
				    "settleCoin or baseCoin",
				    NULL);
		return;
	}
	list = json_array();
	exsim_query_get(c, "orderId", oid, sizeof(oid));
	exsim_query_get(c, "orderLinkId", link, sizeof(link));
	have_id = oid[0] || link[0];
	for (int k = app->norders - 1; k >= 0 && (int)json_array_size(list) < limit; k--) {
		const struct exsim_order *o = app->orders[k];
		const char *bc = app->syms[o->sym].in.base;
		if ((i >= 0 && o->sym != i) || (base[0] && strcmp(base, bc))) {
			continue;
		}
		if (oid[0] ? strcmp(o->order_id, oid) : link[0] ? strcmp(o->link_id, link) : 0) {
			continue;
		}
		if (!have_id && strcmp(o->status, "New") && strcmp(o->status, "PartiallyFilled") &&
		    strcmp(o->status, "Untriggered")) {
			continue;
		}
		json_array_append_new(list, exsim_order_json(app, o));
		if (have_id && k >= 0 && app->norders - k > 500) {
			break;
		}
	}
	exsim_rest_list(c, list, "");
}

/* One page of position/list (app->w.pos_page rows, 0 = all), in hedge
 * mode with positionIdx 1/2 and the empty opposite side listed as Bybit
 * does. Answers the request; -1 after an error answer. */
static int position_page(struct exsim_conn *c, int have_sym, int i, const char *settle,
			 json_t *list)
{
	struct exsim_app *app = c->app;
	char cur[64] = "", next[64] = "";
	int from = 0, of = 0, n = 0, page = app->w.pos_page;

	if (exsim_query_get(c, "cursor", cur, sizeof(cur)) && cur[0]) {
		if (sscanf(cur, "page=%d&of=%d", &from, &of) != 2 || from < 0 || of != from * 7) {
			app->w.pos_bad_cursors++;
			exsim_http_envelope(c, 10001, "invalid cursor", NULL);
			return -1;
		}
	}
	for (int k = 0, seen = 0; k < app->nsyms; k++) {
		if (!(have_sym ? k == i : app->pos[k].size > 0 && !strcmp(settle, "USDT"))) {
			continue;
		}
		if (seen++ < from) {
			continue;
		}
		if (page > 0 && n == page) {
			snprintf(next, sizeof(next), "page=%d&of=%d", from + n, (from + n) * 7);
			break;
		}
		json_t *row = exsim_orders_position_json(app, k, true);
		if (app->w.hedge) {
			json_object_set_new(row, "positionIdx",
					    json_integer(app->pos[k].side < 0 ? 2 : 1));
		}
		json_array_append_new(list, row);
		n++;
	}
	if (app->w.hedge && from == 0 && app->nsyms > 0) {
		json_t *row = exsim_orders_position_json(app, have_sym ? i : 0, true);
		json_object_set_new(row, "positionIdx", json_integer(2)); /* the empty side */
		json_object_set_new(row, "size", json_string("0"));
		json_object_set_new(row, "side", json_string(""));
		json_array_append_new(list, row);
	}
	app->w.pos_pages++;
	app->w.pos_next_pages += cur[0] != '\0';
	exsim_rest_list(c, list, next); /* takes list */
	return 0;
}

void exsim_orders_position_list(struct exsim_conn *c)
{
	char settle[16] = "";
	int i = -1, have_sym;
	json_t *list;

	if (!exsim_rest_category_ok(c) || (have_sym = exsim_rest_query_symbol(c, &i)) < 0) {
		return;
	}
	if (!have_sym && !exsim_query_get(c, "settleCoin", settle, sizeof(settle))) {
		exsim_http_envelope(
			c, 10001, "Missing some parameters that must be filled in, symbol or settleCoin",
			NULL);
		return;
	}
	list = json_array();
	if (position_page(c, have_sym, i, settle, list) < 0) {
		json_decref(list);
		return;
	}
}

/* Optional price field: absent/"" -> 0 (not given); "0" -> *cancel. */
static int stop_field(json_t *body, const char *k, int scale, int64_t tick, int64_t *out,
		      bool *given)
{
	const char *v = jstr(body, k);

	*given = false;
	if (!v || !v[0]) {
		return json_object_get(body, k) && !v ? -1 : 0;
	}
	if (exsim_parse_fixed(v, scale, out) < 0 || *out % tick) {
		return -1;
	}
	*given = true;
	return 0;
}

void exsim_orders_trading_stop(struct exsim_conn *c, json_t *body)
{
	struct exsim_app *app = c->app;
	const char *mode = jstr(body, "tpslMode"), *slby = jstr(body, "slTriggerBy");
	int i = symbol_of(c, body, "trading_stop");
	int64_t sl = 0, tp = 0, ts = 0, act = 0, base;
	bool gsl, gtp, gts, gact;
	struct exsim_sym *s;
	struct exsim_pos *p;
	char msg[200];
	int ps;

	if (i < 0) {
		return;
	}
	s = &app->syms[i];
	p = &app->pos[i];
	ps = s->in.pscale;
	if (!mode || (strcmp(mode, "Full") && strcmp(mode, "Partial"))) {
		reject(c, "trading_stop", body, 10001, "tpslMode invalid");
		return;
	}
	if (!position_idx_ok(body)) {
		reject(c, "trading_stop", body, 10001, "position idx not match position mode");
		return;
	}
	if (trigger_by(body, "slTriggerBy") < 0 || trigger_by(body, "tpTriggerBy") < 0) {
		reject(c, "trading_stop", body, 10001, "TriggerBy invalid");
		return;
	}
	if (stop_field(body, "stopLoss", ps, s->in.tick, &sl, &gsl) ||
	    stop_field(body, "takeProfit", ps, s->in.tick, &tp, &gtp) ||
	    stop_field(body, "trailingStop", ps, s->in.tick, &ts, &gts) ||
	    stop_field(body, "activePrice", ps, s->in.tick, &act, &gact)) {
		reject(c, "trading_stop", body, 10001, "params error: price invalid");
		return;
	}
	if (p->side == 0) {
		reject(c, "trading_stop", body, 10001, "can not set tp/sl/ts for zero position");
		return;
	}
	base = slby && !strcmp(slby, "MarkPrice")    ? s->t.mark
	       : slby && !strcmp(slby, "IndexPrice") ? s->t.index
						     : s->t.last;
	if (gsl && sl && (p->side > 0 ? sl >= base : sl <= base)) {
		snprintf(msg, sizeof(msg), "StopLoss:%lld set for %s position should %s base_price:%lld??%s",
			 (long long)(sl * (int64_t)pow(10, 8 - ps)), p->side > 0 ? "Buy" : "Sell",
			 p->side > 0 ? "lower than" : "greater than",
			 (long long)(base * (int64_t)pow(10, 8 - ps)), slby ? slby : "LastPrice");
		reject(c, "trading_stop", body, 10001, msg);
		return;
	}
	if (gtp && tp && (p->side > 0 ? tp <= s->t.last : tp >= s->t.last)) {
		snprintf(msg, sizeof(msg), "TakeProfit:%lld set for %s position should %s base_price:%lld??LastPrice",
			 (long long)(tp * (int64_t)pow(10, 8 - ps)), p->side > 0 ? "Buy" : "Sell",
			 p->side > 0 ? "higher than" : "lower than",
			 (long long)(s->t.last * (int64_t)pow(10, 8 - ps)));
		reject(c, "trading_stop", body, 10001, msg);
		return;
	}
	if ((!gsl || (sl == p->sl && (!json_object_get(body, "slTriggerBy") ||
				      trigger_by(body, "slTriggerBy") == p->sl_by))) &&
	    (!gtp || tp == p->tp) && (!gts || ts == p->ts_dist) &&
	    (!gact || act == p->ts_active)) {
		reject(c, "trading_stop", body, 34040, "not modified");
		return;
	}
	if (exsim_tpsl_ignored(c, body, i)) {
		return;
	}
	if (gsl) {
		p->sl = sl;
		if (json_object_get(body, "slTriggerBy")) {
			p->sl_by = trigger_by(body, "slTriggerBy");
		}
	}
	if (gtp) {
		p->tp = tp;
		if (json_object_get(body, "tpTriggerBy")) {
			p->tp_by = trigger_by(body, "tpTriggerBy");
		}
	}
	if (gts) {
		p->ts_dist = ts;
		p->ts_active = ts ? (gact ? act : 0) : 0;
		p->ts_armed = false;
		p->ts_extreme = 0;
	} else if (gact) {
		p->ts_active = act;
	}
	p->updated_ms = exsim_now_ms(app);
	p->seq = ++app->seq;
	exsim_journal_reply(app, "trading_stop", body, 0, "OK", NULL);
	exsim_http_envelope(c, 0, "OK", json_object());
	exsim_orders_position_changed(app, i);
	exsim_orders_on_price(app, i); /* arms a trailing stop at once if due */
}

json_t *exsim_orders_state(struct exsim_app *app)
{
	json_t *pos = json_array();
	char b[5][40];

	for (int i = 0; i < app->nsyms; i++) {
		const struct exsim_pos *p = &app->pos[i];
		const struct exsim_inst *in = &app->syms[i].in;
		if (p->side == 0) {
			continue;
		}
		snprintf(b[0], 40, "%.*f", in->pscale, p->avg);
		json_array_append_new(
			pos, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "symbol", in->symbol, "side",
				       p->side > 0 ? "Buy" : "Sell", "size",
				       exsim_fixed_str(b[1], p->size, in->qscale), "avgPrice", b[0],
				       "stopLoss", exsim_fixed_str(b[2], p->sl, in->pscale),
				       "trailingStop", exsim_fixed_str(b[3], p->ts_dist, in->pscale),
				       "takeProfit", exsim_fixed_str(b[4], p->tp, in->pscale)));
	}
	snprintf(b[0], 40, "%.4f", app->wallet);
	return json_pack("{s:o,s:i,s:I,s:s,s:i}", "positions", pos, "orders", app->norders,
			 "clock_offset_ms", (json_int_t)app->clock_offset_ms, "wallet", b[0],
			 "open_limits", app->open_limits);
}
