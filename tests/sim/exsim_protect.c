/* exsim protection record and faults: what hean's safety figures are
 * computed from, and the faults that take protection away.
 *  - The stop timeline: every change of a symbol's position (side, size)
 *    or of its stops (stopLoss, trailingStop) is journalled as kind
 *    "stops" at the instant the exchange changed it, so a test can tell for
 *    every instant whether an open position had a stop (GET /sim/stops).
 *  - orderLinkId memory: Bybit documents no uniqueness window, so the
 *    simulator can forget a link id N seconds after its order was created
 *    (POST /sim/link_memory?secs=N or ?ms=N, 0 = forever) and accept it again; a
 *    duplicate then shows at the exchange instead of being refused.
 *  - POST /sim/stop_drop?symbol=S: the exchange drops the position's stops
 *    without a push. POST /sim/tpsl_ignore?count=N: the next N
 *    trading-stop calls are answered OK but not applied (no push). */
#include "tests/sim/exsim.h"

#include <stdlib.h>
#include <string.h>

static void answer(struct exsim_conn *c, int status, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (s) {
		exsim_http_answer(c, status, s, strlen(s));
		free(s);
	}
}

static bool qnum(struct exsim_conn *c, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
	char b[40];

	return exsim_query_get(c, name, b, sizeof(b)) && sim_parse_int(b, lo, hi, out) == 0;
}

bool exsim_link_forgotten(const struct exsim_app *app, const struct exsim_order *o)
{
	return app->prot.link_memory_ms > 0 &&
	       exsim_now_ms(app) - o->created_ms >= app->prot.link_memory_ms;
}

void exsim_stops_note(struct exsim_app *app, int i, const char *why)
{
	const struct exsim_pos *p = &app->pos[i];
	struct exsim_stopline *l = &app->prot.last[i];
	const struct exsim_inst *in = &app->syms[i].in;
	int64_t size = p->side ? p->size : 0;
	char b[3][40];

	if (l->known && l->side == p->side && l->size == size && l->sl == p->sl &&
	    l->ts == p->ts_dist) {
		return;
	}
	if (!l->known && size == 0 && !p->sl && !p->ts_dist) {
		l->known = true; /* flat from the start: nothing to record */
		return;
	}
	l->known = true;
	l->side = p->side;
	l->size = size;
	l->sl = p->sl;
	l->ts = p->ts_dist;
	exsim_journal_add(app, "stops",
			  json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "symbol", in->symbol, "side",
				    p->side > 0 ? "Buy" : p->side < 0 ? "Sell" : "", "size",
				    exsim_fixed_str(b[0], size, in->qscale), "stopLoss",
				    exsim_fixed_str(b[1], p->sl, in->pscale), "trailingStop",
				    exsim_fixed_str(b[2], p->ts_dist, in->pscale), "protected",
				    size > 0 && (p->sl > 0 || p->ts_dist > 0), "why", why));
}

void exsim_stops_scan(struct exsim_app *app)
{
	for (int i = 0; i < app->nsyms; i++) {
		exsim_stops_note(app, i, "scan");
	}
}

bool exsim_tpsl_ignored(struct exsim_conn *c, json_t *body, int i)
{
	struct exsim_app *app = c->app;

	if (app->prot.tpsl_ignore <= 0) {
		return false;
	}
	app->prot.tpsl_ignore--;
	exsim_journal_reply(app, "trading_stop", body, 0, "OK",
			    json_pack("{s:b,s:s}", "applied", 0, "symbol", app->syms[i].in.symbol));
	exsim_http_envelope(c, 0, "OK", json_object());
	return true;
}

static void stop_drop(struct exsim_conn *c)
{
	struct exsim_app *app = c->app;
	char b[64];
	int i = exsim_query_get(c, "symbol", b, sizeof(b)) ? exsim_market_find(app, b) : -1;
	struct exsim_pos *p;

	if (i < 0) {
		answer(c, 400, json_pack("{s:b,s:s}", "ok", 0, "error", "unknown symbol"));
		return;
	}
	p = &app->pos[i];
	if (p->side == 0 || (!p->sl && !p->ts_dist && !p->tp)) {
		answer(c, 200, json_pack("{s:b,s:i}", "ok", 1, "affected", 0));
		return;
	}
	p->sl = p->tp = p->ts_dist = p->ts_active = p->ts_extreme = 0;
	p->ts_armed = false;
	exsim_journal_add(app, "stop_dropped", json_pack("{s:s}", "symbol", app->syms[i].in.symbol));
	exsim_stops_note(app, i, "stop_dropped");
	answer(c, 200, json_pack("{s:b,s:i}", "ok", 1, "affected", 1));
}

static void stops_view(struct exsim_conn *c)
{
	json_t *out = json_array(), *e;
	size_t k;

	json_array_foreach(c->app->journal, k, e) {
		const char *kind = json_string_value(json_object_get(e, "kind"));
		if (kind && !strcmp(kind, "stops")) {
			json_array_append(out, e);
		}
	}
	answer(c, 200, out);
}

bool exsim_protect_ctl(struct exsim_conn *c, const char *name)
{
	struct exsim_app *app = c->app;
	int64_t v;

	if (!strcmp(name, "link_memory")) {
		if (qnum(c, "ms", 0, 86400000LL * 365, &v)) {
			app->prot.link_memory_ms = v;
			answer(c, 200, json_pack("{s:b,s:i}", "ok", 1, "affected", 0));
		} else if (!qnum(c, "secs", 0, 86400 * 365, &v)) {
			answer(c, 400, json_pack("{s:b,s:s}", "ok", 0, "error", "bad secs or ms"));
		} else {
			app->prot.link_memory_ms = v * 1000;
			answer(c, 200, json_pack("{s:b,s:i}", "ok", 1, "affected", 0));
		}
	} else if (!strcmp(name, "tpsl_ignore")) {
		if (!qnum(c, "count", 0, 1000000, &v)) {
			answer(c, 400, json_pack("{s:b,s:s}", "ok", 0, "error", "bad count"));
		} else {
			app->prot.tpsl_ignore = (int)v;
			answer(c, 200, json_pack("{s:b,s:i}", "ok", 1, "affected", (int)v));
		}
	} else if (!strcmp(name, "stop_drop")) {
		stop_drop(c);
	} else if (!strcmp(name, "stops")) {
		stops_view(c);
	} else {
		return false;
	}
	return true;
}
