/* Unit tests of common/timeutil. Run under several TZ values (meson). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/timeutil.h"

static int64_t parse_ok(const char *s, int *off)
{
	int64_t ms = 0;
	int rc = hean_time_parse_iso8601(s, strlen(s), &ms, off);

	if (rc != 0) {
		fail_msg("parse failed: '%s'", s);
	}
	return ms;
}

static void parse_bad(const char *s)
{
	int64_t ms = 12345;
	int rc = hean_time_parse_iso8601(s, strlen(s), &ms, NULL);

	if (rc != -EINVAL) {
		fail_msg("accepted: '%s'", s);
	}
	assert_int_equal(ms, 12345);
}

/* 2025-10-22T00:00:00Z */
#define T0 1761091200000LL

static void test_parse_offsets(void **state)
{
	int off = 99;

	assert_int_equal(parse_ok("2025-10-22T00:00:00Z", &off), T0);
	assert_int_equal(off, 0);
	assert_int_equal(parse_ok("2025-10-22T00:00:00+00:00", &off), T0);
	assert_int_equal(parse_ok("2025-10-22T04:00:00+04:00", &off), T0);
	assert_int_equal(off, 4 * 3600);
	assert_int_equal(parse_ok("2025-10-21T19:00:00-05:00", &off), T0);
	assert_int_equal(off, -5 * 3600);
	assert_int_equal(parse_ok("2025-10-22T04:00:00+0400", &off), T0);
	assert_int_equal(parse_ok("2025-10-22 04:00:00+04:00", &off), T0);
	assert_int_equal(parse_ok("2025-10-22T05:30:00+05:30", &off), T0);
	assert_int_equal(off, 5 * 3600 + 1800);
	assert_int_equal(parse_ok("2025-10-22T18:00:00+18:00", NULL), T0);
	/* a restart at local 02:52:56 in UTC+4 is the previous UTC day */
	assert_int_equal(parse_ok("2025-10-22T02:52:56+04:00", NULL),
			 parse_ok("2025-10-21T22:52:56Z", NULL));
}

static void test_parse_fraction(void **state)
{
	assert_int_equal(parse_ok("2025-10-22T00:00:00.5Z", NULL), T0 + 500);
	assert_int_equal(parse_ok("2025-10-22T00:00:00.12Z", NULL), T0 + 120);
	assert_int_equal(parse_ok("2025-10-22T00:00:00.123+00:00", NULL), T0 + 123);
	assert_int_equal(parse_ok("2025-10-22T00:00:00.123456789Z", NULL), T0 + 123);
	assert_int_equal(parse_ok("2025-10-22T00:00:00.999999Z", NULL), T0 + 999);
	parse_bad("2025-10-22T00:00:00.Z");
	parse_bad("2025-10-22T00:00:00.1234567890Z");
}

static void test_parse_reject(void **state)
{
	parse_bad("");
	parse_bad("garbage");
	parse_bad("2025-10-22T00:00:00");      /* no offset */
	parse_bad("2025-10-22");               /* no time */
	parse_bad("2025-10-22T00:00:00Zx");    /* trailing */
	parse_bad("2025-10-22T00:00:00+00:00 ");
	parse_bad(" 2025-10-22T00:00:00Z");
	parse_bad("2025-13-01T00:00:00Z");
	parse_bad("2025-00-01T00:00:00Z");
	parse_bad("2025-01-00T00:00:00Z");
	parse_bad("2025-01-32T00:00:00Z");
	parse_bad("2025-02-30T00:00:00Z");
	parse_bad("2025-02-29T00:00:00Z");     /* not a leap year */
	parse_bad("1900-02-29T00:00:00Z");     /* century, not leap */
	parse_bad("2025-04-31T00:00:00Z");
	parse_bad("2025-10-22T24:00:00Z");
	parse_bad("2025-10-22T23:60:00Z");
	parse_bad("2025-10-22T23:59:60Z");
	parse_bad("2025-10-22T00:00:00+19:00");
	parse_bad("2025-10-22T00:00:00+04:60");
	parse_bad("2025-10-22T00:00:00+4:00");
	parse_bad("2025-10-22T00:00:00+04");
	parse_bad("2025-10-22T00:00:00+04:0");
	parse_bad("2025-10-22T00:00:00z");
	parse_bad("2025-1-22T00:00:00Z");
	parse_bad("2025/10/22T00:00:00Z");
	parse_bad("2025-10-22X00:00:00Z");
	parse_bad("+2025-10-22T00:00:00Z");
	parse_bad("2025-10-22T0a:00:00Z");
	/* leap days only in leap years */
	assert_int_equal(parse_ok("2024-02-29T00:00:00Z", NULL), 1709164800000LL);
	assert_int_equal(parse_ok("2000-02-29T00:00:00Z", NULL), 951782400000LL);
}

