/* executor/orders: waves -> orders -> outcomes -> XACK. See orders.h. */
#include "executor/orders.h"

#include "common/json.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "executor/instruments.h"
#include "executor/positions.h"
#include "executor/prices.h"
#include "executor/rest.h"
#include "executor/sizing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIGNALS 200
#define MAX_ATTEMPTS 10
#define PAUSE_AT 32
#define RESUME_AT 8
#define RING 1024
#define DONE_IDS 128
#define FUTURE_SLACK_S 120

enum ord_state { O_NEW = 0, O_PRICE, O_SENT, O_LOOKUP, O_WAIT, O_DONE };

struct wave;

struct ord {
	struct wave *w; /* borrowed: owns us */
	char symbol[EXEC_SYM_LEN];
	int side;
	char link[EXEC_LINK_LEN];
	char qty_s[EXEC_NUM_LEN], sl_s[EXEC_NUM_LEN];
	enum ord_state state;
	int sends;
	bool was_unknown;   /* a send ended without a definitive answer */
	bool dup;           /* the lookup follows a 110072 */
	bool lookup_due;    /* the retry timer runs a lookup, not a send */
	ev_timer retry;
};

struct wave {
	struct exec_orders *o; /* borrowed */
	char id[64];
	char wave_ts[64];
	int64_t wave_s;
	bool pending;
	int n, left;
	struct ord *ords; /* owned, n */
	struct wave *next;
};

/* Recent orders, to turn private "Filled" pushes into hean:orders rows. */
struct sent {
	char link[EXEC_LINK_LEN];
	char wave_ts[64], symbol[EXEC_SYM_LEN], side[8], qty[EXEC_NUM_LEN];
	bool outcome_logged, filled_seen, filled_logged;
	char fill_qty[EXEC_NUM_LEN], fill_price[EXEC_NUM_LEN];
};

struct exec_orders {
	struct exec_app *x; /* borrowed */
	struct wave *waves; /* owned list, arrival order */
	int n_waves;
	bool paused, stopped;
	struct sent *ring; /* owned, RING */
	unsigned ring_head;
	char done_ids[DONE_IDS][64];
	unsigned done_head;
};

static void start_order(struct ord *d);
static void send_order(struct ord *d);
static void lookup(struct ord *d, bool dup);

static const char *side_str(int side)
{
	return side > 0 ? "Buy" : "Sell";
}

/* ===================== fills ring ===================== */

static struct sent *sent_find(struct exec_orders *o, const char *link)
{
	for (unsigned i = 0; i < RING; i++) {
		if (o->ring[i].link[0] && !strcmp(o->ring[i].link, link)) {
			return &o->ring[i];
		}
	}
	return NULL;
}

static void sent_note(struct exec_orders *o, const struct ord *d)
{
	struct sent *s = sent_find(o, d->link);

	if (!s) {
		s = &o->ring[o->ring_head++ % RING];
		memset(s, 0, sizeof(*s));
	}
	snprintf(s->link, sizeof(s->link), "%s", d->link);
	snprintf(s->wave_ts, sizeof(s->wave_ts), "%s", d->w->wave_ts);
	snprintf(s->symbol, sizeof(s->symbol), "%s", d->symbol);
	snprintf(s->side, sizeof(s->side), "%s", side_str(d->side));
	snprintf(s->qty, sizeof(s->qty), "%s", d->qty_s);
}

static void log_fill(struct exec_orders *o, struct sent *s)
{
	char msg[96];

	if (s->filled_logged || !s->outcome_logged || !s->filled_seen) {
		return;
	}
	s->filled_logged = true;
	snprintf(msg, sizeof(msg), "avgPrice=%s", s->fill_price);
	exec_orders_log(o->x, s->wave_ts, s->symbol, s->side, s->fill_qty[0] ? s->fill_qty : s->qty,
			s->link, "filled", 0, msg);
}

void exec_orders_on_push(struct exec_orders *o, const json_t *row)
{
	const char *link = NULL, *status = NULL, *q = NULL, *px = NULL;
	struct sent *s;

	if (hean_json_get_str(row, "orderLinkId", &link, NULL, 0) < 0 || !link[0] ||
	    hean_json_get_str(row, "orderStatus", &status, NULL, 0) < 0 ||
	    strcmp(status, "Filled")) {
		return;
	}
	s = sent_find(o, link);
	if (!s || s->filled_seen) {
		return;
	}
	s->filled_seen = true;
	if (hean_json_get_str(row, "cumExecQty", &q, NULL, 0) == 0) {
		snprintf(s->fill_qty, sizeof(s->fill_qty), "%s", q);
	}
	if (hean_json_get_str(row, "avgPrice", &px, NULL, 0) == 0) {
		snprintf(s->fill_price, sizeof(s->fill_price), "%s", px);
	}
	log_fill(o, s);
}

