/* Unit tests of common/wave. Run under TZ=UTC, Asia/Dubai and
 * America/New_York (meson): results must not depend on the zone. Every
 * expected value is written as an ISO string with an offset and compared
 * as instants or as UTC renderings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/timeutil.h"
#include "common/wave.h"

#define I 900
#define D 300

static int64_t ts(const char *iso)
{
	int64_t ms = 0;

	if (hean_time_parse_iso8601(iso, strlen(iso), &ms, NULL) != 0) {
		fail_msg("bad iso '%s'", iso);
	}
	return ms / 1000;
}

static void assert_wave(int64_t w, const char *want)
{
	char buf[HEAN_TIME_STR_LEN];

	hean_time_format_utc(w * 1000, 0, buf, sizeof(buf));
	if (strcmp(buf, want) != 0) {
		fail_msg("wave %s, want %s", buf, want);
	}
}

static void test_floor_negative(void **state)
{
	assert_int_equal(hean_wave_of(0, I), 0);
	assert_int_equal(hean_wave_of(899, I), 0);
	assert_int_equal(hean_wave_of(900, I), 900);
	assert_int_equal(hean_wave_of(-1, I), -900);
	assert_int_equal(hean_wave_of(-899, I), -900);
	assert_int_equal(hean_wave_of(-900, I), -900);
	assert_int_equal(hean_wave_of(-901, I), -1800);
	assert_true(hean_wave_is_aligned(-900, I));
	assert_false(hean_wave_is_aligned(-901, I));
	assert_false(hean_wave_is_aligned(1, I));
	assert_true(hean_wave_is_aligned(0, I));
	assert_int_equal(hean_wave_next(-900, I), 0);
	assert_int_equal(hean_wave_prev(0, I), -900);
	assert_int_equal(hean_wave_due(0, I, D), 1200);
}

/* a restart at 02:52:56 local UTC+4 on 2025-10-22 picks the wave of
 * that UTC day, not "yesterday's" local date */
static void test_incident_000(void **state)
{
	int64_t now = ts("2025-10-22T02:52:56+04:00");

	assert_int_equal(now, ts("2025-10-21T22:52:56Z"));
	assert_wave(hean_wave_latest_due(now, I, D), "2025-10-21T22:30:00+00:00");
	int64_t next = hean_wave_next_due(now, I, D);
	assert_wave(next, "2025-10-21T22:45:00+00:00");
	assert_int_equal(hean_wave_due(next, I, D), ts("2025-10-21T23:05:00Z"));
	assert_int_equal(hean_wave_due(next, I, D), ts("2025-10-22T03:05:00+04:00"));
	/* wave awaited before the stop, 02:04:59 local (due 22:05Z) */
	assert_wave(hean_wave_next_due(ts("2025-10-22T02:04:59+04:00"), I, D),
		    "2025-10-21T21:45:00+00:00");
	/* 04:20 local: wave 00:00 UTC of the 22nd is due (at 00:20 UTC) */
	assert_wave(hean_wave_latest_due(ts("2025-10-22T04:20:00+04:00"), I, D),
		    "2025-10-22T00:00:00+00:00");
	/* daily candles, where a local day floor would be 4 h off */
	assert_wave(hean_wave_of(now, 86400), "2025-10-21T00:00:00+00:00");
	assert_wave(hean_wave_of(ts("2025-10-21T20:00:00Z"), 86400), "2025-10-21T00:00:00+00:00");
	assert_wave(hean_wave_of(ts("2025-10-21T03:30:00Z"), 3 * 3600), "2025-10-21T03:00:00+00:00");
}

