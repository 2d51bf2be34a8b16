/* executor/reconcile: position rules, pure. See reconcile.h. */
#include "executor/reconcile.h"

#include "common/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int exec_reconcile_parse_row(const json_t *row, struct exec_pos_row *out)
{
	const char *sym = NULL, *side = "";
	int64_t idx = 0;

	memset(out, 0, sizeof(*out));
	if (hean_json_get_str(row, "symbol", &sym, NULL, 0) < 0 || !exec_sizing_symbol_valid(sym) ||
	    hean_json_get_num_str(row, "size", &out->size, HEAN_NUM_NONNEG, NULL, 0) < 0) {
		return -EINVAL;
	}
	snprintf(out->symbol, sizeof(out->symbol), "%s", sym);
	hean_json_get_str(row, "side", &side, NULL, 0);
	out->side = !strcmp(side, "Buy") ? 1 : !strcmp(side, "Sell") ? -1 : 0;
	if (hean_json_get_num_str(row, "avgPrice", &out->avg, HEAN_NUM_NONNEG, NULL, 0) < 0) {
		hean_json_get_num_str(row, "entryPrice", &out->avg, HEAN_NUM_NONNEG, NULL, 0);
	}
	hean_json_get_num_str(row, "stopLoss", &out->stop, HEAN_NUM_NONNEG, NULL, 0);
	if (out->side == 0 || !(out->size > 0)) {
		out->side = 0;
		out->size = 0;
	}
	if (hean_json_get_int(row, "positionIdx", &idx, NULL, 0) == 0 && idx != 0) {
		out->idx = (int)idx;
		return EXEC_ROW_HEDGE;
	}
	return EXEC_ROW_OK;
}

unsigned exec_reconcile_diff(const struct exec_book_pos *b, const struct exec_pos_row *r)
{
	unsigned a = EXEC_RC_NONE;

	if (r->side == 0 || !(r->size > 0)) {
		return b->open ? EXEC_RC_CLOSE : EXEC_RC_NONE;
	}
	if (!b->open || b->side != r->side) {
		a |= EXEC_RC_OPEN;
	} else {
		if (r->size != b->size || (r->avg > 0 && r->avg != b->entry)) {
			a |= EXEC_RC_RESIZE;
		}
		if (r->stop != b->stop) {
			a |= EXEC_RC_STOP;
		}
	}
	if (!(r->stop > 0)) {
		a |= EXEC_RC_PROTECT;
	}
	return a;
}

double exec_reconcile_protect_stop(const struct exec_instrument *in, int side, double avg,
				   double last, double stop_pct)
{
	return exec_sizing_stop(in, side, avg > 0 ? avg : last, last, stop_pct);
}

int exec_url_encode(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
		if (o + (plain ? 1 : 3) >= len) {
			if (len) {
				out[0] = '\0';
			}
			return -ENOSPC;
		}
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (o >= len) {
		return -ENOSPC;
	}
	out[o] = '\0';
	return 0;
}

int exec_reconcile_query(const char *cursor, char *out, size_t len)
{
	char enc[400];
	int n;

	if (cursor && cursor[0]) {
		if (exec_url_encode(cursor, enc, sizeof(enc)) < 0) {
			return -ENOSPC;
		}
		n = snprintf(out, len, "category=linear&settleCoin=USDT&limit=200&cursor=%s", enc);
	} else {
		n = snprintf(out, len, "category=linear&settleCoin=USDT&limit=200");
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int exec_reconcile_stop_body(const char *symbol, const char *stop_s, char *out, size_t len)
{
	int n = snprintf(out, len,
			 "{\"category\":\"linear\",\"symbol\":\"%s\",\"tpslMode\":\"Full\","
			 "\"positionIdx\":0,\"stopLoss\":\"%s\"}",
			 symbol, stop_s);

	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

double exec_reconcile_exec_pnl(int pos_side, double pos_size, double entry, int exec_side,
			       double exec_price, double exec_qty, double closed_size)
{
	double closed;

	if (pos_side == 0 || exec_side == 0 || exec_side == pos_side || !(entry > 0) ||
	    !(exec_price > 0)) {
		return 0;
	}
	closed = closed_size >= 0 ? closed_size : exec_qty < pos_size ? exec_qty : pos_size;
	if (!(closed > 0)) {
		return 0;
	}
	return (exec_price - entry) * closed * pos_side;
}

double exec_reconcile_unrealized(int side, double size, double entry, double price)
{
	if (side == 0 || !(size > 0) || !(entry > 0) || !(price > 0)) {
		return 0;
	}
	return (price - entry) * size * side;
}