/* ===================== waves ===================== */

static bool id_done(const struct exec_orders *o, const char *id)
{
	for (unsigned i = 0; i < DONE_IDS; i++) {
		if (!strcmp(o->done_ids[i], id)) {
			return true;
		}
	}
	for (const struct wave *w = o->waves; w; w = w->next) {
		if (!strcmp(w->id, id)) {
			return true;
		}
	}
	return false;
}

static void flow_control(struct exec_orders *o)
{
	if (!o->paused && o->n_waves >= PAUSE_AT) {
		o->paused = true;
		hean_stream_pause(o->x->waves);
	} else if (o->paused && o->n_waves <= RESUME_AT) {
		o->paused = false;
		hean_stream_resume(o->x->waves);
	}
}

static void wave_free(struct wave *w)
{
	for (int i = 0; i < w->n; i++) {
		ev_timer_stop(w->o->x->loop, &w->ords[i].retry);
	}
	free(w->ords);
	free(w);
}

static void wave_finish(struct wave *w)
{
	struct exec_orders *o = w->o;
	struct wave **pp;

	for (pp = &o->waves; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	o->n_waves--;
	snprintf(o->done_ids[o->done_head++ % DONE_IDS], 64, "%s", w->id);
	if (hean_stream_ack(o->x->waves, w->id) == 0) {
		log_info("event=wave_acked id=%s wave_ts=%s orders=%d", w->id, w->wave_ts, w->n);
	}
	wave_free(w);
	flow_control(o);
}

static void ord_done(struct ord *d, const char *status, int code, const char *msg)
{
	struct wave *w = d->w;
	struct exec_orders *o = w->o;
	struct sent *s;

	if (d->state == O_DONE) {
		return;
	}
	d->state = O_DONE;
	ev_timer_stop(o->x->loop, &d->retry);
	log_info("event=order_outcome wave_ts=%s symbol=%s side=%s qty=%s link=%s status=%s "
		 "ret_code=%d msg=\"%.120s\"",
		 w->wave_ts, d->symbol, side_str(d->side), d->qty_s, d->link, status, code,
		 msg ? msg : "");
	exec_orders_log(o->x, w->wave_ts, d->symbol, side_str(d->side), d->qty_s, d->link, status,
			code, msg);
	if (!strcmp(status, "submitted")) {
		exec_count(o->x, "orders_ok", 1);
	} else if (!strcmp(status, "duplicate")) {
		exec_count(o->x, "duplicates", 1);
	} else if (!strcmp(status, "rejected")) {
		exec_count(o->x, "orders_rejected", 1);
	}
	s = sent_find(o, d->link);
	if (s && (!strcmp(status, "submitted") || !strcmp(status, "duplicate"))) {
		s->outcome_logged = true;
		log_fill(o, s);
	}
	if (--w->left == 0) {
		wave_finish(w);
	}
}

static bool expired(const struct exec_orders *o, int64_t wave_s)
{
	const struct hean_config *c = o->x->cfg;
	int64_t now = hean_time_now_ms() / 1000;

	return now > wave_s + c->wave_interval_s + c->wave_delay_s + c->wave_max_late_s;
}

static void retry_later(struct ord *d, double s)
{
	d->state = O_WAIT;
	ev_timer_stop(d->w->o->x->loop, &d->retry);
	ev_timer_set(&d->retry, s, 0.);
	ev_timer_start(d->w->o->x->loop, &d->retry);
}

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ord *d = w->data;

	if (d->lookup_due) {
		lookup(d, d->dup);
	} else if (d->sends > 0) {
		send_order(d);
	} else {
		start_order(d);
	}
}

/* ===================== lookup by orderLinkId ===================== */

