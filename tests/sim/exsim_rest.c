/* exsim REST: fault injection, signature and timestamp checks on the raw
 * bytes, per-endpoint rate buckets, routing, and the market endpoints. */
#include "tests/sim/exsim.h"
#include "tests/sim/exsim_account.h"

#include <stdlib.h>
#include <string.h>

enum { EP_CREATE, EP_TSTOP, EP_REALTIME, EP_POSLIST, EP_WALLET, EP_N };

static const struct {
	const char *path;
	const char *method;
	int limit;
} eps[EP_N] = {
	{"/v5/order/create", "POST", 10},   {"/v5/position/trading-stop", "POST", 10},
	{"/v5/order/realtime", "GET", 50},  {"/v5/position/list", "GET", 50},
	{"/v5/account/wallet-balance", "GET", 50},
};

static void journal_reject(struct exsim_conn *c, int ep, int code, const char *msg)
{
	json_t *b;

	if (ep != EP_CREATE && ep != EP_TSTOP) {
		return;
	}
	b = c->body ? json_loads(c->body, 0, NULL) : NULL;
	exsim_journal_reply(c->app, ep == EP_CREATE ? "reject" : "trading_stop", b, code, msg,
			    json_pack("{s:s}", "path", c->path));
	json_decref(b);
}

static void error_env(struct exsim_conn *c, int ep, int code, const char *msg)
{
	exsim_http_envelope(c, code, msg, NULL);
	journal_reject(c, ep, code, msg);
}

/* Returns true if a fault consumed the request (answer already set). */
static bool apply_fault(struct exsim_conn *c, int ep, bool *lost)
{
	struct exsim_app *app = c->app;

	for (int i = 0; i < 8; i++) {
		struct exsim_rest_fault *f = &app->faults[i];
		if (f->count <= 0 || (f->path[0] && strcmp(f->path, c->path))) {
			continue;
		}
		f->count--;
		log_info("event=rest_fault kind=%s path=%s left=%d", f->kind, c->path,
			f->count);
		if (!strcmp(f->kind, "10006")) {
			int64_t now = exsim_now_ms(app);
			c->has_limit_hdr = true;
			snprintf(c->limit_hdr[0], 32, "%d", ep >= 0 ? eps[ep].limit : 50);
			snprintf(c->limit_hdr[1], 32, "0");
			snprintf(c->limit_hdr[2], 32, "%lld", (long long)(now + 1000));
			error_env(c, ep, 10006, "Too many visits!");
			return true;
		}
		if (!strcmp(f->kind, "5xx")) {
			const char b[] = "<html><head><title>502 Bad Gateway</title></head><body>"
					 "<center><h1>502 Bad Gateway</h1></center></body></html>";
			exsim_http_answer(c, 502, b, sizeof(b) - 1);
			journal_reject(c, ep, 502, "HTTP 502");
			return true;
		}
		if (!strcmp(f->kind, "429") || !strcmp(f->kind, "401")) {
			static const char b429[] = "<html><head><title>429 Too Many Requests</title>"
						   "</head><body>Too Many Requests</body></html>";
			static const char b401[] = "<html><head><title>401 Authorization Required"
						   "</title></head><body>401 Authorization Required"
						   "</body></html>";
			bool t = f->kind[0] == '4' && f->kind[2] == '9';
			exsim_http_answer(c, t ? 429 : 401, t ? b429 : b401,
					  t ? sizeof(b429) - 1 : sizeof(b401) - 1);
			journal_reject(c, ep, t ? 429 : 401, t ? "HTTP 429" : "HTTP 401");
			return true;
		}
		if (!strcmp(f->kind, "timeout")) {
			c->hold = true;
			journal_reject(c, ep, -1, "timeout (held)");
			return true;
		}
		*lost = true; /* "lost": process, then drop the answer */
		return false;
	}
	return false;
}

