/* exsim account endpoints: what general-purpose Bybit clients (ccxt,
 * bybit-api) ask before they trade, answered for the one simulated
 * UNIFIED account of the configured key. Signature and timestamp checks
 * are done by the REST router before these run (all are private). */
#include "tests/sim/exsim_account.h"

#include <string.h>

#define EXSIM_FEE_TAKER "0.00055"
#define EXSIM_FEE_MAKER "0.0002"

/* GET /v5/user/query-api: the key's own record. A unified-trading key
 * with read-write trading permissions, no IP binding. */
static void user_query_api(struct exsim_conn *c)
{
	json_t *perm = json_pack(
		"{s:[s,s],s:[],s:[s],s:[],s:[s],s:[],s:[],s:[],s:[],s:[]}", "ContractTrade", "Order",
		"Position", "Spot", "Wallet", "AccountTransfer", "Options", "Derivatives",
		"DerivativesTrade", "CopyTrading", "BlockTrade", "Exchange", "NFT", "Affiliate");

	exsim_http_envelope(
		c, 0, "",
		json_pack("{s:s,s:s,s:s,s:i,s:s,s:o,s:[s],s:i,s:i,s:s,s:s,s:i,s:i,s:i,s:i,s:s,s:s,"
			  "s:i,s:s,s:b}",
			  "id", "1", "note", "hean-exsim", "apiKey", c->app->api_key, "readOnly", 0,
			  "secret", "", "permissions", perm, "ips", "*", "type", 1, "deadlineDay",
			  -1, "expiredAt", "", "createdAt", "2024-01-01T00:00:00Z", "unified", 1,
			  "uta", 1, "userID", 1, "inviterID", 0, "vipLevel", "No VIP",
			  "mktMakerLevel", "0", "affiliateID", 0, "rsaPublicKey", "", "isMaster",
			  1));
}

/* GET /v5/account/info: a Unified Trading Account (status 5 = UTA 2.0),
 * regular margin. */
static void account_info(struct exsim_conn *c)
{
	exsim_http_envelope(c, 0, "OK",
			    json_pack("{s:i,s:s,s:b,s:s,s:i,s:i,s:s,s:s}", "unifiedMarginStatus", 5,
				      "marginMode", "REGULAR_MARGIN", "isMasterTrader", 0,
				      "spotHedgingStatus", "OFF", "timeWindow", 10, "smpGroup", 0,
				      "dcpStatus", "OFF", "updatedTime", "1704067200000"));
}

static json_t *coin_row(const char *coin)
{
	return json_pack("{s:s,s:s,s:s,s:[{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}]}", "name",
			 coin, "coin", coin, "remainAmount", "1000000", "chains", "chain", coin,
			 "chainType", coin, "confirmation", "1", "withdrawFee", "0",
			 "depositMin", "0", "withdrawMin", "0", "chainDeposit", "1",
			 "chainWithdraw", "1", "minAccuracy", "8", "withdrawPercentageFee", "0");
}

/* GET /v5/asset/coin/query-info[?coin=]: USDT and the base coin of every
 * simulated symbol, once each. */
static void coin_query_info(struct exsim_conn *c)
{
	struct exsim_app *app = c->app;
	json_t *rows = json_array(), *seen = json_object();
	char want[16];
	bool one = exsim_query_get(c, "coin", want, sizeof(want));

	for (int i = -1; i < app->nsyms; i++) {
		const char *coin = i < 0 ? "USDT" : app->syms[i].in.base;
		if (json_object_get(seen, coin) || (one && strcmp(want, coin))) {
			continue;
		}
		json_object_set_new(seen, coin, json_true());
		json_array_append_new(rows, coin_row(coin));
	}
	json_decref(seen);
	exsim_http_envelope(c, 0, "", json_pack("{s:o}", "rows", rows));
}

/* GET /v5/account/fee-rate?category=linear[&symbol=]: one flat fee
 * schedule for every simulated symbol. */
static void fee_rate(struct exsim_conn *c)
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
			json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s}", "symbol",
							      app->syms[k].in.symbol, "baseCoin", "",
							      "takerFeeRate", EXSIM_FEE_TAKER,
							      "makerFeeRate", EXSIM_FEE_MAKER));
		}
	}
	exsim_http_envelope(c, 0, "OK", json_pack("{s:s,s:o}", "category", "linear", "list", list));
}

static const struct {
	const char *path;
	void (*fn)(struct exsim_conn *c);
} routes[] = {
	{"/v5/user/query-api", user_query_api},
	{"/v5/account/info", account_info},
	{"/v5/asset/coin/query-info", coin_query_info},
	{"/v5/account/fee-rate", fee_rate},
};

bool exsim_account_path(const char *path)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!strcmp(path, routes[i].path)) {
			return true;
		}
	}
	return false;
}

void exsim_account_handle(struct exsim_conn *c)
{
	if (strcmp(c->method, "GET")) {
		const char na[] = "{\"retCode\":405,\"retMsg\":\"Method Not Allowed\"}";
		exsim_http_answer(c, 405, na, sizeof(na) - 1);
		return;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!strcmp(c->path, routes[i].path)) {
			routes[i].fn(c);
			return;
		}
	}
}
