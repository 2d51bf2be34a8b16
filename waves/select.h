/* waves/select: the pure selection of one wave's signals. Filters, in
 * this order, each skipped signal keeping the first reason that applies:
 *   "side"             side is not "buy" or "sell"
 *   "symbol"           symbol does not match ^[A-Z0-9]{2,20}$
 *   "score"            score_week or score_month missing / not finite
 *   "min_score"        score_week < HEAN_WAVE_MIN_SCORE
 *   "blacklist"        symbol in HEAN_SYMBOL_BLACKLIST
 *   "position"         an open position exists (hean:position:{SYM} size > 0)
 *   "duplicate_symbol" a better signal for the same symbol was kept
 *   "max_trades"       ranked below the first HEAN_WAVE_MAX_TRADES
 * Ranking: score_week desc, then score_month desc, then id asc, so the
 * result is deterministic whatever the arrival order. The JSON renderers
 * give the hean:waves fields "signals" and "skipped". No I/O. */
#ifndef HEAN_WAVES_SELECT_H
#define HEAN_WAVES_SELECT_H

#include "waves/index.h"

#include <stdbool.h>
#include <stddef.h>

struct waves_select_cfg {
	double min_score;
	int max_trades;                 /* >= 1 */
	const char *const *blacklist;   /* borrowed */
	size_t n_blacklist;
};

/* true when symbol (already validated) has an open position. */
typedef bool waves_has_position_fn(const char *symbol, void *data);

struct waves_skip {
	const struct waves_signal *sig; /* borrowed from the input array */
	const char *reason;             /* static string */
};

struct waves_selection {
	size_t considered;
	const struct waves_signal **chosen; /* owned array, ranked best first */
	size_t n_chosen;
	struct waves_skip *skipped;         /* owned array, input order */
	size_t n_skipped;
};

/* Selects from sigs[0..n) (borrowed: must outlive sel). has_position may
 * be NULL (no positions). Returns 0 or -ENOMEM (sel then empty). */
int waves_select(const struct waves_select_cfg *cfg, const struct waves_signal *sigs, size_t n,
		 waves_has_position_fn *has_position, void *data, struct waves_selection *sel);

/* An expired wave: nothing chosen, every signal skipped with "expired". */
int waves_select_expired(const struct waves_signal *sigs, size_t n, struct waves_selection *sel);

void waves_selection_finish(struct waves_selection *sel);

/* "ok" when something was chosen, else "empty". */
const char *waves_selection_reason(const struct waves_selection *sel);

/* JSON arrays (malloc'd, compact, caller frees; NULL on -ENOMEM):
 * signals: [{"id":N,"symbol":"S","side":"buy","score_week":X,"score_month":Y},...]
 * skipped: [{"id":N,"symbol":"S","reason":"R"},...] */
char *waves_selection_signals_json(const struct waves_selection *sel);
char *waves_selection_skipped_json(const struct waves_selection *sel);

/* Ranking comparator (qsort over const struct waves_signal *const *). */
int waves_select_rank_cmp(const void *a, const void *b);

#endif
