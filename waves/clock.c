/* waves/clock: pure wave clock. See clock.h. */
#include "waves/clock.h"

#include "common/wave.h"

void waves_clock_init(struct waves_clock *c, int64_t interval_s, int64_t delay_s,
		      int64_t max_late_s)
{
	c->interval_s = interval_s > 0 ? interval_s : 1;
	c->delay_s = delay_s > 0 ? delay_s : 0;
	c->max_late_s = max_late_s > 0 ? max_late_s : 0;
	c->horizon_s = WAVES_CLOCK_HORIZON_S;
}

int64_t waves_clock_due_ms(const struct waves_clock *c, int64_t wave_s)
{
	return hean_wave_due(wave_s, c->interval_s, c->delay_s) * 1000;
}

int64_t waves_clock_deadline_ms(const struct waves_clock *c, int64_t wave_s)
{
	return waves_clock_due_ms(c, wave_s) + c->max_late_s * 1000;
}

enum waves_clock_phase waves_clock_phase(const struct waves_clock *c, int64_t wave_s,
					 int64_t now_ms)
{
	if (now_ms < waves_clock_due_ms(c, wave_s)) {
		return WAVES_CLOCK_NOT_DUE;
	}
	if (now_ms <= waves_clock_deadline_ms(c, wave_s)) {
		return WAVES_CLOCK_OPEN;
	}
	return WAVES_CLOCK_EXPIRED;
}

/* floor(ms / 1000) for negative values too. */
static int64_t ms_to_s(int64_t ms)
{
	int64_t s = ms / 1000;

	if (ms % 1000 != 0 && ms < 0) {
		s--;
	}
	return s;
}

int64_t waves_clock_floor(const struct waves_clock *c, int64_t now_ms)
{
	int64_t lim = ms_to_s(now_ms) - c->horizon_s;
	int64_t w = hean_wave_of(lim, c->interval_s);

	return w < lim ? w + c->interval_s : w;
}

int64_t waves_clock_start(const struct waves_clock *c, bool have_last, int64_t last_s,
			  int64_t now_ms, int64_t *gap)
{
	int64_t first, floor_s, latest;

	if (gap) {
		*gap = 0;
	}
	if (have_last) {
		first = hean_wave_of(last_s, c->interval_s) + c->interval_s;
		floor_s = waves_clock_floor(c, now_ms);
		if (first < floor_s) {
			if (gap) {
				*gap = (floor_s - first) / c->interval_s;
			}
			first = floor_s;
		}
		return first;
	}
	latest = hean_wave_latest_due(ms_to_s(now_ms), c->interval_s, c->delay_s);
	if (waves_clock_phase(c, latest, now_ms) == WAVES_CLOCK_OPEN) {
		return latest;
	}
	return latest + c->interval_s;
}

size_t waves_clock_plan(const struct waves_clock *c, int64_t first_s, int64_t now_ms,
			struct waves_clock_step *out, size_t max)
{
	size_t n = 0;
	int64_t w = first_s;

	while (n < max) {
		out[n].wave_s = w;
		out[n].due_ms = waves_clock_due_ms(c, w);
		out[n].phase = waves_clock_phase(c, w, now_ms);
		n++;
		if (out[n - 1].phase == WAVES_CLOCK_NOT_DUE) {
			break;
		}
		w += c->interval_s;
	}
	return n;
}

const char *waves_clock_phase_name(enum waves_clock_phase p)
{
	switch (p) {
	case WAVES_CLOCK_NOT_DUE:
		return "not_due";
	case WAVES_CLOCK_OPEN:
		return "open";
	case WAVES_CLOCK_EXPIRED:
		return "expired";
	}
	return "?";
}
