/* executor/flatten: close positions on request. See flatten.h. */
#include "executor/flatten.h"

#include "common/keys.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "executor/instruments.h"
#include "executor/positions.h"
#include "executor/rest.h"
#include "executor/sizing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REQ 16
#define MAX_SYMS 512
#define TICK_S 0.2
#define ROUND_MS 1000 /* between two close orders for one symbol */

struct req {
	bool used, confirming;
	char id[64];     /* stream entry id */
	char req_id[64];
	char symbol[EXEC_SYM_LEN]; /* "ALL" or a symbol */
	int64_t confirm_after_ms;
	int orders;
};

struct fsym {
	char symbol[EXEC_SYM_LEN];
	bool inflight;
	int64_t next_ms;
};

struct close_call {
	struct exec_flatten *f;
	char symbol[EXEC_SYM_LEN];
};

struct exec_flatten {
	struct exec_app *x; /* borrowed */
	struct req reqs[MAX_REQ];
	struct fsym syms[MAX_SYMS];
	int n_syms;
	bool stopped;
	ev_timer tick;
};

static struct fsym *fsym_of(struct exec_flatten *f, const char *sym)
{
	for (int i = 0; i < f->n_syms; i++) {
		if (!strcmp(f->syms[i].symbol, sym)) {
			return &f->syms[i];
		}
	}
	if (f->n_syms >= MAX_SYMS) {
		return NULL;
	}
	memset(&f->syms[f->n_syms], 0, sizeof(f->syms[0]));
	snprintf(f->syms[f->n_syms].symbol, EXEC_SYM_LEN, "%s", sym);
	return &f->syms[f->n_syms++];
}

static void on_close(const struct exec_rest_result *res, void *data)
{
	struct close_call *c = data;
	struct exec_flatten *f = c->f;
	struct fsym *s;

	if (res->aborted) {
		free(c);
		return;
	}
	s = fsym_of(f, c->symbol);
	if (s) {
		s->inflight = false;
		s->next_ms = hean_time_now_ms() + ROUND_MS;
	}
	if (res->cls == EXEC_REST_OK || res->ret_code == 110017) {
		log_info("event=flatten_order symbol=%s ret_code=%d msg=\"%.120s\"", c->symbol,
			 res->ret_code, res->ret_msg);
	} else {
		log_warn("event=flatten_order_failed symbol=%s ret_code=%d msg=\"%.120s\" (next "
			 "round after the next position/list)",
			 c->symbol, res->ret_code, res->ret_msg);
	}
	exec_positions_reconcile(f->x->pos);
	free(c);
}

static uint32_t hash6(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h = (h ^ (unsigned char)*s) * 16777619u;
	}
	return h & 0xffffff;
}

/* A reduce-only market order for the whole open size of sym. */
static void close_one(struct exec_flatten *f, struct req *r, const char *sym, int64_t now)
{
	const struct exec_instrument *in = exec_instruments_find(f->x->inst, sym);
	struct fsym *s = fsym_of(f, sym);
	struct close_call *c;
	char body[512], link[EXEC_LINK_LEN], qty[EXEC_NUM_LEN];
	int side = 0;
	double size = 0, cap;

	if (!s || s->inflight || now < s->next_ms || !in ||
	    exec_positions_get(f->x->pos, sym, &side, &size) < 0 || side == 0) {
		return;
	}
	cap = in->max_mkt_qty > 0 ? in->max_mkt_qty : in->max_qty;
	if (cap > 0 && size > cap) {
		size = cap; /* the rest in the next round */
	}
	snprintf(link, sizeof(link), "f%06x-%s-%06x", (unsigned)hash6(r->req_id), sym,
		 (unsigned)((now / 10) & 0xffffff));
	snprintf(body, sizeof(body),
		 "{\"category\":\"linear\",\"symbol\":\"%s\",\"side\":\"%s\",\"orderType\":"
		 "\"Market\",\"qty\":\"%s\",\"positionIdx\":0,\"orderLinkId\":\"%s\","
		 "\"reduceOnly\":true}",
		 sym, side > 0 ? "Sell" : "Buy", exec_sizing_fmt(size, in->qty_dp, qty, sizeof(qty)),
		 link);
	c = calloc(1, sizeof(*c));
	if (!c) {
		return;
	}
	c->f = f;
	snprintf(c->symbol, sizeof(c->symbol), "%s", sym);
	if (exec_rest_call(f->x->rest, "POST", "/v5/order/create", body, EXEC_REST_SIGNED, on_close,
			   c) < 0) {
		free(c);
		return;
	}
	s->inflight = true;
	r->orders++;
	r->confirming = false;
	log_info("event=flatten_close req_id=%s symbol=%s side=%s qty=%s link=%s", r->req_id, sym,
		 side > 0 ? "Sell" : "Buy", qty, link);
}

struct walk {
	struct exec_flatten *f;
	struct req *r;
	int64_t now;
	int open;
};

static void each_open(const char *sym, void *data)
{
	struct walk *w = data;

	if (strcmp(w->r->symbol, "ALL") != 0 && strcmp(w->r->symbol, sym) != 0) {
		return;
	}
	w->open++;
	close_one(w->f, w->r, sym, w->now);
}