static void on_lookup(const struct exec_rest_result *res, void *data)
{
	struct ord *d = data;
	const json_t *list;

	if (res->aborted || d->state != O_LOOKUP) {
		return;
	}
	list = res->cls == EXEC_REST_OK ? json_object_get(res->result, "list") : NULL;
	if (!json_is_array(list)) {
		/* lookups are repeated until they answer: never re-send blind */
		exec_count(d->w->o->x, "retries", 1);
		d->lookup_due = true;
		retry_later(d, 1.0);
		return;
	}
	if (json_array_size(list) > 0) {
		const char *st = NULL;
		hean_json_get_str(json_array_get(list, 0), "orderStatus", &st, NULL, 0);
		if (d->dup) {
			ord_done(d, "duplicate", 110072, st ? st : "found");
		} else {
			ord_done(d, "submitted", 0, "found by orderLinkId after an unknown outcome");
		}
		return;
	}
	if (d->dup) {
		/* the exchange says it exists but no longer lists it (over 500 orders) */
		ord_done(d, "duplicate", 110072, "OrderLinkedID is duplicate (not listed)");
		return;
	}
	/* certainly not placed: send again, unless the wave is too old now */
	if (expired(d->w->o, d->w->wave_s)) {
		d->state = O_WAIT;
		ord_done(d, "skipped", 0, "wave expired (order not placed)");
		return;
	}
	if (d->sends >= MAX_ATTEMPTS) {
		d->state = O_WAIT;
		ord_done(d, "rejected", -1, "gave up after repeated unknown outcomes");
		return;
	}
	retry_later(d, 0.05 * d->sends);
}

static void lookup(struct ord *d, bool dup)
{
	char q[160];

	d->dup = dup;
	d->lookup_due = false;
	d->state = O_LOOKUP;
	snprintf(q, sizeof(q), "category=linear&symbol=%s&orderLinkId=%s", d->symbol, d->link);
	if (exec_rest_call(d->w->o->x->rest, "GET", "/v5/order/realtime", q,
			   EXEC_REST_SIGNED | EXEC_REST_IDEMPOTENT, on_lookup, d) < 0) {
		d->lookup_due = true;
		retry_later(d, 1.0);
	}
}

/* ===================== create ===================== */

static void on_create(const struct exec_rest_result *res, void *data)
{
	struct ord *d = data;

	if (res->aborted || d->state != O_SENT) {
		return;
	}
	switch (res->cls) {
	case EXEC_REST_OK:
		ord_done(d, "submitted", 0, res->ret_msg);
		return;
	case EXEC_REST_REJECTED:
		if (res->ret_code == 110072) {
			lookup(d, true);
			return;
		}
		ord_done(d, "rejected", res->ret_code, res->ret_msg);
		return;
	case EXEC_REST_RATE:
	case EXEC_REST_CLOCK:
		/* not applied (the client already waited/resynced): send again */
		exec_count(d->w->o->x, "retries", 1);
		if (d->was_unknown) {
			lookup(d, false);
			return;
		}
		retry_later(d, 1.0);
		return;
	case EXEC_REST_UNKNOWN:
	default:
		exec_count(d->w->o->x, "retries", 1);
		d->was_unknown = true;
		lookup(d, false);
		return;
	}
}

static void send_order(struct ord *d)
{
	struct exec_orders *o = d->w->o;
	char body[512];

	snprintf(body, sizeof(body),
		 "{\"category\":\"linear\",\"symbol\":\"%s\",\"side\":\"%s\",\"orderType\":"
		 "\"Market\",\"qty\":\"%s\",\"positionIdx\":0,\"orderLinkId\":\"%s\","
		 "\"stopLoss\":\"%s\",\"tpslMode\":\"Full\"}",
		 d->symbol, side_str(d->side), d->qty_s, d->link, d->sl_s);
	d->state = O_SENT;
	d->sends++;
	sent_note(o, d);
	if (exec_rest_call(o->x->rest, "POST", "/v5/order/create", body, EXEC_REST_SIGNED,
			   on_create, d) < 0) {
		retry_later(d, 1.0);
	}
}

static void place(struct ord *d, const struct exec_quote *q)
{
	const struct exec_instrument *in = exec_instruments_find(d->w->o->x->inst, d->symbol);
	const struct hean_config *c = d->w->o->x->cfg;
	double ref, qty, sl;
	char reason[160];

	if (!in) {
		ord_done(d, "skipped", 0, "unknown instrument");
		return;
	}
	ref = d->side > 0 ? (q->ask > 0 ? q->ask : q->last) : (q->bid > 0 ? q->bid : q->last);
	if (exec_sizing_qty(in, c->position_usd, ref, &qty, d->qty_s, sizeof(d->qty_s), reason,
			    sizeof(reason)) < 0) {
		ord_done(d, "skipped", 0, reason);
		return;
	}
	sl = exec_sizing_stop(in, d->side, ref, q->last, c->stop_loss_pct);
	if (!(sl > 0)) {
		ord_done(d, "skipped", 0, "no valid stop-loss price");
		return;
	}
	exec_sizing_fmt(sl, in->price_dp, d->sl_s, sizeof(d->sl_s));
	send_order(d);
}

