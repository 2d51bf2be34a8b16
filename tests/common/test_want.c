/* Unit tests of common/want: building a declaration (clear, add, dedupe,
 * invalid names, the cap), the order-free digest, and a flush while the
 * Redis link is down (refused, retried on the next call). The writes
 * themselves are checked against a real redis-server in tests/common. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/config.h"
#include "common/want.h"

static struct hean_config cfg;

static void test_key_and_roles(void **state)
{
	struct hean_want w;

	(void)state;
	snprintf(cfg.prefix, sizeof(cfg.prefix), "tst:");
	assert_int_equal(hean_want_init(&w, &cfg, NULL, "executor"), 0);
	assert_string_equal(w.key, "tst:want:executor");
	assert_int_equal(w.n, 0);
	assert_int_equal(w.written_ms, 0);
	hean_want_finish(&w);
	assert_string_equal(hean_want_roles[0], "executor");
	assert_string_equal(hean_want_roles[1], "waves");
	assert_null(hean_want_roles[2]);
}

static void test_add_dedupe_invalid_clear(void **state)
{
	struct hean_want w;

	(void)state;
	assert_int_equal(hean_want_init(&w, &cfg, NULL, "waves"), 0);
	assert_true(hean_want_add(&w, "BTCUSDT"));
	assert_true(hean_want_add(&w, "ETHUSDT"));
	assert_true(hean_want_add(&w, "BTCUSDT")); /* duplicate: ignored */
	assert_int_equal(w.n, 2);
	/* invalid names: ignored (true: the set is not full) */
	assert_true(hean_want_add(&w, "btcusdt"));
	assert_true(hean_want_add(&w, "B"));
	assert_true(hean_want_add(&w, ""));
	assert_true(hean_want_add(&w, NULL));
	assert_true(hean_want_add(&w, "BTC-USDT"));
	assert_true(hean_want_add(&w, "ABCDEFGHIJKLMNOPQRSTU")); /* 21 */
	assert_int_equal(w.n, 2);
	assert_true(hean_want_add(&w, "ABCDEFGHIJKLMNOPQRST")); /* 20 */
	assert_true(hean_want_add(&w, "1000PEPEUSDT"));
	assert_int_equal(w.n, 4);
	assert_string_equal(w.syms[0], "BTCUSDT");
	assert_string_equal(w.syms[3], "1000PEPEUSDT");
	hean_want_clear(&w);
	assert_int_equal(w.n, 0);
	assert_true(hean_want_add(&w, "ETHUSDT"));
	assert_int_equal(w.n, 1);
	hean_want_finish(&w);
}

static void test_cap(void **state)
{
	struct hean_want w;
	char sym[24];

	(void)state;
	assert_int_equal(hean_want_init(&w, &cfg, NULL, "waves"), 0);
	for (int i = 0; i < HEAN_WANT_MAX; i++) {
		snprintf(sym, sizeof(sym), "S%dUSDT", i);
		assert_true(hean_want_add(&w, sym));
	}
	assert_int_equal(w.n, HEAN_WANT_MAX);
	assert_false(hean_want_add(&w, "NEWUSDT"));
	assert_true(hean_want_add(&w, "S7USDT")); /* already in: not refused */
	assert_int_equal(w.n, HEAN_WANT_MAX);
	hean_want_finish(&w);
}

static void test_digest_order_free(void **state)
{
	struct hean_want a, b;
	uint64_t empty, d1;

	(void)state;
	assert_int_equal(hean_want_init(&a, &cfg, NULL, "executor"), 0);
	assert_int_equal(hean_want_init(&b, &cfg, NULL, "executor"), 0);
	empty = hean_want_digest(&a);
	hean_want_add(&a, "BTCUSDT");
	hean_want_add(&a, "ETHUSDT");
	hean_want_add(&a, "SOLUSDT");
	hean_want_add(&b, "SOLUSDT");
	hean_want_add(&b, "BTCUSDT");
	hean_want_add(&b, "ETHUSDT");
	hean_want_add(&b, "BTCUSDT");
	d1 = hean_want_digest(&a);
	assert_true(d1 == hean_want_digest(&b));
	assert_true(d1 != empty);
	hean_want_clear(&b);
	assert_true(hean_want_digest(&b) == empty);
	hean_want_add(&b, "BTCUSDT");
	hean_want_add(&b, "ETHUSDT");
	assert_true(hean_want_digest(&b) != d1); /* a symbol removed */
	hean_want_add(&b, "XRPUSDT");
	assert_true(hean_want_digest(&b) != d1); /* ... or replaced */
	hean_want_finish(&a);
	hean_want_finish(&b);
}

/* Link down: the flush is refused, nothing counts as written, and the next
 * flush tries again (no digest shortcut). */
static void test_flush_link_down(void **state)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct hean_redis_options ro = {.url = "unix:///nonexistent/want.sock", .name = "t"};
	struct hean_redis *r;
	struct hean_want w;

	(void)state;
	r = hean_redis_create(loop, &ro);
	assert_non_null(r);
	assert_int_equal(hean_want_init(&w, &cfg, r, "executor"), 0);
	hean_want_add(&w, "BTCUSDT");
	assert_int_equal(hean_want_flush(&w, 1000000), -ENOTCONN);
	assert_int_equal(w.written_ms, 0);
	assert_int_equal(w.writes, 0);
	assert_int_equal(w.write_errors, 1);
	assert_int_equal(hean_want_flush(&w, 1000001), -ENOTCONN);
	assert_int_equal(w.write_errors, 2);
	hean_redis_destroy(r);
	ev_run(loop, EVRUN_NOWAIT);
	hean_want_finish(&w);
	assert_int_equal(hean_want_flush(&w, 1000002), -EINVAL); /* finished */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_and_roles),
		cmocka_unit_test(test_add_dedupe_invalid_clear),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_digest_order_free),
		cmocka_unit_test(test_flush_link_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
