/* Unit tests of feed/universe: which symbols are subscribed and dropped,
 * when, and why. */
#include "feed/universe.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define GRACE 60000
#define RETRY 3600000

static struct feed_uni_change ch[64];

/* "+A -B" for the changes of one plan call, in order. */
static const char *plan(struct feed_universe *u, int64_t now)
{
	static char out[512];
	size_t n = feed_uni_plan(u, now, ch, 64), len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%c%s", i ? " " : "",
					ch[i].action == FEED_UNI_ADD ? '+' : '-', ch[i].sym);
	}
	return out;
}

static void test_static_never_dropped(void **state)
{
	struct feed_universe u;
	assert_int_equal(feed_uni_init(&u, 16, GRACE, RETRY), 0);
	assert_int_equal(feed_uni_add_static(&u, "BTCUSDT"), 0);
	assert_int_equal(feed_uni_add_static(&u, "btc"), -EINVAL);
	assert_string_equal(plan(&u, 1000), "+BTCUSDT");
	assert_string_equal(plan(&u, 2000), "");
	/* a static symbol wanted and unwanted again stays */
	const char *w[] = {"BTCUSDT"};
	feed_uni_set(&u, FEED_UNI_WANTED, w, 1);
	feed_uni_set(&u, FEED_UNI_WANTED, NULL, 0);
	assert_string_equal(plan(&u, 1000000), "");
	assert_int_equal(feed_uni_count(&u, FEED_UNI_STATIC), 1);
	feed_uni_finish(&u);
}

static void test_wanted_grace(void **state)
{
	struct feed_universe u;
	const char *w[] = {"ETHUSDT", "SOLUSDT", "bad name"};
	assert_int_equal(feed_uni_init(&u, 16, GRACE, RETRY), 0);
	feed_uni_add_static(&u, "BTCUSDT");
	assert_int_equal(feed_uni_set(&u, FEED_UNI_WANTED, w, 3), 1); /* one invalid */
	assert_string_equal(plan(&u, 0), "+BTCUSDT +ETHUSDT +SOLUSDT");
	assert_int_equal(ch[1].src, FEED_UNI_WANTED);
	/* SOL no longer wanted: kept through the grace period */
	feed_uni_set(&u, FEED_UNI_WANTED, w, 1);
	assert_string_equal(plan(&u, 10000), "");
	assert_string_equal(plan(&u, 10000 + GRACE - 1), "");
	assert_string_equal(plan(&u, 10000 + GRACE), "-SOLUSDT");
	assert_string_equal(plan(&u, 10000 + GRACE + 1), "");
	assert_int_equal(feed_uni_count(&u, 0), 2);
	/* wanted again within the grace: the clock restarts, no churn */
	feed_uni_set(&u, FEED_UNI_WANTED, NULL, 0);
	assert_string_equal(plan(&u, 100000), "");
	feed_uni_set(&u, FEED_UNI_WANTED, w, 1);
	assert_string_equal(plan(&u, 100000 + GRACE - 10), "");
	feed_uni_set(&u, FEED_UNI_WANTED, NULL, 0);
	assert_string_equal(plan(&u, 100000 + GRACE + 5), "");
	assert_string_equal(plan(&u, 100000 + 2 * GRACE + 5), "-ETHUSDT");
	feed_uni_finish(&u);
}

static void test_listed_replaced(void **state)
{
	struct feed_universe u;
	const char *a[] = {"AUSDT", "BUSDT", "CUSDT"}, *b[] = {"BUSDT", "CUSDT", "DUSDT"};
	assert_int_equal(feed_uni_init(&u, 16, 0, RETRY), 0);
	feed_uni_set(&u, FEED_UNI_LISTED, a, 3);
	assert_string_equal(plan(&u, 5), "+AUSDT +BUSDT +CUSDT");
	/* a re-read: AUSDT delisted, DUSDT listed; a wanted symbol survives delisting */
	const char *w[] = {"CUSDT"};
	feed_uni_set(&u, FEED_UNI_WANTED, w, 1);
	feed_uni_set(&u, FEED_UNI_LISTED, b, 3);
	assert_string_equal(plan(&u, 6), "-AUSDT +DUSDT");
	feed_uni_set(&u, FEED_UNI_LISTED, a, 1);
	assert_string_equal(plan(&u, 7), "-BUSDT -DUSDT +AUSDT");
	assert_int_equal(feed_uni_count(&u, FEED_UNI_LISTED), 1);
	assert_int_equal(feed_uni_count(&u, 0), 2);
	/* forgotten entries do not accumulate */
	assert_int_equal(u.n, 2);
	feed_uni_finish(&u);
}

static void test_rejected_held_out(void **state)
{
	struct feed_universe u;
	const char *w[] = {"ZZZUSDT", "ETHUSDT"};
	assert_int_equal(feed_uni_init(&u, 16, GRACE, RETRY), 0);
	feed_uni_set(&u, FEED_UNI_WANTED, w, 2);
	assert_string_equal(plan(&u, 1), "+ZZZUSDT +ETHUSDT");
	feed_uni_reject(&u, "ZZZUSDT", 100);
	/* still wanted, but not re-added until the retry period is over */
	feed_uni_set(&u, FEED_UNI_WANTED, w, 2);
	assert_string_equal(plan(&u, 200), "");
	assert_string_equal(plan(&u, 100 + RETRY - 1), "");
	assert_string_equal(plan(&u, 100 + RETRY), "+ZZZUSDT");
	/* a rejected symbol nobody wants any more is forgotten after the retry */
	feed_uni_reject(&u, "ZZZUSDT", 2 * RETRY);
	feed_uni_set(&u, FEED_UNI_WANTED, w + 1, 1);
	assert_string_equal(plan(&u, 3 * RETRY + 1), "");
	assert_int_equal(u.n, 1);
	feed_uni_finish(&u);
}

static void test_full_and_max(void **state)
{
	struct feed_universe u;
	const char *w[] = {"AUSDT", "BUSDT", "CUSDT"};
	assert_int_equal(feed_uni_init(&u, 2, 0, RETRY), 0);
	assert_int_equal(feed_uni_set(&u, FEED_UNI_WANTED, w, 3), -ENOSPC);
	/* at most max changes per call; the rest on the next */
	assert_int_equal(feed_uni_plan(&u, 1, ch, 1), 1);
	assert_string_equal(plan(&u, 2), "+BUSDT");
	feed_uni_finish(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_never_dropped),
		cmocka_unit_test(test_wanted_grace),
		cmocka_unit_test(test_listed_replaced),
		cmocka_unit_test(test_rejected_held_out),
		cmocka_unit_test(test_full_and_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
