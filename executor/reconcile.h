/* executor/reconcile: the position rules, pure (no I/O). A position row
 * from the exchange (REST position/list or a private "position" push) is
 * parsed, compared with the local book entry, and turned into actions:
 * open, close, resize (a partial fill: the size grows and the entry is
 * the exchange's average), adopt the exchange's stop, or protect (no
 * stop-loss on the exchange). Hedge-mode rows (positionIdx 1/2) are
 * flagged: hean trades one-way mode only. */
#ifndef HEAN_EXECUTOR_RECONCILE_H
#define HEAN_EXECUTOR_RECONCILE_H

#include "executor/sizing.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct exec_pos_row {
	char symbol[EXEC_SYM_LEN];
	int side;    /* 1 Buy, -1 Sell, 0 flat */
	double size; /* 0 flat */
	double avg;  /* average entry (REST avgPrice, WS entryPrice) */
	double stop; /* stopLoss, 0 none */
	int idx;     /* positionIdx */
};

enum {
	EXEC_ROW_OK = 0,
	EXEC_ROW_HEDGE = 1, /* positionIdx != 0: a hedge-mode account */
};

/* Parses one row. Returns EXEC_ROW_OK, EXEC_ROW_HEDGE, or -EINVAL (no
 * valid symbol or size). */
int exec_reconcile_parse_row(const json_t *row, struct exec_pos_row *out);

/* The local book's view of one symbol. */
struct exec_book_pos {
	bool open;
	int side;
	double size, entry, stop;
};

enum {
	EXEC_RC_NONE = 0,
	EXEC_RC_OPEN = 1 << 0,    /* new position (or side flipped): start tracking */
	EXEC_RC_CLOSE = 1 << 1,   /* flat at the exchange */
	EXEC_RC_RESIZE = 1 << 2,  /* size or average entry changed: trail from the new average */
	EXEC_RC_STOP = 1 << 3,    /* the exchange's stop differs from the book's: adopt it */
	EXEC_RC_PROTECT = 1 << 4, /* open without a stop-loss on the exchange */
};

/* Actions for row against the book entry b. */
unsigned exec_reconcile_diff(const struct exec_book_pos *b, const struct exec_pos_row *r);

/* The protective stop for a position without one: stop_pct from the
 * average entry, or from last when the price is already past that. */
double exec_reconcile_protect_stop(const struct exec_instrument *in, int side, double avg,
				   double last, double stop_pct);

/* Realized PnL (USD, before fees) of one execution against the position
 * it trades into: an execution on the other side of the position closes
 * closed qty (closed_size >= 0 when the exchange says so, else
 * min(exec_qty, pos_size)) at exec_price: (exec_price - entry) x closed x
 * pos_side. 0 for an execution that opens or adds. */
double exec_reconcile_exec_pnl(int pos_side, double pos_size, double entry, int exec_side,
			       double exec_price, double exec_qty, double closed_size);

/* Unrealized PnL (USD) of a position at price. */
double exec_reconcile_unrealized(int side, double size, double entry, double price);

/* Percent-encodes s (RFC 3986 unreserved kept). Returns 0 or -ENOSPC. */
int exec_url_encode(const char *s, char *out, size_t len);

/* Query string of one position/list page (cursor NULL/"" for the first;
 * URL-encoded). Returns 0 or -ENOSPC. */
int exec_reconcile_query(const char *cursor, char *out, size_t len);

/* The trading-stop body: Full mode (the stop covers the whole position,
 * whatever its fills), one-way positionIdx 0. Returns 0 or -ENOSPC. */
int exec_reconcile_stop_body(const char *symbol, const char *stop_s, char *out, size_t len);

#endif
