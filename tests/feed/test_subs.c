/* Unit tests of feed/subs: splitting at 21,000 characters of args. */
#include "feed/subs.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The args array text of symbols[from..to) as Bybit would see it. */
static size_t args_len(char **s, size_t from, size_t to)
{
	size_t n = 2;
	for (size_t i = from; i < to; i++) {
		n += strlen("\"tickers.\"") + strlen(s[i]) + (i > from ? 1 : 0);
	}
	return n;
}

static void test_split(void **state)
{
	enum { N = 3000 };
	char *s[N];
	uint32_t conn[N];
	for (size_t i = 0; i < N; i++) {
		s[i] = malloc(24);
		snprintf(s[i], 24, "S%zuUSDT", i * 7919 % 100000); /* 6..11 chars */
	}
	size_t nc = feed_subs_split((const char *const *)s, N, FEED_ARGS_LIMIT, conn);
	size_t total = args_len(s, 0, N);
	assert_true(nc >= total / FEED_ARGS_LIMIT + 1);
	/* contiguous groups, each under the limit, each as full as possible */
	size_t from = 0;
	for (uint32_t c = 0; c < nc; c++) {
		size_t to = from;
		while (to < N && conn[to] == c) {
			to++;
		}
		assert_true(to > from);
		size_t len = args_len(s, from, to);
		assert_true(len < FEED_ARGS_LIMIT);
		if (to < N) {
			assert_true(args_len(s, from, to + 1) >= FEED_ARGS_LIMIT);
		}
		from = to;
	}
	assert_int_equal(from, N);
	for (size_t i = 0; i < N; i++) {
		free(s[i]);
	}
}

static void test_small(void **state)
{
	const char *s[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};
	uint32_t conn[3];
	assert_int_equal(feed_subs_split(s, 3, FEED_ARGS_LIMIT, conn), 1);
	assert_int_equal(conn[2], 0);
	assert_int_equal(feed_subs_split(s, 0, FEED_ARGS_LIMIT, conn), 0);
	/* exact boundary: ["tickers.BTCUSDT"] is 19 chars: limit 20 fits one, 19 does not */
	assert_int_equal(feed_subs_split(s, 3, 20, conn), 3);
	assert_int_equal(feed_subs_split(s, 1, 19, conn), 1); /* alone: still gets one */
	/* two topics: 19 + 1 + 17 = 37 */
	assert_int_equal(feed_subs_split(s, 2, 38, conn), 1);
	assert_int_equal(feed_subs_split(s, 2, 37, conn), 2);
}

static void test_frame(void **state)
{
	char buf[128];
	int n = feed_subs_frame(buf, sizeof(buf), "BTCUSDT");
	assert_string_equal(buf,
			    "{\"req_id\":\"BTCUSDT\",\"op\":\"subscribe\",\"args\":[\"tickers.BTCUSDT\"]}");
	assert_int_equal(n, (int)strlen(buf));
	assert_int_equal(feed_subs_frame(buf, 20, "BTCUSDT"), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_frame),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