static void on_price(struct exec_app *x, const char *symbol, bool ok, const struct exec_quote *q,
		     void *data)
{
	struct ord *d = data;

	if (!x || d->state != O_PRICE) {
		return;
	}
	if (!ok) {
		if (expired(d->w->o, d->w->wave_s)) {
			ord_done(d, "skipped", 0, "no price before the wave expired");
			return;
		}
		retry_later(d, 1.0);
		return;
	}
	place(d, q);
}

static void start_order(struct ord *d)
{
	struct exec_orders *o = d->w->o;
	struct exec_quote q;

	if (expired(o, d->w->wave_s)) {
		ord_done(d, "skipped", 0, "wave expired");
		return;
	}
	if (!exec_instruments_find(o->x->inst, d->symbol)) {
		ord_done(d, "skipped", 0, "unknown instrument");
		return;
	}
	if (!d->w->pending && exec_positions_side(o->x->pos, d->symbol) != 0) {
		ord_done(d, "skipped", 0, "position already open");
		return;
	}
	if (exec_prices_get(o->x->prices, d->symbol, &q) == 0) {
		place(d, &q);
		return;
	}
	d->state = O_PRICE;
	if (exec_prices_fetch(o->x->prices, d->symbol, on_price, d) < 0) {
		retry_later(d, 1.0);
	}
}

static bool ready(const struct exec_orders *o)
{
	return exec_instruments_loaded(o->x->inst) && exec_rest_clock_synced(o->x->rest) &&
	       !o->stopped;
}

/* Starts every order not started yet. The last outcome frees w, so the
 * loop stops right after starting the last new order. */
static void wave_start(struct wave *w)
{
	int n = w->n, todo = 0;

	for (int i = 0; i < n; i++) {
		todo += w->ords[i].state == O_NEW;
	}
	for (int i = 0; i < n && todo > 0; i++) {
		if (w->ords[i].state == O_NEW) {
			todo--;
			start_order(&w->ords[i]);
		}
	}
}

void exec_orders_kick(struct exec_orders *o)
{
	struct wave *w, *next;

	if (!ready(o)) {
		return;
	}
	for (w = o->waves; w; w = next) {
		next = w->next; /* a wave may finish (and be freed) in start */
		wave_start(w);
	}
}

/* Parses one signal into d. Returns NULL or a reason to skip it. */
static const char *parse_signal(const json_t *sig, struct ord *d)
{
	const char *sym = NULL, *side = NULL;

	if (!json_is_object(sig) || hean_json_get_str(sig, "symbol", &sym, NULL, 0) < 0 ||
	    hean_json_get_str(sig, "side", &side, NULL, 0) < 0) {
		return "signal without symbol/side";
	}
	if (!exec_sizing_symbol_valid(sym)) {
		return "invalid symbol";
	}
	snprintf(d->symbol, sizeof(d->symbol), "%s", sym);
	if (!strcmp(side, "buy") || !strcmp(side, "Buy")) {
		d->side = 1;
	} else if (!strcmp(side, "sell") || !strcmp(side, "Sell")) {
		d->side = -1;
	} else {
		return "invalid side";
	}
	return NULL;
}