static bool any_inflight(const struct exec_flatten *f, const struct req *r)
{
	for (int i = 0; i < f->n_syms; i++) {
		if (f->syms[i].inflight &&
		    (!strcmp(r->symbol, "ALL") || !strcmp(r->symbol, f->syms[i].symbol))) {
			return true;
		}
	}
	return false;
}

static void req_done(struct exec_flatten *f, struct req *r)
{
	log_info("event=flatten_done req_id=%s symbol=%s orders=%d", r->req_id, r->symbol,
		 r->orders);
	hean_health_event(f->x->app->health, "flatten_done", "req_id=%s symbol=%s orders=%d",
			  r->req_id, r->symbol, r->orders);
	hean_stream_ack(f->x->control, r->id);
	r->used = false;
}

static void on_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct exec_flatten *f = t->data;
	int64_t now = hean_time_now_ms();

	if (f->stopped || !exec_positions_reconciled(f->x->pos) ||
	    !exec_instruments_loaded(f->x->inst)) {
		return;
	}
	for (int i = 0; i < MAX_REQ; i++) {
		struct req *r = &f->reqs[i];
		struct walk w = {f, r, now, 0};

		if (!r->used) {
			continue;
		}
		exec_positions_each_open(f->x->pos, each_open, &w);
		if (w.open > 0 || any_inflight(f, r)) {
			continue;
		}
		/* flat in the book: confirm with a position/list that started now */
		if (!r->confirming) {
			r->confirming = true;
			r->confirm_after_ms = now;
			exec_positions_reconcile(f->x->pos);
		} else if (exec_positions_last_reconcile_t0(f->x->pos) >= r->confirm_after_ms) {
			req_done(f, r);
		}
	}
}

void exec_flatten_on_entry(struct hean_stream *s, const struct hean_stream_entry *e, void *data)
{
	struct exec_flatten *f = data;
	const char *cmd, *sym, *rid;
	size_t cl = 0, sl = 0, rl = 0;
	struct req *r = NULL;

	if (f->stopped || !e->fields) {
		return;
	}
	for (int i = 0; i < MAX_REQ; i++) {
		if (f->reqs[i].used && !strcmp(f->reqs[i].id, e->id)) {
			return; /* in progress */
		}
	}
	cmd = hean_stream_field(e, HEAN_FIELD_CMD, &cl);
	sym = hean_stream_field(e, HEAN_FIELD_SYMBOL, &sl);
	rid = hean_stream_field(e, HEAN_FIELD_REQ_ID, &rl);
	if (!cmd || cl != strlen(HEAN_CMD_FLATTEN) || memcmp(cmd, HEAN_CMD_FLATTEN, cl) != 0) {
		log_warn("event=control_invalid id=%s reason=\"cmd must be flatten\" (acked)", e->id);
		hean_stream_ack(s, e->id);
		return;
	}
	if (!sym || !sl || sl >= EXEC_SYM_LEN) {
		log_warn("event=control_invalid id=%s reason=\"symbol missing\" (acked)", e->id);
		hean_stream_ack(s, e->id);
		return;
	}
	for (int i = 0; i < MAX_REQ && !r; i++) {
		if (!f->reqs[i].used) {
			r = &f->reqs[i];
		}
	}
	if (!r) {
		log_warn("event=control_busy id=%s (stays pending)", e->id);
		return;
	}
	memset(r, 0, sizeof(*r));
	r->used = true;
	snprintf(r->id, sizeof(r->id), "%s", e->id);
	snprintf(r->symbol, sizeof(r->symbol), "%.*s", (int)sl, sym);
	snprintf(r->req_id, sizeof(r->req_id), "%.*s", (int)(rl < 63 ? rl : 63), rid ? rid : "");
	if (strcmp(r->symbol, "ALL") != 0 && !exec_sizing_symbol_valid(r->symbol)) {
		log_warn("event=control_invalid id=%s symbol=\"%s\" (acked)", e->id, r->symbol);
		r->used = false;
		hean_stream_ack(s, e->id);
		return;
	}
	log_warn("event=flatten_started req_id=%s symbol=%s replay=%d", r->req_id, r->symbol,
		 e->pending ? 1 : 0);
	hean_health_event(f->x->app->health, "flatten_started", "req_id=%s symbol=%s", r->req_id,
			  r->symbol);
	on_tick(f->x->loop, &f->tick, 0);
}

struct exec_flatten *exec_flatten_create(struct exec_app *x)
{
	struct exec_flatten *f = calloc(1, sizeof(*f));

	if (!f) {
		return NULL;
	}
	f->x = x;
	ev_timer_init(&f->tick, on_tick, TICK_S, TICK_S);
	f->tick.data = f;
	ev_timer_start(x->loop, &f->tick);
	return f;
}

void exec_flatten_stop(struct exec_flatten *f)
{
	if (f) {
		f->stopped = true;
		ev_timer_stop(f->x->loop, &f->tick);
	}
}

void exec_flatten_destroy(struct exec_flatten *f)
{
	if (!f) {
		return;
	}
	exec_flatten_stop(f);
	free(f);
}

int exec_flatten_active(const struct exec_flatten *f)
{
	int n = 0;

	for (int i = 0; i < MAX_REQ; i++) {
		n += f->reqs[i].used;
	}
	return n;
}
