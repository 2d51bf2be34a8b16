/* Unit tests of feed/instruments: what HEAN_SYMBOLS=ALL keeps from a page
 * of instruments-info. */
#include "feed/instruments.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static char syms[8][FEED_SYM_MAX + 1];

static int parse(const char *body, struct feed_instr_page *p, size_t cap)
{
	memset(p, 0, sizeof(*p));
	p->syms = syms;
	p->cap = cap;
	return feed_instr_parse(body, strlen(body), p);
}

#define ROW(sym, status, quote, type)                                                          \
	"{\"symbol\":\"" sym "\",\"status\":\"" status "\",\"quoteCoin\":\"" quote                 \
	"\",\"contractType\":\"" type "\"}"

static void test_keeps_trading_usdt_perpetuals(void **state)
{
	struct feed_instr_page p;
	const char *body =
		"{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"category\":\"linear\","
		"\"nextPageCursor\":\"first%3D10\",\"list\":[" ROW("BTCUSDT", "Trading", "USDT",
								     "LinearPerpetual") ","
		ROW("NEWUSDT", "PreLaunch", "USDT", "LinearPerpetual") ","
		ROW("OLDUSDT", "Closed", "USDT", "LinearPerpetual") ","
		ROW("BTCPERP", "Trading", "USDC", "LinearPerpetual") ","
		ROW("BTC-27MAR26", "Trading", "USDT", "LinearFutures") ","
		"{\"symbol\":\"eth\",\"status\":\"Trading\"},"
		ROW("ETHUSDT", "Trading", "USDT", "LinearPerpetual") "]}}";

	assert_int_equal(parse(body, &p, 8), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(syms[0], "BTCUSDT");
	assert_string_equal(syms[1], "ETHUSDT");
	assert_int_equal(p.seen, 7);
	/* BTC-27MAR26 has a '-': not a symbol the feed can stream */
	assert_int_equal(p.bad, 2);
	assert_int_equal(p.skipped, 3);
	assert_string_equal(p.cursor, "first%3D10");
}

static void test_last_page_and_cap(void **state)
{
	struct feed_instr_page p;
	const char *body = "{\"retCode\":0,\"result\":{\"nextPageCursor\":\"\",\"list\":["
		ROW("AUSDT", "Trading", "USDT", "LinearPerpetual") ","
		ROW("BUSDT", "Trading", "USDT", "LinearPerpetual") "]}}";

	assert_int_equal(parse(body, &p, 1), -ENOSPC);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.cursor, "");
}

static void test_errors_name_the_field(void **state)
{
	struct feed_instr_page p;

	assert_int_equal(parse("not json", &p, 8), -EPROTO);
	assert_non_null(strstr(p.why, "body"));
	assert_int_equal(parse("{\"retCode\":10006,\"retMsg\":\"Too many visits!\"}", &p, 8),
			 -EPROTO);
	assert_non_null(strstr(p.why, "retCode: 10006"));
	assert_int_equal(parse("{\"retCode\":0,\"result\":{}}", &p, 8), -EPROTO);
	assert_non_null(strstr(p.why, "result.list"));
	assert_int_equal(parse("{\"result\":{\"list\":[]}}", &p, 8), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keeps_trading_usdt_perpetuals),
		cmocka_unit_test(test_last_page_and_cap),
		cmocka_unit_test(test_errors_name_the_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
