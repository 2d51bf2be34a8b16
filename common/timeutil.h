/* common/timeutil: UTC epoch arithmetic and ISO 8601. Never uses local
 * time for arithmetic; local time appears only in the *_local renderer,
 * which always prints its offset. Pure except for the now_* readers. */
#ifndef HEAN_COMMON_TIMEUTIL_H
#define HEAN_COMMON_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define HEAN_TIME_STR_LEN 40

/* Wall clock (CLOCK_REALTIME) in ms / µs since the epoch. */
int64_t hean_time_now_ms(void);
int64_t hean_time_now_us(void);

/* Monotonic clock (CLOCK_MONOTONIC) in µs: for durations and deadlines,
 * never for timestamps. */
int64_t hean_time_mono_us(void);

/* Parses an ISO 8601 date-time with an explicit offset:
 * YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM|+HHMM). 'T' or ' '
 * separates date and time. Fraction: 1-9 digits (truncated to ms).
 * Rejects a missing offset, out-of-range fields (month 13, Feb 30,
 * hour 24, offset > 18 h), trailing garbage. len is the byte count
 * (the string need not be NUL-terminated).
 * On success stores the instant (UTC epoch ms) and, if offset_s is not
 * NULL, the offset in seconds east of UTC. Returns 0 or -EINVAL. */
int hean_time_parse_iso8601(const char *s, size_t len, int64_t *epoch_ms, int *offset_s);

/* Formats epoch ms as "YYYY-MM-DDTHH:MM:SS+00:00" (UTC). If with_ms,
 * "YYYY-MM-DDTHH:MM:SS.mmm+00:00". Returns the length written (buf is
 * always NUL-terminated when len > 0). */
size_t hean_time_format_utc(int64_t epoch_ms, int with_ms, char *buf, size_t len);

/* Same instant rendered in the process's local zone (TZ) with its explicit
 * offset, e.g. "2025-10-22T03:05:00+04:00". For operator-facing logs only. */
size_t hean_time_format_local(int64_t epoch_ms, char *buf, size_t len);

/* Days from civil date (proleptic Gregorian) and back; pure, TZ-free. */
int64_t hean_time_days_from_civil(int64_t y, unsigned m, unsigned d);
void hean_time_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif
