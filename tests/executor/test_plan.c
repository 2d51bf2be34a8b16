/* Unit tests: executor/plan (signal parse, order plan, risk limits, the
 * send gate, audit rows from the exchange's order status). Table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "executor/plan.h"
#include "tests/executor/exec_fixtures.h"

#include <string.h>

static void test_parse_signal(void **state)
{
	static const struct {
		const char *json;
		const char *why; /* NULL: accepted */
		int side;
	} t[] = {
		{"{\"symbol\":\"BTCUSDT\",\"side\":\"buy\"}", NULL, 1},
		{"{\"symbol\":\"BTCUSDT\",\"side\":\"Sell\",\"exchange\":\"bybit\"}", NULL, -1},
		{"{\"symbol\":\"BTCUSDT\",\"side\":\"buy\",\"exchange\":\"Bybit\"}", NULL, 1},
		{"{\"symbol\":\"BTCUSDT\",\"side\":\"buy\",\"exchange\":\"binance\"}", "exchange is not bybit", 0},
		{"{\"symbol\":\"BTCUSDT\",\"side\":\"buy\",\"exchange\":7}", "exchange is not bybit", 0},
		{"{\"symbol\":\"btcusdt\",\"side\":\"buy\"}", "invalid symbol", 0},
		{"{\"symbol\":\"BTCUSDT\",\"side\":\"long\"}", "invalid side", 0},
		{"{\"side\":\"buy\"}", "signal without symbol/side", 0},
		{"[1]", "signal without symbol/side", 0},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_t *j = json_loads(t[i].json, 0, NULL);
		struct exec_signal s;
		const char *why = exec_plan_parse_signal(j, &s);

		if (t[i].why) {
			assert_non_null(why);
			assert_string_equal(why, t[i].why);
		} else {
			assert_null(why);
			assert_string_equal(s.symbol, "BTCUSDT");
			assert_int_equal(s.side, t[i].side);
		}
		json_decref(j);
	}
}

static void test_deadline(void **state)
{
	assert_true(exec_plan_deadline_ms(1000, 900, 300, 300) == 2500000LL);
	assert_true(exec_plan_deadline_ms(1000, 60, 0, 0) == 1060000LL);
}

static void test_send_gate(void **state)
{
	static const struct {
		int64_t now, deadline, planned;
		int sends;
		bool known;
		int side;
		enum exec_send_verdict want;
	} t[] = {
		{1000, 5000, 900, 0, true, 0, EXEC_SEND_OK},
		{5000, 5000, 4900, 0, true, 0, EXEC_SEND_OK},          /* at the deadline: still ok */
		{5001, 5000, 4900, 0, true, 0, EXEC_SEND_EXPIRED},     /* one ms late: never */
		{9000, 5000, 8900, 3, false, 1, EXEC_SEND_EXPIRED},    /* expiry first */
		{1000, 5000, 900, EXEC_PLAN_MAX_SENDS, true, 0, EXEC_SEND_GIVE_UP},
		{1000, 5000, 900, EXEC_PLAN_MAX_SENDS - 1, true, 0, EXEC_SEND_OK},
		{1000, 5000, 900, 0, false, 0, EXEC_SEND_NOT_READY},   /* book unknown */
		{1000, 5000, 900, 0, true, 1, EXEC_SEND_POSITION_OPEN},
		{1000, 5000, 900, 2, true, -1, EXEC_SEND_POSITION_OPEN},
		{3001, 5000, 1000, 1, true, 0, EXEC_SEND_REPLAN},      /* planned > 2 s ago */
		{3000, 5000, 1000, 1, true, 0, EXEC_SEND_OK},          /* exactly 2 s: ok */
		{3000, 5000, 0, 0, true, 0, EXEC_SEND_REPLAN},         /* never planned */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct exec_send_ctx c = {t[i].now, t[i].deadline, t[i].planned, t[i].sends,
					  t[i].known, t[i].side};
		enum exec_send_verdict v = exec_plan_send_gate(&c);
		if (v != t[i].want) {
			fail_msg("row %zu: verdict %d, want %d", i, v, t[i].want);
		}
	}
}

static void test_limits(void **state)
{
	static const struct {
		struct exec_plan_limits l;
		struct exec_plan_book b;
		double add;
		const char *want;
	} t[] = {
		{{0, 0, 0}, {true, 0, 100, 1e9, -1e9, false}, 200, NULL}, /* all disabled */
		{{3, 0, 0}, {true, 0, 2, 0, 0, false}, 200, NULL},
		{{3, 0, 0}, {true, 0, 3, 0, 0, false}, 200, "HEAN_MAX_OPEN_POSITIONS"},
		{{0, 1000, 0}, {true, 0, 4, 800, 0, false}, 200, NULL},
		{{0, 1000, 0}, {true, 0, 4, 800.01, 0, false}, 200, "HEAN_MAX_EXPOSURE_USD"},
		{{0, 0, 50}, {true, 0, 0, 0, -49.99, false}, 200, NULL},
		{{0, 0, 50}, {true, 0, 0, 0, -50, false}, 200, "HEAN_DAILY_LOSS_LIMIT_USD"},
		{{0, 0, 50}, {true, 0, 0, 0, 500, false}, 200, NULL}, /* a gain is no loss */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char d[160];
		const char *got = exec_plan_limit(&t[i].l, &t[i].b, t[i].add, d, sizeof(d));
		if (!t[i].want) {
			assert_null(got);
		} else {
			assert_non_null(got);
			assert_string_equal(got, t[i].want);
			assert_non_null(strstr(d, t[i].want));
			assert_non_null(strstr(d, "max="));
		}
	}
}

