/* executor/pnl: realized PnL from the private execution stream (fees
 * included), per UTC day, restored after a restart. See positions.h. */
#include "executor/positions_int.h"

#include "common/json.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "executor/reconcile.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void utc_day(int64_t ms, char *out, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d", &tm);
}

static void roll_day(struct exec_positions *ps)
{
	char today[16];

	utc_day(hean_time_now_ms(), today, sizeof(today));
	if (strcmp(today, ps->day) != 0) {
		if (ps->day[0]) {
			log_info("event=pnl_day_rolled from=%s realized_usd=%.4f", ps->day,
				 ps->realized_today);
		}
		snprintf(ps->day, sizeof(ps->day), "%s", today);
		ps->realized_today = 0;
		for (size_t i = 0; i < ps->n; i++) {
			ps->v[i].realized = 0;
		}
	}
}

void exec_positions_on_execution(struct exec_positions *ps, const json_t *row)
{
	const char *sym = NULL, *side = "", *type = "Trade", *id = NULL;
	double px = 0, qty = 0, fee = 0, closed = -1, pnl;
	struct pos *p;

	if (hean_json_get_str(row, "symbol", &sym, NULL, 0) < 0 ||
	    hean_json_get_num_str(row, "execPrice", &px, HEAN_NUM_POSITIVE, NULL, 0) < 0 ||
	    hean_json_get_num_str(row, "execQty", &qty, HEAN_NUM_POSITIVE, NULL, 0) < 0) {
		return;
	}
	hean_json_get_str(row, "execType", &type, NULL, 0);
	if (strcmp(type, "Trade") != 0) {
		return;
	}
	if (hean_json_get_str(row, "execId", &id, NULL, 0) == 0 && id[0]) {
		for (unsigned i = 0; i < EXEC_IDS; i++) {
			if (!strcmp(ps->exec_ids[i], id)) {
				return; /* seen */
			}
		}
		snprintf(ps->exec_ids[ps->exec_head++ % EXEC_IDS], 48, "%s", id);
	}
	hean_json_get_str(row, "side", &side, NULL, 0);
	hean_json_get_num_str(row, "execFee", &fee, 0, NULL, 0);
	if (hean_json_get_num_str(row, "closedSize", &closed, HEAN_NUM_NONNEG, NULL, 0) < 0) {
		closed = -1;
	}
	roll_day(ps);
	p = find(ps, sym);
	/* the book may already show the close (pushes come in any order): the
	 * last side and entry stay in the entry after a close */
	pnl = p ? exec_reconcile_exec_pnl(p->side, p->open ? p->size : qty, p->entry,
					  !strcmp(side, "Buy") ? 1 : !strcmp(side, "Sell") ? -1 : 0,
					  px, qty, closed)
		: 0;
	pnl -= fee;
	ps->realized_today += pnl;
	if (p) {
		p->realized += pnl;
		pos_write_hash(ps, p);
	}
	log_info("event=execution symbol=%s side=%s qty=%.10g price=%.10g fee=%.6f pnl=%.6f "
		 "realized_today=%.4f",
		 sym, side, qty, px, fee, pnl, ps->realized_today);
	if (ps->x->on_pnl) {
		ps->x->on_pnl(ps->x);
	}
}

void exec_positions_restore_realized(struct exec_positions *ps, const char *day, double usd)
{
	roll_day(ps);
	if (day && !strcmp(day, ps->day)) {
		ps->realized_today += usd;
		log_info("event=pnl_restored day=%s realized_usd=%.4f", day, usd);
	}
}

void exec_positions_pnl(struct exec_positions *ps, struct exec_pnl *out)
{
	memset(out, 0, sizeof(*out));
	roll_day(ps);
	snprintf(out->day, sizeof(out->day), "%s", ps->day);
	out->realized_usd = ps->realized_today;
	for (size_t i = 0; i < ps->n; i++) {
		const struct pos *p = &ps->v[i];
		if (!p->open) {
			continue;
		}
		out->open_positions++;
		if (p->stop <= 0) {
			out->naked_positions++;
		}
		out->exposure_usd += p->size * (p->last_price > 0 ? p->last_price : p->entry);
		out->unrealized_usd +=
			exec_reconcile_unrealized(p->side, p->size, p->entry, p->last_price);
	}
}

