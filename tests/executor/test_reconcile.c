/* Unit tests: executor/reconcile (position rows, diff -> actions, partial
 * fills, protective stop from the average entry, paging query, URL
 * encoding, Full-mode trading-stop body). Table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "executor/reconcile.h"
#include "executor/trail.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static void test_parse_rows(void **state)
{
	static const struct {
		const char *json;
		int rc, side;
		double size, avg, stop;
	} t[] = {
		{"{\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"size\":\"0.010\",\"avgPrice\":\"36110.0\","
		 "\"stopLoss\":\"35000.00\",\"positionIdx\":0}", EXEC_ROW_OK, 1, 0.01, 36110, 35000},
		/* WebSocket spelling of the average entry */
		{"{\"symbol\":\"ETHUSDT\",\"side\":\"Sell\",\"size\":\"2\",\"entryPrice\":\"2000\","
		 "\"stopLoss\":\"0\",\"positionIdx\":0}", EXEC_ROW_OK, -1, 2, 2000, 0},
		{"{\"symbol\":\"ETHUSDT\",\"side\":\"\",\"size\":\"0\",\"avgPrice\":\"0\"}", EXEC_ROW_OK, 0, 0, 0, 0},
		/* hedge mode */
		{"{\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"size\":\"1\",\"avgPrice\":\"1\",\"positionIdx\":1}",
		 EXEC_ROW_HEDGE, 1, 1, 1, 0},
		{"{\"symbol\":\"BTCUSDT\",\"side\":\"\",\"size\":\"0\",\"positionIdx\":2}", EXEC_ROW_HEDGE, 0, 0, 0, 0},
		{"{\"symbol\":\"bad\",\"size\":\"1\"}", -EINVAL, 0, 0, 0, 0},
		{"{\"symbol\":\"BTCUSDT\",\"size\":\"x\"}", -EINVAL, 0, 0, 0, 0},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_t *j = json_loads(t[i].json, 0, NULL);
		struct exec_pos_row r;
		int rc = exec_reconcile_parse_row(j, &r);

		assert_int_equal(rc, t[i].rc);
		if (rc >= 0) {
			assert_int_equal(r.side, t[i].side);
			assert_true(r.size == t[i].size);
			assert_true(r.avg == t[i].avg);
			assert_true(r.stop == t[i].stop);
		}
		json_decref(j);
	}
}

static void test_diff(void **state)
{
	static const struct {
		struct exec_book_pos b;
		struct exec_pos_row r;
		unsigned want;
	} t[] = {
		/* unknown to the book, with a stop: open */
		{{false, 0, 0, 0, 0}, {"BTCUSDT", 1, 1, 100, 98, 0}, EXEC_RC_OPEN},
		/* opened outside hean, no stop: open + protect */
		{{false, 0, 0, 0, 0}, {"BTCUSDT", 1, 1, 100, 0, 0}, EXEC_RC_OPEN | EXEC_RC_PROTECT},
		/* unchanged */
		{{true, 1, 1, 100, 98}, {"BTCUSDT", 1, 1, 100, 98, 0}, EXEC_RC_NONE},
		/* partial fill: size grows, average entry moves */
		{{true, 1, 0.3, 100, 98}, {"BTCUSDT", 1, 1, 100.5, 98, 0}, EXEC_RC_RESIZE},
		/* stop dropped at the exchange */
		{{true, 1, 1, 100, 98}, {"BTCUSDT", 1, 1, 100, 0, 0}, EXEC_RC_STOP | EXEC_RC_PROTECT},
		/* stop moved at the exchange */
		{{true, 1, 1, 100, 98}, {"BTCUSDT", 1, 1, 100, 99, 0}, EXEC_RC_STOP},
		/* flipped */
		{{true, 1, 1, 100, 98}, {"BTCUSDT", -1, 1, 101, 103, 0}, EXEC_RC_OPEN},
		/* closed */
		{{true, 1, 1, 100, 98}, {"BTCUSDT", 0, 0, 0, 0, 0}, EXEC_RC_CLOSE},
		{{false, 0, 0, 0, 0}, {"BTCUSDT", 0, 0, 0, 0, 0}, EXEC_RC_NONE},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned a = exec_reconcile_diff(&t[i].b, &t[i].r);
		if (a != t[i].want) {
			fail_msg("row %zu: actions %#x, want %#x", i, a, t[i].want);
		}
	}
}

/* A position filled in three executions: the trail follows the average
 * entry, and a missing stop is computed from the average entry. */
