/* Unit tests of waves/select (pure): filters, ranking, one per symbol,
 * max trades, JSON, and +04:00 twins selecting the same wave. */
#include "test_helpers.h"
#include "waves/index.h"
#include "waves/select.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define W0 "2025-10-21T22:45:00+00:00"
#define W0_DUBAI "2025-10-22T02:45:00+04:00"

static const char *const no_black[] = { NULL };

static struct waves_select_cfg cfg(int max_trades, double min_score)
{
	struct waves_select_cfg c;

	memset(&c, 0, sizeof(c));
	c.max_trades = max_trades;
	c.min_score = min_score;
	c.blacklist = no_black;
	c.n_blacklist = 0;
	return c;
}

static const char *reason_of(const struct waves_selection *sel, int64_t id)
{
	for (size_t i = 0; i < sel->n_skipped; i++) {
		if (sel->skipped[i].sig->id == id) {
			return sel->skipped[i].reason;
		}
	}
	return "chosen";
}

static bool pos_eth(const char *symbol, void *data)
{
	(*(int *)data)++;
	return strcmp(symbol, "ETHUSDT") == 0;
}

static void test_filters(void **state)
{
	const char *const black[] = { "DOGEUSDT" };
	struct waves_select_cfg c = cfg(5, 10);
	struct waves_signal s[9];
	struct waves_selection sel;
	int calls = 0;

	s[0] = th_sig("1", "BTCUSDT", "buy", W0, "80", "1");
	s[1] = th_sig("2", "XRPUSDT", "long", W0, "80", "1");     /* side */
	s[2] = th_sig("3", "btc-usdt", "buy", W0, "80", "1");     /* symbol */
	s[3] = th_sig("4", "ADAUSDT", "sell", W0, "NaN", "1");    /* score */
	s[4] = th_sig("5", "ADAUSDT", "sell", W0, "9.99", "1");   /* min_score */
	s[5] = th_sig("6", "DOGEUSDT", "buy", W0, "90", "1");     /* blacklist */
	s[6] = th_sig("7", "ETHUSDT", "sell", W0, "95", "1");     /* position */
	s[7] = th_sig("8", "SOLUSDT", "sell", W0, "10", "1");     /* == min: kept */
	s[8] = th_sig("9", "LTCUSDT", "buy", W0, "50", "oops");   /* score (month) */
	c.blacklist = black;
	c.n_blacklist = 1;
	assert_int_equal(waves_select(&c, s, 9, pos_eth, &calls, &sel), 0);
	assert_int_equal(sel.considered, 9);
	assert_int_equal(sel.n_chosen, 2);
	assert_int_equal(sel.chosen[0]->id, 1);
	assert_int_equal(sel.chosen[1]->id, 8);
	assert_string_equal(reason_of(&sel, 2), "side");
	assert_string_equal(reason_of(&sel, 3), "symbol");
	assert_string_equal(reason_of(&sel, 4), "score");
	assert_string_equal(reason_of(&sel, 5), "min_score");
	assert_string_equal(reason_of(&sel, 6), "blacklist");
	assert_string_equal(reason_of(&sel, 7), "position");
	assert_string_equal(reason_of(&sel, 9), "score");
	assert_int_equal(sel.n_skipped, 7);
	/* the position callback is only asked for signals that passed the rest */
	assert_int_equal(calls, 3);
	assert_string_equal(waves_selection_reason(&sel), "ok");
	waves_selection_finish(&sel);
}

