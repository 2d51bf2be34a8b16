/* Unit tests of waves/clock (pure). Run under several TZ values: nothing
 * here may depend on the local zone, except the explicit local rendering. */
#include "common/timeutil.h"
#include "common/wave.h"
#include "waves/clock.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ISO -> epoch seconds / ms (test helper; asserts the parse). */
static int64_t S(const char *iso)
{
	int64_t ms = 0;

	assert_int_equal(hean_time_parse_iso8601(iso, strlen(iso), &ms, NULL), 0);
	return ms / 1000;
}

static int64_t MS(const char *iso)
{
	int64_t ms = 0;

	assert_int_equal(hean_time_parse_iso8601(iso, strlen(iso), &ms, NULL), 0);
	return ms;
}

static const char *utc(int64_t s)
{
	static char buf[4][HEAN_TIME_STR_LEN];
	static int k;

	k = (k + 1) % 4;
	hean_time_format_utc(s * 1000, 0, buf[k], sizeof(buf[k]));
	return buf[k];
}

static struct waves_clock prod(void)
{
	struct waves_clock c;

	waves_clock_init(&c, 900, 300, 300);
	return c;
}

static void test_due_times(void **state)
{
	struct waves_clock c = prod();

	/* checks at :05, :20, :35, :50 for the candle that opened 20 min before */
	assert_int_equal(waves_clock_due_ms(&c, S("2025-10-21T22:45:00Z")),
			 MS("2025-10-21T23:05:00Z"));
	assert_int_equal(waves_clock_due_ms(&c, S("2025-10-21T23:00:00Z")),
			 MS("2025-10-21T23:20:00Z"));
	assert_int_equal(waves_clock_deadline_ms(&c, S("2025-10-21T22:45:00Z")),
			 MS("2025-10-21T23:10:00Z"));
}

static void test_phase_edges(void **state)
{
	struct waves_clock c = prod();
	int64_t w = S("2025-10-21T22:45:00Z");
	int64_t due = MS("2025-10-21T23:05:00Z");

	assert_int_equal(waves_clock_phase(&c, w, due - 1), WAVES_CLOCK_NOT_DUE);
	assert_int_equal(waves_clock_phase(&c, w, due), WAVES_CLOCK_OPEN);
	assert_int_equal(waves_clock_phase(&c, w, due + 300000), WAVES_CLOCK_OPEN);
	assert_int_equal(waves_clock_phase(&c, w, due + 300001), WAVES_CLOCK_EXPIRED);
	assert_string_equal(waves_clock_phase_name(WAVES_CLOCK_OPEN), "open");

	/* max_late 0: open exactly at the due ms, expired one ms later */
	waves_clock_init(&c, 900, 300, 0);
	assert_int_equal(waves_clock_phase(&c, w, due), WAVES_CLOCK_OPEN);
	assert_int_equal(waves_clock_phase(&c, w, due + 1), WAVES_CLOCK_EXPIRED);
}

/* Around UTC midnight the due wave opened "yesterday": that is right. */
static void test_utc_midnight(void **state)
{
	struct waves_clock c = prod();
	int64_t now = MS("2025-10-23T00:04:59.999Z");

	/* first start just before 00:05: 23:30 (due 23:50) expired at 23:55 */
	assert_string_equal(utc(waves_clock_start(&c, false, 0, now, NULL)),
			    "2025-10-22T23:45:00+00:00");
	assert_int_equal(waves_clock_phase(&c, S("2025-10-22T23:45:00Z"), now),
			 WAVES_CLOCK_NOT_DUE);
	now = MS("2025-10-23T00:05:00Z");
	assert_int_equal(waves_clock_phase(&c, S("2025-10-22T23:45:00Z"), now), WAVES_CLOCK_OPEN);
	assert_string_equal(utc(waves_clock_start(&c, false, 0, now, NULL)),
			    "2025-10-22T23:45:00+00:00");
	/* after its window the first start waits for the next one */
	now = MS("2025-10-23T00:10:00.001Z");
	assert_string_equal(utc(waves_clock_start(&c, false, 0, now, NULL)),
			    "2025-10-23T00:00:00+00:00");
	/* crossing midnight with a marker */
	assert_string_equal(utc(waves_clock_start(&c, true, S("2025-10-22T23:45:00Z"), now, NULL)),
			    "2025-10-23T00:00:00+00:00");
	/* 00:00 wave due 00:20 */
	assert_int_equal(waves_clock_due_ms(&c, S("2025-10-23T00:00:00Z")),
			 MS("2025-10-23T00:20:00Z"));
}

/* 2025-11-02 New York falls back 02:00 EDT -> 01:00 EST (06:00Z). The
 * same local time 01:05 occurs twice and maps to two different waves. */
