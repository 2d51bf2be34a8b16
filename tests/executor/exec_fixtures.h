/* Fixtures shared by the executor's unit tests. */
#ifndef HEAN_TESTS_EXEC_FIXTURES_H
#define HEAN_TESTS_EXEC_FIXTURES_H

#include "executor/sizing.h"

#include <string.h>

/* BTCUSDT as Bybit lists it: qtyStep 0.001, tickSize 0.10, minNotional 5. */
static inline struct exec_instrument fixture_btc(void)
{
	struct exec_instrument in;

	memset(&in, 0, sizeof(in));
	strcpy(in.symbol, "BTCUSDT");
	in.qty_step = 0.001;
	in.min_qty = 0.001;
	in.max_qty = 1190;
	in.max_mkt_qty = 500;
	in.tick = 0.1;
	in.min_notional = 5;
	in.qty_dp = 3;
	in.price_dp = 1;
	return in;
}

#endif
