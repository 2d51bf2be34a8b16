/* waves/index: pure signal index. See index.h.
 *
 * Waves: an array sorted by wave_s (there are at most a few hundred in
 * 24 h), each with its own signal array. Ids: an open-addressing hash set
 * (linear probing), rebuilt after every prune so no tombstones exist. */
#include "waves/index.h"

#include "common/json.h"
#include "common/idset.h"
#include "common/keys.h"
#include "common/symbol.h"
#include "common/timeutil.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct iwave {
	int64_t wave_s;
	int64_t last_seen_ms;
	size_t n, cap;
	struct waves_signal *v; /* owned */
};

struct waves_index {
	size_t max_per_wave, max_total;
	struct iwave *waves; /* owned, sorted by wave_s */
	size_t n_waves, cap_waves;
	size_t total;
	struct hean_idset *ids; /* owned: every id indexed */
};

/* ===================== parsing ===================== */

bool waves_symbol_valid(const char *sym)
{
	return sym && hean_symbol_valid(sym, strlen(sym));
}

static const char *field(const char *const *f, const size_t *l, size_t n, const char *name,
			 size_t *len)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i + 1 < n; i += 2) {
		if (l[i] == nl && memcmp(f[i], name, nl) == 0) {
			*len = l[i + 1];
			return f[i + 1];
		}
	}
	return NULL;
}

static void copy_trunc(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap) {
		len = cap - 1;
	}
	memcpy(dst, src, len);
	dst[len] = 0;
}

static double score(const char *s, size_t len)
{
	double d;

	if (!s || hean_parse_decimal(s, len, &d, 0) < 0) {
		return NAN;
	}
	return d;
}

int waves_signal_parse(const char *const *fields, const size_t *lens, size_t n_fields,
		       struct waves_signal *out, char *err, size_t errlen)
{
	const char *v;
	size_t len = 0;
	int64_t ms;

	memset(out, 0, sizeof(*out));
	if (!fields || !lens) {
		snprintf(err, errlen, "no fields");
		return -EINVAL;
	}
	v = field(fields, lens, n_fields, HEAN_FIELD_ID, &len);
	if (!v || hean_parse_int64(v, len, &out->id) < 0) {
		snprintf(err, errlen, "field 'id': %s", v ? "not an integer" : "missing");
		return -EINVAL;
	}
	v = field(fields, lens, n_fields, HEAN_FIELD_WAVE_TS, &len);
	if (!v || hean_time_parse_iso8601(v, len, &ms, &out->wave_offset_s) < 0) {
		snprintf(err, errlen, "field 'wave_ts': %s", v ? "not ISO 8601 with offset" : "missing");
		return -EINVAL;
	}
	if (ms % 1000 != 0) {
		snprintf(err, errlen, "field 'wave_ts': fractional seconds");
		return -EINVAL;
	}
	out->wave_s = ms / 1000;
	v = field(fields, lens, n_fields, HEAN_FIELD_SYMBOL, &len);
	if (v) {
		copy_trunc(out->symbol, sizeof(out->symbol), v, len);
		out->symbol_ok = len == strlen(out->symbol) && waves_symbol_valid(out->symbol);
	}
	v = field(fields, lens, n_fields, HEAN_FIELD_SIDE, &len);
	if (v) {
		copy_trunc(out->side, sizeof(out->side), v, len);
		if (len >= sizeof(out->side)) {
			out->side[0] = '?'; /* too long: never a valid side */
		}
	}
	v = field(fields, lens, n_fields, HEAN_FIELD_SCORE_WEEK, &len);
	out->score_week = score(v, len);
	v = field(fields, lens, n_fields, HEAN_FIELD_SCORE_MONTH, &len);
	out->score_month = score(v, len);
	return 0;
}

/* ===================== id set ===================== */

bool waves_index_contains(const struct waves_index *ix, int64_t id)
{
	return hean_idset_contains(ix->ids, id);
}

/* ===================== index ===================== */

struct waves_index *waves_index_create(size_t max_per_wave, size_t max_total)
{
	struct waves_index *ix = calloc(1, sizeof(*ix));

	if (!ix) {
		return NULL;
	}
	ix->max_per_wave = max_per_wave ? max_per_wave : 1;
	ix->max_total = max_total ? max_total : 1;
	ix->ids = hean_idset_create(1024);
	if (!ix->ids) {
		free(ix);
		return NULL;
	}
	return ix;
}