static void test_rank_one_per_symbol_max(void **state)
{
	struct waves_select_cfg c = cfg(3, 0);
	struct waves_signal s[8];
	struct waves_selection sel;
	char *js;

	s[0] = th_sig("10", "BTCUSDT", "buy", W0, "70", "50");
	s[1] = th_sig("11", "BTCUSDT", "sell", W0, "75", "10");  /* best BTC */
	s[2] = th_sig("12", "ETHUSDT", "buy", W0, "70", "60");   /* month breaks tie */
	s[3] = th_sig("13", "SOLUSDT", "buy", W0, "70", "60");   /* id breaks tie (13 > 12) */
	s[4] = th_sig("14", "ADAUSDT", "buy", W0, "69", "99");
	s[5] = th_sig("9", "XRPUSDT", "buy", W0, "70", "60");    /* lowest id of the tie */
	s[6] = th_sig("15", "BTCUSDT", "buy", W0, "75", "10");   /* same score, higher id */
	s[7] = th_sig("16", "DOTUSDT", "sell", W0, "-5", "0");
	assert_int_equal(waves_select(&c, s, 8, NULL, NULL, &sel), 0);
	assert_int_equal(sel.n_chosen, 3);
	assert_int_equal(sel.chosen[0]->id, 11);
	assert_int_equal(sel.chosen[1]->id, 9);
	assert_int_equal(sel.chosen[2]->id, 12);
	assert_string_equal(reason_of(&sel, 10), "duplicate_symbol");
	assert_string_equal(reason_of(&sel, 15), "duplicate_symbol");
	assert_string_equal(reason_of(&sel, 13), "max_trades");
	assert_string_equal(reason_of(&sel, 14), "max_trades");
	assert_string_equal(reason_of(&sel, 16), "min_score");
	js = waves_selection_signals_json(&sel);
	assert_string_equal(js, "[{\"id\":11,\"symbol\":\"BTCUSDT\",\"side\":\"sell\","
				"\"score_week\":75.0,\"score_month\":10.0},"
				"{\"id\":9,\"symbol\":\"XRPUSDT\",\"side\":\"buy\","
				"\"score_week\":70.0,\"score_month\":60.0},"
				"{\"id\":12,\"symbol\":\"ETHUSDT\",\"side\":\"buy\","
				"\"score_week\":70.0,\"score_month\":60.0}]");
	free(js);
	js = waves_selection_skipped_json(&sel);
	/* input order */
	assert_string_equal(js, "[{\"id\":10,\"reason\":\"duplicate_symbol\",\"symbol\":\"BTCUSDT\"},"
				"{\"id\":13,\"reason\":\"max_trades\",\"symbol\":\"SOLUSDT\"},"
				"{\"id\":14,\"reason\":\"max_trades\",\"symbol\":\"ADAUSDT\"},"
				"{\"id\":15,\"reason\":\"duplicate_symbol\",\"symbol\":\"BTCUSDT\"},"
				"{\"id\":16,\"reason\":\"min_score\",\"symbol\":\"DOTUSDT\"}]");
	free(js);
	waves_selection_finish(&sel);
}

/* Arrival order never changes the result. */
static void test_deterministic(void **state)
{
	struct waves_select_cfg c = cfg(4, 0);
	struct waves_signal s[12], t[12];
	struct waves_selection a, b;
	char *ja, *jb;
	unsigned seed = 7;

	for (int i = 0; i < 12; i++) {
		char id[8], sw[8], sym[16];

		snprintf(id, sizeof(id), "%d", 100 + i);
		snprintf(sw, sizeof(sw), "%d", 50 + (i % 4));
		snprintf(sym, sizeof(sym), "S%dUSDT", i % 6);
		s[i] = th_sig(id, sym, i % 2 ? "buy" : "sell", W0, sw, "1");
	}
	for (int round = 0; round < 50; round++) {
		memcpy(t, s, sizeof(s));
		for (int i = 11; i > 0; i--) {
			int j = (int)(rand_r(&seed) % (unsigned)(i + 1));
			struct waves_signal x = t[i];

			t[i] = t[j];
			t[j] = x;
		}
		assert_int_equal(waves_select(&c, s, 12, NULL, NULL, &a), 0);
		assert_int_equal(waves_select(&c, t, 12, NULL, NULL, &b), 0);
		ja = waves_selection_signals_json(&a);
		jb = waves_selection_signals_json(&b);
		assert_string_equal(ja, jb);
		free(ja);
		free(jb);
		waves_selection_finish(&a);
		waves_selection_finish(&b);
	}
}

/* A wave whose signals were written with +04:00 is the same wave as its
 * UTC twin: same index slot, same selection. */