static void test_partial_fill(void **state)
{
	struct exec_instrument in;
	struct exec_trail_cfg cfg = {1.0, 0.5, 0};
	struct exec_trail tr;
	double ns = 0;

	memset(&in, 0, sizeof(in));
	in.tick = 0.01;
	in.price_dp = 2;
	/* first execution 0.3 @ 100, the order's stop 98 */
	exec_trail_init(&tr, &cfg, 1, 100, 98, in.tick);
	/* then 0.7 @ 102.14: average 101.498 */
	tr.entry = 101.498;
	/* 1 % above 100 but not above the average: not armed yet */
	assert_int_equal(exec_trail_update(&tr, &cfg, 101.2, 1000, &ns), EXEC_TRAIL_NONE);
	assert_false(tr.armed);
	assert_int_equal(exec_trail_update(&tr, &cfg, 102.52, 2000, &ns), EXEC_TRAIL_MOVE);
	assert_true(ns > 98);
	/* no stop at the exchange: from the average entry, 2 % below */
	assert_true(fabs(exec_reconcile_protect_stop(&in, 1, 101.498, 101.5, 2.0) - 99.46) < 1e-9);
	/* price already below that: just beyond the current price */
	assert_true(fabs(exec_reconcile_protect_stop(&in, 1, 101.498, 99.0, 2.0) - 97.02) < 1e-9);
	/* short side */
	assert_true(fabs(exec_reconcile_protect_stop(&in, -1, 100, 100, 2.0) - 102.0) < 1e-9);
}

static void test_stop_body(void **state)
{
	char b[256];

	assert_int_equal(exec_reconcile_stop_body("BTCUSDT", "49000.0", b, sizeof(b)), 0);
	/* Full mode: the stop covers the whole position whatever its fills; no slSize */
	assert_non_null(strstr(b, "\"tpslMode\":\"Full\""));
	assert_non_null(strstr(b, "\"positionIdx\":0"));
	assert_null(strstr(b, "slSize"));
	assert_int_equal(exec_reconcile_stop_body("BTCUSDT", "1", b, 10), -ENOSPC);
}

static void test_query_encode(void **state)
{
	char q[512], e[64];

	assert_int_equal(exec_reconcile_query(NULL, q, sizeof(q)), 0);
	assert_string_equal(q, "category=linear&settleCoin=USDT&limit=200");
	assert_int_equal(exec_reconcile_query("page2%3A0,x=y&z", q, sizeof(q)), 0);
	assert_string_equal(q, "category=linear&settleCoin=USDT&limit=200&cursor=page2%253A0%2Cx%3Dy%26z");
	assert_int_equal(exec_url_encode("a b+c/d~e_f.g-h", e, sizeof(e)), 0);
	assert_string_equal(e, "a%20b%2Bc%2Fd~e_f.g-h");
	assert_int_equal(exec_url_encode("abcdef", e, 4), -ENOSPC);
}

static void test_pnl(void **state)
{
	static const struct {
		int ps;
		double size, entry;
		int es;
		double px, qty, closed, want;
	} t[] = {
		{1, 2, 100, -1, 98, 2, -1, -4},      /* long stopped out: loss */
		{1, 2, 100, -1, 105, 1, -1, 5},      /* half closed at a gain */
		{1, 2, 100, -1, 105, 3, -1, 10},     /* flip: only the closed part */
		{1, 2, 100, -1, 105, 3, 2, 10},      /* closedSize given */
		{-1, 1, 100, 1, 103, 1, -1, -3},     /* short stopped out */
		{1, 2, 100, 1, 103, 1, -1, 0},       /* adds: nothing realized */
		{0, 0, 0, 1, 103, 1, -1, 0},         /* opens */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		double v = exec_reconcile_exec_pnl(t[i].ps, t[i].size, t[i].entry, t[i].es, t[i].px,
						   t[i].qty, t[i].closed);
		if (fabs(v - t[i].want) > 1e-9) {
			fail_msg("row %zu: pnl %g, want %g", i, v, t[i].want);
		}
	}
	assert_true(fabs(exec_reconcile_unrealized(1, 2, 100, 101) - 2) < 1e-9);
	assert_true(fabs(exec_reconcile_unrealized(-1, 2, 100, 101) + 2) < 1e-9);
	assert_true(exec_reconcile_unrealized(0, 0, 0, 101) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rows), cmocka_unit_test(test_diff),
		cmocka_unit_test(test_partial_fill), cmocka_unit_test(test_stop_body),
		cmocka_unit_test(test_query_encode), cmocka_unit_test(test_pnl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