static void test_utc_midnight(void **state)
{
	assert_wave(hean_wave_of(ts("2025-10-21T23:59:59Z"), I), "2025-10-21T23:45:00+00:00");
	assert_wave(hean_wave_of(ts("2025-10-22T00:00:00Z"), I), "2025-10-22T00:00:00+00:00");
	/* 00:04:59: 23:30 is the latest due, 23:45 is due at 00:05:00 */
	assert_wave(hean_wave_latest_due(ts("2025-10-22T00:04:59Z"), I, D),
		    "2025-10-21T23:30:00+00:00");
	assert_wave(hean_wave_next_due(ts("2025-10-22T00:04:59Z"), I, D),
		    "2025-10-21T23:45:00+00:00");
	assert_wave(hean_wave_latest_due(ts("2025-10-22T00:05:00Z"), I, D),
		    "2025-10-21T23:45:00+00:00");
	assert_wave(hean_wave_next_due(ts("2025-10-22T00:05:00Z"), I, D),
		    "2025-10-22T00:00:00+00:00");
	/* local midnight in Dubai (20:00Z) is nothing special */
	assert_wave(hean_wave_latest_due(ts("2025-10-22T00:00:00+04:00"), I, D),
		    "2025-10-21T19:30:00+00:00");
}

/* Walks now second by second over [from, to): every wave is aligned, the
 * due sequence is strictly consecutive and brackets now. */
static void walk(int64_t from, int64_t to, int64_t interval, int64_t delay)
{
	int64_t prev = hean_wave_next_due(from, interval, delay) - interval;

	for (int64_t now = from; now < to; now++) {
		int64_t latest = hean_wave_latest_due(now, interval, delay);
		int64_t next = hean_wave_next_due(now, interval, delay);

		assert_true(hean_wave_is_aligned(latest, interval));
		assert_int_equal(next, latest + interval);
		assert_true(hean_wave_due(latest, interval, delay) <= now);
		assert_true(hean_wave_due(next, interval, delay) > now);
		assert_true(next == prev || next == prev + interval);
		prev = next;
	}
}

static void test_dst_fall_back(void **state)
{
	/* New York repeats 01:00-02:00 local on 2025-11-02 (05:00Z-07:00Z) */
	int64_t a = ts("2025-11-02T01:30:00-04:00"); /* first 01:30, EDT */
	int64_t b = ts("2025-11-02T01:30:00-05:00"); /* second 01:30, EST */

	assert_int_equal(b - a, 3600);
	assert_wave(hean_wave_of(a, I), "2025-11-02T05:30:00+00:00");
	assert_wave(hean_wave_of(b, I), "2025-11-02T06:30:00+00:00");
	assert_wave(hean_wave_latest_due(ts("2025-11-02T06:10:00Z"), I, D),
		    "2025-11-02T05:45:00+00:00");
	walk(ts("2025-11-02T04:00:00Z"), ts("2025-11-02T08:00:00Z"), I, D);
	/* spring forward too */
	walk(ts("2025-03-09T06:00:00Z"), ts("2025-03-09T08:00:00Z"), I, D);
}

static void test_leap_day(void **state)
{
	int64_t t = ts("2024-02-29T23:59:59Z");

	assert_wave(hean_wave_of(t, I), "2024-02-29T23:45:00+00:00");
	assert_wave(hean_wave_next(hean_wave_of(t, I), I), "2024-03-01T00:00:00+00:00");
	assert_wave(hean_wave_latest_due(ts("2024-03-01T00:04:59Z"), I, D),
		    "2024-02-29T23:30:00+00:00");
	assert_wave(hean_wave_of(ts("2024-02-29T12:00:00Z"), 86400), "2024-02-29T00:00:00+00:00");
	walk(ts("2024-02-29T22:00:00Z"), ts("2024-03-01T02:00:00Z"), I, D);
}

static void test_other_intervals(void **state)
{
	walk(ts("2025-10-21T22:00:00Z"), ts("2025-10-22T02:00:00Z"), 60, 0);
	walk(ts("2025-10-21T22:00:00Z"), ts("2025-10-22T02:00:00Z"), 3600, 3600 * 4);
	assert_int_equal(hean_wave_latest_due(1000, 900, 0), 0);
	assert_int_equal(hean_wave_latest_due(899, 900, 0), -900);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_floor_negative),
		cmocka_unit_test(test_incident_000),
		cmocka_unit_test(test_utc_midnight),
		cmocka_unit_test(test_dst_fall_back),
		cmocka_unit_test(test_leap_day),
		cmocka_unit_test(test_other_intervals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
