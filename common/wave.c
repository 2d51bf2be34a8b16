/* common/wave: pure wave arithmetic on UTC epoch seconds.
 *
 * Waves are multiples of the interval counted from the Unix epoch, i.e.
 * aligned to UTC boundaries. Nothing here reads the clock or the time
 * zone: a restart at 02:52 local time in UTC+4 once picked
 * "yesterday's" wave, from mixing a local date with a UTC time of day. */
#include "common/wave.h"

/* floor(a / b) for b > 0, also for negative a (C division truncates). */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && a < 0) {
		q--;
	}
	return q;
}

/* Open time of the candle containing t_s: the largest multiple of
 * interval_s that is <= t_s. interval_s <= 0 returns t_s unchanged. */
int64_t hean_wave_of(int64_t t_s, int64_t interval_s)
{
	if (interval_s <= 0) {
		return t_s;
	}
	return floor_div(t_s, interval_s) * interval_s;
}

/* Due time of wave_ts: its candle closes at wave_ts + interval, and the
 * wave is processed delay seconds after that. */
int64_t hean_wave_due(int64_t wave_ts, int64_t interval_s, int64_t delay_s)
{
	return wave_ts + interval_s + delay_s;
}

/* Newest wave W with due(W) <= now: W <= now - interval - delay. */
int64_t hean_wave_latest_due(int64_t now_s, int64_t interval_s, int64_t delay_s)
{
	return hean_wave_of(now_s - interval_s - delay_s, interval_s);
}

/* Oldest wave W with due(W) > now: the one after the latest due. */
int64_t hean_wave_next_due(int64_t now_s, int64_t interval_s, int64_t delay_s)
{
	return hean_wave_latest_due(now_s, interval_s, delay_s) + interval_s;
}

/* The wave after wave_ts. */
int64_t hean_wave_next(int64_t wave_ts, int64_t interval_s)
{
	return wave_ts + interval_s;
}

/* The wave before wave_ts. */
int64_t hean_wave_prev(int64_t wave_ts, int64_t interval_s)
{
	return wave_ts - interval_s;
}

/* 1 when t_s is exactly a candle open time, else 0. */
int hean_wave_is_aligned(int64_t t_s, int64_t interval_s)
{
	return interval_s > 0 && hean_wave_of(t_s, interval_s) == t_s;
}
