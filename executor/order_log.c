/* executor/order_log: hean:orders rows (one per outcome, the wave acked
 * only once its rows are stored), the outcome counters of the health hash,
 * and the ring of recent orders that turns private pushes (fills, closes)
 * into rows. See orders_int.h. */
#include "executor/orders_int.h"
#include "common/keys.h"

#include "common/json.h"
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

/* ===================== hean:orders rows ===================== */

static struct wave *wave_by_id(struct exec_orders *o, const char *id)
{
	for (struct wave *w = o->waves; w; w = w->next) {
		if (!strcmp(w->id, id)) {
			return w;
		}
	}
	return NULL;
}

static void on_row_stored(struct hean_redis *r, redisReply *reply, void *priv)
{
	struct row *rw = priv, **pp;
	struct exec_orders *o = rw->o;
	struct wave *w;
	bool ok = reply && reply->type != REDIS_REPLY_ERROR;

	if (!o) {
		free(rw); /* orders destroyed: orphaned write */
		return;
	}
	for (pp = &o->rows; *pp; pp = &(*pp)->next) {
		if (*pp == rw) {
			*pp = rw->next;
			break;
		}
	}
	if (!ok) {
		log_warn("event=orders_write_failed wave=%s err=\"%.100s\"", rw->wave_id,
			 reply && reply->str ? reply->str : "link down");
	}
	w = rw->wave_id[0] ? wave_by_id(o, rw->wave_id) : NULL;
	free(rw);
	if (w) {
		w->writes--;
		if (!ok) {
			w->write_failed = true;
		}
		ord_wave_maybe_finish(w);
	}
}

/* One entry in hean:orders (MINID ~ 7 days). w (may be NULL): the wave that
 * is acked only once this row is stored. */
void ord_log(struct exec_orders *o, struct wave *w, const char *wave_ts,
		       const char *symbol, const char *side, const char *qty, const char *link,
		       const char *status, int ret_code, const char *ret_msg)
{
	char key[128], minid[32], code[16];
	struct hean_redis_args c;
	struct row *rw = calloc(1, sizeof(*rw));

	hean_app_key(o->x->app, key, sizeof(key), HEAN_KEY_ORDERS);
	snprintf(minid, sizeof(minid), "%lld", (long long)(hean_time_now_ms() - HEAN_STREAM_KEEP_MS));
	snprintf(code, sizeof(code), "%d", ret_code);
	hean_redis_args_init(&c, "XADD", key);
	hean_redis_args_add(&c, "MINID");
	hean_redis_args_add(&c, "~");
	hean_redis_args_add(&c, minid);
	hean_redis_args_add(&c, "*");
	hean_redis_args_field(&c, HEAN_FIELD_WAVE_TS, wave_ts);
	hean_redis_args_field(&c, HEAN_FIELD_SYMBOL, symbol);
	hean_redis_args_field(&c, HEAN_FIELD_SIDE, side);
	hean_redis_args_field(&c, HEAN_FIELD_QTY, qty);
	hean_redis_args_field(&c, HEAN_FIELD_ORDER_LINK_ID, link);
	hean_redis_args_field(&c, HEAN_FIELD_STATUS, status);
	hean_redis_args_field(&c, HEAN_FIELD_RET_CODE, code);
	hean_redis_args_field(&c, HEAN_FIELD_RET_MSG, ret_msg);
	if (rw) {
		rw->o = o;
		if (w) {
			snprintf(rw->wave_id, sizeof(rw->wave_id), "%s", w->id);
		}
	}
	if (!rw || hean_redis_send_args(o->x->app->redis, on_row_stored, rw, &c) < 0) {
		log_warn("event=orders_write_failed link=%s status=%s", link ? link : "", status);
		free(rw);
		if (w) {
			w->write_failed = true;
		}
		return;
	}
	rw->next = o->rows;
	o->rows = rw;
	if (w) {
		w->writes++;
	}
}

/* Health counters orders_<outcome> (names must be static: health keeps
 * the pointer). */
static const char *const outcomes[][2] = {
	{"submitted", "orders_submitted"}, {"filled", "orders_filled"},
	{"rejected", "orders_rejected"},   {"skipped", "orders_skipped"},
	{"expired", "orders_expired"},     {"duplicate", "orders_duplicate"},
	{"cancelled", "orders_cancelled"},
};

