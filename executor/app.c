/* executor/app: wiring of the executor's modules on one loop, the
 * start-up order (clock -> instruments -> reconcile -> private WS; waves
 * are read at once but traded only when instruments and clock are ready),
 * health, hean:orders and the shutdown order. See executor.h. */
#include "executor/executor.h"
#include "common/keys.h"

#include "common/log.h"
#include "common/redis.h"
#include "common/timeutil.h"
#include "executor/flatten.h"
#include "executor/instruments.h"
#include "executor/orders.h"
#include "executor/positions.h"
#include "executor/prices.h"
#include "executor/private_ws.h"
#include "executor/rest.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLOCK_RESYNC_S 3600.0
#define CLOCK_RETRY_S 2.0
#define FIN_MAX_S 1.0

/* ===================== shared helpers ===================== */

void exec_app_update_health(struct exec_app *x)
{
	struct hean_health *h = x->app->health;
	const char *state = "running";
	char detail[160] = "";
	int open = 0, naked = 0;

	if (x->stopping) {
		return;
	}
	exec_positions_counts(x->pos, &open, &naked);
	hean_health_set_int(h, HEAN_FIELD_EXEC_POSITIONS, open);
	hean_health_set_int(h, HEAN_FIELD_NAKED_POSITIONS, naked);
	hean_health_set_int(h, "pending_orders", exec_orders_pending(x->orders));
	hean_health_set_int(h, HEAN_FIELD_EXEC_REST_FALLBACK, exec_prices_rest_fallback(x->prices) ? 1 : 0);
	hean_health_set_int(h, "retries", (int64_t)exec_rest_retries(x->rest) + x->order_retries);
	hean_health_set_int(h, "clock_offset_ms", exec_rest_offset_ms(x->rest));
	if (exec_positions_hedge(x->pos)) {
		state = "refused";
		snprintf(detail, sizeof(detail), "hedge-mode account: hean trades one-way mode only");
	} else if (!exec_rest_clock_synced(x->rest) || !exec_instruments_loaded(x->inst) ||
	    !exec_positions_reconciled(x->pos)) {
		state = "starting";
		snprintf(detail, sizeof(detail), "clock=%d instruments=%d reconciled=%d",
			 exec_rest_clock_synced(x->rest), exec_instruments_loaded(x->inst),
			 exec_positions_reconciled(x->pos));
	} else if (exec_rest_banned(x->rest)) {
		/* waiting out an IP ban is trying: a restart would only call into it */
		state = "degraded";
		snprintf(detail, sizeof(detail), "rest=banned (HTTP 403, %llds left) private_ws=%s",
			 (long long)(exec_rest_ban_left_ms(x->rest) / 1000),
			 exec_pws_up(x->pws) ? "up" : "down");
		hean_health_attempt(h);
	} else if (exec_rest_failing(x->rest) || !exec_pws_up(x->pws)) {
		state = "degraded";
		snprintf(detail, sizeof(detail), "rest=%s private_ws=%s",
			 exec_rest_failing(x->rest) ? "failing" : "ok",
			 exec_pws_up(x->pws) ? "up" : "down");
	} else {
		snprintf(detail, sizeof(detail), "positions=%d", open);
	}
	if (strcmp(state, x->state) != 0) {
		snprintf(x->state, sizeof(x->state), "%s", state);
		log_info("event=state state=%s detail=\"%s\"", state, detail);
		hean_health_set_state(h, state, detail);
	} else {
		hean_health_set_detail(h, detail);
	}
}

/* ===================== wanted symbols ===================== */

static void want_add(const char *sym, void *data)
{
	struct hean_want *w = data;

	if (!hean_want_add(w, sym)) {
		log_warn("event=want_full symbol=%s max=%d", sym, HEAN_WANT_MAX);
	}
}

/* The symbols the executor needs live prices for: open positions (the
 * exchange-reconciled book) and orders in flight. Written only when the
 * set changed or the refresh is due; a refused write is retried on the
 * next call (every book change and every 1 s tick). Nothing is written
 * before the first reconcile: an empty book then means "not known yet",
 * and the declaration of a previous run still holds (until its TTL). */