static bool check_auth(struct exsim_conn *c, int ep)
{
	struct exsim_app *app = c->app;
	int64_t now = exsim_now_ms(app), ts, rw = 5000;
	const char *payload = !strcmp(c->method, "POST") ? (c->body ? c->body : "")
							 : (c->query ? c->query : "");
	char msg[512], want[HEAN_SIGN_HEX_LEN];
	char *pre;
	size_t plen;

	if (!c->api_key[0] || strcmp(c->api_key, app->api_key)) {
		error_env(c, ep, 10003, "API key is invalid.");
		return false;
	}
	if (hean_parse_int64(c->ts_hdr, strlen(c->ts_hdr), &ts) < 0) {
		error_env(c, ep, 10002, "invalid request, please check your timestamp");
		return false;
	}
	if (hean_parse_int64(c->recv_hdr, strlen(c->recv_hdr), &rw) < 0 || rw <= 0) {
		rw = 5000;
	}
	if (!(now - rw <= ts && ts < now + 1000)) {
		snprintf(msg, sizeof(msg),
			 "invalid request, please check your server timestamp or recv_window param. "
			 "req_timestamp[%lld],server_timestamp[%lld],recv_window[%lld]",
			 (long long)ts, (long long)now, (long long)rw);
		error_env(c, ep, 10002, msg);
		return false;
	}
	plen = strlen(c->ts_hdr) + strlen(c->api_key) + strlen(c->recv_hdr) + strlen(payload) + 1;
	pre = malloc(plen);
	if (!pre) {
		error_env(c, ep, 10016, "System error. Please try again later.");
		return false;
	}
	/* over the exact header bytes, as Bybit does */
	snprintf(pre, plen, "%s%s%s%s", c->ts_hdr, c->api_key, c->recv_hdr, payload);
	if (hean_sign_hmac_hex(app->api_secret, strlen(app->api_secret), pre, strlen(pre), want) <
		    0 ||
	    !hean_sign_equal(c->sign, want)) {
		snprintf(msg, sizeof(msg), "error sign! origin_string[%.400s]", pre);
		free(pre);
		error_env(c, ep, 10004, msg);
		return false;
	}
	free(pre);
	return true;
}

static bool rate_limit(struct exsim_conn *c, int ep)
{
	struct exsim_bucket *b = &c->app->buckets[ep];
	int64_t now = exsim_now_ms(c->app);
	int lim = eps[ep].limit;

	if (now - b->window_start >= 1000 || now < b->window_start) {
		b->window_start = now;
		b->count = 0;
	}
	c->has_limit_hdr = true;
	snprintf(c->limit_hdr[0], 32, "%d", lim);
	if (b->count >= lim) {
		snprintf(c->limit_hdr[1], 32, "0");
		snprintf(c->limit_hdr[2], 32, "%lld", (long long)(b->window_start + 1000));
		error_env(c, ep, 10006, "Too many visits!");
		return false;
	}
	b->count++;
	snprintf(c->limit_hdr[1], 32, "%d", lim - b->count);
	snprintf(c->limit_hdr[2], 32, "%lld", (long long)now);
	return true;
}

/* ===== market ===== */

bool exsim_rest_category_ok(struct exsim_conn *c)
{
	char cat[16];

	if (!exsim_query_get(c, "category", cat, sizeof(cat)) || strcmp(cat, "linear")) {
		exsim_http_envelope(c, 10001, "Illegal category", NULL);
		return false;
	}
	return true;
}

int exsim_rest_query_symbol(struct exsim_conn *c, int *i)
{
	char sym[64];

	if (!exsim_query_get(c, "symbol", sym, sizeof(sym))) {
		return 0;
	}
	*i = exsim_market_find(c->app, sym);
	if (*i < 0) {
		exsim_http_envelope(c, 10001, "Not supported symbols", NULL);
		return -1;
	}
	return 1;
}

void exsim_rest_list(struct exsim_conn *c, json_t *list, const char *next)
{
	exsim_http_envelope(c, 0, "OK",
			    json_pack("{s:s,s:o,s:s}", "category", "linear", "list", list,
				      "nextPageCursor", next));
}

static void market_time(struct exsim_conn *c)
{
	int64_t now = exsim_now_ms(c->app);
	char s[32], ns[40];

	snprintf(s, sizeof(s), "%lld", (long long)(now / 1000));
	snprintf(ns, sizeof(ns), "%lld", (long long)now * 1000000LL + 123456);
	exsim_http_envelope(c, 0, "OK", json_pack("{s:s,s:s}", "timeSecond", s, "timeNano", ns));
}

static void market_tickers(struct exsim_conn *c)
{
	struct exsim_app *app = c->app;
	json_t *list;
	int i = -1, have;

	if (!exsim_rest_category_ok(c) || (have = exsim_rest_query_symbol(c, &i)) < 0) {
		return;
	}
	list = json_array();
	for (int k = 0; k < app->nsyms; k++) {
		if (!have || k == i) {
			json_array_append_new(list, exsim_market_rest_ticker(app, k));
		}
	}
	exsim_http_envelope(c, 0, "OK", json_pack("{s:s,s:o}", "category", "linear", "list", list));
}

