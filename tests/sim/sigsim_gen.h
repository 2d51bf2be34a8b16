/* tests/sim/sigsim_gen: pure part of the signal server simulator.
 * Deterministic signal generation from (seed, wave, index), rendering of
 * signals (valid and deliberately invalid) into JSON text (a sim_buf) and
 * an id set. Times come from common/timeutil. */
#ifndef HEAN_TESTS_SIM_SIGSIM_GEN_H
#define HEAN_TESTS_SIM_SIGSIM_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/sim/simlib.h"

#define SIGSIM_MAX_PER_WAVE 32
#define SIGSIM_MAX_SYMBOLS 64
/* Ids of injected signals (send_invalid) live above every generated id
 * (generated: wave * 64 + index, about 1.1e11) and below 2^53. */
#define SIGSIM_INJ_ID_BASE 4000000000000000LL

struct sigsim_sig {
	int64_t id;
	int64_t wave;       /* instant of wave_ts, UTC epoch s */
	char symbol[24];
	char wave_ts[40];   /* as sent (any offset) */
	char created_at[40];
	bool sell;
	double score_week;
	double score_month;
};

struct sigsim_gen {
	uint64_t seed;
	int64_t interval_s;
	int64_t push_delay_s;
	int per_wave;
	int nsym;
	char symbols[SIGSIM_MAX_SYMBOLS][24];
};

/* Parses "A,B,C" into g->symbols. Returns 0 or -EINVAL. */
int sigsim_gen_set_symbols(struct sigsim_gen *g, const char *csv);

/* Id of the idx-th generated signal of wave (stable across restarts). */
int64_t sigsim_gen_id(int64_t wave, int idx);

/* Fills out with the idx-th signal of wave (wave aligned to interval). */
void sigsim_gen_signal(const struct sigsim_gen *g, int64_t wave, int idx,
		       struct sigsim_sig *out);

/* How a signal is broken when rendered (all zero = valid). */
struct sigsim_render_opts {
	bool omit_side;
	bool omit_wave_ts;
	const char *side;        /* overrides "buy"/"sell" when set */
	const char *week_raw;    /* raw token for score_week (e.g. NaN) */
	const char *month_raw;   /* raw token for score_month */
};

/* Appends one signal object. opts may be NULL. */
void sigsim_render_sig(struct sim_buf *b, const struct sigsim_sig *s,
		       const struct sigsim_render_opts *opts);

/* "YYYY-MM-DDTHH:MM:SS+HH:MM": epoch s shown at offset_s east of UTC. */
void sigsim_iso(int64_t epoch_s, int offset_s, char *buf, size_t len);

/* Open-addressing set of int64 ids. */
struct sigsim_idset {
	int64_t *slots; /* owned; 0 = empty (ids are never 0) */
	size_t cap;
	size_t n;
};

void sigsim_idset_finish(struct sigsim_idset *s);
bool sigsim_idset_has(const struct sigsim_idset *s, int64_t id);
/* Returns 1 if added, 0 if present, -ENOMEM. */
int sigsim_idset_add(struct sigsim_idset *s, int64_t id);

#endif