static void want_update(struct exec_app *x)
{
	if (!x->want_ready || x->stopping || !exec_positions_reconciled(x->pos)) {
		return;
	}
	hean_want_clear(&x->want);
	exec_positions_each_open(x->pos, want_add, &x->want);
	exec_orders_each_symbol(x->orders, want_add, &x->want);
	(void)hean_want_flush(&x->want, hean_time_now_ms());
	hean_health_set_int(x->app->health, "want_writes", (int64_t)x->want.writes);
	hean_health_set_int(x->app->health, "want_errors", (int64_t)x->want.write_errors);
}

/* A position or connection changed: health and the wanted symbols. */
static void on_change(struct exec_app *x)
{
	exec_app_update_health(x);
	want_update(x);
}

/* ===================== start-up ===================== */

/* hean:halt: present = no new waves traded (kept in Redis: survives
 * restarts). Read at start and every second; nothing is traded before the
 * first read. */
static void on_halt(struct hean_redis *r, redisReply *reply, void *priv)
{
	struct exec_app *x = priv;
	bool halted, was = x->halted, first = !x->halt_known;

	x->halt_done++; /* answered (replies come in order): waves waiting for it may go */
	if (!reply || reply->type == REDIS_REPLY_ERROR || x->stopping) {
		if (!x->stopping) {
			exec_orders_kick(x->orders); /* unknown: the last known state holds */
		}
		return;
	}
	halted = reply->type == REDIS_REPLY_STRING;
	x->halted = halted;
	x->halt_known = true;
	if (halted != was || (first && halted)) {
		log_warn("event=%s value=\"%.200s\"", halted ? "halted" : "resumed",
			 halted ? reply->str : "");
		hean_health_event(x->app->health, halted ? "halted" : "resumed", "%.200s",
				  halted ? reply->str : "hean:halt deleted");
	}
	hean_health_set_int(x->app->health, "halted", halted ? 1 : 0);
	exec_orders_kick(x->orders);
}

static void read_halt(struct exec_app *x)
{
	char key[128];
	struct hean_redis_args c;

	hean_redis_args_init(&c, "GET", hean_app_key(x->app, key, sizeof(key), HEAN_KEY_HALT));
	if (hean_redis_send_args(x->app->redis, on_halt, x, &c) == 0) {
		x->halt_sent++;
	}
}

static void on_wave(struct exec_app *x)
{
	read_halt(x);
}

/* hean:pnl: the UTC day's realized PnL (from executions), unrealized,
 * exposure, positions, the risk limit reached, halted. */
static void write_pnl(struct exec_app *x)
{
	struct exec_pnl pn;
	struct exec_plan_book b;
	struct exec_plan_limits l;
	char key[128], r[32], u[32], e[32], o[16], n[16], t[32], detail[160];
	struct hean_redis_args c;
	const char *limit;

	exec_positions_pnl(x->pos, &pn);
	exec_positions_view(x->pos, "", &b);
	l.max_open_positions = x->cfg->max_open_positions;
	l.max_exposure_usd = x->cfg->max_exposure_usd;
	l.daily_loss_limit_usd = x->cfg->daily_loss_limit_usd;
	limit = exec_plan_limit(&l, &b, 0, detail, sizeof(detail));
	if (!limit) {
		x->limit_reached[0] = '\0'; /* the next reached limit is reported again */
	}
	snprintf(r, sizeof(r), "%.4f", pn.realized_usd);
	snprintf(u, sizeof(u), "%.4f", pn.unrealized_usd);
	snprintf(e, sizeof(e), "%.4f", pn.exposure_usd);
	snprintf(o, sizeof(o), "%d", pn.open_positions);
	snprintf(n, sizeof(n), "%d", pn.naked_positions);
	snprintf(t, sizeof(t), "%lld", (long long)hean_time_now_ms());
	hean_redis_args_init(&c, "HSET", hean_app_key(x->app, key, sizeof(key), HEAN_KEY_PNL));
	hean_redis_args_field(&c, HEAN_FIELD_DAY, pn.day);
	hean_redis_args_field(&c, HEAN_FIELD_REALIZED_USD, r);
	hean_redis_args_field(&c, HEAN_FIELD_UNREALIZED_USD, u);
	hean_redis_args_field(&c, HEAN_FIELD_EXPOSURE_USD, e);
	hean_redis_args_field(&c, HEAN_FIELD_OPEN_POSITIONS, o);
	hean_redis_args_field(&c, HEAN_FIELD_NAKED_POSITIONS, n);
	hean_redis_args_field(&c, HEAN_FIELD_LIMIT, limit);
	hean_redis_args_field(&c, HEAN_FIELD_HALTED, x->halted ? "1" : "0");
	hean_redis_args_field(&c, HEAN_FIELD_UPDATED_MS, t);
	hean_redis_send_args(x->app->redis, NULL, NULL, &c);
}

