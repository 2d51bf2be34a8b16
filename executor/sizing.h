/* executor/sizing: pure order arithmetic. Quantity from a USD notional
 * (rounded DOWN to qtyStep, checked against the instrument's minimums),
 * prices rounded to tickSize on a chosen side, the initial stop-loss and
 * the orderLinkId derived from the wave and the symbol. No I/O. */
#ifndef HEAN_EXECUTOR_SIZING_H
#define HEAN_EXECUTOR_SIZING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXEC_SYM_LEN 24
#define EXEC_LINK_LEN 40 /* orderLinkId: <= 36 chars + NUL */
#define EXEC_NUM_LEN 40

/* One linear instrument from /v5/market/instruments-info. */
struct exec_instrument {
	char symbol[EXEC_SYM_LEN];
	double qty_step, min_qty, max_qty, max_mkt_qty;
	double tick, min_notional;
	int qty_dp;   /* decimals of qtyStep */
	int price_dp; /* decimals of tickSize */
};

/* Decimals of a decimal string ("0.001" -> 3, "5" -> 0, "0.10" -> 2).
 * Trailing zeros count, as the exchange formats them. */
int exec_sizing_decimals(const char *s);

/* Rounds price to a multiple of tick: dir < 0 down, > 0 up, 0 nearest. */
double exec_sizing_round_tick(double price, double tick, int dir);

/* Formats v with dp decimals into buf ("%.*f"). Returns buf. */
const char *exec_sizing_fmt(double v, int dp, char *buf, size_t len);

/* Order quantity for usd at price: floor(usd / price / qtyStep) * qtyStep,
 * capped at maxMktOrderQty. Returns 0 (qty and qty_s set), -ERANGE when
 * the result is below minOrderQty or its notional below minNotionalValue
 * (reason says which), -EINVAL on bad input (reason set). */
int exec_sizing_qty(const struct exec_instrument *in, double usd, double price, double *qty,
		    char *qty_s, size_t qty_len, char *reason, size_t reason_len);

/* Initial stop-loss pct % from ref on the protective side (side > 0 long:
 * below, rounded down; side < 0 short: above, rounded up). If last > 0
 * and the stop would not be on the protective side of last by at least
 * one tick, it is computed from last instead. Returns the stop (> 0) or
 * 0 on bad input. */
double exec_sizing_stop(const struct exec_instrument *in, int side, double ref, double last,
			double pct);

/* orderLinkId "h<wave_epoch_s>-<SYMBOL>". Returns 0, or -EINVAL if the
 * symbol is invalid or the id would not fit 36 chars of [A-Za-z0-9_-]. */
int exec_sizing_link_id(int64_t wave_s, const char *symbol, char *out, size_t len);

/* <= 36 chars of [A-Za-z0-9_-], non-empty. */
bool exec_sizing_link_id_valid(const char *s);

/* ^[A-Z0-9]{2,20}$ */
bool exec_sizing_symbol_valid(const char *s);

#endif
