/* Unit tests of signals/dedupe: set semantics, FIFO eviction, removal,
 * and a randomised comparison with a naive model. */
#include "signals/dedupe.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

static void test_basic(void **state)
{
	struct signals_dedupe *d = signals_dedupe_create(10);

	assert_non_null(d);
	assert_false(signals_dedupe_contains(d, 1));
	assert_true(signals_dedupe_add(d, 1));
	assert_false(signals_dedupe_add(d, 1));
	assert_true(signals_dedupe_contains(d, 1));
	assert_true(signals_dedupe_add(d, 0));
	assert_true(signals_dedupe_add(d, INT64_MAX));
	assert_true(signals_dedupe_add(d, -7));
	assert_int_equal(signals_dedupe_count(d), 4);
	assert_true(signals_dedupe_remove(d, 0));
	assert_false(signals_dedupe_remove(d, 0));
	assert_false(signals_dedupe_contains(d, 0));
	assert_int_equal(signals_dedupe_count(d), 3);
	signals_dedupe_destroy(d);
	signals_dedupe_destroy(NULL);
	assert_null(signals_dedupe_create(0));
}

/* The oldest insertion goes first; the count never exceeds capacity. */
static void test_eviction(void **state)
{
	struct signals_dedupe *d = signals_dedupe_create(3);

	for (int64_t i = 1; i <= 3; i++) {
		assert_true(signals_dedupe_add(d, i));
	}
	assert_true(signals_dedupe_add(d, 4)); /* evicts 1 */
	assert_false(signals_dedupe_contains(d, 1));
	assert_true(signals_dedupe_contains(d, 2));
	assert_true(signals_dedupe_contains(d, 4));
	assert_int_equal(signals_dedupe_count(d), 3);
	assert_int_equal(signals_dedupe_evicted(d), 1);
	/* a duplicate add does not refresh or evict */
	assert_false(signals_dedupe_add(d, 2));
	assert_true(signals_dedupe_add(d, 5)); /* evicts 2 */
	assert_false(signals_dedupe_contains(d, 2));
	assert_true(signals_dedupe_add(d, 1)); /* 1 is new again; evicts 3 */
	assert_false(signals_dedupe_contains(d, 3));
	assert_int_equal(signals_dedupe_count(d), 3);
	assert_int_equal(signals_dedupe_evicted(d), 3);

	/* removed then re-added: the stale ring slot must not evict the new entry */
	assert_true(signals_dedupe_remove(d, 4));
	assert_true(signals_dedupe_add(d, 4)); /* ring slot of old 4 is stale */
	assert_true(signals_dedupe_add(d, 6)); /* head is old 4 (stale): skipped */
	assert_true(signals_dedupe_contains(d, 4));
	assert_true(signals_dedupe_add(d, 7));
	assert_true(signals_dedupe_add(d, 8));
	assert_true(signals_dedupe_add(d, 9));
	assert_false(signals_dedupe_contains(d, 4));
	assert_true(signals_dedupe_count(d) <= 3);
	signals_dedupe_destroy(d);
}

/* Randomised: the set equals a naive FIFO model (no removals), then
 * membership stays exact with removals mixed in (count bounded). */
static void test_random_model(void **state)
{
	enum { CAP = 500, OPS = 200000, RANGE = 2000 };
	struct signals_dedupe *d = signals_dedupe_create(CAP);
	int64_t *fifo = calloc(CAP, sizeof(*fifo));
	size_t head = 0, n = 0;
	unsigned seed = 12345;

	assert_non_null(fifo);
	for (int op = 0; op < OPS; op++) {
		int64_t id = rand_r(&seed) % RANGE;
		bool in_model = false;

		for (size_t k = 0; k < n; k++) {
			if (fifo[(head + k) % CAP] == id) {
				in_model = true;
				break;
			}
		}
		assert_int_equal(signals_dedupe_contains(d, id), in_model);
		assert_int_equal(signals_dedupe_add(d, id), !in_model);
		if (!in_model) {
			if (n == CAP) {
				head = (head + 1) % CAP;
				n--;
			}
			fifo[(head + n) % CAP] = id;
			n++;
		}
		assert_int_equal(signals_dedupe_count(d), n);
	}
	free(fifo);

	/* removals: membership exact against a bitmap of "present" */
	bool present[RANGE];
	memset(present, 0, sizeof(present));
	for (int64_t i = 0; i < RANGE; i++) {
		present[i] = signals_dedupe_contains(d, i);
	}
	for (int op = 0; op < OPS; op++) {
		int64_t id = rand_r(&seed) % RANGE;
		if (rand_r(&seed) % 2) {
			assert_int_equal(signals_dedupe_remove(d, id), present[id]);
			present[id] = false;
		} else if (!present[id]) {
			size_t before = signals_dedupe_count(d);
			assert_true(signals_dedupe_add(d, id));
			present[id] = true;
			if (signals_dedupe_count(d) <= before) {
				/* something was evicted: resync the model */
				for (int64_t i = 0; i < RANGE; i++) {
					present[i] = signals_dedupe_contains(d, i);
				}
			}
		}
		assert_true(signals_dedupe_count(d) <= CAP);
		assert_int_equal(signals_dedupe_contains(d, id), present[id]);
	}
	signals_dedupe_destroy(d);
}

/* Large capacity with sequential ids (clustered hashes) stays correct. */
static void test_large(void **state)
{
	enum { CAP = 100000 };
	struct signals_dedupe *d = signals_dedupe_create(CAP);

	for (int64_t i = 0; i < 3 * CAP; i++) {
		assert_true(signals_dedupe_add(d, 5000000 + i));
	}
	assert_int_equal(signals_dedupe_count(d), CAP);
	assert_int_equal(signals_dedupe_evicted(d), 2 * CAP);
	assert_false(signals_dedupe_contains(d, 5000000 + 2 * CAP - 1));
	assert_true(signals_dedupe_contains(d, 5000000 + 2 * CAP));
	assert_true(signals_dedupe_contains(d, 5000000 + 3 * CAP - 1));
	signals_dedupe_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