void waves_index_destroy(struct waves_index *ix)
{
	if (!ix) {
		return;
	}
	for (size_t w = 0; w < ix->n_waves; w++) {
		free(ix->waves[w].v);
	}
	free(ix->waves);
	hean_idset_destroy(ix->ids);
	free(ix);
}

/* Binary search: index of wave_s, or the insertion point with *found false. */
static size_t find_wave(const struct waves_index *ix, int64_t wave_s, bool *found)
{
	size_t lo = 0, hi = ix->n_waves;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->waves[mid].wave_s < wave_s) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	*found = lo < ix->n_waves && ix->waves[lo].wave_s == wave_s;
	return lo;
}

int waves_index_add(struct waves_index *ix, const struct waves_signal *s)
{
	struct iwave *w;
	bool found;
	size_t pos;

	if (waves_index_contains(ix, s->id)) {
		return 0;
	}
	if (ix->total >= ix->max_total) {
		return -ENOSPC;
	}
	pos = find_wave(ix, s->wave_s, &found);
	if (found && ix->waves[pos].n >= ix->max_per_wave) {
		return -ENOSPC;
	}
	/* the id first: a set that cannot grow leaves the index unchanged */
	if (hean_idset_add(ix->ids, s->id, 0) < 0) {
		return -ENOMEM;
	}
	if (!found) {
		if (ix->n_waves == ix->cap_waves) {
			size_t cap = ix->cap_waves ? ix->cap_waves * 2 : 16;
			struct iwave *nw = realloc(ix->waves, cap * sizeof(*nw));

			if (!nw) {
				hean_idset_remove(ix->ids, s->id);
				return -ENOMEM;
			}
			ix->waves = nw;
			ix->cap_waves = cap;
		}
		memmove(&ix->waves[pos + 1], &ix->waves[pos],
			(ix->n_waves - pos) * sizeof(ix->waves[0]));
		memset(&ix->waves[pos], 0, sizeof(ix->waves[pos]));
		ix->waves[pos].wave_s = s->wave_s;
		ix->n_waves++;
	}
	w = &ix->waves[pos];
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		struct waves_signal *nv;

		if (cap > ix->max_per_wave) {
			cap = ix->max_per_wave;
		}
		nv = realloc(w->v, cap * sizeof(*nv));
		if (!nv) {
			if (w->n == 0) { /* the wave was just inserted: take it out again */
				memmove(&ix->waves[pos], &ix->waves[pos + 1],
					(ix->n_waves - pos - 1) * sizeof(ix->waves[0]));
				ix->n_waves--;
			}
			hean_idset_remove(ix->ids, s->id);
			return -ENOMEM;
		}
		w->v = nv;
		w->cap = cap;
	}
	w->v[w->n++] = *s;
	if (s->seen_ms > w->last_seen_ms) {
		w->last_seen_ms = s->seen_ms;
	}
	ix->total++;
	return 1;
}

const struct waves_signal *waves_index_wave(const struct waves_index *ix, int64_t wave_s,
					    size_t *n)
{
	bool found;
	size_t pos = find_wave(ix, wave_s, &found);

	if (!found) {
		*n = 0;
		return NULL;
	}
	*n = ix->waves[pos].n;
	return ix->waves[pos].v;
}

int64_t waves_index_last_seen_ms(const struct waves_index *ix, int64_t wave_s)
{
	bool found;
	size_t pos = find_wave(ix, wave_s, &found);

	return found ? ix->waves[pos].last_seen_ms : 0;
}

size_t waves_index_prune(struct waves_index *ix, int64_t before_s)
{
	size_t k = 0, dropped = 0;

	while (k < ix->n_waves && ix->waves[k].wave_s < before_s) {
		dropped += ix->waves[k].n;
		for (size_t i = 0; i < ix->waves[k].n; i++) {
			hean_idset_remove(ix->ids, ix->waves[k].v[i].id);
		}
		free(ix->waves[k].v);
		k++;
	}
	if (k == 0) {
		return 0;
	}
	memmove(&ix->waves[0], &ix->waves[k], (ix->n_waves - k) * sizeof(ix->waves[0]));
	ix->n_waves -= k;
	ix->total -= dropped;
	return dropped;
}

size_t waves_index_total(const struct waves_index *ix)
{
	return ix->total;
}

size_t waves_index_waves(const struct waves_index *ix)
{
	return ix->n_waves;
}