static void test_ny_dst(void **state)
{
	struct waves_clock c = prod();
	int64_t prev = INT64_MIN, t;
	int64_t first = MS("2025-11-02T01:05:00-04:00"); /* EDT */
	int64_t second = MS("2025-11-02T01:05:00-05:00"); /* EST */

	assert_int_equal(second - first, 3600 * 1000);
	assert_string_equal(utc(hean_wave_latest_due(first / 1000, 900, 300)),
			    "2025-11-02T04:45:00+00:00");
	assert_string_equal(utc(hean_wave_latest_due(second / 1000, 900, 300)),
			    "2025-11-02T05:45:00+00:00");
	/* every second of the change: waves stay aligned and monotonic, and
	 * start() never goes backwards */
	for (t = S("2025-11-02T05:30:00Z"); t < S("2025-11-02T06:30:00Z"); t++) {
		int64_t s = waves_clock_start(&c, false, 0, t * 1000, NULL);

		assert_true(hean_wave_is_aligned(s, 900));
		assert_true(s >= prev);
		prev = s;
	}
	/* catch-up across the change: 4 waves/hour, no hour lost or doubled */
	{
		struct waves_clock_step st[16];
		size_t n = waves_clock_plan(&c, S("2025-11-02T05:00:00Z"),
					    MS("2025-11-02T06:07:00Z"), st, 16);

		assert_int_equal(n, 5); /* 05:00 05:15 05:30 expired, 05:45 open, 06:00 not */
		assert_int_equal(st[2].phase, WAVES_CLOCK_EXPIRED);
		assert_string_equal(utc(st[3].wave_s), "2025-11-02T05:45:00+00:00");
		assert_int_equal(st[3].phase, WAVES_CLOCK_OPEN);
		assert_string_equal(utc(st[4].wave_s), "2025-11-02T06:00:00+00:00");
		assert_int_equal(st[4].phase, WAVES_CLOCK_NOT_DUE);
	}
}

static void test_leap_day(void **state)
{
	struct waves_clock c = prod();
	int64_t w = S("2024-02-29T23:45:00Z");
	char buf[HEAN_TIME_STR_LEN];

	hean_time_format_utc(waves_clock_due_ms(&c, w), 0, buf, sizeof(buf));
	assert_string_equal(buf, "2024-03-01T00:05:00+00:00");
	assert_string_equal(utc(waves_clock_start(&c, true, w, MS("2024-03-01T00:06:00Z"), NULL)),
			    "2024-03-01T00:00:00+00:00");
	assert_string_equal(utc(waves_clock_start(&c, false, 0, MS("2024-03-01T00:05:00Z"), NULL)),
			    "2024-02-29T23:45:00+00:00");
	/* 2024-02-28 23:45 + 900 is Feb 29, not Mar 1 */
	assert_string_equal(utc(hean_wave_next(S("2024-02-28T23:45:00Z"), 900)),
			    "2024-02-29T00:00:00+00:00");
}

/* The wrong-wave incident: restart at 02:52:56 local (UTC+4) = 22:52:56Z, last
 * emitted 21:45Z, window 300 s. Arithmetic: 22:00 due 22:20 (deadline
 * 22:25) and 22:15 due 22:35 (deadline 22:40) are expired; 22:30 is due
 * 22:50 with deadline 22:55, so at 22:52:56 it is still OPEN (the brief
 * listed it as expired: it is only if no signal arrives by 22:55:00).
 * Then 22:45 due 23:05Z = 03:05+04:00: the RIGHT wave, not "yesterday". */
static void test_incident_000(void **state)
{
	struct waves_clock c = prod();
	struct waves_clock_step st[8];
	int64_t now = MS("2025-10-22T02:52:56+04:00");
	int64_t first;
	char loc[HEAN_TIME_STR_LEN];
	const char *tz = getenv("TZ");
	size_t n;

	assert_int_equal(now, MS("2025-10-21T22:52:56Z"));
	first = waves_clock_start(&c, true, S("2025-10-21T21:45:00+00:00"), now, NULL);
	assert_string_equal(utc(first), "2025-10-21T22:00:00+00:00");
	n = waves_clock_plan(&c, first, now, st, 8);
	assert_int_equal(n, 4);
	assert_string_equal(utc(st[0].wave_s), "2025-10-21T22:00:00+00:00");
	assert_int_equal(st[0].due_ms, MS("2025-10-21T22:20:00Z"));
	assert_int_equal(st[0].phase, WAVES_CLOCK_EXPIRED);
	assert_string_equal(utc(st[1].wave_s), "2025-10-21T22:15:00+00:00");
	assert_int_equal(st[1].due_ms, MS("2025-10-21T22:35:00Z"));
	assert_int_equal(st[1].phase, WAVES_CLOCK_EXPIRED);
	assert_string_equal(utc(st[2].wave_s), "2025-10-21T22:30:00+00:00");
	assert_int_equal(st[2].due_ms, MS("2025-10-21T22:50:00Z"));
	assert_int_equal(st[2].phase, WAVES_CLOCK_OPEN);
	assert_string_equal(utc(st[3].wave_s), "2025-10-21T22:45:00+00:00");
	assert_int_equal(st[3].due_ms, MS("2025-10-21T23:05:00Z"));
	assert_int_equal(st[3].phase, WAVES_CLOCK_NOT_DUE);
	/* with no signal for 22:30 it expires after 22:55:00, and the first
	 * wave processed is 22:45 at 23:05Z */
	assert_int_equal(waves_clock_phase(&c, st[2].wave_s, MS("2025-10-21T22:55:00Z")),
			 WAVES_CLOCK_OPEN);
	assert_int_equal(waves_clock_phase(&c, st[2].wave_s, MS("2025-10-21T22:55:00.001Z")),
			 WAVES_CLOCK_EXPIRED);
	assert_int_equal(waves_clock_phase(&c, st[3].wave_s, MS("2025-10-22T03:05:00+04:00")),
			 WAVES_CLOCK_OPEN);
	/* the operator-facing rendering of that due time */
	hean_time_format_local(st[3].due_ms, loc, sizeof(loc));
	if (tz && strcmp(tz, "Asia/Dubai") == 0) {
		assert_string_equal(loc, "2025-10-22T03:05:00+04:00");
	} else if (tz && strcmp(tz, "America/New_York") == 0) {
		assert_string_equal(loc, "2025-10-21T19:05:00-04:00");
	} else if (tz && strcmp(tz, "UTC") == 0) {
		assert_string_equal(loc, "2025-10-21T23:05:00+00:00");
	}
	/* a first-ever start at that moment takes 22:30 (open), not 1970 */
	assert_string_equal(utc(waves_clock_start(&c, false, 0, now, NULL)),
			    "2025-10-21T22:30:00+00:00");
}

