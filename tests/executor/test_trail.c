/* Unit tests: executor/trail (activation, callback, tick and interval
 * gates, short side, restart reconstruction). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "executor/trail.h"

#include <math.h>

static const struct exec_trail_cfg cfg = {1.0, 0.5, 1000};

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void test_long_activation_and_follow(void **state)
{
	struct exec_trail t;
	double s = 0;

	exec_trail_init(&t, &cfg, 1, 100.0, 98.0, 0.01);
	assert_false(t.armed);
	/* +0.99 %: not armed yet */
	assert_int_equal(exec_trail_update(&t, &cfg, 100.99, 1000, &s), EXEC_TRAIL_NONE);
	/* +1 %: armed, stop = 101 * 0.995 = 100.495 -> 100.49 (down) */
	assert_int_equal(exec_trail_update(&t, &cfg, 101.0, 2000, &s), EXEC_TRAIL_MOVE);
	NEAR(s, 100.49);
	exec_trail_commit(&t, s, 2000);
	/* higher: follows, but the interval gate holds for 1000 ms */
	assert_int_equal(exec_trail_update(&t, &cfg, 102.0, 2500, &s), EXEC_TRAIL_WAIT);
	NEAR(t.best, 102.0);
	assert_int_equal(exec_trail_update(&t, &cfg, 101.9, 3000, &s), EXEC_TRAIL_MOVE);
	NEAR(s, 101.49); /* from the best (102), not the current price */
	exec_trail_commit(&t, s, 3000);
	/* a fall never loosens the stop */
	assert_int_equal(exec_trail_update(&t, &cfg, 101.6, 5000, &s), EXEC_TRAIL_NONE);
	NEAR(t.stop, 101.49);
}

static void test_tick_gate(void **state)
{
	struct exec_trail t;
	double s = 0;

	exec_trail_init(&t, &cfg, 1, 100.0, 98.0, 0.1);
	assert_int_equal(exec_trail_update(&t, &cfg, 101.0, 1000, &s), EXEC_TRAIL_MOVE);
	NEAR(s, 100.4); /* 100.495 rounded down to 0.1 */
	exec_trail_commit(&t, s, 1000);
	/* best 101.05 -> 100.54475 -> 100.5: +1 tick -> move */
	assert_int_equal(exec_trail_update(&t, &cfg, 101.05, 5000, &s), EXEC_TRAIL_MOVE);
	NEAR(s, 100.5);
	exec_trail_commit(&t, s, 5000);
	/* best 101.1 -> 100.5945 -> 100.5: not one tick better -> nothing */
	assert_int_equal(exec_trail_update(&t, &cfg, 101.1, 9000, &s), EXEC_TRAIL_NONE);
}

static void test_short(void **state)
{
	struct exec_trail t;
	double s = 0;

	exec_trail_init(&t, &cfg, -1, 100.0, 102.0, 0.01);
	assert_int_equal(exec_trail_update(&t, &cfg, 99.5, 1000, &s), EXEC_TRAIL_NONE);
	/* -1 %: stop = 99 * 1.005 = 99.495 -> 99.50 (rounded UP) */
	assert_int_equal(exec_trail_update(&t, &cfg, 99.0, 2000, &s), EXEC_TRAIL_MOVE);
	NEAR(s, 99.50);
	exec_trail_commit(&t, s, 2000);
	assert_int_equal(exec_trail_update(&t, &cfg, 98.0, 3500, &s), EXEC_TRAIL_MOVE);
	NEAR(s, 98.49);
	exec_trail_commit(&t, s, 3500);
	/* a rise never loosens it */
	assert_int_equal(exec_trail_update(&t, &cfg, 98.4, 9000, &s), EXEC_TRAIL_NONE);
	NEAR(t.best, 98.0);
}

static void test_never_through_price(void **state)
{
	struct exec_trail t;
	double s = 0;

	/* the best was 110, the price is back at 109.2: 110*0.995=109.45 would be
	 * above the price -> capped one tick under it */
	exec_trail_init(&t, &cfg, 1, 100.0, 98.0, 0.1);
	t.best = 110.0;
	t.armed = true;
	assert_int_equal(exec_trail_update(&t, &cfg, 109.2, 1000, &s), EXEC_TRAIL_MOVE);
	NEAR(s, 109.1);
}

static void test_restart_rebuilds_best(void **state)
{
	struct exec_trail t;
	double s = 0;

	/* an exchange stop of 101.49 implies a best of >= 102: armed, and a
	 * price of 101.8 does not move (or loosen) it */
	exec_trail_init(&t, &cfg, 1, 100.0, 101.49, 0.01);
	assert_true(t.armed);
	NEAR(t.best, 101.49 / 0.995);
	assert_int_equal(exec_trail_update(&t, &cfg, 101.8, 1000, &s), EXEC_TRAIL_NONE);
	/* a fresh initial stop does not arm */
	exec_trail_init(&t, &cfg, 1, 100.0, 98.0, 0.01);
	assert_false(t.armed);
	NEAR(t.best, 100.0);
	/* no interval gate for the first update after a restart */
	assert_int_equal(exec_trail_update(&t, &cfg, 101.0, 1, &s), EXEC_TRAIL_MOVE);
}

static void test_flat_and_bad(void **state)
{
	struct exec_trail t;
	double s = 0;

	exec_trail_init(&t, &cfg, 0, 100.0, 0, 0.01);
	assert_int_equal(exec_trail_update(&t, &cfg, 200.0, 1, &s), EXEC_TRAIL_NONE);
	exec_trail_init(&t, &cfg, 1, 100.0, 98.0, 0.01);
	assert_int_equal(exec_trail_update(&t, &cfg, NAN, 1, &s), EXEC_TRAIL_NONE);
	assert_int_equal(exec_trail_update(&t, &cfg, -5, 1, &s), EXEC_TRAIL_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_activation_and_follow),
		cmocka_unit_test(test_tick_gate),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_never_through_price),
		cmocka_unit_test(test_restart_rebuilds_best),
		cmocka_unit_test(test_flat_and_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