static void test_parse_not_nul_terminated(void **state)
{
	const char buf[] = "2025-10-22T00:00:00Z\"garbage";
	int64_t ms = 0;

	assert_int_equal(hean_time_parse_iso8601(buf, 20, &ms, NULL), 0);
	assert_int_equal(ms, T0);
	assert_int_equal(hean_time_parse_iso8601(buf, 21, &ms, NULL), -EINVAL);
	assert_int_equal(hean_time_parse_iso8601(buf, 19, &ms, NULL), -EINVAL);
}

static void test_format_utc(void **state)
{
	char buf[HEAN_TIME_STR_LEN];

	assert_int_equal(hean_time_format_utc(T0, 0, buf, sizeof(buf)), 25);
	assert_string_equal(buf, "2025-10-22T00:00:00+00:00");
	hean_time_format_utc(T0 + 123, 1, buf, sizeof(buf));
	assert_string_equal(buf, "2025-10-22T00:00:00.123+00:00");
	hean_time_format_utc(0, 1, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000+00:00");
	hean_time_format_utc(-1, 1, buf, sizeof(buf));
	assert_string_equal(buf, "1969-12-31T23:59:59.999+00:00");
	hean_time_format_utc(1709164800000LL + 86399000, 0, buf, sizeof(buf));
	assert_string_equal(buf, "2024-02-29T23:59:59+00:00");
	/* truncation is NUL-terminated */
	char small[8];
	assert_int_equal(hean_time_format_utc(T0, 0, small, sizeof(small)), 7);
	assert_string_equal(small, "2025-10");
}

static void test_roundtrip(void **state)
{
	char buf[HEAN_TIME_STR_LEN];

	for (int64_t t = -86400000LL * 800; t < 86400000LL * 40000; t += 86400000LL * 7 + 3601234) {
		int64_t back = 0;
		size_t n = hean_time_format_utc(t, 1, buf, sizeof(buf));

		assert_int_equal(hean_time_parse_iso8601(buf, n, &back, NULL), 0);
		assert_int_equal(back, t);
	}
}

static void test_civil(void **state)
{
	int64_t y;
	unsigned m, d;

	assert_int_equal(hean_time_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(hean_time_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(hean_time_days_from_civil(1969, 12, 31), -1);
	for (int64_t days = -800000; days < 800000; days += 13) {
		hean_time_civil_from_days(days, &y, &m, &d);
		assert_int_equal(hean_time_days_from_civil(y, m, d), days);
	}
	hean_time_civil_from_days(19782, &y, &m, &d);
	assert_int_equal(y, 2024);
	assert_int_equal(m, 2);
	assert_int_equal(d, 29);
}

static void test_format_local(void **state)
{
	char buf[HEAN_TIME_STR_LEN];
	const char *tz = getenv("TZ");
	int64_t back = 0;
	int off = 0;
	/* that restart instant (local 02:52:56 in UTC+4) */
	int64_t t = parse_ok("2025-10-21T22:52:56Z", NULL);
	size_t n = hean_time_format_local(t, buf, sizeof(buf));

	/* whatever the zone, the rendering parses back to the same instant */
	assert_int_equal(hean_time_parse_iso8601(buf, n, &back, &off), 0);
	assert_int_equal(back, t);
	if (tz && strcmp(tz, "Asia/Dubai") == 0) {
		assert_string_equal(buf, "2025-10-22T02:52:56+04:00");
	} else if (tz && strcmp(tz, "America/New_York") == 0) {
		assert_string_equal(buf, "2025-10-21T18:52:56-04:00");
		/* after the 2025-11-02 fall-back: EST */
		hean_time_format_local(parse_ok("2025-11-02T07:00:00Z", NULL), buf, sizeof(buf));
		assert_string_equal(buf, "2025-11-02T02:00:00-05:00");
	} else if (tz && strcmp(tz, "UTC") == 0) {
		assert_string_equal(buf, "2025-10-21T22:52:56+00:00");
	}
}

static void test_now(void **state)
{
	int64_t ms = hean_time_now_ms();
	int64_t us = hean_time_now_us();

	assert_true(ms > 1700000000000LL);
	assert_true(us / 1000 >= ms);
	assert_true(us / 1000 - ms < 1000);
	assert_true(ms / 1000 - (int64_t)time(NULL) <= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_offsets),
		cmocka_unit_test(test_parse_fraction),
		cmocka_unit_test(test_parse_reject),
		cmocka_unit_test(test_parse_not_nul_terminated),
		cmocka_unit_test(test_format_utc),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_civil),
		cmocka_unit_test(test_format_local),
		cmocka_unit_test(test_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
