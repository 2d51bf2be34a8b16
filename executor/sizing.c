/* executor/sizing: pure order arithmetic. See sizing.h. */
#include "executor/sizing.h"
#include "common/json.h"
#include "common/symbol.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Relative slack for floor/ceil of values that are exact multiples in
 * decimal but not in binary (0.3 / 0.1 = 2.9999999999999996). */
#define EPS 1e-9

int exec_sizing_decimals(const char *s)
{
	const char *dot, *e;
	long n = 0, exp = 0;

	if (!s) {
		return 0;
	}
	e = strpbrk(s, "eE");
	dot = strchr(s, '.');
	if (dot && (!e || dot < e)) {
		n = (long)strspn(dot + 1, "0123456789");
	}
	if (e) {
		/* "1e-05": the exponent moves the point (Bybit may send tickSize so) */
		exp = strtol(e + 1, NULL, 10);
		n -= exp;
	}
	if (n < 0) {
		n = 0;
	}
	return n > 12 ? 12 : (int)n;
}

double exec_sizing_round_tick(double price, double tick, int dir)
{
	double k;

	if (!(tick > 0) || !isfinite(price)) {
		return price;
	}
	k = price / tick;
	if (dir < 0) {
		k = floor(k + EPS);
	} else if (dir > 0) {
		k = ceil(k - EPS);
	} else {
		k = round(k);
	}
	return k * tick;
}

const char *exec_sizing_fmt(double v, int dp, char *buf, size_t len)
{
	if (dp < 0) {
		dp = 0;
	}
	snprintf(buf, len, "%.*f", dp, v);
	return buf;
}

int exec_sizing_qty(const struct exec_instrument *in, double usd, double price, double *qty,
		    char *qty_s, size_t qty_len, char *reason, size_t reason_len)
{
	double q, cap;

	if (!in || !(in->qty_step > 0) || !(usd > 0) || !(price > 0) || !isfinite(price) ||
	    !isfinite(usd)) {
		snprintf(reason, reason_len, "bad input (usd=%g price=%g)", usd, price);
		return -EINVAL;
	}
	q = floor(usd / price / in->qty_step + EPS) * in->qty_step;
	cap = in->max_mkt_qty > 0 ? in->max_mkt_qty : in->max_qty;
	if (cap > 0 && q > cap + in->qty_step * EPS) {
		q = floor(cap / in->qty_step + EPS) * in->qty_step;
	}
	if (q <= 0 || q < in->min_qty - in->qty_step * EPS) {
		snprintf(reason, reason_len, "qty %.*f below minOrderQty %.*f", in->qty_dp, q,
			 in->qty_dp, in->min_qty);
		return -ERANGE;
	}
	if (in->min_notional > 0 && q * price < in->min_notional * (1 - EPS)) {
		snprintf(reason, reason_len, "notional %.4f below minNotionalValue %g", q * price,
			 in->min_notional);
		return -ERANGE;
	}
	*qty = q;
	exec_sizing_fmt(q, in->qty_dp, qty_s, qty_len);
	return 0;
}

double exec_sizing_stop(const struct exec_instrument *in, int side, double ref, double last,
			double pct)
{
	double stop;

	if (!in || !(in->tick > 0) || !(ref > 0) || !(pct > 0) || pct >= 100 || side == 0) {
		return 0;
	}
	if (side > 0) {
		stop = exec_sizing_round_tick(ref * (1 - pct / 100), in->tick, -1);
		if (last > 0 && stop > last - in->tick * (1 - EPS)) {
			stop = exec_sizing_round_tick(last * (1 - pct / 100), in->tick, -1);
		}
	} else {
		stop = exec_sizing_round_tick(ref * (1 + pct / 100), in->tick, 1);
		if (last > 0 && stop < last + in->tick * (1 - EPS)) {
			stop = exec_sizing_round_tick(last * (1 + pct / 100), in->tick, 1);
		}
	}
	return stop > 0 ? stop : 0;
}

bool exec_sizing_symbol_valid(const char *s)
{
	return s && hean_symbol_valid(s, strlen(s));
}

bool exec_sizing_link_id_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 36 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

int exec_sizing_link_id(int64_t wave_s, const char *symbol, char *out, size_t len)
{
	char buf[64];
	int n;

	if (!exec_sizing_symbol_valid(symbol) || wave_s < 0) {
		return -EINVAL;
	}
	n = snprintf(buf, sizeof(buf), "h%lld-%s", (long long)wave_s, symbol);
	if (n < 0 || (size_t)n >= sizeof(buf) || !exec_sizing_link_id_valid(buf) ||
	    (size_t)n >= len) {
		return -EINVAL;
	}
	memcpy(out, buf, (size_t)n + 1);
	return 0;
}
