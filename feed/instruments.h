/* feed/instruments: one page of GET /v5/market/instruments-info
 * (category=linear) -> the symbols HEAN_SYMBOLS=ALL streams. Pure.
 *
 * Kept: status "Trading", quoteCoin "USDT", contractType
 * "LinearPerpetual" (USDC perpetuals and dated futures are other
 * products; PreLaunch, Delivering and Closed instruments have no live
 * book to stream). Pages are chained by result.nextPageCursor (empty on
 * the last page). */
#ifndef HEAN_FEED_INSTRUMENTS_H
#define HEAN_FEED_INSTRUMENTS_H

#include "feed/parse.h"

#include <stddef.h>

struct feed_instr_page {
	char (*syms)[FEED_SYM_MAX + 1]; /* caller's array */
	size_t cap, n;   /* kept symbols written / room */
	size_t seen;     /* instruments on the page */
	size_t skipped;  /* not Trading / not a USDT perpetual */
	size_t bad;      /* rows without a valid symbol */
	char cursor[256]; /* next page, "" when this was the last */
	char why[160];   /* on error: what was wrong, naming the field */
};

/* Parses one response body into p (p->syms and p->cap set by the caller;
 * n, seen, skipped, bad, cursor are set here). Returns 0, -EPROTO (not
 * JSON, retCode != 0, no result.list: see p->why) or -ENOSPC (more kept
 * symbols than cap: the first cap are in syms). */
int feed_instr_parse(const char *body, size_t len, struct feed_instr_page *p);

#endif
