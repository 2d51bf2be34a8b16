/* Unit tests of feed/ticker: snapshot replace, delta partial merge, delta
 * before snapshot, reconnect invalidation, "" handling. */
#include "feed/parse.h"
#include "feed/ticker.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static const char *const syms[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "ETHUSDT"};

static struct feed_msg msg(const char *json)
{
	struct feed_msg m;
	assert_int_equal(feed_parse(json, strlen(json), &m), FEED_MSG_TICKER);
	return m;
}

static enum feed_merge apply(struct feed_book *b, const char *json, struct feed_ticker **t)
{
	struct feed_msg m = msg(json);
	return feed_book_apply(b, &m, 42, t);
}

#define F(sym, type, ts, data)                                                                  \
	"{\"topic\":\"tickers." sym "\",\"type\":\"" type "\",\"ts\":" #ts ",\"data\":{\"symbol\":\"" \
	sym "\"" data "}}"

static void test_book(void **state)
{
	struct feed_book b;
	assert_int_equal(feed_book_init(&b, syms, 4, 0), 0);
	assert_int_equal(b.n, 3); /* duplicate skipped */
	assert_non_null(feed_book_find(&b, "SOLUSDT", 7));
	assert_null(feed_book_find(&b, "SOLUSD", 6));
	assert_int_equal(feed_book_find(&b, "ETHUSDT", 7)->idx, 1);
	feed_book_finish(&b);
	const char *bad[] = {"BTCUSDT", "btc"};
	assert_int_equal(feed_book_init(&b, bad, 2, 0), -EINVAL);
}

/* Symbols come and go: indices stay stable, slots are reused with a new
 * gen, a removed symbol's messages are unknown. */
static void test_add_remove(void **state)
{
	struct feed_book b;
	struct feed_ticker *t, *eth, *sol;
	assert_int_equal(feed_book_init(&b, syms, 3, 0), 0);
	assert_int_equal(b.cap, FEED_BOOK_CAP);
	eth = feed_book_find(&b, "ETHUSDT", 7);
	sol = feed_book_find(&b, "SOLUSDT", 7);
	assert_int_equal(feed_book_add(&b, "ETHUSDT", 5, &t), 0);
	assert_ptr_equal(t, eth);
	assert_int_equal(feed_book_add(&b, "bad", 5, &t), -EINVAL);
	uint32_t gen = eth->gen;
	feed_book_remove(&b, eth);
	assert_int_equal(b.live, 2);
	assert_null(feed_book_find(&b, "ETHUSDT", 7));
	assert_ptr_equal(feed_book_find(&b, "SOLUSDT", 7), sol);
	assert_int_equal(apply(&b, F("ETHUSDT", "snapshot", 1, ",\"lastPrice\":\"5\""), &t),
			 FEED_MERGE_UNKNOWN_SYMBOL);
	/* the freed slot is reused, with a new gen and no old state */
	assert_int_equal(feed_book_add(&b, "XRPUSDT", 9, &t), 1);
	assert_int_equal(t->idx, 1);
	assert_true(t->gen != gen);
	assert_false(t->has_data);
	assert_int_equal(t->stale.last_ms, 9);
	assert_int_equal(apply(&b, F("XRPUSDT", "snapshot", 1, ",\"lastPrice\":\"0.5\""), &t),
			 FEED_MERGE_OK);
	assert_string_equal(t->symbol, "XRPUSDT");
	/* the high-water mark shrinks when the last slot goes */
	feed_book_remove(&b, sol);
	assert_int_equal(b.n, 2);
	/* full */
	feed_book_finish(&b);
	const char *one[] = {"AUSDT"};
	assert_int_equal(feed_book_init(&b, one, 1, 0), 0);
	char name[16];
	int rc = 0;
	for (int i = 0; rc >= 0 && i < FEED_BOOK_CAP + 1; i++) {
		snprintf(name, sizeof(name), "S%dUSDT", i);
		rc = feed_book_add(&b, name, 0, &t);
	}
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(b.live, FEED_BOOK_CAP);
	feed_book_finish(&b);
}

