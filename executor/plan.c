/* executor/plan: order decisions, pure. See plan.h. */
#include "executor/plan.h"

#include "common/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *exec_plan_parse_signal(const json_t *sig, struct exec_signal *out)
{
	const char *sym = NULL, *side = NULL, *ex = NULL;
	const json_t *exv;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(sig) || hean_json_get_str(sig, "symbol", &sym, NULL, 0) < 0 ||
	    hean_json_get_str(sig, "side", &side, NULL, 0) < 0) {
		return "signal without symbol/side";
	}
	exv = json_object_get(sig, "exchange");
	if (exv) {
		ex = json_is_string(exv) ? json_string_value(exv) : NULL;
		if (!ex || strcasecmp(ex, "bybit") != 0) {
			return "exchange is not bybit";
		}
	}
	if (!exec_sizing_symbol_valid(sym)) {
		return "invalid symbol";
	}
	snprintf(out->symbol, sizeof(out->symbol), "%s", sym);
	if (!strcmp(side, "buy") || !strcmp(side, "Buy")) {
		out->side = 1;
	} else if (!strcmp(side, "sell") || !strcmp(side, "Sell")) {
		out->side = -1;
	} else {
		return "invalid side";
	}
	return NULL;
}

int64_t exec_plan_deadline_ms(int64_t wave_s, int interval_s, int delay_s, int max_late_s)
{
	return (wave_s + interval_s + delay_s + max_late_s) * 1000;
}

const char *exec_plan_limit(const struct exec_plan_limits *l, const struct exec_plan_book *b,
			    double add_usd, char *detail, size_t len)
{
	if (l->daily_loss_limit_usd > 0 && -b->realized_today_usd >= l->daily_loss_limit_usd) {
		snprintf(detail, len, "limit=HEAN_DAILY_LOSS_LIMIT_USD value=%.2f max=%.2f",
			 -b->realized_today_usd, l->daily_loss_limit_usd);
		return "HEAN_DAILY_LOSS_LIMIT_USD";
	}
	if (l->max_open_positions > 0 && b->open_positions >= l->max_open_positions) {
		snprintf(detail, len, "limit=HEAN_MAX_OPEN_POSITIONS value=%d max=%d",
			 b->open_positions, l->max_open_positions);
		return "HEAN_MAX_OPEN_POSITIONS";
	}
	if (l->max_exposure_usd > 0 && b->exposure_usd + add_usd > l->max_exposure_usd) {
		snprintf(detail, len, "limit=HEAN_MAX_EXPOSURE_USD value=%.2f max=%.2f",
			 b->exposure_usd + add_usd, l->max_exposure_usd);
		return "HEAN_MAX_EXPOSURE_USD";
	}
	if (len) {
		detail[0] = '\0';
	}
	return NULL;
}

bool exec_plan_order(const struct exec_plan_in *pi, struct exec_plan_out *out)
{
	double ref;
	char detail[160];

	memset(out, 0, sizeof(*out));
	if (pi->now_ms > pi->deadline_ms) {
		snprintf(out->reason, sizeof(out->reason), "wave expired");
		return false;
	}
	if (!pi->in) {
		snprintf(out->reason, sizeof(out->reason), "unknown instrument");
		return false;
	}
	if (pi->book.halted) {
		snprintf(out->reason, sizeof(out->reason), "halted (hean:halt)");
		return false;
	}
	if (pi->book.side != 0) {
		snprintf(out->reason, sizeof(out->reason), "position already open");
		return false;
	}
	if (!(pi->last > 0)) {
		snprintf(out->reason, sizeof(out->reason), "no price");
		return false;
	}
	ref = pi->side > 0 ? (pi->ask > 0 ? pi->ask : pi->last) : (pi->bid > 0 ? pi->bid : pi->last);
	if (exec_sizing_qty(pi->in, pi->position_usd, ref, &out->qty, out->qty_s,
			    sizeof(out->qty_s), out->reason, sizeof(out->reason)) < 0) {
		return false;
	}
	out->limit = exec_plan_limit(&pi->limits, &pi->book, out->qty * ref, detail, sizeof(detail));
	if (out->limit) {
		snprintf(out->reason, sizeof(out->reason), "risk limit: %s", detail);
		return false;
	}
	out->stop = exec_sizing_stop(pi->in, pi->side, ref, pi->last, pi->stop_loss_pct);
	if (!(out->stop > 0)) {
		snprintf(out->reason, sizeof(out->reason), "no valid stop-loss price");
		return false;
	}
	exec_sizing_fmt(out->stop, pi->in->price_dp, out->stop_s, sizeof(out->stop_s));
	out->ref = ref;
	out->place = true;
	return true;
}

enum exec_send_verdict exec_plan_send_gate(const struct exec_send_ctx *c)
{
	if (c->now_ms > c->deadline_ms) {
		return EXEC_SEND_EXPIRED;
	}
	if (c->sends >= EXEC_PLAN_MAX_SENDS) {
		return EXEC_SEND_GIVE_UP;
	}
	if (!c->book_known) {
		return EXEC_SEND_NOT_READY;
	}
	if (c->book_side != 0) {
		return EXEC_SEND_POSITION_OPEN;
	}
	if (c->planned_ms <= 0 || c->now_ms - c->planned_ms > EXEC_PLAN_REPLAN_MS) {
		return EXEC_SEND_REPLAN;
	}
	return EXEC_SEND_OK;
}

const char *exec_plan_verdict_str(enum exec_send_verdict v)
{
	switch (v) {
	case EXEC_SEND_OK:
		return "ok";
	case EXEC_SEND_EXPIRED:
		return "wave expired (order not placed)";
	case EXEC_SEND_GIVE_UP:
		return "gave up after the maximum number of sends";
	case EXEC_SEND_NOT_READY:
		return "positions not reconciled yet";
	case EXEC_SEND_POSITION_OPEN:
		return "position already open";
	case EXEC_SEND_REPLAN:
		return "re-plan";
	}
	return "?";
}

enum exec_order_fate exec_plan_order_fate(const char *st, double cum)
{
	if (!st) {
		return EXEC_FATE_UNKNOWN;
	}
	if (!strcmp(st, "New") || !strcmp(st, "PartiallyFilled") || !strcmp(st, "Untriggered") ||
	    !strcmp(st, "Created") || !strcmp(st, "Active")) {
		return EXEC_FATE_OPEN;
	}
	if (!strcmp(st, "Filled") || !strcmp(st, "Triggered")) {
		return EXEC_FATE_FILLED;
	}
	if (!strcmp(st, "Rejected")) {
		return cum > 0 ? EXEC_FATE_FILLED : EXEC_FATE_REJECTED;
	}
	if (!strcmp(st, "Cancelled") || !strcmp(st, "Deactivated") ||
	    !strcmp(st, "PartiallyFilledCanceled")) {
		return cum > 0 ? EXEC_FATE_FILLED : EXEC_FATE_CANCELLED;
	}
	return EXEC_FATE_UNKNOWN;
}

const char *exec_plan_fate_row(enum exec_order_fate f)
{
	switch (f) {
	case EXEC_FATE_REJECTED:
		return "rejected";
	case EXEC_FATE_CANCELLED:
		return "cancelled";
	default:
		return "submitted";
	}
}

bool exec_plan_use_rest(int64_t tick_ms, int64_t now_ms, int rest_poll_s)
{
	return tick_ms <= 0 || now_ms - tick_ms > (int64_t)rest_poll_s * 1000;
}
