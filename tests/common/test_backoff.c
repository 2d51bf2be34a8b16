/* Unit tests of common/backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/backoff.h"

static const uint32_t want[] = {250, 500, 1000, 2000, 5000, 10000, 30000};

/* rnd = 32768 is (almost) the middle: within 1 ms of the base. */
#define MID 32768

static void test_default_sequence(void **state)
{
	struct hean_backoff b;

	assert_int_equal(hean_backoff_default.table_len, 7);
	assert_int_equal(hean_backoff_default.jitter_pct, 20);
	hean_backoff_init(&b, &hean_backoff_default);
	for (int i = 0; i < 7; i++) {
		uint32_t d = hean_backoff_next_ms(&b, MID);

		assert_in_range(d, want[i], want[i] + 1);
	}
	/* never gives up: the last step repeats */
	for (int i = 0; i < 100; i++) {
		assert_in_range(hean_backoff_next_ms(&b, MID), 30000, 30001);
	}
	assert_int_equal(b.tries, 107);
}

static void test_deterministic(void **state)
{
	struct hean_backoff a, b;

	hean_backoff_init(&a, NULL);
	hean_backoff_init(&b, &hean_backoff_default);
	for (int i = 0; i < 20; i++) {
		uint16_t r = (uint16_t)(i * 7919);

		assert_int_equal(hean_backoff_next_ms(&a, r), hean_backoff_next_ms(&b, r));
	}
	/* exact values at the bounds */
	hean_backoff_init(&a, NULL);
	assert_int_equal(hean_backoff_next_ms(&a, 0), 200);      /* 250 - 20 % */
	assert_int_equal(hean_backoff_next_ms(&a, 65535), 600);  /* 500 + 20 % */
	assert_int_equal(hean_backoff_next_ms(&a, 0), 800);
}

static void test_jitter_bounds(void **state)
{
	struct hean_backoff b;

	for (uint32_t r = 0; r <= 65535; r += 257) {
		hean_backoff_init(&b, NULL);
		for (int i = 0; i < 9; i++) {
			uint32_t base = want[i < 7 ? i : 6];
			uint32_t d = hean_backoff_next_ms(&b, (uint16_t)r);

			assert_in_range(d, base - base / 5, base + base / 5);
		}
	}
	/* jitter is actually used: low and high rnd differ */
	hean_backoff_init(&b, NULL);
	uint32_t lo = hean_backoff_next_ms(&b, 0);
	hean_backoff_init(&b, NULL);
	uint32_t hi = hean_backoff_next_ms(&b, 65535);
	assert_true(hi > lo);
}

static void test_zero_jitter_and_custom(void **state)
{
	static const uint32_t t[] = {10, 20};
	const struct hean_backoff_policy p = {.table_ms = t, .table_len = 2, .jitter_pct = 0};
	struct hean_backoff b;

	hean_backoff_init(&b, &p);
	assert_int_equal(hean_backoff_next_ms(&b, 0), 10);
	assert_int_equal(hean_backoff_next_ms(&b, 65535), 20);
	assert_int_equal(hean_backoff_next_ms(&b, 12345), 20);
}

static void test_reset(void **state)
{
	struct hean_backoff b;

	hean_backoff_init(&b, NULL);
	for (int i = 0; i < 5; i++) {
		hean_backoff_next_ms(&b, MID);
	}
	hean_backoff_reset(&b);
	assert_int_equal(b.tries, 0);
	assert_in_range(hean_backoff_next_ms(&b, MID), 250, 251);
	assert_in_range(hean_backoff_next_ms(&b, MID), 500, 501);
}

static void test_slow(void **state)
{
	struct hean_backoff b;

	hean_backoff_init(&b, NULL);
	hean_backoff_set_slow(&b);
	assert_in_range(hean_backoff_next_ms(&b, MID), 30000, 30001);
	assert_in_range(hean_backoff_next_ms(&b, MID), 30000, 30001);
	hean_backoff_reset(&b);
	assert_false(b.slow);
	assert_in_range(hean_backoff_next_ms(&b, MID), 250, 251);
}

static void test_saturates(void **state)
{
	struct hean_backoff b;

	hean_backoff_init(&b, NULL);
	b.tries = UINT32_MAX - 1;
	hean_backoff_next_ms(&b, MID);
	assert_int_equal(b.tries, UINT32_MAX);
	assert_in_range(hean_backoff_next_ms(&b, MID), 30000, 30001);
	assert_int_equal(b.tries, UINT32_MAX);
}

static void test_random(void **state)
{
	uint16_t first = hean_backoff_random();
	int differ = 0;

	for (int i = 0; i < 64; i++) {
		differ += hean_backoff_random() != first;
	}
	assert_true(differ > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_sequence),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_jitter_bounds),
		cmocka_unit_test(test_zero_jitter_and_custom),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_slow),
		cmocka_unit_test(test_saturates),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