/* GET /v5/market/instruments-info. Without status= Bybit lists only
 * Trading instruments (every status with --instruments-all-statuses);
 * status=Trading|PreLaunch|Closed lists those (Settling and Delivering are
 * Bybit statuses no instrument here has: empty list). Pages of limit rows
 * (default 500, 1..1000) in listing order; nextPageCursor is an opaque
 * token ("" on the last page) to pass back as cursor=. A symbol listed
 * while a client pages only ever appends, so no row is repeated or
 * skipped. symbol= answers that one instrument whatever its status
 * (unless status= excludes it): an unknown one is an empty list. */
static void market_instruments(struct exsim_conn *c)
{
	struct exsim_app *app = c->app;
	char sym[64], st_name[24], cur[32], next[32] = "";
	json_t *list;
	int limit = (int)exsim_query_int(c, "limit", 1, 1000, 500), start = 0, want = -2;

	if (!exsim_rest_category_ok(c)) {
		return;
	}
	if (exsim_query_get(c, "status", st_name, sizeof(st_name))) {
		want = exsim_status_of(st_name); /* -1: matches none */
	}
	if (exsim_query_get(c, "cursor", cur, sizeof(cur)) && cur[0]) {
		int64_t v;
		if (cur[0] != 'n' || sim_parse_int(cur + 1, 0, EXSIM_MAX_SYMS, &v) < 0) {
			exsim_http_envelope(c, 10001, "Illegal cursor", NULL);
			return;
		}
		start = (int)v;
	}
	list = json_array();
	if (exsim_query_get(c, "symbol", sym, sizeof(sym))) {
		int i = exsim_market_find(app, sym);
		if (i >= 0 && (want == -2 || want == app->syms[i].status)) {
			json_array_append_new(list, exsim_market_instrument(app, i));
		}
	} else {
		int i, n = 0;
		for (i = start; i < app->nsyms; i++) {
			int st = app->syms[i].status;
			if (want == -2 ? !app->list_all_status && st != EXSIM_ST_TRADING : st != want) {
				continue;
			}
			if (n == limit) {
				snprintf(next, sizeof(next), "n%d", i);
				break;
			}
			json_array_append_new(list, exsim_market_instrument(app, i));
			n++;
		}
	}
	exsim_rest_list(c, list, next);
}

static void wallet_balance(struct exsim_conn *c)
{
	exsim_http_envelope(c, 0, "OK",
			    json_pack("{s:[o]}", "list", exsim_orders_wallet_json(c->app)));
}

/* ===== routing ===== */

void exsim_rest_handle(struct exsim_conn *c)
{
	int ep = -1;
	bool lost = false;
	json_t *body = NULL;

	for (int i = 0; i < EP_N; i++) {
		if (!strcmp(c->path, eps[i].path)) {
			ep = i;
		}
	}
	if (apply_fault(c, ep, &lost)) {
		return;
	}
	c->drop_answer = lost;
	if (!strcmp(c->path, "/v5/market/time")) {
		market_time(c);
		return;
	}
	if (!strcmp(c->path, "/v5/market/tickers")) {
		market_tickers(c);
		return;
	}
	if (!strcmp(c->path, "/v5/market/instruments-info")) {
		market_instruments(c);
		return;
	}
	if (ep < 0 && exsim_account_path(c->path)) {
		if (check_auth(c, -1)) {
			exsim_account_handle(c);
		}
		return;
	}
	if (ep < 0) {
		const char nf[] = "{\"retCode\":404,\"retMsg\":\"Not Found\"}";
		exsim_http_answer(c, 404, nf, sizeof(nf) - 1);
		return;
	}
	if (strcmp(c->method, eps[ep].method)) {
		const char na[] = "{\"retCode\":405,\"retMsg\":\"Method Not Allowed\"}";
		exsim_http_answer(c, 405, na, sizeof(na) - 1);
		return;
	}
	if (!check_auth(c, ep) || !rate_limit(c, ep)) {
		return;
	}
	if (!strcmp(c->method, "POST")) {
		body = json_loadb(c->body ? c->body : "", c->body_len, 0, NULL);
		if (!json_is_object(body) || c->body_overflow) {
			json_decref(body);
			error_env(c, ep, 10001, "Request parameter error.");
			return;
		}
	}
	switch (ep) {
	case EP_CREATE:
		exsim_orders_create(c, body);
		break;
	case EP_TSTOP:
		exsim_orders_trading_stop(c, body);
		break;
	case EP_REALTIME:
		exsim_orders_realtime(c);
		break;
	case EP_POSLIST:
		exsim_orders_position_list(c);
		break;
	default:
		wallet_balance(c);
	}
	json_decref(body);
}
