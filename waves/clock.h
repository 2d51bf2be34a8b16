/* waves/clock: the pure wave clock. Given the configuration, the last
 * emitted wave (the high-water mark) and "now", it says which wave comes
 * next, whether it is due, still open, or expired, and where catch-up
 * after a restart starts. All arithmetic on UTC epoch seconds (common/wave),
 * never on local broken-down time. No I/O, no clock reads: now is passed.
 *
 * Window: wave W is due at D = W + interval + delay and may be processed
 * while D <= now <= D + max_late (both ends inclusive, in ms). After that
 * it is recorded as expired, never silently skipped. */
#ifndef HEAN_WAVES_CLOCK_H
#define HEAN_WAVES_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How far back catch-up reaches (and how long signals are kept). */
#define WAVES_CLOCK_HORIZON_S 86400

struct waves_clock {
	int64_t interval_s; /* > 0 */
	int64_t delay_s;    /* >= 0 */
	int64_t max_late_s; /* >= 0 */
	int64_t horizon_s;  /* catch-up cap, WAVES_CLOCK_HORIZON_S */
};

enum waves_clock_phase {
	WAVES_CLOCK_NOT_DUE = 0, /* now < due */
	WAVES_CLOCK_OPEN,        /* due <= now <= due + max_late */
	WAVES_CLOCK_EXPIRED,     /* now > due + max_late */
};

/* Fills c; interval <= 0 is clamped to 1, negative delay/max_late to 0. */
void waves_clock_init(struct waves_clock *c, int64_t interval_s, int64_t delay_s,
		      int64_t max_late_s);

/* Due time and processing deadline of wave W, epoch ms. */
int64_t waves_clock_due_ms(const struct waves_clock *c, int64_t wave_s);
int64_t waves_clock_deadline_ms(const struct waves_clock *c, int64_t wave_s);

/* Phase of wave W at now_ms. */
enum waves_clock_phase waves_clock_phase(const struct waves_clock *c, int64_t wave_s,
					 int64_t now_ms);

/* The oldest wave that catch-up may still record at now: the first aligned
 * wave_ts >= now - horizon. */
int64_t waves_clock_floor(const struct waves_clock *c, int64_t now_ms);

/* The first wave to handle after a (re)start.
 * have_last: the wave after last (last need not be aligned: the next
 *   aligned wave after it), but never older than waves_clock_floor();
 *   *gap (if not NULL) receives the number of waves skipped by that cap
 *   (the caller logs them: never silent).
 * !have_last (first ever start): the latest due wave if it is still
 *   within its window, else the next wave to become due. */
int64_t waves_clock_start(const struct waves_clock *c, bool have_last, int64_t last_s,
			  int64_t now_ms, int64_t *gap);

/* One step of a catch-up plan. */
struct waves_clock_step {
	int64_t wave_s;
	int64_t due_ms;
	enum waves_clock_phase phase;
};

/* Lists the waves from first (inclusive) that are due at now_ms, oldest
 * first, with their phase, plus the first not-yet-due wave as the last
 * step. Writes at most max steps and returns how many were written. */
size_t waves_clock_plan(const struct waves_clock *c, int64_t first_s, int64_t now_ms,
			struct waves_clock_step *out, size_t max);

const char *waves_clock_phase_name(enum waves_clock_phase p);

#endif