/* Start: the day's realized PnL from before a restart (hean:pnl), read
 * before the first wave is traded (with hean:halt). */
static void on_pnl_read(struct hean_redis *r, redisReply *reply, void *priv)
{
	struct exec_app *x = priv;

	if (!reply || reply->type == REDIS_REPLY_ERROR || x->stopping) {
		return;
	}
	if (x->pnl_known) {
		/* reads overlap at start (start, link up, 1 s tick): restored once,
		 * or every restart would double the day's realized PnL */
		return;
	}
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
	    reply->element[0]->type == REDIS_REPLY_STRING &&
	    reply->element[1]->type == REDIS_REPLY_STRING) {
		exec_positions_restore_realized(x->pos, reply->element[0]->str,
						strtod(reply->element[1]->str, NULL));
	}
	x->pnl_known = true;
	exec_orders_kick(x->orders);
}

static void read_pnl(struct exec_app *x)
{
	char key[128];
	struct hean_redis_args c;

	hean_redis_args_init(&c, "HMGET", hean_app_key(x->app, key, sizeof(key), HEAN_KEY_PNL));
	hean_redis_args_add(&c, HEAN_FIELD_DAY);
	hean_redis_args_add(&c, HEAN_FIELD_REALIZED_USD);
	hean_redis_send_args(x->app->redis, on_pnl_read, x, &c);
}

/* The wave's due time is wave_ts + HEAN_WAVE_DELAY_S. */
static void on_accepted(struct exec_app *x, int64_t wave_s)
{
	int64_t due = (wave_s + x->cfg->wave_delay_s) * 1000;

	hean_hist_observe(&x->hist_wave_to_accepted, (double)(hean_time_now_ms() - due));
}

static void on_protected(struct exec_app *x, int64_t fill_ms)
{
	hean_hist_observe(&x->hist_fill_to_stop, (double)(hean_time_now_ms() - fill_ms));
}

/* The histograms as hean_hist text fields of the health hash. */
static void write_hists(struct exec_app *x)
{
	char key[160], a[HEAN_HIST_TEXT_LEN], b[HEAN_HIST_TEXT_LEN];
	struct hean_redis_args c;

	if (hean_hist_format(&x->hist_wave_to_accepted, a, sizeof(a)) < 0 ||
	    hean_hist_format(&x->hist_fill_to_stop, b, sizeof(b)) < 0) {
		return;
	}
	hean_redis_args_init(&c, "HSET",
			     hean_app_key(x->app, key, sizeof(key), HEAN_KEY_HEALTH, x->cfg->proc_name));
	hean_redis_args_field(&c, HEAN_FIELD_EXEC_HIST_WAVE_TO_ACCEPTED, a);
	hean_redis_args_field(&c, HEAN_FIELD_EXEC_HIST_FILL_TO_STOP, b);
	hean_redis_send_args(x->app->redis, NULL, NULL, &c);
}

/* An execution changed the realized PnL: hean:pnl is rewritten on the next
 * 1 s tick (and at stop), not on the fill path. */
