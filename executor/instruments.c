/* executor/instruments: instruments-info table. See instruments.h. */
#include "executor/instruments.h"

#include "common/json.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "executor/reconcile.h"
#include "executor/rest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAILY_S (24.0 * 3600)
#define RETRY_S 5.0
#define MAX_PAGES 50

struct exec_instruments {
	struct exec_app *x; /* borrowed */
	exec_instruments_fn *on_loaded;
	struct exec_instrument *v; /* owned, sorted by symbol */
	size_t n;
	struct exec_instrument *next_v; /* owned: the load in progress */
	size_t next_n, next_cap;
	int pages;
	int64_t attempt_ms; /* wall clock of the last load started */
	bool loading, loaded;
	ev_timer timer;
};

static int cmp_sym(const void *a, const void *b)
{
	return strcmp(((const struct exec_instrument *)a)->symbol,
		      ((const struct exec_instrument *)b)->symbol);
}

static int num(const json_t *o, const char *k, double *out, const char **s)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_string(v)) {
		return -ENOENT;
	}
	if (s) {
		*s = json_string_value(v);
	}
	return hean_parse_decimal(json_string_value(v), json_string_length(v), out,
				  HEAN_NUM_NONNEG);
}

int exec_instrument_parse(const json_t *row, struct exec_instrument *out)
{
	const json_t *lot = json_object_get(row, "lotSizeFilter");
	const json_t *pf = json_object_get(row, "priceFilter");
	const json_t *sym = json_object_get(row, "symbol");
	const char *step_s = NULL, *tick_s = NULL;

	memset(out, 0, sizeof(*out));
	if (!json_is_string(sym) || !exec_sizing_symbol_valid(json_string_value(sym)) ||
	    !json_is_object(lot) || !json_is_object(pf)) {
		return -EINVAL;
	}
	snprintf(out->symbol, sizeof(out->symbol), "%s", json_string_value(sym));
	if (num(lot, "qtyStep", &out->qty_step, &step_s) < 0 || !(out->qty_step > 0) ||
	    num(pf, "tickSize", &out->tick, &tick_s) < 0 || !(out->tick > 0) ||
	    num(lot, "minOrderQty", &out->min_qty, NULL) < 0) {
		return -EINVAL;
	}
	if (num(lot, "maxOrderQty", &out->max_qty, NULL) < 0) {
		out->max_qty = 0;
	}
	if (num(lot, "maxMktOrderQty", &out->max_mkt_qty, NULL) < 0) {
		out->max_mkt_qty = out->max_qty;
	}
	if (num(lot, "minNotionalValue", &out->min_notional, NULL) < 0) {
		out->min_notional = 0;
	}
	out->qty_dp = exec_sizing_decimals(step_s);
	out->price_dp = exec_sizing_decimals(tick_s);
	return 0;
}

static void fetch_page(struct exec_instruments *in, const char *cursor);

static void retry_later(struct exec_instruments *in, double s)
{
	ev_timer_stop(in->x->loop, &in->timer);
	ev_timer_set(&in->timer, s, 0.);
	ev_timer_start(in->x->loop, &in->timer);
}

static void load_failed(struct exec_instruments *in, const char *why)
{
	log_warn("event=instruments_failed reason=\"%s\" retry_s=%.0f", why, RETRY_S);
	free(in->next_v);
	in->next_v = NULL;
	in->next_n = in->next_cap = 0;
	in->loading = false;
	retry_later(in, RETRY_S);
}

static void on_page(const struct exec_rest_result *res, void *data)
{
	struct exec_instruments *in = data;
	const json_t *list, *row, *next;
	size_t i;

	if (res->aborted) {
		return;
	}
	if (res->cls != EXEC_REST_OK || !res->result) {
		load_failed(in, res->ret_msg);
		return;
	}
	list = json_object_get(res->result, "list");
	if (!json_is_array(list)) {
		load_failed(in, "no list");
		return;
	}
	json_array_foreach(list, i, row) {
		struct exec_instrument one;
		if (exec_instrument_parse(row, &one) < 0) {
			continue;
		}
		if (in->next_n == in->next_cap) {
			size_t cap = in->next_cap ? in->next_cap * 2 : 256;
			struct exec_instrument *v = realloc(in->next_v, cap * sizeof(*v));
			if (!v) {
				load_failed(in, "out of memory");
				return;
			}
			in->next_v = v;
			in->next_cap = cap;
		}
		in->next_v[in->next_n++] = one;
	}
	next = json_object_get(res->result, "nextPageCursor");
	if (json_is_string(next) && json_string_length(next) > 0 && ++in->pages < MAX_PAGES) {
		fetch_page(in, json_string_value(next));
		return;
	}
	qsort(in->next_v, in->next_n, sizeof(*in->next_v), cmp_sym);
	free(in->v);
	in->v = in->next_v;
	in->n = in->next_n;
	in->next_v = NULL;
	in->next_n = in->next_cap = 0;
	in->loading = false;
	in->loaded = true;
	log_info("event=instruments_loaded count=%zu", in->n);
	retry_later(in, DAILY_S);
	if (in->on_loaded) {
		in->on_loaded(in->x);
	}
}

static void fetch_page(struct exec_instruments *in, const char *cursor)
{
	char q[600], enc[400] = "";

	if (cursor && exec_url_encode(cursor, enc, sizeof(enc)) < 0) {
		load_failed(in, "cursor too long");
		return;
	}
	/* the cursor is opaque (may hold '=', '%', ','): always URL-encoded */
	snprintf(q, sizeof(q), "category=linear&limit=1000%s%s", cursor ? "&cursor=" : "", enc);
	if (exec_rest_call(in->x->rest, "GET", "/v5/market/instruments-info", q,
			   EXEC_REST_IDEMPOTENT, on_page, in) < 0) {
		load_failed(in, "submit");
	}
}

void exec_instruments_refresh(struct exec_instruments *in)
{
	if (in->loading) {
		return;
	}
	in->loading = true;
	in->pages = 0;
	in->attempt_ms = hean_time_now_ms();
	fetch_page(in, NULL);
}

bool exec_instruments_reload_since(struct exec_instruments *in, const char *symbol,
				   int64_t since_ms)
{
	if (!in->loading && in->attempt_ms < since_ms) {
		log_info("event=instruments_reload symbol=%s reason=\"not in the table\"", symbol);
		exec_instruments_refresh(in);
	}
	return in->loading;
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	exec_instruments_refresh(w->data);
}

struct exec_instruments *exec_instruments_create(struct exec_app *x, exec_instruments_fn *on_loaded)
{
	struct exec_instruments *in = calloc(1, sizeof(*in));

	if (!in) {
		return NULL;
	}
	in->x = x;
	in->on_loaded = on_loaded;
	ev_timer_init(&in->timer, on_timer, 0., 0.);
	in->timer.data = in;
	return in;
}

void exec_instruments_destroy(struct exec_instruments *in)
{
	if (!in) {
		return;
	}
	ev_timer_stop(in->x->loop, &in->timer);
	free(in->v);
	free(in->next_v);
	free(in);
}

bool exec_instruments_loaded(const struct exec_instruments *in)
{
	return in->loaded;
}

size_t exec_instruments_count(const struct exec_instruments *in)
{
	return in->n;
}

const struct exec_instrument *exec_instruments_find(const struct exec_instruments *in,
						    const char *symbol)
{
	struct exec_instrument key;

	if (!in->v || !symbol) {
		return NULL;
	}
	snprintf(key.symbol, sizeof(key.symbol), "%s", symbol);
	return bsearch(&key, in->v, in->n, sizeof(*in->v), cmp_sym);
}
