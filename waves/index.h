/* waves/index: the pure in-memory signal index. Signals from hean:signals
 * are kept by wave instant (epoch seconds, whatever offset the wave_ts
 * was written with), deduplicated by id, and bounded: at most max_per_wave
 * signals per wave and max_total overall; the owner prunes waves that are
 * too old to matter (waves_index_prune). No I/O, no clock reads. */
#ifndef HEAN_WAVES_INDEX_H
#define HEAN_WAVES_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WAVES_SYMBOL_LEN 24
#define WAVES_SIDE_LEN 8

/* One signal as read from the stream. Fields that fail validation are
 * kept (flagged) so that selection can report them as skipped. */
struct waves_signal {
	int64_t id;
	int64_t wave_s;                 /* instant of wave_ts, UTC epoch s */
	int wave_offset_s;              /* offset wave_ts was written with */
	char symbol[WAVES_SYMBOL_LEN];  /* as received (truncated) */
	char side[WAVES_SIDE_LEN];      /* as received (truncated) */
	bool symbol_ok;                 /* ^[A-Z0-9]{2,20}$ */
	double score_week;              /* NAN when missing or invalid */
	double score_month;             /* NAN when missing or invalid */
	int64_t seen_ms;                /* when this process indexed it */
};

struct waves_index;

/* Parses one hean:signals entry (alternating field/value, n_fields even).
 * id (strict integer) and wave_ts (ISO 8601, any offset, whole seconds)
 * are required: without them a signal cannot be placed, and -EINVAL is
 * returned with err naming the field. Other fields are parsed leniently
 * (see struct waves_signal). seen_ms is left 0. */
int waves_signal_parse(const char *const *fields, const size_t *lens, size_t n_fields,
		       struct waves_signal *out, char *err, size_t errlen);

/* true when sym matches ^[A-Z0-9]{2,20}$. */
bool waves_symbol_valid(const char *sym);

/* max_per_wave, max_total: hard caps (> 0). NULL on -ENOMEM. */
struct waves_index *waves_index_create(size_t max_per_wave, size_t max_total);
void waves_index_destroy(struct waves_index *ix);

/* Adds a copy of s. Returns 1 (added), 0 (id already indexed: duplicate),
 * -ENOSPC (a cap is reached; logged by the caller) or -ENOMEM. */
int waves_index_add(struct waves_index *ix, const struct waves_signal *s);

/* The signals of wave W (a contiguous array valid until the next add or
 * prune), in arrival order; NULL and *n = 0 when none. */
const struct waves_signal *waves_index_wave(const struct waves_index *ix, int64_t wave_s,
					    size_t *n);

/* Latest seen_ms of wave W's signals, 0 when none. */
int64_t waves_index_last_seen_ms(const struct waves_index *ix, int64_t wave_s);

/* Drops every wave older than before_s. Returns the signals dropped. */
size_t waves_index_prune(struct waves_index *ix, int64_t before_s);

size_t waves_index_total(const struct waves_index *ix);
size_t waves_index_waves(const struct waves_index *ix);
bool waves_index_contains(const struct waves_index *ix, int64_t id);

#endif