static void on_pnl(struct exec_app *x)
{
	(void)x;
}

static void on_health(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct exec_app *x = w->data;

	read_halt(x);
	if (!x->pnl_known) {
		read_pnl(x);
	} else {
		write_pnl(x);
	}
	write_hists(x);
	exec_app_update_health(x);
	want_update(x);
}

static void on_reconciled(struct exec_app *x)
{
	exec_orders_kick(x->orders);
	exec_app_update_health(x);
}

static void on_limit(struct exec_app *x, const char *limit, const char *detail)
{
	if (strcmp(limit, x->limit_reached) != 0) {
		log_warn("event=risk_limit %s", detail);
		hean_health_event(x->app->health, "risk_limit", "%s", detail);
		snprintf(x->limit_reached, sizeof(x->limit_reached), "%s", limit);
	}
}

static void on_loaded(struct exec_app *x)
{
	exec_orders_kick(x->orders);
	exec_app_update_health(x);
}

static void on_clock(bool ok, void *data)
{
	struct exec_app *x = data;

	if (x->stopping) {
		return;
	}
	ev_timer_stop(x->loop, &x->clock_timer);
	ev_timer_set(&x->clock_timer, ok ? CLOCK_RESYNC_S : CLOCK_RETRY_S, 0.);
	ev_timer_start(x->loop, &x->clock_timer);
	if (ok && !x->clock_once) {
		x->clock_once = true;
		exec_positions_reconcile(x->pos);
		exec_pws_start(x->pws);
	}
	if (ok) {
		exec_orders_kick(x->orders);
	}
	exec_app_update_health(x);
}

static void on_clock_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct exec_app *x = w->data;

	exec_rest_sync_clock(x->rest, on_clock, x);
}

static void on_stop(struct hean_app *app, void *data)
{
	exec_app_stop(data);
}

static void on_push(struct exec_app *x, enum exec_push kind, const json_t *row)
{
	switch (kind) {
	case EXEC_PUSH_ORDER:
		exec_orders_on_push(x->orders, row);
		break;
	case EXEC_PUSH_POSITION:
		exec_positions_on_push(x->pos, row);
		break;
	case EXEC_PUSH_EXECUTION:
		exec_positions_on_execution(x->pos, row);
		break;
	}
}

static void on_private_up(struct exec_app *x)
{
	exec_positions_reconcile(x->pos);
}

static void on_price(struct exec_app *x, const char *symbol, double price, int64_t now_ms)
{
	exec_positions_on_price(x->pos, symbol, price, now_ms);
}

/* Redis came back: writes made while it was down were lost. */
static void on_redis(struct hean_app *app, bool up, void *data)
{
	struct exec_app *x = data;

	if (up && !x->stopping && x->pos) {
		exec_positions_rewrite(x->pos);
		/* the first reads at start fail while the link is still connecting:
		 * nothing is traded before they answer */
		read_halt(x);
		if (!x->pnl_known) {
			read_pnl(x);
		}
		x->want.written_ms = 0; /* a restarted Redis may have lost it */
		want_update(x);
	}
}

/* The callbacks the modules report through: set before any is created. */
static void wire(struct exec_app *x, struct hean_app *app)
{
	x->app = app;
	x->cfg = &app->cfg;
	x->loop = app->loop.loop;
	hean_app_hook(app, on_stop, on_redis, x);
	x->on_accepted = on_accepted;
	x->on_limit = on_limit;
	x->on_reconciled = on_reconciled;
	x->on_pnl = on_pnl;
	x->on_protected = on_protected;
	x->on_change = on_change;
	x->on_wave = on_wave;
	x->on_push = on_push;
	x->on_private_up = on_private_up;
	x->on_price = on_price;
}