void exec_orders_on_wave(struct hean_stream *s, const struct hean_stream_entry *e, void *data)
{
	struct exec_orders *o = data;
	const char *ts, *sigs;
	size_t ts_len = 0, sigs_len = 0, i;
	int64_t wave_ms = 0;
	json_t *arr = NULL, *sig;
	struct wave *w;

	if (o->stopped || id_done(o, e->id)) {
		return; /* in progress or just acked: a re-delivery */
	}
	if (!e->fields) {
		return; /* trimmed: the stream acked it */
	}
	ts = hean_stream_field(e, "wave_ts", &ts_len);
	sigs = hean_stream_field(e, "signals", &sigs_len);
	w = calloc(1, sizeof(*w));
	if (!w) {
		log_error("event=wave_oom id=%s (stays pending)", e->id);
		return;
	}
	w->o = o;
	w->pending = e->pending;
	snprintf(w->id, sizeof(w->id), "%s", e->id);
	snprintf(w->wave_ts, sizeof(w->wave_ts), "%.*s", (int)(ts_len < 63 ? ts_len : 63),
		 ts ? ts : "");
	if (!ts || hean_time_parse_iso8601(ts, ts_len, &wave_ms, NULL) < 0) {
		log_warn("event=wave_invalid id=%s reason=\"bad wave_ts\" (acked)", e->id);
		goto ack_now;
	}
	w->wave_s = wave_ms / 1000;
	if (w->wave_s > hean_time_now_ms() / 1000 + FUTURE_SLACK_S) {
		log_warn("event=wave_invalid id=%s wave_ts=%s reason=\"in the future\" (acked)",
			 e->id, w->wave_ts);
		goto ack_now;
	}
	arr = sigs ? json_loadb(sigs, sigs_len, 0, NULL) : NULL;
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		log_info("event=wave_empty id=%s wave_ts=%s (acked)", e->id, w->wave_ts);
		json_decref(arr);
		goto ack_now;
	}
	w->ords = calloc(json_array_size(arr) < MAX_SIGNALS ? json_array_size(arr) : MAX_SIGNALS,
			 sizeof(*w->ords));
	if (!w->ords) {
		json_decref(arr);
		free(w);
		return;
	}
	json_array_foreach(arr, i, sig) {
		struct ord *d = &w->ords[w->n];
		const char *why;

		if (i >= MAX_SIGNALS) {
			break;
		}
		memset(d, 0, sizeof(*d));
		d->w = w;
		why = parse_signal(sig, d);
		for (int k = 0; !why && k < w->n; k++) {
			if (!strcmp(w->ords[k].symbol, d->symbol)) {
				why = "symbol twice in the wave";
			}
		}
		if (!why && exec_sizing_link_id(w->wave_s, d->symbol, d->link, sizeof(d->link)) < 0) {
			why = "no valid orderLinkId";
		}
		if (why) {
			log_warn("event=signal_skipped id=%s wave_ts=%s index=%zu reason=\"%s\"", e->id,
				 w->wave_ts, i, why);
			exec_orders_log(o->x, w->wave_ts, d->symbol, d->side ? side_str(d->side) : "",
					"0", "", "skipped", 0, why);
			continue;
		}
		ev_timer_init(&d->retry, on_retry, 0., 0.);
		d->retry.data = d;
		w->n++;
	}
	json_decref(arr);
	if (w->n == 0) {
		goto ack_now;
	}
	w->left = w->n;
	w->next = NULL;
	{
		struct wave **pp = &o->waves;
		while (*pp) {
			pp = &(*pp)->next;
		}
		*pp = w;
	}
	o->n_waves++;
	log_info("event=wave id=%s wave_ts=%s orders=%d replay=%d", w->id, w->wave_ts, w->n,
		 w->pending ? 1 : 0);
	if (expired(o, w->wave_s)) {
		int n = w->n;
		for (int k = 0; k < n; k++) {
			ord_done(&w->ords[k], "skipped", 0, "wave expired");
		}
		return; /* the last outcome acked and freed it */
	}
	flow_control(o);
	if (ready(o)) {
		wave_start(w);
	}
	return;

ack_now:
	hean_stream_ack(o->x->waves, e->id);
	free(w->ords);
	free(w);
}

/* ===================== lifecycle ===================== */

struct exec_orders *exec_orders_create(struct exec_app *x)
{
	struct exec_orders *o = calloc(1, sizeof(*o));

	if (!o) {
		return NULL;
	}
	o->ring = calloc(RING, sizeof(*o->ring));
	if (!o->ring) {
		free(o);
		return NULL;
	}
	o->x = x;
	return o;
}

void exec_orders_stop(struct exec_orders *o)
{
	if (!o) {
		return;
	}
	o->stopped = true;
	for (struct wave *w = o->waves; w; w = w->next) {
		for (int i = 0; i < w->n; i++) {
			ev_timer_stop(o->x->loop, &w->ords[i].retry);
		}
	}
}

void exec_orders_destroy(struct exec_orders *o)
{
	if (!o) {
		return;
	}
	while (o->waves) {
		struct wave *w = o->waves;
		o->waves = w->next;
		wave_free(w); /* unacked: re-read from the pending list next start */
	}
	free(o->ring);
	free(o);
}

unsigned exec_orders_pending(const struct exec_orders *o)
{
	unsigned n = 0;

	for (const struct wave *w = o->waves; w; w = w->next) {
		for (int i = 0; i < w->n; i++) {
			n += w->ords[i].state == O_SENT || w->ords[i].state == O_LOOKUP;
		}
	}
	return n;
}
