/* executor/orders: waves -> orders -> outcomes -> XACK. See orders.h. */
#include "executor/orders_int.h"

#include "common/json.h"
#include "common/keys.h"
#include "common/log.h"
#include "common/redis.h"
#include "common/timeutil.h"
#include "executor/instruments.h"
#include "executor/plan.h"
#include "executor/positions.h"
#include "executor/prices.h"
#include "executor/rest.h"
#include "executor/sizing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void start_order(struct ord *d);
static void send_order(struct ord *d);
static void lookup(struct ord *d, bool dup);
static void reserve_drop(struct exec_orders *o, const char *sym);



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

/* Every order has its outcome and every row is stored: XACK. A row that
 * could not be stored leaves the wave pending in Redis (re-read at the
 * next start; the orders are then found by orderLinkId). */
void ord_wave_maybe_finish(struct wave *w)
{
	struct exec_orders *o = w->o;
	struct wave **pp;

	if (w->left > 0 || w->writes > 0) {
		return;
	}
	for (pp = &o->waves; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	o->n_waves--;
	if (w->write_failed) {
		log_error("event=wave_not_acked id=%s wave_ts=%s reason=\"hean:orders rows not "
			  "stored\" (stays pending)",
			  w->id, w->wave_ts);
	} else {
		snprintf(o->done_ids[o->done_head++ % DONE_IDS], 64, "%s", w->id);
		if (hean_stream_ack(o->x->waves, w->id) == 0) {
			log_info("event=wave_acked id=%s wave_ts=%s orders=%d", w->id, w->wave_ts,
				 w->n);
		}
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
	ord_log(o, w, w->wave_ts, d->symbol, side_str(d->side), d->qty_s, d->link, status, code,
		   msg);
	ord_count_outcome(o, status);
	if (strcmp(status, "submitted") != 0 && strcmp(status, "duplicate") != 0) {
		reserve_drop(o, d->symbol);
	}
	s = ord_sent_find(o, d->link);
	if (s && (!strcmp(status, "submitted") || !strcmp(status, "duplicate"))) {
		s->outcome_logged = true;
		ord_log_fill(o, s, w);
	}
	w->left--;
	ord_wave_maybe_finish(w);
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
	struct exec_orders *o;
	const json_t *list, *row;

	if (res->aborted || d->state != O_LOOKUP) {
		return;
	}
	o = d->w->o;
	list = res->cls == EXEC_REST_OK ? json_object_get(res->result, "list") : NULL;
	if (!json_is_array(list)) {
		/* lookups are repeated until they answer: never re-send blind */
		ord_count_retry(o);
		d->lookup_due = true;
		if (hean_time_now_ms() > d->w->deadline_ms && !d->was_unknown && d->sends == 0) {
			/* a replay whose wave expired: nothing of ours can go out any more */
			ord_done(d, "skipped", 0, "wave expired (replay not confirmed)");
			return;
		}
		retry_later(d, 1.0);
		return;
	}
	row = json_array_get(list, 0);
	if (json_is_object(row)) {
		const char *st = "";
		char msg[160];
		struct sent *s = ord_sent_note(o, d);
		enum exec_order_fate f = ord_note_row(s, row);
		const char *status = exec_plan_fate_row(f);

		hean_json_get_str(row, "orderStatus", &st, NULL, 0);
		if ((d->dup || d->replay) && (f == EXEC_FATE_OPEN || f == EXEC_FATE_FILLED ||
					      f == EXEC_FATE_UNKNOWN)) {
			status = "duplicate"; /* placed before: already ours */
		}
		snprintf(msg, sizeof(msg), "orderStatus=%s (found by orderLinkId%s)", st,
			 d->dup ? " after 110072" : d->replay ? ", replayed wave" : " after an unknown outcome");
		ord_done(d, status, d->dup ? 110072 : 0, msg);
		return;
	}
	if (d->dup) {
		/* the exchange says it exists but no longer lists it (over 500 orders) */
		ord_done(d, "duplicate", 110072, "OrderLinkedID is duplicate (not listed)");
		return;
	}
	if (d->replay) {
		/* not placed before the restart: plan it now (book, limits, quote) */
		d->replay = false;
		start_order(d);
		return;
	}
	/* certainly not placed: send again through the gate */
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
	struct exec_orders *o;
	int64_t wait;

	if (res->aborted || d->state != O_SENT) {
		return;
	}
	o = d->w->o;
	switch (res->cls) {
	case EXEC_REST_OK:
		if (d->w->o->x->on_accepted) {
			d->w->o->x->on_accepted(d->w->o->x, d->w->wave_s);
		}
		ord_done(d, "submitted", 0, res->ret_msg);
		return;
	case EXEC_REST_REJECTED:
		if (res->ret_code == 110072) {
			lookup(d, true);
			return;
		}
		if (res->ret_code == 10001 && strstr(res->ret_msg, "position idx")) {
			log_error("event=hedge_mode_account symbol=%s msg=\"%.120s\" (hean trades "
				  "one-way mode only)",
				  d->symbol, res->ret_msg);
		}
		ord_done(d, "rejected", res->ret_code, res->ret_msg);
		return;
	case EXEC_REST_RATE:
	case EXEC_REST_CLOCK:
		/* not applied: the gate decides whether and with which plan it goes again */
		ord_count_retry(o);
		if (d->was_unknown) {
			lookup(d, false);
			return;
		}
		wait = res->cls == EXEC_REST_RATE && res->reset_ms > 0
			       ? res->reset_ms - exec_rest_now_ms(o->x->rest)
			       : 500;
		retry_later(d, (wait < 50 ? 50 : wait > 1000 ? 1000 : wait) / 1000.0);
		return;
	case EXEC_REST_UNKNOWN:
	default:
		ord_count_retry(o);
		d->was_unknown = true;
		lookup(d, false);
		return;
	}
}

/* The one place an order/create goes out: the gate first, every time. */
static void send_order(struct ord *d)
{
	struct exec_orders *o = d->w->o;
	struct exec_plan_book b;
	struct exec_send_ctx c;
	enum exec_send_verdict v;
	char body[512];

	exec_positions_view(o->x->pos, d->symbol, &b);
	memset(&c, 0, sizeof(c));
	c.now_ms = hean_time_now_ms();
	c.deadline_ms = d->w->deadline_ms;
	c.planned_ms = d->planned_ms;
	c.sends = d->sends;
	c.book_known = b.known;
	c.book_side = b.side;
	v = exec_plan_send_gate(&c);
	switch (v) {
	case EXEC_SEND_OK:
		break;
	case EXEC_SEND_EXPIRED:
	case EXEC_SEND_POSITION_OPEN:
		ord_done(d, "skipped", 0, exec_plan_verdict_str(v));
		return;
	case EXEC_SEND_GIVE_UP:
		ord_done(d, "rejected", -1, exec_plan_verdict_str(v));
		return;
	case EXEC_SEND_NOT_READY:
		retry_later(d, NOT_READY_S);
		return;
	case EXEC_SEND_REPLAN:
		log_info("event=order_replan link=%s sends=%d age_ms=%lld", d->link, d->sends,
			 (long long)(c.now_ms - d->planned_ms));
		d->planned_ms = 0;
		d->state = O_NEW;
		start_order(d);
		return;
	}
	snprintf(body, sizeof(body),
		 "{\"category\":\"linear\",\"symbol\":\"%s\",\"side\":\"%s\",\"orderType\":"
		 "\"Market\",\"qty\":\"%s\",\"positionIdx\":0,\"orderLinkId\":\"%s\","
		 "\"stopLoss\":\"%s\",\"tpslMode\":\"Full\"}",
		 d->symbol, side_str(d->side), d->qty_s, d->link, d->sl_s);
	d->state = O_SENT;
	d->sends++;
	ord_sent_note(o, d);
	if (exec_rest_call(o->x->rest, "POST", "/v5/order/create", body,
			   EXEC_REST_SIGNED | EXEC_REST_NO_RETRY, on_create, d) < 0) {
		retry_later(d, 1.0);
	}
}

static void reserve_drop(struct exec_orders *o, const char *sym)
{
	for (int i = 0; i < RESERVE; i++) {
		if (!strcmp(o->res[i].symbol, sym)) {
			o->res[i].symbol[0] = '\0';
		}
	}
}

static void reserve_add(struct exec_orders *o, const char *sym, double usd, int64_t now)
{
	int k = -1;

	for (int i = 0; i < RESERVE && k < 0; i++) {
		if (!o->res[i].symbol[0] || o->res[i].until_ms < now ||
		    !strcmp(o->res[i].symbol, sym)) {
			k = i;
		}
	}
	if (k < 0) {
		return;
	}
	snprintf(o->res[k].symbol, sizeof(o->res[k].symbol), "%s", sym);
	o->res[k].usd = usd;
	o->res[k].until_ms = now + RESERVE_MS;
}

/* The book plus the orders planned but not in it yet. */
static void book_with_reserved(struct exec_orders *o, const char *sym, struct exec_plan_book *b,
			       int64_t now)
{
	exec_positions_view(o->x->pos, sym, b);
	for (int i = 0; i < RESERVE; i++) {
		if (o->res[i].symbol[0] && exec_positions_side(o->x->pos, o->res[i].symbol) != 0) {
			o->res[i].symbol[0] = '\0'; /* filled: the book counts it now */
			continue;
		}
		if (o->res[i].symbol[0] && o->res[i].until_ms >= now &&
		    strcmp(o->res[i].symbol, sym) != 0 &&
		    exec_positions_side(o->x->pos, o->res[i].symbol) == 0) {
			b->open_positions++;
			b->exposure_usd += o->res[i].usd;
		}
	}
}

static void place(struct ord *d, const struct exec_quote *q)
{
	struct exec_orders *o = d->w->o;
	const struct hean_config *c = o->x->cfg;
	struct exec_plan_in pi;
	struct exec_plan_out out;

	memset(&pi, 0, sizeof(pi));
	pi.in = exec_instruments_find(o->x->inst, d->symbol);
	pi.side = d->side;
	if (q) {
		pi.last = q->last;
		pi.bid = q->bid;
		pi.ask = q->ask;
	}
	pi.position_usd = c->position_usd;
	pi.stop_loss_pct = c->stop_loss_pct;
	pi.limits.max_open_positions = c->max_open_positions;
	pi.limits.max_exposure_usd = c->max_exposure_usd;
	pi.limits.daily_loss_limit_usd = c->daily_loss_limit_usd;
	pi.now_ms = hean_time_now_ms();
	book_with_reserved(o, d->symbol, &pi.book, pi.now_ms);
	pi.book.halted = o->x->halted;
	pi.deadline_ms = d->w->deadline_ms;
	if (!exec_plan_order(&pi, &out)) {
		if (out.limit && o->x->on_limit) {
			o->x->on_limit(o->x, out.limit, out.reason);
		}
		ord_done(d, "skipped", 0, out.reason);
		return;
	}
	snprintf(d->qty_s, sizeof(d->qty_s), "%s", out.qty_s);
	snprintf(d->sl_s, sizeof(d->sl_s), "%s", out.stop_s);
	d->planned_ms = pi.now_ms;
	reserve_add(o, d->symbol, out.qty * out.ref, pi.now_ms);
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
		if (hean_time_now_ms() > d->w->deadline_ms) {
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
	const struct exec_instrument *in;
	struct exec_quote q;

	if (d->replay) {
		lookup(d, false); /* placed before a restart? ask first */
		return;
	}
	if (hean_time_now_ms() > d->w->deadline_ms) {
		ord_done(d, "skipped", 0, "wave expired");
		return;
	}
	in = exec_instruments_find(o->x->inst, d->symbol);
	if (!in && exec_instruments_reload_since(o->x->inst, d->symbol, d->w->read_ms)) {
		retry_later(d, 1.0); /* listed since the table was read? */
		return;
	}
	if (!in || exec_prices_get(o->x->prices, d->symbol, &q) == 0) {
		place(d, in ? &q : NULL); /* no instrument: skipped with the reason */
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
	       exec_positions_reconciled(o->x->pos) && o->x->halt_known && o->x->pnl_known &&
	       !o->stopped;
}

/* Starts every order not started yet. The last outcome frees w, so the
 * loop stops right after starting the last new order. */
static void wave_start(struct wave *w)
{
	int n = w->n, todo = 0;

	if (w->o->x->halt_done < w->halt_gen) {
		return; /* hean:halt is being read for this wave */
	}
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

/* One order per valid, distinct signal (exec_plan_parse_signal); the rest
 * get a "skipped" row (stored before the wave is acked). */
static void wave_add_signals(struct wave *w, const json_t *arr)
{
	struct exec_orders *o = w->o;
	const json_t *sig;
	size_t i;

	json_array_foreach(arr, i, sig) {
		struct ord *d = &w->ords[w->n];
		struct exec_signal sg;
		const char *why;

		if (i >= MAX_SIGNALS) {
			break;
		}
		memset(d, 0, sizeof(*d));
		d->w = w;
		why = exec_plan_parse_signal(sig, &sg);
		if (!why) {
			snprintf(d->symbol, sizeof(d->symbol), "%s", sg.symbol);
			d->side = sg.side;
		}
		for (int k = 0; !why && k < w->n; k++) {
			if (!strcmp(w->ords[k].symbol, d->symbol)) {
				why = "symbol twice in the wave";
			}
		}
		if (!why && exec_sizing_link_id(w->wave_s, d->symbol, d->link, sizeof(d->link)) < 0) {
			why = "no valid orderLinkId";
		}
		if (why) {
			log_warn("event=signal_skipped id=%s wave_ts=%s index=%zu reason=\"%s\"", w->id,
				 w->wave_ts, i, why);
			ord_count_outcome(o, "skipped");
			ord_log(o, w, w->wave_ts, d->symbol, d->side ? side_str(d->side) : "", "0",
				   "", "skipped", 0, why);
			continue;
		}
		ev_timer_init(&d->retry, on_retry, 0., 0.);
		d->retry.data = d;
		d->replay = w->pending;
		w->n++;
	}
}

/* The wave entry's header: wave_ts parsed, deadline set. false: the
 * entry is invalid or in the future (logged; the caller acks it). */
static bool wave_header(struct wave *w, const struct hean_stream_entry *e)
{
	const struct hean_config *c = w->o->x->cfg;
	size_t ts_len = 0;
	const char *ts = hean_stream_field(e, HEAN_FIELD_WAVE_TS, &ts_len);
	int64_t wave_ms = 0;

	snprintf(w->wave_ts, sizeof(w->wave_ts), "%.*s", (int)(ts_len < 63 ? ts_len : 63),
		 ts ? ts : "");
	if (!ts || hean_time_parse_iso8601(ts, ts_len, &wave_ms, NULL) < 0) {
		log_warn("event=wave_invalid id=%s reason=\"bad wave_ts\" (acked)", e->id);
		return false;
	}
	w->wave_s = wave_ms / 1000;
	w->read_ms = hean_time_now_ms();
	w->deadline_ms = exec_plan_deadline_ms(w->wave_s, c->wave_interval_s, c->wave_delay_s,
					       c->wave_max_late_s);
	if (w->wave_s > hean_time_now_ms() / 1000 + FUTURE_SLACK_S) {
		log_warn("event=wave_invalid id=%s wave_ts=%s reason=\"in the future\" (acked)",
			 e->id, w->wave_ts);
		return false;
	}
	return true;
}

/* A wave with its orders, linked: trade it (or skip it when expired). */
static void wave_go(struct exec_orders *o, struct wave *w)
{
	log_info("event=wave id=%s wave_ts=%s orders=%d replay=%d", w->id, w->wave_ts, w->n,
		 w->pending ? 1 : 0);
	if (w->n == 0) {
		ord_wave_maybe_finish(w);
		return;
	}
	if (hean_time_now_ms() > w->deadline_ms && !w->pending) {
		int n = w->n;
		for (int k = 0; k < n; k++) {
			ord_done(&w->ords[k], "skipped", 0, "wave expired");
		}
		return; /* the last outcome acked and freed it */
	}
	flow_control(o);
	if (o->x->on_wave) {
		o->x->on_wave(o->x); /* hean:halt is read again before this wave trades */
	}
	w->halt_gen = o->x->halt_sent;
	if (ready(o)) {
		wave_start(w);
	}
}

void exec_orders_on_wave(struct hean_stream *s, const struct hean_stream_entry *e, void *data)
{
	struct exec_orders *o = data;
	const char *sigs;
	size_t sigs_len = 0;
	json_t *arr = NULL;
	struct wave *w, **pp;

	if (o->stopped || id_done(o, e->id)) {
		return; /* in progress or just acked: a re-delivery */
	}
	if (!e->fields) {
		return; /* trimmed: the stream acked it */
	}
	sigs = hean_stream_field(e, HEAN_FIELD_SIGNALS, &sigs_len);
	w = calloc(1, sizeof(*w));
	if (!w) {
		log_error("event=wave_oom id=%s (stays pending)", e->id);
		return;
	}
	w->o = o;
	w->pending = e->pending;
	snprintf(w->id, sizeof(w->id), "%s", e->id);
	if (!wave_header(w, e)) {
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
	/* linked first: the skip rows below are waited for before the ack */
	for (pp = &o->waves; *pp; pp = &(*pp)->next) {
	}
	*pp = w;
	o->n_waves++;
	w->left = 1; /* held until the signals are parsed */
	wave_add_signals(w, arr);
	json_decref(arr);
	w->left = w->n;
	wave_go(o, w);
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
	for (struct row *rw = o->rows; rw; rw = rw->next) {
		rw->o = NULL; /* its callback frees it */
	}
	free(o->ring);
	free(o);
}

void exec_orders_each_symbol(struct exec_orders *o, void (*fn)(const char *sym, void *),
			     void *data)
{
	int64_t now = hean_time_now_ms();

	for (const struct wave *w = o->waves; w; w = w->next) {
		for (int i = 0; i < w->n; i++) {
			if (w->ords[i].state != O_DONE) {
				fn(w->ords[i].symbol, data);
			}
		}
	}
	for (int i = 0; i < RESERVE; i++) {
		if (o->res[i].symbol[0] && exec_positions_side(o->x->pos, o->res[i].symbol) != 0) {
			o->res[i].symbol[0] = '\0'; /* filled: the book has it now */
			continue;
		}
		if (o->res[i].symbol[0] && o->res[i].until_ms >= now) {
			fn(o->res[i].symbol, data);
		}
	}
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
