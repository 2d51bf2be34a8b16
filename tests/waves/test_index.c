/* Unit tests of waves/index (pure): parsing, offsets, dedupe, caps, prune. */
#include "common/timeutil.h"
#include "test_helpers.h"
#include "waves/index.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define W0 "2025-10-21T22:45:00+00:00"

static void test_parse_valid(void **state)
{
	struct waves_signal s = th_sig("1234567", "BTCUSDT", "buy", W0, "71.5", "64");

	assert_int_equal(s.id, 1234567);
	assert_int_equal(s.wave_s, 1761086700);
	assert_int_equal(s.wave_offset_s, 0);
	assert_string_equal(s.symbol, "BTCUSDT");
	assert_true(s.symbol_ok);
	assert_string_equal(s.side, "buy");
	assert_true(s.score_week == 71.5);
	assert_true(s.score_month == 64.0);
}

/* The +04:00 (and Z, -05:00, +0400) twins are the same instant. */
static void test_parse_offsets(void **state)
{
	const char *twins[] = { "2025-10-22T02:45:00+04:00", "2025-10-21T22:45:00Z",
				"2025-10-21T17:45:00-05:00", "2025-10-22T02:45:00+0400",
				"2025-10-21 22:45:00+00:00" };

	for (size_t i = 0; i < sizeof(twins) / sizeof(twins[0]); i++) {
		struct waves_signal s = th_sig("1", "BTCUSDT", "buy", twins[i], "1", "1");

		assert_int_equal(s.wave_s, 1761086700);
	}
	assert_int_equal(th_sig("1", "BTCUSDT", "buy", twins[0], "1", "1").wave_offset_s, 14400);
}

static void test_parse_invalid(void **state)
{
	struct waves_signal s;
	const char *no_id[] = { "symbol", "BTCUSDT", "wave_ts", W0, NULL };
	const char *bad_id[] = { "id", "12x", "wave_ts", W0, NULL };
	const char *no_wave[] = { "id", "1", "symbol", "BTCUSDT", NULL };
	const char *local_wave[] = { "id", "1", "wave_ts", "2025-10-21T22:45:00", NULL };
	const char *frac_wave[] = { "id", "1", "wave_ts", "2025-10-21T22:45:00.500Z", NULL };
	const char *bad_day[] = { "id", "1", "wave_ts", "2025-02-30T22:45:00Z", NULL };
	const char *lenient[] = { "id",          "7",   "wave_ts",    W0,   "symbol", "btcusdt",
				  "side",        "BUY", "score_week", "NaN", "score_month", "",
				  NULL };
	const char *long_side[] = { "id", "8", "wave_ts", W0, "side", "buyyyyyyyyyy", "symbol",
				    "AVERYLONGSYMBOLNAMEOVER20", NULL };

	assert_int_equal(th_parse(&s, no_id), -EINVAL);
	assert_int_equal(th_parse(&s, bad_id), -EINVAL);
	assert_int_equal(th_parse(&s, no_wave), -EINVAL);
	assert_int_equal(th_parse(&s, local_wave), -EINVAL);
	assert_int_equal(th_parse(&s, frac_wave), -EINVAL);
	assert_int_equal(th_parse(&s, bad_day), -EINVAL);
	assert_int_equal(waves_signal_parse(NULL, NULL, 0, &s, (char[8]){ 0 }, 8), -EINVAL);

	assert_int_equal(th_parse(&s, lenient), 0);
	assert_false(s.symbol_ok);
	assert_string_equal(s.side, "BUY");
	assert_true(isnan(s.score_week));
	assert_true(isnan(s.score_month));

	assert_int_equal(th_parse(&s, long_side), 0);
	assert_false(s.symbol_ok);
	assert_string_equal(s.side, "?uyyyyy");
}

static void test_symbol_valid(void **state)
{
	assert_true(waves_symbol_valid("BTCUSDT"));
	assert_true(waves_symbol_valid("1000PEPEUSDT"));
	assert_true(waves_symbol_valid("AB"));
	assert_false(waves_symbol_valid("A"));
	assert_false(waves_symbol_valid(""));
	assert_false(waves_symbol_valid("BTC-USDT"));
	assert_false(waves_symbol_valid("btcusdt"));
	assert_false(waves_symbol_valid("ABCDEFGHIJKLMNOPQRSTU")); /* 21 */
	assert_true(waves_symbol_valid("ABCDEFGHIJKLMNOPQRST"));   /* 20 */
	assert_false(waves_symbol_valid("BTC:*"));
}

