/* common/wave: pure wave math on UTC epoch seconds. No TZ dependence.
 *
 * A wave is identified by wave_ts, the open time of a closed candle of
 * interval seconds. Wave W is due at W + interval + delay. */
#ifndef HEAN_COMMON_WAVE_H
#define HEAN_COMMON_WAVE_H

#include <stdint.h>

/* Open time of the candle containing t (floor to a multiple of interval,
 * correct for negative t). interval > 0. */
int64_t hean_wave_of(int64_t t_s, int64_t interval_s);

/* Due time of wave W: W + interval + delay. */
int64_t hean_wave_due(int64_t wave_ts, int64_t interval_s, int64_t delay_s);

/* The newest wave whose due time is <= now. */
int64_t hean_wave_latest_due(int64_t now_s, int64_t interval_s, int64_t delay_s);

/* The oldest wave whose due time is > now (the next one to become due). */
int64_t hean_wave_next_due(int64_t now_s, int64_t interval_s, int64_t delay_s);

int64_t hean_wave_next(int64_t wave_ts, int64_t interval_s);
int64_t hean_wave_prev(int64_t wave_ts, int64_t interval_s);

/* True when t is exactly a candle open time. */
int hean_wave_is_aligned(int64_t t_s, int64_t interval_s);

#endif