static void test_offset_twins(void **state)
{
	struct waves_index *ix = waves_index_create(100, 1000);
	struct waves_select_cfg c = cfg(5, 0);
	struct waves_signal u[3], d[3];
	const struct waves_signal *v;
	struct waves_selection su, sd;
	char *ju, *jd;
	size_t n;

	u[0] = th_sig("1", "BTCUSDT", "buy", W0, "70", "1");
	u[1] = th_sig("2", "ETHUSDT", "sell", W0, "60", "1");
	u[2] = th_sig("3", "SOLUSDT", "buy", W0, "50", "1");
	d[0] = th_sig("1", "BTCUSDT", "buy", W0_DUBAI, "70", "1");
	d[1] = th_sig("2", "ETHUSDT", "sell", W0_DUBAI, "60", "1");
	d[2] = th_sig("3", "SOLUSDT", "buy", W0_DUBAI, "50", "1");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(u[i].wave_s, d[i].wave_s);
	}
	assert_int_equal(waves_select(&c, u, 3, NULL, NULL, &su), 0);
	assert_int_equal(waves_select(&c, d, 3, NULL, NULL, &sd), 0);
	ju = waves_selection_signals_json(&su);
	jd = waves_selection_signals_json(&sd);
	assert_string_equal(ju, jd);
	free(ju);
	free(jd);
	waves_selection_finish(&su);
	waves_selection_finish(&sd);

	/* mixed arrival: one twin of each, the rest deduped by id */
	assert_int_equal(waves_index_add(ix, &d[0]), 1);
	assert_int_equal(waves_index_add(ix, &u[1]), 1);
	assert_int_equal(waves_index_add(ix, &d[2]), 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(waves_index_add(ix, &u[i]), 0);
		assert_int_equal(waves_index_add(ix, &d[i]), 0);
	}
	v = waves_index_wave(ix, u[0].wave_s, &n);
	assert_int_equal(n, 3);
	assert_int_equal(waves_select(&c, v, n, NULL, NULL, &su), 0);
	assert_int_equal(su.n_chosen, 3);
	waves_selection_finish(&su);
	waves_index_destroy(ix);
}

static void test_empty_and_expired(void **state)
{
	struct waves_select_cfg c = cfg(5, 0);
	struct waves_signal s[2];
	struct waves_selection sel;
	char *js;

	assert_int_equal(waves_select(&c, NULL, 0, NULL, NULL, &sel), 0);
	assert_int_equal(sel.considered, 0);
	assert_string_equal(waves_selection_reason(&sel), "empty");
	js = waves_selection_signals_json(&sel);
	assert_string_equal(js, "[]");
	free(js);
	waves_selection_finish(&sel);

	s[0] = th_sig("1", "BTCUSDT", "hold", W0, "70", "1");
	s[1] = th_sig("2", "bad sym\xff", "buy", W0, "70", "1");
	assert_int_equal(waves_select(&c, s, 2, NULL, NULL, &sel), 0);
	assert_string_equal(waves_selection_reason(&sel), "empty");
	js = waves_selection_skipped_json(&sel);
	/* invalid UTF-8 in a symbol never breaks the JSON */
	assert_string_equal(js, "[{\"id\":1,\"reason\":\"side\",\"symbol\":\"BTCUSDT\"},"
				"{\"id\":2,\"reason\":\"symbol\",\"symbol\":\"\"}]");
	free(js);
	waves_selection_finish(&sel);

	assert_int_equal(waves_select_expired(s, 2, &sel), 0);
	assert_int_equal(sel.considered, 2);
	assert_int_equal(sel.n_chosen, 0);
	assert_string_equal(reason_of(&sel, 1), "expired");
	assert_string_equal(reason_of(&sel, 2), "expired");
	waves_selection_finish(&sel);
	waves_selection_finish(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filters),       cmocka_unit_test(test_rank_one_per_symbol_max),
		cmocka_unit_test(test_deterministic), cmocka_unit_test(test_offset_twins),
		cmocka_unit_test(test_empty_and_expired),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