void ord_count_outcome(struct exec_orders *o, const char *status)
{
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
		if (!strcmp(outcomes[i][0], status)) {
			hean_health_add_int(o->x->app->health, outcomes[i][1], 1);
		}
	}
	if (!strcmp(status, "submitted")) {
		hean_health_add_int(o->x->app->health, "orders_ok", 1);
	} else if (!strcmp(status, "duplicate")) {
		hean_health_add_int(o->x->app->health, "duplicates", 1);
	}
}

void exec_orders_init_counters(struct exec_orders *o)
{
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
		hean_health_set_int(o->x->app->health, outcomes[i][1], 0);
	}
}

void ord_count_retry(struct exec_orders *o)
{
	o->x->order_retries++;
}

/* ===================== fills ring ===================== */

struct sent *ord_sent_find(struct exec_orders *o, const char *link)
{
	for (unsigned i = 0; i < RING; i++) {
		if (o->ring[i].link[0] && !strcmp(o->ring[i].link, link)) {
			return &o->ring[i];
		}
	}
	return NULL;
}

struct sent *ord_sent_note(struct exec_orders *o, const struct ord *d)
{
	struct sent *s = ord_sent_find(o, d->link);

	if (!s) {
		s = &o->ring[o->ring_head++ % RING];
		memset(s, 0, sizeof(*s));
	}
	snprintf(s->link, sizeof(s->link), "%s", d->link);
	snprintf(s->wave_ts, sizeof(s->wave_ts), "%s", d->w->wave_ts);
	snprintf(s->symbol, sizeof(s->symbol), "%s", d->symbol);
	snprintf(s->side, sizeof(s->side), "%s", side_str(d->side));
	snprintf(s->qty, sizeof(s->qty), "%s", d->qty_s);
	return s;
}

/* w: the wave still waiting for its rows (NULL once acked). */
void ord_log_fill(struct exec_orders *o, struct sent *s, struct wave *w)
{
	char msg[96];

	if (s->filled_logged || !s->outcome_logged || !s->filled_seen) {
		return;
	}
	s->filled_logged = true;
	snprintf(msg, sizeof(msg), "avgPrice=%s", s->fill_price);
	ord_count_outcome(o, "filled");
	ord_log(o, w, s->wave_ts, s->symbol, s->side, s->fill_qty[0] ? s->fill_qty : s->qty,
		   s->link, "filled", 0, msg);
}

/* Notes what an order row of the exchange (push or order/realtime) says
 * about a fill. Returns the fate. */
enum exec_order_fate ord_note_row(struct sent *s, const json_t *row)
{
	const char *status = NULL, *q = NULL, *px = NULL;
	double cum = 0;
	enum exec_order_fate f;

	hean_json_get_str(row, "orderStatus", &status, NULL, 0);
	hean_json_get_num_str(row, "cumExecQty", &cum, HEAN_NUM_NONNEG, NULL, 0);
	f = exec_plan_order_fate(status, cum);
	if (s && f == EXEC_FATE_FILLED && !s->filled_seen) {
		s->filled_seen = true;
		if (hean_json_get_str(row, "cumExecQty", &q, NULL, 0) == 0) {
			snprintf(s->fill_qty, sizeof(s->fill_qty), "%s", q);
		}
		if (hean_json_get_str(row, "avgPrice", &px, NULL, 0) == 0) {
			snprintf(s->fill_price, sizeof(s->fill_price), "%s", px);
		}
	}
	return f;
}

void exec_orders_on_push(struct exec_orders *o, const json_t *row)
{
	const char *link = NULL, *status = "";
	struct sent *s;
	enum exec_order_fate f;

	if (hean_json_get_str(row, "orderLinkId", &link, NULL, 0) < 0 || !link[0]) {
		return;
	}
	s = ord_sent_find(o, link);
	if (!s) {
		return;
	}
	hean_json_get_str(row, "orderStatus", &status, NULL, 0);
	f = ord_note_row(s, row);
	if (f == EXEC_FATE_FILLED) {
		ord_log_fill(o, s, NULL);
	} else if ((f == EXEC_FATE_REJECTED || f == EXEC_FATE_CANCELLED) && s->outcome_logged &&
		   !s->closed_logged) {
		/* accepted, then refused or cancelled by the exchange: say so */
		char msg[96];
		s->closed_logged = true;
		snprintf(msg, sizeof(msg), "orderStatus=%s", status);
		ord_count_outcome(o, exec_plan_fate_row(f));
		ord_log(o, NULL, s->wave_ts, s->symbol, s->side, s->qty, s->link,
			   exec_plan_fate_row(f), 0, msg);
	}
}

