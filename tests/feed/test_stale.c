/* Unit tests of feed/stale. */
#include "feed/stale.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static void test_symbol(void **state)
{
	struct feed_stale s;
	feed_stale_init(&s, 1000);
	assert_false(feed_stale_check(&s, 1999, 1000));
	assert_true(feed_stale_check(&s, 2000, 1000)); /* becomes stale once */
	assert_false(feed_stale_check(&s, 2500, 1000));
	assert_true(s.stale);
	assert_true(feed_stale_touch(&s, 2600)); /* resumed */
	assert_false(feed_stale_touch(&s, 2700));
	assert_false(feed_stale_check(&s, 3699, 1000));
	assert_true(feed_stale_check(&s, 3700, 1000));
}

static void test_conn(void **state)
{
	struct feed_stale a, b;
	const struct feed_stale *v[] = {&a, &b};
	feed_stale_init(&a, 0);
	feed_stale_init(&b, 0);
	assert_false(feed_stale_conn_dead(v, 0, 10000, 1000, 0));
	/* both silent, connection old enough */
	assert_true(feed_stale_conn_dead(v, 2, 5000, 1000, 0));
	/* one fresh symbol keeps the link */
	feed_stale_touch(&b, 4500);
	assert_false(feed_stale_conn_dead(v, 2, 5000, 1000, 0));
	/* a connection opened recently gets a full period */
	assert_false(feed_stale_conn_dead(v, 2, 9000, 1000, 8500));
	assert_true(feed_stale_conn_dead(v, 2, 9500, 1000, 8500));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbol),
		cmocka_unit_test(test_conn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