/* A consumer-group reader of {prefix}NAME for group "executor". */
static struct hean_stream *group_reader(struct exec_app *x, const char *name,
					const char *start_id, size_t count,
					hean_stream_entry_fn *fn, void *data)
{
	struct hean_stream_options so;
	char key[128];

	memset(&so, 0, sizeof(so));
	so.url = x->cfg->redis_url;
	so.key = hean_app_key(x->app, key, sizeof(key), name);
	so.group = HEAN_GROUP_EXECUTOR;
	so.consumer = x->cfg->proc_name;
	so.start_id = start_id;
	so.count = count;
	so.block_ms = 1000;
	so.on_entry = fn;
	so.data = data;
	return hean_stream_create(x->loop, x->app->redis, &so);
}

/* The waves and control readers. Returns 0 or -ENOMEM (logged). */
static int start_streams(struct exec_app *x)
{
	const struct hean_config *cfg = x->cfg;
	char wave_start[32];

	/* A new group starts at the oldest wave that could still be traded
	 * (emitted within one interval + delay + max_late of now), not at "$":
	 * a wave emitted while this executor was starting for the first time is
	 * not lost; older history is never replayed. Expired ones among these
	 * are skipped by the send gate like any late wave. */
	snprintf(wave_start, sizeof(wave_start), "%" PRId64 "-0",
		 hean_time_now_ms() - ((int64_t)cfg->wave_interval_s + cfg->wave_delay_s +
				       cfg->wave_max_late_s) * 1000);
	x->waves = group_reader(x, HEAN_KEY_WAVES, wave_start, 20, exec_orders_on_wave, x->orders);
	if (!x->waves) {
		log_error("event=start_failed reason=\"waves stream\"");
		return -ENOMEM;
	}
	x->flatten = exec_flatten_create(x);
	/* "0": a flatten requested before the first start still runs */
	x->control = x->flatten ? group_reader(x, HEAN_KEY_CONTROL, "0", 10, exec_flatten_on_entry,
					       x->flatten)
				: NULL;
	if (!x->control) {
		log_error("event=start_failed reason=\"control stream\"");
		return -ENOMEM;
	}
	return 0;
}

/* The body of exec_app_start: 0 or -errno (logged). */
static int start(struct exec_app *x, struct hean_app *app)
{
	const struct hean_config *cfg = &app->cfg;
	struct exec_rest_opts ro;

	wire(x, app);
	if (!cfg->api_key[0] || !cfg->api_secret[0]) {
		log_error("event=start_failed reason=\"HEAN_BYBIT_API_KEY/SECRET missing\"");
		return -EINVAL;
	}
	memset(&ro, 0, sizeof(ro));
	ro.base = cfg->rest;
	ro.api_key = cfg->api_key;
	ro.api_secret = cfg->api_secret;
	ro.recv_window_ms = cfg->recv_window_ms;
	ro.ban_s = cfg->rest_ban_s;
	x->rest = exec_rest_create(x->loop, &ro);
	x->ws_ctx = hean_ws_ctx_create(x->loop);
	if (!x->rest || !x->ws_ctx) {
		log_error("event=start_failed reason=\"rest or ws context\"");
		return -ENOMEM;
	}
	x->inst = exec_instruments_create(x, on_loaded);
	x->pos = exec_positions_create(x);
	x->prices = exec_prices_create(x);
	x->orders = exec_orders_create(x);
	x->pws = exec_pws_create(x);
	if (!x->inst || !x->pos || !x->prices || !x->orders || !x->pws) {
		log_error("event=start_failed reason=\"module init\"");
		return -ENOMEM;
	}
	if (hean_want_init(&x->want, cfg, app->redis, "executor") < 0) {
		log_error("event=start_failed reason=\"want\"");
		return -ENOMEM;
	}
	if (start_streams(x) < 0) {
		return -ENOMEM;
	}
	x->want_ready = true;
	ev_timer_init(&x->health_timer, on_health, 1.0, 1.0);
	x->health_timer.data = x;
	ev_timer_start(x->loop, &x->health_timer);
	ev_timer_init(&x->clock_timer, on_clock_timer, CLOCK_RETRY_S, 0.);
	x->clock_timer.data = x;
	static const char *const counters[] = {"orders_ok", "orders_rejected", "duplicates",
					       "trail_updates", "want_writes", "want_errors"};
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		hean_health_set_int(app->health, counters[i], 0);
	}
	exec_orders_init_counters(x->orders);
	snprintf(x->state, sizeof(x->state), "starting");
	hean_health_set_state(app->health, "starting", "clock, instruments, reconcile");
	exec_rest_sync_clock(x->rest, on_clock, x);
	exec_instruments_refresh(x->inst);
	read_halt(x);
	read_pnl(x);
	log_info("event=executor_started rest=%s private=%s position_usd=%g stop_loss_pct=%g",
		 cfg->rest, cfg->ws_private, cfg->position_usd, cfg->stop_loss_pct);
	return 0;
}

