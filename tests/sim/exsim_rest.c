/* exsim REST: fault injection, signature and timestamp checks on the raw
 * bytes, per-endpoint rate buckets, routing, and the market endpoints. */
#include "tests/sim/exsim.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
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
	json_t *e;

	if (ep != EP_CREATE && ep != EP_TSTOP) {
		return;
	}
	e = json_pack("{s:s,s:i,s:s}", "path", c->path, "retCode", code, "retMsg", msg);
	if (c->body) {
		json_t *b = json_loads(c->body, 0, NULL);
		if (json_is_object(b)) {
			const char *k;
			json_t *v;
			json_object_foreach(b, k, v) {
				if (!json_object_get(e, k)) {
					json_object_set(e, k, v);
				}
			}
		}
		json_decref(b);
	}
	exsim_journal_add(c->app, ep == EP_CREATE ? "reject" : "trading_stop", e);
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
		fprintf(stderr, "exsim: event=rest_fault kind=%s path=%s left=%d\n", f->kind, c->path,
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
	char msg[512], hex[65];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char *pre, *endp;
	size_t plen;

	if (!c->api_key[0] || strcmp(c->api_key, app->api_key)) {
		error_env(c, ep, 10003, "API key is invalid.");
		return false;
	}
	ts = strtoll(c->ts_hdr, &endp, 10);
	if (!c->ts_hdr[0] || *endp) {
		error_env(c, ep, 10002, "invalid request, please check your timestamp");
		return false;
	}
	if (c->recv_hdr[0]) {
		rw = strtoll(c->recv_hdr, &endp, 10);
		if (*endp || rw <= 0) {
			rw = 5000;
		}
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
	snprintf(pre, plen, "%s%s%s%s", c->ts_hdr, c->api_key, c->recv_hdr, payload);
	HMAC(EVP_sha256(), app->api_secret, (int)strlen(app->api_secret),
	     (const unsigned char *)pre, strlen(pre), mac, &maclen);
	for (unsigned i = 0; i < maclen; i++) {
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	}
	if (strlen(c->sign) != 64 || CRYPTO_memcmp(c->sign, hex, 64)) {
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

static bool category_ok(struct exsim_conn *c, char *cat, size_t n)
{
	if (!exsim_query_get(c, "category", cat, n) || strcmp(cat, "linear")) {
		exsim_http_envelope(c, 10001, "Illegal category", NULL);
		return false;
	}
	return true;
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
	char cat[32], sym[64];
	json_t *list = json_array();

	if (!category_ok(c, cat, sizeof(cat))) {
		json_decref(list);
		return;
	}
	if (exsim_query_get(c, "symbol", sym, sizeof(sym))) {
		int i = exsim_market_find(app, sym);
		if (i < 0) {
			json_decref(list);
			exsim_http_envelope(c, 10001, "Not supported symbols", NULL);
			return;
		}
		json_array_append_new(list, exsim_market_rest_ticker(app, i));
	} else {
		for (int i = 0; i < app->nsyms; i++) {
			json_array_append_new(list, exsim_market_rest_ticker(app, i));
		}
	}
	exsim_http_envelope(c, 0, "OK", json_pack("{s:s,s:o}", "category", "linear", "list", list));
}

static void market_instruments(struct exsim_conn *c)
{
	struct exsim_app *app = c->app;
	char cat[32], sym[64], lim[16], cur[16], next[16] = "";
	json_t *list = json_array();
	int limit = 500, start = 0;

	if (!category_ok(c, cat, sizeof(cat))) {
		json_decref(list);
		return;
	}
	if (exsim_query_get(c, "limit", lim, sizeof(lim))) {
		limit = atoi(lim);
		if (limit < 1 || limit > 1000) {
			limit = 500;
		}
	}
	if (exsim_query_get(c, "cursor", cur, sizeof(cur)) && cur[0]) {
		start = atoi(cur);
	}
	if (exsim_query_get(c, "symbol", sym, sizeof(sym))) {
		int i = exsim_market_find(app, sym);
		if (i >= 0) {
			json_array_append_new(list, exsim_market_instrument(app, i));
		}
	} else {
		int i;
		for (i = start; i < app->nsyms && i < start + limit; i++) {
			json_array_append_new(list, exsim_market_instrument(app, i));
		}
		if (i < app->nsyms) {
			snprintf(next, sizeof(next), "%d", i);
		}
	}
	exsim_http_envelope(c, 0, "OK",
			    json_pack("{s:s,s:o,s:s}", "category", "linear", "list", list,
				      "nextPageCursor", next));
}

static void wallet_balance(struct exsim_conn *c)
{
	char b[40];
	snprintf(b, sizeof(b), "%.4f", c->app->wallet);
	exsim_http_envelope(
		c, 0, "OK",
		json_pack("{s:[{s:s,s:s,s:s,s:[{s:s,s:s,s:s,s:s}]}]}", "list", "accountType",
			  "UNIFIED", "totalEquity", b, "totalAvailableBalance", b, "coin", "coin",
			  "USDT", "equity", b, "walletBalance", b, "unrealisedPnl", "0"));
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
