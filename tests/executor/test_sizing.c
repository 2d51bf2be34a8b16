/* Unit tests: executor/sizing (qty/stop rounding, orderLinkId). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "executor/sizing.h"
#include "tests/executor/exec_fixtures.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static void test_decimals(void **state)
{
	assert_int_equal(exec_sizing_decimals("0.001"), 3);
	assert_int_equal(exec_sizing_decimals("0.10"), 2);
	assert_int_equal(exec_sizing_decimals("5"), 0);
	assert_int_equal(exec_sizing_decimals("1.0"), 1);
	assert_int_equal(exec_sizing_decimals(NULL), 0);
	/* exponent form (tickSize "1e-05" for sub-cent coins) */
	assert_int_equal(exec_sizing_decimals("1e-05"), 5);
	assert_int_equal(exec_sizing_decimals("1E-8"), 8);
	assert_int_equal(exec_sizing_decimals("2.5e-3"), 4);
	assert_int_equal(exec_sizing_decimals("1e+2"), 0);
	assert_int_equal(exec_sizing_decimals("1e2"), 0);
}

static void test_qty_round_down(void **state)
{
	struct exec_instrument in = fixture_btc();
	char q[40], why[160];
	double qty;

	/* 200 / 66666.6 = 0.0030000... -> 0.003 (never 0.004) */
	assert_int_equal(exec_sizing_qty(&in, 200, 66666.6, &qty, q, sizeof(q), why, sizeof(why)), 0);
	assert_string_equal(q, "0.003");
	/* 200 / 66667 = 0.00299998 -> 0.002 (rounded DOWN) */
	assert_int_equal(exec_sizing_qty(&in, 200, 66667, &qty, q, sizeof(q), why, sizeof(why)), 0);
	assert_string_equal(q, "0.002");
	/* exact multiple in decimal that is inexact in binary: 0.3 / 0.1 */
	in.qty_step = 0.1;
	in.qty_dp = 1;
	in.min_qty = 0.1;
	in.min_notional = 0;
	assert_int_equal(exec_sizing_qty(&in, 0.3, 1.0, &qty, q, sizeof(q), why, sizeof(why)), 0);
	assert_string_equal(q, "0.3");
}

static void test_qty_minimums(void **state)
{
	struct exec_instrument in = fixture_btc();
	char q[40], why[160];
	double qty;

	/* 50 USD at 66666 -> 0.000 < minOrderQty */
	assert_int_equal(exec_sizing_qty(&in, 50, 66666, &qty, q, sizeof(q), why, sizeof(why)),
			 -ERANGE);
	assert_non_null(strstr(why, "minOrderQty"));
	/* qty ok but notional below 5 USDT */
	in.min_qty = 0.001;
	assert_int_equal(exec_sizing_qty(&in, 4, 1000, &qty, q, sizeof(q), why, sizeof(why)),
			 -ERANGE);
	assert_non_null(strstr(why, "minNotional"));
	/* capped at maxMktOrderQty */
	assert_int_equal(exec_sizing_qty(&in, 1e9, 1000, &qty, q, sizeof(q), why, sizeof(why)), 0);
	assert_string_equal(q, "500.000");
	assert_int_equal(exec_sizing_qty(&in, 200, 0, &qty, q, sizeof(q), why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(exec_sizing_qty(&in, 200, NAN, &qty, q, sizeof(q), why, sizeof(why)),
			 -EINVAL);
}

static void test_round_tick(void **state)
{
	assert_true(fabs(exec_sizing_round_tick(100.07, 0.1, -1) - 100.0) < 1e-9);
	assert_true(fabs(exec_sizing_round_tick(100.01, 0.1, 1) - 100.1) < 1e-9);
	assert_true(fabs(exec_sizing_round_tick(100.3, 0.1, -1) - 100.3) < 1e-9);
	assert_true(fabs(exec_sizing_round_tick(100.3, 0.1, 1) - 100.3) < 1e-9);
	assert_true(fabs(exec_sizing_round_tick(100.06, 0.1, 0) - 100.1) < 1e-9);
}

static void test_stop(void **state)
{
	struct exec_instrument in = fixture_btc();
	char b[40];

	/* long: 2 % below, rounded down: 66666.6 * 0.98 = 65333.268 -> 65333.2 */
	assert_string_equal(exec_sizing_fmt(exec_sizing_stop(&in, 1, 66666.6, 0, 2.0), 1, b, 40),
			    "65333.2");
	/* short: 2 % above, rounded up: 67999.932 -> 68000.0 */
	assert_string_equal(exec_sizing_fmt(exec_sizing_stop(&in, -1, 66666.6, 0, 2.0), 1, b, 40),
			    "68000.0");
	/* the price already fell past the entry-based stop: from the price */
	assert_string_equal(exec_sizing_fmt(exec_sizing_stop(&in, 1, 66666.6, 65000, 2.0), 1, b, 40),
			    "63700.0");
	/* short and the price rose past: from the price */
	assert_string_equal(exec_sizing_fmt(exec_sizing_stop(&in, -1, 1000, 1100, 2.0), 1, b, 40),
			    "1122.0");
	assert_true(exec_sizing_stop(&in, 0, 100, 0, 2.0) == 0);
	assert_true(exec_sizing_stop(&in, 1, 100, 0, 0) == 0);
}

static void test_link_id(void **state)
{
	char id[EXEC_LINK_LEN];

	assert_int_equal(exec_sizing_link_id(1761091200, "BTCUSDT", id, sizeof(id)), 0);
	assert_string_equal(id, "h1761091200-BTCUSDT");
	/* longest symbol (20) fits 36 */
	assert_int_equal(exec_sizing_link_id(9999999999LL, "ABCDEFGHIJKLMNOPQRST", id, sizeof(id)),
			 0);
	assert_true(strlen(id) <= 36);
	assert_true(exec_sizing_link_id_valid(id));
	assert_int_equal(exec_sizing_link_id(1, "btcusdt", id, sizeof(id)), -EINVAL);
	assert_int_equal(exec_sizing_link_id(1, "BTC-USDT", id, sizeof(id)), -EINVAL);
	assert_int_equal(exec_sizing_link_id(1, "ABCDEFGHIJKLMNOPQRSTU", id, sizeof(id)), -EINVAL);
	assert_int_equal(exec_sizing_link_id(1, "BTCUSDT", id, 5), -EINVAL);
	assert_false(exec_sizing_link_id_valid("a b"));
	assert_false(exec_sizing_link_id_valid(""));
	assert_false(exec_sizing_link_id_valid("0123456789012345678901234567890123456"));
	assert_true(exec_sizing_symbol_valid("BTCUSDT"));
	assert_false(exec_sizing_symbol_valid("B"));
	assert_false(exec_sizing_symbol_valid("BTC:USDT"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimals),    cmocka_unit_test(test_qty_round_down),
		cmocka_unit_test(test_qty_minimums), cmocka_unit_test(test_round_tick),
		cmocka_unit_test(test_stop),        cmocka_unit_test(test_link_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