static void test_start_rules(void **state)
{
	struct waves_clock c = prod();
	int64_t now = MS("2025-10-22T12:00:00Z"), gap = -1;

	/* marker 3 days old: catch-up capped to 24 h, gap reported */
	assert_string_equal(utc(waves_clock_start(&c, true, S("2025-10-19T12:00:00Z"), now, &gap)),
			    "2025-10-21T12:00:00+00:00");
	assert_int_equal(gap, 2 * 96 - 1);
	/* marker exactly at the floor's predecessor: no gap */
	assert_string_equal(utc(waves_clock_start(&c, true, S("2025-10-21T11:45:00Z"), now, &gap)),
			    "2025-10-21T12:00:00+00:00");
	assert_int_equal(gap, 0);
	/* marker not aligned (set by hand): the next aligned wave after it */
	assert_string_equal(utc(waves_clock_start(&c, true, S("2025-10-22T11:47:13Z"), now, NULL)),
			    "2025-10-22T12:00:00+00:00");
	/* marker in the future (clock stepped back): nothing before it */
	assert_string_equal(utc(waves_clock_start(&c, true, S("2025-10-22T13:00:00Z"), now, NULL)),
			    "2025-10-22T13:15:00+00:00");
	/* floor is aligned and within 24 h */
	assert_string_equal(utc(waves_clock_floor(&c, MS("2025-10-22T12:00:01Z"))),
			    "2025-10-21T12:15:00+00:00");
	/* first ever start far from the epoch: never a 1970 wave */
	assert_true(waves_clock_start(&c, false, 0, now, NULL) > S("2025-10-22T11:00:00Z"));
	/* the full 24 h catch-up plan is 96 expired waves then the open/next */
	{
		struct waves_clock_step *st = calloc(200, sizeof(*st));
		size_t n;

		assert_non_null(st);
		n = waves_clock_plan(&c, S("2025-10-21T12:00:00Z"), now, st, 200);
		/* 21T12:00 .. 22T11:30 (due 11:50, expired at 11:55) = 95 waves,
		 * then 22T11:45 (due 12:05) not due */
		assert_int_equal(n, 96);
		assert_int_equal(st[94].phase, WAVES_CLOCK_EXPIRED);
		assert_string_equal(utc(st[94].wave_s), "2025-10-22T11:30:00+00:00");
		assert_int_equal(st[95].phase, WAVES_CLOCK_NOT_DUE);
		assert_string_equal(utc(st[95].wave_s), "2025-10-22T11:45:00+00:00");
		free(st);
	}
}

/* Compressed test timing (10/2/5) gives the same answers as production. */
static void test_compressed(void **state)
{
	struct waves_clock c;

	waves_clock_init(&c, 10, 2, 5);
	assert_int_equal(waves_clock_due_ms(&c, 1000), 1012000);
	assert_int_equal(waves_clock_start(&c, false, 0, 1016000, NULL), 1000); /* open */
	assert_int_equal(waves_clock_start(&c, false, 0, 1017001, NULL), 1010); /* expired */
	assert_int_equal(waves_clock_start(&c, true, 990, 1100000, NULL), 1000);
	/* bad inputs are clamped */
	waves_clock_init(&c, 0, -1, -1);
	assert_int_equal(c.interval_s, 1);
	assert_int_equal(c.delay_s, 0);
	assert_int_equal(c.max_late_s, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due_times),   cmocka_unit_test(test_phase_edges),
		cmocka_unit_test(test_utc_midnight), cmocka_unit_test(test_ny_dst),
		cmocka_unit_test(test_leap_day),    cmocka_unit_test(test_incident_000),
		cmocka_unit_test(test_start_rules), cmocka_unit_test(test_compressed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
