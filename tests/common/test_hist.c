/* Unit tests of common/hist: observations land in the right bucket, the
 * text form round-trips, malformed text is refused. */
#include "common/hist.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void test_buckets_and_roundtrip(void **state)
{
	struct hean_hist h;
	char buf[HEAN_HIST_TEXT_LEN];
	uint64_t count, cum[HEAN_HIST_NB];
	double sum;

	(void)state;
	memset(&h, 0, sizeof(h));
	hean_hist_observe(&h, 0.01);   /* first bucket */
	hean_hist_observe(&h, 1.0);    /* exactly on a bound: that bucket */
	hean_hist_observe(&h, 30);     /* le 50 */
	hean_hist_observe(&h, 99999);  /* only +Inf */
	hean_hist_observe(&h, NAN);    /* counted as 0 */
	hean_hist_observe(&h, -5);     /* counted as 0 */
	assert_int_equal(h.count, 6);
	assert_true(hean_hist_format(&h, buf, sizeof(buf)) > 0);
	assert_int_equal(hean_hist_parse(buf, &count, &sum, cum), 0);
	assert_int_equal(count, 6);
	assert_true(fabs(sum - 100030.01) < 0.01);
	assert_int_equal(cum[0], 3);  /* 0.01, NaN, -5 */
	assert_int_equal(cum[3], 3);  /* <= 0.5 */
	assert_int_equal(cum[4], 4);  /* <= 1 */
	assert_int_equal(cum[9], 5);  /* <= 50 */
	assert_int_equal(cum[HEAN_HIST_NB - 1], 5);
}

static void test_format_too_small(void **state)
{
	struct hean_hist h;
	char buf[8];

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(hean_hist_format(&h, buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
}

static void test_parse_rejects(void **state)
{
	uint64_t count, cum[HEAN_HIST_NB];
	double sum;
	const char *bad[] = {
		"",
		"x",
		"1 2",
		"3 1.0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",       /* 16 buckets */
		"3 1.0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",   /* 18 buckets */
		"3 1.0 2 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",     /* decreasing */
		"1 1.0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 2",     /* above count */
		"3 nan 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
		"-3 1.0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hean_hist_parse(bad[i], &count, &sum, cum), -1);
	assert_int_equal(hean_hist_parse(NULL, &count, &sum, cum), -1);
	assert_int_equal(hean_hist_parse("3 1.5 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 2", &count, &sum, cum), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets_and_roundtrip),
		cmocka_unit_test(test_format_too_small),
		cmocka_unit_test(test_parse_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
