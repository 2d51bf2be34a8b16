/* Unit tests of common/idset: a table of operations and their expected
 * results, growth, removal inside probe chains, and a randomised
 * comparison with a naive model. */
#include "common/idset.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

enum op { ADD, HAS, FIND, DEL, CLEAR, COUNT };

struct step {
	enum op op;
	int64_t id;
	uint64_t tag;
	long want; /* ADD: 1/0; HAS/DEL: 1/0; FIND: tag or -1; COUNT: n */
};

static const struct step steps[] = {
	{HAS, 1, 0, 0},
	{ADD, 1, 10, 1},
	{ADD, 1, 11, 0},          /* present: tag unchanged */
	{FIND, 1, 0, 10},
	{HAS, 1, 0, 1},
	{ADD, 0, 20, 1},          /* 0 is an id like any other */
	{ADD, INT64_MAX, 30, 1},
	{ADD, INT64_MIN, 40, 1},
	{ADD, -7, 50, 1},
	{COUNT, 0, 0, 5},
	{FIND, INT64_MIN, 0, 40},
	{DEL, 0, 0, 1},
	{DEL, 0, 0, 0},
	{HAS, 0, 0, 0},
	{FIND, 0, 0, -1},
	{COUNT, 0, 0, 4},
	{ADD, 0, 21, 1},          /* added again: the new tag */
	{FIND, 0, 0, 21},
	{CLEAR, 0, 0, 0},
	{COUNT, 0, 0, 0},
	{HAS, 1, 0, 0},
	{ADD, 1, 12, 1},
	{FIND, 1, 0, 12},
};

static void test_table(void **state)
{
	struct hean_idset *s = hean_idset_create(4);

	assert_non_null(s);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *t = &steps[i];
		uint64_t tag = 0;
		long got = 0;

		switch (t->op) {
		case ADD:
			got = hean_idset_add(s, t->id, t->tag);
			break;
		case HAS:
			got = hean_idset_contains(s, t->id);
			break;
		case FIND:
			got = hean_idset_find(s, t->id, &tag) ? (long)tag : -1;
			break;
		case DEL:
			got = hean_idset_remove(s, t->id);
			break;
		case CLEAR:
			hean_idset_clear(s);
			break;
		case COUNT:
			got = (long)hean_idset_count(s);
			break;
		}
		if (got != t->want) {
			fail_msg("step %zu: op %d id %lld: got %ld want %ld", i, (int)t->op,
				 (long long)t->id, got, t->want);
		}
	}
	hean_idset_destroy(s);
	hean_idset_destroy(NULL);
}

/* Ids that collide in a small table (same low bits of the hash) form one
 * probe chain; removing from its middle keeps the rest findable. */
static void test_chain_removal(void **state)
{
	struct hean_idset *s = hean_idset_create(0); /* 16 slots */
	int64_t chain[6];
	size_t n = 0;

	assert_non_null(s);
	for (int64_t id = 1; n < 6 && id < 100000; id++) {
		if ((hean_idset_hash(id) & 15) == (hean_idset_hash(1) & 15)) {
			chain[n++] = id;
		}
	}
	assert_int_equal(n, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(hean_idset_add(s, chain[i], i), 1);
	}
	assert_true(hean_idset_remove(s, chain[2]));
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(hean_idset_contains(s, chain[i]), i != 2);
	}
	assert_true(hean_idset_remove(s, chain[0]));
	assert_true(hean_idset_contains(s, chain[5]));
	hean_idset_destroy(s);
}

/* Growth keeps every id and tag. */
static void test_growth(void **state)
{
	struct hean_idset *s = hean_idset_create(1);
	uint64_t tag;

	assert_non_null(s);
	for (int64_t id = 0; id < 100000; id++) {
		assert_int_equal(hean_idset_add(s, id * 7919, (uint64_t)id), 1);
	}
	assert_int_equal(hean_idset_count(s), 100000);
	for (int64_t id = 0; id < 100000; id++) {
		assert_true(hean_idset_find(s, id * 7919, &tag));
		assert_int_equal(tag, (uint64_t)id);
	}
	assert_false(hean_idset_contains(s, 7918));
	hean_idset_destroy(s);
}

/* Random adds and removes over a small id range against a bitmap. */
static void test_random_model(void **state)
{
	enum { RANGE = 512 };
	struct hean_idset *s = hean_idset_create(8);
	bool model[RANGE] = {false};
	size_t count = 0;

	assert_non_null(s);
	srand(17);
	for (int i = 0; i < 200000; i++) {
		int64_t id = rand() % RANGE;

		if (rand() % 3) {
			assert_int_equal(hean_idset_add(s, id - RANGE / 2, 0), !model[id]);
			count += !model[id];
			model[id] = true;
		} else {
			assert_int_equal(hean_idset_remove(s, id - RANGE / 2), model[id]);
			count -= model[id];
			model[id] = false;
		}
		assert_int_equal(hean_idset_count(s), count);
	}
	for (int64_t id = 0; id < RANGE; id++) {
		assert_int_equal(hean_idset_contains(s, id - RANGE / 2), model[id]);
	}
	hean_idset_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_chain_removal),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
