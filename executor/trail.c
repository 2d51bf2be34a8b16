/* executor/trail: client-side trailing stop, pure. See trail.h. */
#include "executor/trail.h"

#include "executor/sizing.h"

#include <math.h>
#include <string.h>

#define EPS 1e-9

void exec_trail_init(struct exec_trail *t, const struct exec_trail_cfg *cfg, int side,
		     double entry, double stop, double tick)
{
	double cb = cfg->callback_pct / 100;

	memset(t, 0, sizeof(*t));
	t->side = side > 0 ? 1 : side < 0 ? -1 : 0;
	t->entry = entry;
	t->stop = stop;
	t->tick = tick;
	t->best = entry;
	if (stop > 0 && cb > 0 && cb < 1) {
		double implied = t->side > 0 ? stop / (1 - cb) : stop / (1 + cb);
		if (t->side > 0 ? implied > t->best : implied < t->best) {
			t->best = implied;
		}
	}
	if (t->side != 0 && entry > 0) {
		double act = entry * (1 + t->side * cfg->activation_pct / 100);
		t->armed = t->side > 0 ? t->best >= act * (1 - EPS) : t->best <= act * (1 + EPS);
	}
}

enum exec_trail_verdict exec_trail_update(struct exec_trail *t, const struct exec_trail_cfg *cfg,
					  double price, int64_t now_ms, double *new_stop)
{
	double cand, act, tick = t->tick > 0 ? t->tick : 0;
	bool better;

	if (t->side == 0 || !(price > 0) || !isfinite(price) || !(t->entry > 0)) {
		return EXEC_TRAIL_NONE;
	}
	if (t->side > 0 ? price > t->best : price < t->best) {
		t->best = price;
	}
	act = t->entry * (1 + t->side * cfg->activation_pct / 100);
	if (!t->armed) {
		t->armed = t->side > 0 ? t->best >= act * (1 - EPS) : t->best <= act * (1 + EPS);
		if (!t->armed) {
			return EXEC_TRAIL_NONE;
		}
	}
	if (t->side > 0) {
		cand = exec_sizing_round_tick(t->best * (1 - cfg->callback_pct / 100), tick, -1);
		/* never at or above the price: the exchange rejects that */
		double cap = exec_sizing_round_tick(price - tick, tick, -1);
		if (cand > cap) {
			cand = cap;
		}
		better = cand > 0 && (t->stop <= 0 || cand >= t->stop + tick * (1 - EPS));
	} else {
		cand = exec_sizing_round_tick(t->best * (1 + cfg->callback_pct / 100), tick, 1);
		double floor_ = exec_sizing_round_tick(price + tick, tick, 1);
		if (cand < floor_) {
			cand = floor_;
		}
		better = cand > 0 && (t->stop <= 0 || cand <= t->stop - tick * (1 - EPS));
	}
	if (!better) {
		return EXEC_TRAIL_NONE;
	}
	if (t->last_update_ms > 0 && now_ms - t->last_update_ms < cfg->min_interval_ms) {
		return EXEC_TRAIL_WAIT;
	}
	*new_stop = cand;
	return EXEC_TRAIL_MOVE;
}

void exec_trail_commit(struct exec_trail *t, double stop, int64_t now_ms)
{
	t->stop = stop;
	t->last_update_ms = now_ms;
}

void exec_trail_set_stop(struct exec_trail *t, double stop)
{
	t->stop = stop;
}