static void test_add_dedupe(void **state)
{
	struct waves_index *ix = waves_index_create(10, 100);
	struct waves_signal a = th_sig("1", "BTCUSDT", "buy", W0, "1", "1");
	struct waves_signal b = th_sig("2", "ETHUSDT", "sell", "2025-10-22T02:45:00+04:00", "2", "1");
	struct waves_signal c = th_sig("3", "SOLUSDT", "buy", "2025-10-21T23:00:00Z", "1", "1");
	const struct waves_signal *v;
	size_t n;

	assert_non_null(ix);
	a.seen_ms = 100;
	b.seen_ms = 300;
	c.seen_ms = 200;
	assert_int_equal(waves_index_add(ix, &a), 1);
	assert_int_equal(waves_index_add(ix, &a), 0); /* duplicate delivery */
	assert_int_equal(waves_index_add(ix, &b), 1); /* +04:00 twin wave */
	assert_int_equal(waves_index_add(ix, &c), 1);
	b.wave_s += 900; /* same id, other wave: still a duplicate */
	assert_int_equal(waves_index_add(ix, &b), 0);
	assert_int_equal(waves_index_total(ix), 3);
	assert_int_equal(waves_index_waves(ix), 2);
	v = waves_index_wave(ix, 1761086700, &n);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, 1);
	assert_int_equal(v[1].id, 2);
	assert_int_equal(waves_index_last_seen_ms(ix, 1761086700), 300);
	assert_null(waves_index_wave(ix, 1761086700 - 900, &n));
	assert_int_equal(n, 0);
	assert_int_equal(waves_index_last_seen_ms(ix, 1), 0);
	waves_index_destroy(ix);
	waves_index_destroy(NULL);
}

static void test_caps(void **state)
{
	struct waves_index *ix = waves_index_create(3, 5);
	char id[16];

	for (int i = 0; i < 3; i++) {
		struct waves_signal s;

		snprintf(id, sizeof(id), "%d", i);
		s = th_sig(id, "BTCUSDT", "buy", W0, "1", "1");
		assert_int_equal(waves_index_add(ix, &s), 1);
	}
	{
		struct waves_signal s = th_sig("99", "BTCUSDT", "buy", W0, "1", "1");

		assert_int_equal(waves_index_add(ix, &s), -ENOSPC); /* per wave */
		s.wave_s += 900;
		assert_int_equal(waves_index_add(ix, &s), 1);
		s.id = 100;
		assert_int_equal(waves_index_add(ix, &s), 1);
		s.id = 101;
		assert_int_equal(waves_index_add(ix, &s), -ENOSPC); /* total */
	}
	assert_int_equal(waves_index_total(ix), 5);
	waves_index_destroy(ix);
}

/* Many waves and ids: growth, order, prune and the id set after it. */
static void test_many_and_prune(void **state)
{
	struct waves_index *ix = waves_index_create(1000, 200000);
	int64_t base = 1761086700;
	size_t n;

	/* insert waves in reverse order to exercise sorted insertion */
	for (int w = 99; w >= 0; w--) {
		for (int i = 0; i < 50; i++) {
			struct waves_signal s = th_sig("1", "BTCUSDT", "buy", W0, "1", "1");

			s.id = (int64_t)w * 1000 + i;
			s.wave_s = base + (int64_t)w * 900;
			assert_int_equal(waves_index_add(ix, &s), 1);
		}
	}
	assert_int_equal(waves_index_total(ix), 5000);
	assert_int_equal(waves_index_waves(ix), 100);
	assert_non_null(waves_index_wave(ix, base + 42 * 900, &n));
	assert_int_equal(n, 50);
	assert_true(waves_index_contains(ix, 42007));
	assert_int_equal(waves_index_prune(ix, base + 50 * 900), 2500);
	assert_int_equal(waves_index_prune(ix, base + 50 * 900), 0);
	assert_int_equal(waves_index_total(ix), 2500);
	assert_int_equal(waves_index_waves(ix), 50);
	assert_false(waves_index_contains(ix, 42007));
	assert_true(waves_index_contains(ix, 50000));
	assert_null(waves_index_wave(ix, base + 42 * 900, &n));
	/* a pruned id can be indexed again (a re-delivery of an old wave) */
	{
		struct waves_signal s = th_sig("42007", "BTCUSDT", "buy", W0, "1", "1");

		s.wave_s = base + 60 * 900;
		assert_int_equal(waves_index_add(ix, &s), 1);
	}
	waves_index_destroy(ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),   cmocka_unit_test(test_parse_offsets),
		cmocka_unit_test(test_parse_invalid), cmocka_unit_test(test_symbol_valid),
		cmocka_unit_test(test_add_dedupe),    cmocka_unit_test(test_caps),
		cmocka_unit_test(test_many_and_prune),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
