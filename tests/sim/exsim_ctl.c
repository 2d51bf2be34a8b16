/* exsim controls: /sim/... fault hooks and read-only views, per the
 * contract in dev-notes/HELPERS.md (universe and per-connection controls:
 * see hean-exsim --help). Parameters come from the query string;
 * answers are 200 {"ok":true,...} or 400 {"ok":false,"error":...}. */
#include "tests/sim/exsim.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void answer_json(struct exsim_conn *c, int status, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s) {
		exsim_http_answer(c, status, s, strlen(s));
		free(s);
	}
}

static void ok(struct exsim_conn *c, int affected)
{
	answer_json(c, 200, json_pack("{s:b,s:i}", "ok", 1, "affected", affected));
}

static void bad(struct exsim_conn *c, const char *why)
{
	answer_json(c, 400, json_pack("{s:b,s:s}", "ok", 0, "error", why));
}

static bool qint(struct exsim_conn *c, const char *name, int64_t *out)
{
	char b[40];

	return exsim_query_get(c, name, b, sizeof(b)) &&
	       sim_parse_int(b, INT64_MIN, INT64_MAX, out) == 0;
}

/* path=public|private|all -> mask, or -1 */
static int qpath(struct exsim_conn *c)
{
	char b[16];
	if (!exsim_query_get(c, "path", b, sizeof(b)) || !strcmp(b, "all")) {
		return EXSIM_PATH_ALL;
	}
	if (!strcmp(b, "public")) {
		return EXSIM_PATH_PUB;
	}
	if (!strcmp(b, "private")) {
		return EXSIM_PATH_PRIV;
	}
	return -1;
}

/* secs absent or 0 -> -1 (until resume); else deadline in wall ms */
static int64_t qdeadline(struct exsim_conn *c)
{
	int64_t s = 0;
	if (!qint(c, "secs", &s) || s <= 0 || s > 86400 * 365) {
		return -1;
	}
	return hean_time_now_ms() + s * 1000;
}

static int qsymbol(struct exsim_conn *c)
{
	char b[64];
	if (!exsim_query_get(c, "symbol", b, sizeof(b))) {
		return -1;
	}
	return exsim_market_find(c->app, b);
}

static void stats(struct exsim_conn *c)
{
	struct exsim_stats *s = &c->app->st;
	json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "public_conns",
			      (json_int_t)s->public_conns, "private_conns",
			      (json_int_t)s->private_conns, "ws_connects", (json_int_t)s->ws_connects,
			      "pings", (json_int_t)s->pings, "subscribes", (json_int_t)s->subscribes,
			      "frames_sent", (json_int_t)s->frames_sent, "rest_calls",
			      (json_int_t)s->rest_calls);
	json_object_set_new(o, "unsubscribes", json_integer(s->unsubscribes));
	json_object_set_new(o, "sub_errors", json_integer(s->sub_errors));
	json_object_set_new(o, "instruments", json_integer(c->app->nsyms));
	exsim_worst_stats(c->app, o);
	answer_json(c, 200, o);
}

/* Every instrument: status, last price and the per-symbol counters
 * (benchmarks: frames delivered vs entries stored). */
static void symbols(struct exsim_conn *c)
{
	struct exsim_app *app = c->app;
	json_t *a = json_array();

	for (int i = 0; i < app->nsyms; i++) {
		const struct exsim_sym *s = &app->syms[i];
		char b[40];
		json_array_append_new(
			a, json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I}", "symbol", s->in.symbol,
				     "status", exsim_status_name(s->status), "lastPrice",
				     exsim_fixed_str(b, s->t.last, s->in.pscale), "frames",
				     (json_int_t)s->head, "delivered", (json_int_t)s->delivered,
				     "skipped", (json_int_t)s->skipped, "subscribes",
				     (json_int_t)s->subs_n, "unsubscribes", (json_int_t)s->unsubs_n));
	}
	answer_json(c, 200, a);
}

/* /sim/list?symbol=S, /sim/delist?symbol=S */
static void listing(struct exsim_conn *c, bool list)
{
	struct exsim_app *app = c->app;
	char b[64];
	int i;

	if (!exsim_query_get(c, "symbol", b, sizeof(b))) {
		bad(c, "need symbol");
		return;
	}
	if (list) {
		i = exsim_market_list(app, b);
		if (i < 0) {
			bad(c, i == -ENOSPC ? "universe full" : "bad symbol");
			return;
		}
		log_info("event=listed symbol=%s", b);
		exsim_ws_notify_symbol(app, i);
		ok(c, 1);
		return;
	}
	i = exsim_market_find(app, b);
	if (i < 0) {
		bad(c, "unknown symbol");
		return;
	}
	app->syms[i].status = EXSIM_ST_CLOSED;
	if (app->syms[i].dirty) { /* a merged push still owed is not sent */
		app->syms[i].dirty = false;
		app->ndirty--;
	}
	log_info("event=delisted symbol=%s", b);
	ok(c, 1);
}

