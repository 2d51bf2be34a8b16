/* Unit tests of feed/subs: connections filled under 21,000 characters of
 * args and HEAN_FEED_CONN_SYMBOLS symbols each. */
#include "feed/subs.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The args array text of the symbols on connection c as Bybit would see it. */
static size_t args_len(char **s, const uint32_t *conn, size_t n, uint32_t c)
{
	size_t len = 2, on = 0;
	for (size_t i = 0; i < n; i++) {
		if (conn[i] == c) {
			len += strlen("\"tickers.\"") + strlen(s[i]) + (on++ ? 1 : 0);
		}
	}
	return len;
}

/* The feed's placement (feed/session.c): each symbol on the first
 * connection it fits, else on a new one. Returns the connections used. */
static uint32_t place(char **s, size_t n, size_t limit, size_t max_syms, uint32_t *conn)
{
	size_t used[64] = {0}, on[64] = {0};
	uint32_t nc = 0, c;

	for (size_t i = 0; i < n; i++) {
		for (c = 0; c < nc; c++) {
			if (feed_subs_fits(used[c], on[c], s[i], limit, max_syms)) {
				break;
			}
		}
		if (c == nc) {
			assert_true(nc < 64);
			nc++;
		}
		used[c] += feed_subs_topic_cost(s[i]);
		on[c]++;
		conn[i] = c;
	}
	return nc;
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
	uint32_t nc = place(s, N, FEED_ARGS_LIMIT, SIZE_MAX, conn);
	size_t total = 0;
	for (uint32_t c = 0; c < nc; c++) {
		size_t len = args_len(s, conn, N, c);
		assert_true(len < FEED_ARGS_LIMIT); /* each connection under the limit */
		total += len;
	}
	assert_true(nc >= total / FEED_ARGS_LIMIT + 1);
	assert_true(nc <= total / FEED_ARGS_LIMIT + 2); /* and nearly full */
	/* a symbol opened a new connection only when it fitted on none before */
	for (size_t i = 1; i < N; i++) {
		if (conn[i] > conn[i - 1] && conn[i] + 1 == nc) {
			assert_true(args_len(s, conn, i, conn[i - 1]) + strlen(s[i]) + 11 >= FEED_ARGS_LIMIT);
		}
	}
	for (size_t i = 0; i < N; i++) {
		free(s[i]);
	}
}

static void test_small(void **state)
{
	char *s[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};
	uint32_t conn[3];
	assert_int_equal(place(s, 3, FEED_ARGS_LIMIT, SIZE_MAX, conn), 1);
	assert_int_equal(conn[2], 0);
	assert_int_equal(place(s, 0, FEED_ARGS_LIMIT, SIZE_MAX, conn), 0);
	/* exact boundary: ["tickers.BTCUSDT"] is 19 chars: limit 20 fits one, 19 does not */
	assert_int_equal(place(s, 3, 20, SIZE_MAX, conn), 3);
	assert_int_equal(place(s, 1, 19, SIZE_MAX, conn), 1); /* alone: still gets one */
	/* two topics: 19 + 1 + 17 = 37 */
	assert_int_equal(place(s, 2, 38, SIZE_MAX, conn), 1);
	assert_int_equal(place(s, 2, 37, SIZE_MAX, conn), 2);
	/* HEAN_FEED_CONN_SYMBOLS: at most max_syms on one connection */
	assert_int_equal(place(s, 3, FEED_ARGS_LIMIT, 2, conn), 2);
	assert_int_equal(conn[2], 1);
	assert_false(feed_subs_fits(0, 1, "BTCUSDT", FEED_ARGS_LIMIT, 1));
	assert_true(feed_subs_fits(0, 0, "BTCUSDT", 1, 1)); /* an empty connection takes any */
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