static void test_snapshot_then_deltas(void **state)
{
	struct feed_book b;
	struct feed_ticker *t;
	assert_int_equal(feed_book_init(&b, syms, 3, 0), 0);

	/* delta before any snapshot: ignored */
	assert_int_equal(apply(&b, F("BTCUSDT", "delta", 1, ",\"lastPrice\":\"5\""), &t),
			 FEED_MERGE_NO_SNAPSHOT);
	assert_null(t);
	assert_false(feed_book_find(&b, "BTCUSDT", 7)->has_data);

	assert_int_equal(apply(&b, F("BTCUSDT", "snapshot", 10,
				     ",\"lastPrice\":\"100.5\",\"bid1Price\":\"100.4\",\"ask1Price\":"
				     "\"100.6\",\"markPrice\":\"100.55\""),
			       &t),
			 FEED_MERGE_OK);
	assert_string_equal(t->px[FEED_PX_LAST].s, "100.5");
	assert_int_equal(t->recv_us, 42);
	assert_true(t->ts == 10);

	/* delta with only the bid: the rest stays */
	assert_int_equal(apply(&b, F("BTCUSDT", "delta", 11, ",\"bid1Price\":\"100.45\""), &t),
			 FEED_MERGE_OK);
	assert_string_equal(t->px[FEED_PX_BID].s, "100.45");
	assert_string_equal(t->px[FEED_PX_LAST].s, "100.5");
	assert_string_equal(t->px[FEED_PX_ASK].s, "100.6");
	assert_string_equal(t->px[FEED_PX_MARK].s, "100.55");
	assert_true(t->ts == 11);

	/* delta with no price at all: merged and published (most of Bybit's ticker deltas carry no price) */
	assert_int_equal(apply(&b, F("BTCUSDT", "delta", 12, ",\"openInterest\":\"7\""), &t),
			 FEED_MERGE_OK);
	assert_non_null(t);
	assert_string_equal(t->px[FEED_PX_LAST].s, "100.5");
	assert_true(t->ts == 12);

	/* an older ts never moves ts back */
	assert_int_equal(apply(&b, F("BTCUSDT", "delta", 5, ",\"markPrice\":\"101\""), &t),
			 FEED_MERGE_OK);
	assert_true(t->ts == 12);
	assert_string_equal(t->px[FEED_PX_MARK].s, "101");

	/* "" in a delta: no value (not 0, not unchanged) */
	assert_int_equal(apply(&b, F("BTCUSDT", "delta", 13, ",\"ask1Price\":\"\""), &t),
			 FEED_MERGE_OK);
	assert_int_not_equal(t->px[FEED_PX_ASK].state, FEED_FIELD_SET);
	assert_int_equal(t->px[FEED_PX_ASK].len, 0);

	/* a snapshot replaces: fields it lacks have no value */
	assert_int_equal(apply(&b, F("BTCUSDT", "snapshot", 20, ",\"lastPrice\":\"99\""), &t),
			 FEED_MERGE_OK);
	assert_string_equal(t->px[FEED_PX_LAST].s, "99");
	assert_int_not_equal(t->px[FEED_PX_BID].state, FEED_FIELD_SET);
	assert_int_not_equal(t->px[FEED_PX_MARK].state, FEED_FIELD_SET);
	assert_true(t->ts == 20);

	/* other symbols untouched */
	assert_false(feed_book_find(&b, "ETHUSDT", 7)->valid);
	assert_int_equal(apply(&b, F("XRPUSDT", "snapshot", 1, ""), &t), FEED_MERGE_UNKNOWN_SYMBOL);
	feed_book_finish(&b);
}

static void test_reconnect_invalidation(void **state)
{
	struct feed_book b;
	struct feed_ticker *t;
	assert_int_equal(feed_book_init(&b, syms, 3, 0), 0);
	b.t[2].conn = 1; /* SOLUSDT on a second connection */
	assert_int_equal(apply(&b, F("BTCUSDT", "snapshot", 1, ",\"lastPrice\":\"1\""), &t), 0);
	assert_int_equal(apply(&b, F("SOLUSDT", "snapshot", 1, ",\"lastPrice\":\"3\""), &t), 0);

	assert_int_equal(feed_book_invalidate_conn(&b, 0), 1);
	/* after the reconnect a delta has nothing valid to merge into */
	assert_int_equal(apply(&b, F("BTCUSDT", "delta", 2, ",\"lastPrice\":\"2\""), &t),
			 FEED_MERGE_NO_SNAPSHOT);
	/* the last published state is kept (for re-HSET), still "1" */
	assert_string_equal(feed_book_find(&b, "BTCUSDT", 7)->px[FEED_PX_LAST].s, "1");
	assert_true(feed_book_find(&b, "BTCUSDT", 7)->has_data);
	/* the other connection's symbol is still valid */
	assert_int_equal(apply(&b, F("SOLUSDT", "delta", 2, ",\"lastPrice\":\"4\""), &t), 0);
	/* the new snapshot re-validates */
	assert_int_equal(apply(&b, F("BTCUSDT", "snapshot", 3, ",\"lastPrice\":\"2.5\""), &t), 0);
	assert_int_equal(apply(&b, F("BTCUSDT", "delta", 4, ",\"bid1Price\":\"2.4\""), &t), 0);
	assert_string_equal(t->px[FEED_PX_LAST].s, "2.5");
	feed_book_finish(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_book),
		cmocka_unit_test(test_add_remove),
		cmocka_unit_test(test_snapshot_then_deltas),
		cmocka_unit_test(test_reconnect_invalidation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