static void drop(struct exsim_conn *c, int mask)
{
	char id[48];
	int i;

	if (exsim_query_get(c, "conn", id, sizeof(id))) {
		if (!exsim_ws_drop_one(c->app, id, -1)) {
			bad(c, "no such connection");
			return;
		}
		ok(c, 1);
	} else if (exsim_query_get(c, "symbol", id, sizeof(id))) {
		if ((i = exsim_market_find(c->app, id)) < 0 || !exsim_ws_drop_one(c->app, NULL, i)) {
			bad(c, "no public connection carries that symbol");
			return;
		}
		ok(c, 1);
	} else {
		ok(c, exsim_ws_drop_all(c->app, mask));
	}
}

static void views(struct exsim_conn *c, const char *name)
{
	struct exsim_app *app = c->app;

	if (!strcmp(name, "health")) {
		answer_json(c, 200, json_pack("{s:b}", "ok", 1));
	} else if (!strcmp(name, "journal")) {
		char *s = json_dumps(app->journal, JSON_COMPACT);
		if (s) {
			exsim_http_answer(c, 200, s, strlen(s));
			free(s);
		}
	} else if (!strcmp(name, "state")) {
		answer_json(c, 200, exsim_orders_state(app));
	} else if (!strcmp(name, "truth")) {
		int i = qsymbol(c);
		if (i < 0) {
			bad(c, "unknown symbol");
			return;
		}
		answer_json(c, 200, exsim_market_truth(app, i));
	} else if (!strcmp(name, "stats")) {
		stats(c);
	} else if (!strcmp(name, "conns")) {
		answer_json(c, 200, exsim_ws_conns(app));
	} else if (!strcmp(name, "symbols")) {
		symbols(c);
	} else {
		answer_json(c, 404, json_pack("{s:b,s:s}", "ok", 0, "error", "unknown control"));
	}
}

static void rest_fault(struct exsim_conn *c)
{
	struct exsim_app *app = c->app;
	char kind[16], path[96] = "";
	int64_t n = 1;

	if (!exsim_query_get(c, "kind", kind, sizeof(kind)) ||
	    (strcmp(kind, "10006") && strcmp(kind, "5xx") && strcmp(kind, "timeout") &&
	     strcmp(kind, "lost") && strcmp(kind, "429") && strcmp(kind, "401"))) {
		bad(c, "kind must be 10006|5xx|429|401|timeout|lost");
		return;
	}
	if (qint(c, "count", &n) && (n < 0 || n > 1000000)) {
		bad(c, "bad count");
		return;
	}
	exsim_query_get(c, "path", path, sizeof(path));
	for (int i = 0; i < 8; i++) {
		struct exsim_rest_fault *f = &app->faults[i];
		if (f->count <= 0 || (!strcmp(f->kind, kind) && !strcmp(f->path, path))) {
			snprintf(f->kind, sizeof(f->kind), "%s", kind);
			snprintf(f->path, sizeof(f->path), "%s", path);
			f->count = (int)n;
			ok(c, (int)n);
			return;
		}
	}
	bad(c, "too many faults armed");
}

static void price(struct exsim_conn *c)
{
	int i = qsymbol(c);
	char b[40];
	double p;

	if (i < 0 || !exsim_query_get(c, "price", b, sizeof(b))) {
		bad(c, "need known symbol and price");
		return;
	}
	if (hean_parse_decimal(b, strlen(b), &p, HEAN_NUM_POSITIVE) < 0 || p > 1e12) {
		bad(c, "bad price");
		return;
	}
	{
		double sc = pow(10, c->app->syms[i].in.pscale), mk = 0, ix = 0;
		/* optional mark= and index= (distinct from the last price) */
		if ((exsim_query_get(c, "mark", b, sizeof(b)) &&
		     hean_parse_decimal(b, strlen(b), &mk, HEAN_NUM_POSITIVE) < 0) ||
		    (exsim_query_get(c, "index", b, sizeof(b)) &&
		     hean_parse_decimal(b, strlen(b), &ix, HEAN_NUM_POSITIVE) < 0) ||
		    mk > 1e12 || ix > 1e12) {
			bad(c, "bad mark or index");
			return;
		}
		exsim_market_set_prices(c->app, i, llround(p * sc), llround(mk * sc),
					llround(ix * sc));
	}
	ok(c, 1);
}

