/* fuzz target: ISO 8601 parse (common/timeutil.c).
 *
 * Invariants for every accepted input:
 *   - the offset is a whole minute within +-18 h;
 *   - the instant is what an independent computation of the fields gives
 *     (date via days_from_civil, checked against civil_from_days);
 *   - format_utc (with and without ms, as signals/parse.c uses it) parses
 *     back to the same instant with offset 0: a round trip is identity on
 *     the instant.
 * Found by fuzzing, fixed (README.md): an accepted
 * local time whose UTC instant falls outside years 0000..9999
 * ("0000-01-01T00:00:00+00:01") is formatted as a year the parser rejects. */
#include "tests/fuzz/fuzz.h"

#include "common/timeutil.h"

#include <errno.h>

#define MS_PER_DAY 86400000LL

static void round_trip(int64_t ms, int with_ms)
{
	char buf[HEAN_TIME_STR_LEN];
	size_t n = hean_time_format_utc(ms, with_ms, buf, sizeof(buf));
	int64_t back = 0;
	int off = -1;

	FUZZ_CHECK(n == strlen(buf) && n < sizeof(buf), "format length %zu", n);
	int rc = hean_time_parse_iso8601(buf, n, &back, &off);
	FUZZ_CHECK(rc == 0, "formatted '%s' (of %lld ms) does not parse", buf, (long long)ms);
	int64_t expect = with_ms ? ms : ms - (((ms % 1000) + 1000) % 1000);
	FUZZ_CHECK(back == expect && off == 0, "'%s': %lld -> %lld off %d", buf, (long long)ms,
		   (long long)back, off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_dup(data, size, false);
	int64_t ms = 0;
	int off = 0;
	int rc = hean_time_parse_iso8601(s, size, &ms, &off);

	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "rc %d", rc);
	/* NULL offset pointer is allowed and must give the same instant */
	int64_t ms2 = 0;
	FUZZ_CHECK(hean_time_parse_iso8601(s, size, &ms2, NULL) == rc && (rc || ms2 == ms),
		   "offset_s NULL changes the result");
	if (rc == 0) {
		FUZZ_CHECK(off % 60 == 0 && off >= -18 * 3600 && off <= 18 * 3600, "offset %d", off);

		/* fields, independently: YYYY-MM-DD?HH:MM:SS at fixed places */
		FUZZ_CHECK(size >= 20, "accepted %zu bytes", size);
		unsigned y = (unsigned)((s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0'));
		unsigned mo = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
		unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
		int h = (s[11] - '0') * 10 + (s[12] - '0');
		int mi = (s[14] - '0') * 10 + (s[15] - '0');
		int sec = (s[17] - '0') * 10 + (s[18] - '0');
		int64_t days = hean_time_days_from_civil(y, mo, d);
		int64_t cy;
		unsigned cm, cd;
		hean_time_civil_from_days(days, &cy, &cm, &cd);
		FUZZ_CHECK(cy == y && cm == mo && cd == d, "civil %u-%u-%u -> %lld -> %lld-%u-%u", y, mo,
			   d, (long long)days, (long long)cy, cm, cd);
		int64_t local_ms = ((days * 86400 + h * 3600 + mi * 60 + sec) * 1000);
		int64_t frac = ms + (int64_t)off * 1000 - local_ms;
		FUZZ_CHECK(frac >= 0 && frac <= 999, "instant %lld off %d: fraction %lld", (long long)ms,
			   off, (long long)frac);

		int64_t lo = hean_time_days_from_civil(0, 1, 1) * MS_PER_DAY;
		int64_t hi = hean_time_days_from_civil(10000, 1, 1) * MS_PER_DAY;
		FUZZ_CHECK(ms >= lo && ms < hi, "accepted instant %lld outside years 0000..9999", (long long)ms);
		{
			round_trip(ms, 1);
			round_trip(ms, ms % 1000 != 0);
			round_trip(ms, 0);
		}
	}
	free(s);
	return 0;
}