/* ===================== shutdown ===================== */

/* hean_ws_ctx_shutdown's release: the private stream is down (or the
 * deadline passed); outside any lws callback. */
static void release_ws(void *data)
{
	struct exec_app *x = data;

	exec_pws_destroy(x->pws);
	x->pws = NULL;
	x->ws_ctx = NULL; /* destroyed by hean_ws_ctx_shutdown right after */
}

void exec_app_stop(struct exec_app *x)
{
	if (x->stopping) {
		return;
	}
	exec_app_update_health(x);
	if (x->pnl_known) {
		write_pnl(x); /* the day's realized PnL survives the restart */
	}
	x->stopping = true;
	ev_timer_stop(x->loop, &x->health_timer);
	ev_timer_stop(x->loop, &x->clock_timer);
	exec_orders_stop(x->orders);
	exec_positions_stop(x->pos);
	exec_prices_stop(x->prices);
	hean_stream_destroy(x->waves); /* unacked waves stay pending in Redis */
	x->waves = NULL;
	exec_flatten_stop(x->flatten);
	hean_stream_destroy(x->control); /* an unfinished flatten stays pending */
	x->control = NULL;
	exec_rest_destroy(x->rest); /* in-flight calls end (aborted) */
	x->rest = NULL;
	exec_instruments_destroy(x->inst);
	x->inst = NULL;
	exec_pws_stop(x->pws);
	hean_ws_ctx_shutdown(x->ws_ctx, FIN_MAX_S, release_ws, x);
}

struct exec_app *exec_app_start(struct hean_app *app)
{
	struct exec_app *x = calloc(1, sizeof(*x));

	if (!x) {
		log_error("event=start_failed err=\"out of memory\"");
		return NULL;
	}
	if (start(x, app) < 0) {
		hean_app_unhook(app);
		exec_app_close(x);
		exec_app_destroy(x);
		return NULL;
	}
	return x;
}

void exec_app_close(struct exec_app *x)
{
	if (!x) {
		return;
	}
	x->want_ready = false; /* the modules go: nothing is rebuilt from them */
	if (x->loop) {
		ev_timer_stop(x->loop, &x->health_timer);
		ev_timer_stop(x->loop, &x->clock_timer);
	}
	hean_stream_destroy(x->waves);
	x->waves = NULL;
	hean_stream_destroy(x->control);
	x->control = NULL;
	exec_rest_destroy(x->rest);
	x->rest = NULL;
	exec_flatten_destroy(x->flatten);
	x->flatten = NULL;
	exec_orders_destroy(x->orders);
	x->orders = NULL;
	exec_pws_destroy(x->pws);
	x->pws = NULL;
	hean_ws_ctx_destroy(x->ws_ctx); /* cancels a shutdown still pending */
	x->ws_ctx = NULL;
	exec_prices_destroy(x->prices);
	x->prices = NULL;
	exec_positions_destroy(x->pos);
	x->pos = NULL;
	exec_instruments_destroy(x->inst);
	x->inst = NULL;
}

void exec_app_destroy(struct exec_app *x)
{
	if (!x) {
		return;
	}
	/* the want struct (inside x) outlived the link: replies still due were
	 * answered (NULL) in hean_app_finish */
	hean_want_finish(&x->want);
	free(x);
}