static void test_plan_order(void **state)
{
	struct exec_instrument in = fixture_btc();
	struct exec_plan_in pi;
	struct exec_plan_out o;

	memset(&pi, 0, sizeof(pi));
	pi.in = &in;
	pi.side = 1;
	pi.last = 50000;
	pi.bid = 49999.9;
	pi.ask = 50000.1;
	pi.position_usd = 200;
	pi.stop_loss_pct = 2;
	pi.book.known = true;
	pi.now_ms = 1000;
	pi.deadline_ms = 2000;
	assert_true(exec_plan_order(&pi, &o));
	assert_string_equal(o.qty_s, "0.003");
	assert_string_equal(o.stop_s, "49000.0");
	/* a fresh quote re-plans qty and stop */
	pi.last = pi.ask = 55000;
	assert_true(exec_plan_order(&pi, &o));
	assert_string_equal(o.stop_s, "53900.0");
	/* skips, each with its reason */
	pi.book.side = 1;
	assert_false(exec_plan_order(&pi, &o));
	assert_string_equal(o.reason, "position already open");
	pi.book.side = 0;
	pi.book.halted = true;
	assert_false(exec_plan_order(&pi, &o));
	assert_non_null(strstr(o.reason, "halt"));
	pi.book.halted = false;
	pi.now_ms = 2001;
	assert_false(exec_plan_order(&pi, &o));
	assert_string_equal(o.reason, "wave expired");
	pi.now_ms = 1000;
	pi.limits.max_open_positions = 1;
	pi.book.open_positions = 1;
	assert_false(exec_plan_order(&pi, &o));
	assert_string_equal(o.limit, "HEAN_MAX_OPEN_POSITIONS");
	assert_non_null(strstr(o.reason, "limit=HEAN_MAX_OPEN_POSITIONS"));
	pi.limits.max_open_positions = 0;
	pi.limits.max_exposure_usd = 300;
	pi.book.exposure_usd = 200;
	assert_false(exec_plan_order(&pi, &o));
	assert_string_equal(o.limit, "HEAN_MAX_EXPOSURE_USD");
	pi.book.exposure_usd = 0;
	pi.last = 0;
	pi.ask = 0;
	assert_false(exec_plan_order(&pi, &o));
	assert_string_equal(o.reason, "no price");
	pi.last = 50000;
	pi.in = NULL;
	assert_false(exec_plan_order(&pi, &o));
	assert_string_equal(o.reason, "unknown instrument");
}

static void test_fate(void **state)
{
	static const struct {
		const char *st;
		double cum;
		enum exec_order_fate want;
		const char *row;
	} t[] = {
		{"New", 0, EXEC_FATE_OPEN, "submitted"},
		{"PartiallyFilled", 0.5, EXEC_FATE_OPEN, "submitted"},
		{"Filled", 1, EXEC_FATE_FILLED, "submitted"},
		{"Rejected", 0, EXEC_FATE_REJECTED, "rejected"},
		{"Cancelled", 0, EXEC_FATE_CANCELLED, "cancelled"},
		{"Deactivated", 0, EXEC_FATE_CANCELLED, "cancelled"},
		{"PartiallyFilledCanceled", 0.4, EXEC_FATE_FILLED, "submitted"},
		{"Cancelled", 0.4, EXEC_FATE_FILLED, "submitted"},
		{"Bogus", 0, EXEC_FATE_UNKNOWN, "submitted"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum exec_order_fate f = exec_plan_order_fate(t[i].st, t[i].cum);
		assert_int_equal(f, t[i].want);
		assert_string_equal(exec_plan_fate_row(f), t[i].row);
	}
	assert_int_equal(exec_plan_order_fate(NULL, 0), EXEC_FATE_UNKNOWN);
}

static void test_price_source(void **state)
{
	/* HEAN_STALE_S plays no part: one poll period without ticks is enough */
	assert_true(exec_plan_use_rest(0, 5000, 1));
	assert_false(exec_plan_use_rest(4000, 5000, 1));
	assert_false(exec_plan_use_rest(4000, 5000 - 1, 1));
	assert_true(exec_plan_use_rest(4000, 5001, 1));
	assert_false(exec_plan_use_rest(1000, 5000, 5));
	assert_true(exec_plan_use_rest(1000, 6001, 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_signal), cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_send_gate),    cmocka_unit_test(test_limits),
		cmocka_unit_test(test_plan_order),   cmocka_unit_test(test_fate),
		cmocka_unit_test(test_price_source),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
