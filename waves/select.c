/* waves/select: pure filters, ranking and JSON. See select.h. */
#include "waves/select.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool blacklisted(const struct waves_select_cfg *cfg, const char *sym)
{
	for (size_t i = 0; i < cfg->n_blacklist; i++) {
		if (cfg->blacklist[i] && strcmp(cfg->blacklist[i], sym) == 0) {
			return true;
		}
	}
	return false;
}

int waves_select_rank_cmp(const void *a, const void *b)
{
	const struct waves_signal *x = *(const struct waves_signal *const *)a;
	const struct waves_signal *y = *(const struct waves_signal *const *)b;

	if (x->score_week != y->score_week) {
		return x->score_week > y->score_week ? -1 : 1;
	}
	if (x->score_month != y->score_month) {
		return x->score_month > y->score_month ? -1 : 1;
	}
	if (x->id != y->id) {
		return x->id < y->id ? -1 : 1;
	}
	return 0;
}

static void skip(struct waves_selection *sel, const struct waves_signal *s, const char *reason)
{
	sel->skipped[sel->n_skipped].sig = s;
	sel->skipped[sel->n_skipped].reason = reason;
	sel->n_skipped++;
}

static int alloc_sel(struct waves_selection *sel, size_t n)
{
	memset(sel, 0, sizeof(*sel));
	sel->chosen = calloc(n ? n : 1, sizeof(*sel->chosen));
	sel->skipped = calloc(n ? n : 1, sizeof(*sel->skipped));
	if (!sel->chosen || !sel->skipped) {
		waves_selection_finish(sel);
		return -ENOMEM;
	}
	sel->considered = n;
	return 0;
}

/* Index in sigs of pointer p (p points into sigs). */
static size_t pos_of(const struct waves_signal *sigs, const struct waves_signal *p)
{
	return (size_t)(p - sigs);
}

int waves_select(const struct waves_select_cfg *cfg, const struct waves_signal *sigs, size_t n,
		 waves_has_position_fn *has_position, void *data, struct waves_selection *sel)
{
	const struct waves_signal **cand;
	const char **reason; /* per input signal: NULL = chosen */
	size_t nc = 0, taken = 0;
	size_t max = cfg->max_trades > 0 ? (size_t)cfg->max_trades : 1;

	if (alloc_sel(sel, n) < 0) {
		return -ENOMEM;
	}
	cand = calloc(n ? n : 1, sizeof(*cand));
	reason = calloc(n ? n : 1, sizeof(*reason));
	if (!cand || !reason) {
		free(cand);
		free(reason);
		waves_selection_finish(sel);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct waves_signal *s = &sigs[i];

		if (strcmp(s->side, "buy") != 0 && strcmp(s->side, "sell") != 0) {
			reason[i] = "side";
		} else if (!s->symbol_ok) {
			reason[i] = "symbol";
		} else if (!isfinite(s->score_week) || !isfinite(s->score_month)) {
			reason[i] = "score";
		} else if (s->score_week < cfg->min_score) {
			reason[i] = "min_score";
		} else if (blacklisted(cfg, s->symbol)) {
			reason[i] = "blacklist";
		} else if (has_position && has_position(s->symbol, data)) {
			reason[i] = "position";
		} else {
			cand[nc++] = s;
		}
	}
	qsort(cand, nc, sizeof(*cand), waves_select_rank_cmp);
	for (size_t i = 0; i < nc; i++) {
		bool dup = false;

		for (size_t j = 0; j < i && !dup; j++) {
			dup = strcmp(cand[j]->symbol, cand[i]->symbol) == 0;
		}
		if (dup) {
			reason[pos_of(sigs, cand[i])] = "duplicate_symbol";
		} else if (taken >= max) {
			reason[pos_of(sigs, cand[i])] = "max_trades";
		} else {
			sel->chosen[sel->n_chosen++] = cand[i];
			taken++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (reason[i]) {
			skip(sel, &sigs[i], reason[i]);
		}
	}
	free(cand);
	free(reason);
	return 0;
}

int waves_select_expired(const struct waves_signal *sigs, size_t n, struct waves_selection *sel)
{
	if (alloc_sel(sel, n) < 0) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		skip(sel, &sigs[i], "expired");
	}
	return 0;
}

void waves_selection_finish(struct waves_selection *sel)
{
	if (!sel) {
		return;
	}
	free(sel->chosen);
	free(sel->skipped);
	memset(sel, 0, sizeof(*sel));
}

const char *waves_selection_reason(const struct waves_selection *sel)
{
	return sel->n_chosen > 0 ? "ok" : "empty";
}

static char *dump(json_t *arr)
{
	char *s;

	if (!arr) {
		return NULL;
	}
	s = json_dumps(arr, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(arr);
	return s;
}

char *waves_selection_signals_json(const struct waves_selection *sel)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < sel->n_chosen; i++) {
		const struct waves_signal *s = sel->chosen[i];
		json_t *o = json_pack("{s:I,s:s,s:s,s:f,s:f}", "id", (json_int_t)s->id, "symbol",
				      s->symbol, "side", s->side, "score_week", s->score_week,
				      "score_month", s->score_month);

		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return dump(arr);
}

char *waves_selection_skipped_json(const struct waves_selection *sel)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < sel->n_skipped; i++) {
		const struct waves_skip *k = &sel->skipped[i];
		json_t *o = json_pack("{s:I,s:s}", "id", (json_int_t)k->sig->id, "reason",
				      k->reason);
		/* the symbol as received may be invalid UTF-8: then "" */
		json_t *sym = json_string(k->sig->symbol);

		if (!sym) {
			sym = json_string("");
		}
		if (!o || !sym) {
			json_decref(o);
			json_decref(sym);
			json_decref(arr);
			return NULL;
		}
		/* both _new calls steal their argument, also on failure */
		if (json_object_set_new(o, "symbol", sym) < 0) {
			json_decref(o);
			json_decref(arr);
			return NULL;
		}
		if (json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return dump(arr);
}