static void position(struct exsim_conn *c)
{
	int i = qsymbol(c);
	char side[8], q[40];
	int64_t qty;

	if (i < 0 || !exsim_query_get(c, "side", side, sizeof(side)) ||
	    (strcmp(side, "Buy") && strcmp(side, "Sell")) ||
	    !exsim_query_get(c, "qty", q, sizeof(q)) ||
	    exsim_parse_fixed(q, c->app->syms[i].in.qscale, &qty) < 0) {
		bad(c, "need symbol, side=Buy|Sell, qty");
		return;
	}
	exsim_orders_set_position(c->app, i, strcmp(side, "Buy") ? -1 : 1, qty);
	ok(c, 1);
}

void exsim_ctl_handle(struct exsim_conn *c)
{
	struct exsim_app *app = c->app;
	const char *name = c->path + 5;
	int64_t v = 0;
	bool ws_ctl = !strcmp(name, "close") || !strcmp(name, "drop") || !strcmp(name, "silent");
	int mask = ws_ctl ? qpath(c) : EXSIM_PATH_ALL;
	char kind[16];

	if (mask < 0) {
		bad(c, "path must be public|private|all");
	} else if (!strcmp(name, "close")) {
		if (!qint(c, "code", &v)) {
			v = 1000;
		}
		if (v < 1000 || v > 4999 || (v >= 1004 && v <= 1006) || v == 1015) {
			bad(c, "bad close code");
			return;
		}
		ok(c, exsim_ws_close_all(app, mask, (int)v));
	} else if (!strcmp(name, "drop")) {
		drop(c, mask);
	} else if (!strcmp(name, "list") || !strcmp(name, "delist")) {
		listing(c, !strcmp(name, "list"));
	} else if (!strcmp(name, "pause")) {
		app->paused = !qint(c, "on", &v) || v != 0;
		if (!app->paused) {
			for (int i = 0; i < app->nsyms; i++) {
				exsim_ws_notify_symbol(app, i);
			}
		}
		ok(c, 0);
	} else if (!strcmp(name, "silent")) {
		ok(c, exsim_ws_silent_all(app, mask, qdeadline(c)));
	} else if (!strcmp(name, "resume")) {
		app->refuse_until_ms = 0;
		app->w.ban_until_ms = 0;
		app->w.pingless_mask = 0;
		for (int i = 0; i < app->nsyms; i++) {
			app->syms[i].stale_until_ms = 0;
			exsim_ws_notify_symbol(app, i);
		}
		exsim_ws_resume_all(app);
		ok(c, 0);
	} else if (!strcmp(name, "refuse")) {
		if (!qint(c, "code", &v)) {
			v = 503;
		}
		if (v != 503 && v != 403 && v != 429) {
			bad(c, "code must be 503|403|429");
			return;
		}
		app->w.refuse_status = (int)v;
		app->refuse_until_ms = qdeadline(c);
		ok(c, 0);
	} else if (!strcmp(name, "close_on_connect")) {
		app->close_on_connect = qint(c, "on", &v) && v != 0;
		ok(c, 0);
	} else if (!strcmp(name, "stale")) {
		int i = qsymbol(c);
		if (i < 0) {
			bad(c, "unknown symbol");
			return;
		}
		app->syms[i].stale_until_ms = qdeadline(c);
		ok(c, 1);
	} else if (!strcmp(name, "send")) {
		int n;
		if (!exsim_query_get(c, "kind", kind, sizeof(kind))) {
			kind[0] = '\0';
		}
		n = exsim_ws_inject(app, kind);
		if (n < 0) {
			bad(c, "kind must be malformed|huge|unknown|nan|negative|snapshot");
			return;
		}
		ok(c, n);
	} else if (!strcmp(name, "rest_fault")) {
		rest_fault(c);
	} else if (!strcmp(name, "latency")) {
		if (!qint(c, "ms", &v) || v < 0 || v > 3600000) {
			bad(c, "bad ms");
			return;
		}
		app->latency_ms = (int)v;
		ok(c, 0);
	} else if (!strcmp(name, "clock")) {
		if (!qint(c, "offset_ms", &v)) {
			bad(c, "bad offset_ms");
			return;
		}
		app->clock_offset_ms = v;
		ok(c, 0);
	} else if (!strcmp(name, "price")) {
		price(c);
	} else if (!strcmp(name, "rate")) {
		char b[32];
		if (!exsim_query_get(c, "hz", b, sizeof(b)) || exsim_rate_set(app, b) < 0) {
			bad(c, "bad hz");
			return;
		}
		ok(c, 0);
	} else if (!strcmp(name, "position")) {
		position(c);
	} else if (exsim_worst_ctl(c, name)) {
		/* answered */
	} else if (!strcmp(name, "idle_close")) {
		if (!qint(c, "secs", &v) || v < 0 || v > 86400) {
			bad(c, "bad secs");
			return;
		}
		app->idle_close_s = (int)v;
		ok(c, 0);
	} else if (!exsim_protect_ctl(c, name)) {
		views(c, name);
	}
}
