/* feed/ticker: the merged ticker state of every subscribed symbol. Pure.
 *
 * Merge rules (Bybit sends one snapshot per subscription, then deltas that
 * carry only the fields that changed; most deltas carry no price at all):
 *   - a snapshot replaces the symbol's cached record (a field missing from
 *     a snapshot has no value);
 *   - a delta overwrites only the fields it carries; "" sets "no value";
 *     a delta with no price at all is normal and is published;
 *   - a delta before any snapshot (since start or since the last reconnect)
 *     is counted and ignored;
 *   - ts published is the newest seen. */
#ifndef HEAN_FEED_TICKER_H
#define HEAN_FEED_TICKER_H

#include "feed/parse.h"
#include "feed/stale.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct feed_ticker {
	char symbol[FEED_SYM_MAX + 1];
	uint8_t sym_len;
	uint32_t idx;  /* position in the book */
	uint32_t conn; /* connection (session) that carries it */
	uint32_t gen;  /* bumped each time the slot is (re)used */
	bool used;     /* the slot holds a symbol */
	bool valid;    /* a snapshot arrived since (re)subscribe */
	bool has_data; /* ever merged: the state below is publishable */
	struct feed_px px[FEED_PX_N]; /* state FEED_FIELD_SET or not (no value) */
	int64_t ts;      /* newest exchange ms */
	int64_t cs;
	int64_t recv_us; /* local receive time of the last merged message */
	struct feed_stale stale;
	uint64_t updates;
};

/* Symbols come and go at run time (HEAN_SYMBOLS=ALL, wanted symbols): the
 * book has a fixed capacity and indices are stable while a symbol is in
 * it; a removed symbol's slot is reused with a new gen. Iterate over
 * t[0..n) and skip !used. */
#define FEED_BOOK_CAP 2048

struct feed_book {
	struct feed_ticker *t; /* owned, cap entries */
	size_t n;    /* high-water mark of used slots */
	size_t live; /* symbols in the book */
	size_t cap;
	uint32_t *slots; /* owned: open addressing index, mask + 1 entries (idx + 1, 0 = empty) */
	size_t mask;
};

enum feed_merge {
	FEED_MERGE_OK = 0,
	FEED_MERGE_NO_SNAPSHOT,    /* delta before snapshot: ignored */
	FEED_MERGE_UNKNOWN_SYMBOL, /* not one of ours: ignored */
};

/* Builds the book from n valid symbols (duplicates are skipped), with room
 * for max(n, FEED_BOOK_CAP) symbols. Returns 0, -EINVAL (a symbol fails
 * ^[A-Z0-9]{2,20}$) or -ENOMEM. */
int feed_book_init(struct feed_book *b, const char *const *symbols, size_t n, int64_t now_ms);
void feed_book_finish(struct feed_book *b);

/* Adds a symbol (staleness watched from now_ms). *out: its ticker.
 * Returns 1 when added, 0 when already there, -EINVAL (bad name) or
 * -ENOSPC (book full). */
int feed_book_add(struct feed_book *b, const char *sym, int64_t now_ms, struct feed_ticker **out);

/* Removes a symbol: its slot is cleared and may be reused. */
void feed_book_remove(struct feed_book *b, struct feed_ticker *t);

/* NULL when not in the book. */
struct feed_ticker *feed_book_find(const struct feed_book *b, const char *sym, size_t len);

/* Merges one ticker message. On FEED_MERGE_OK *out is the merged record
 * (publish it). */
enum feed_merge feed_book_apply(struct feed_book *b, const struct feed_msg *m, int64_t recv_us,
				struct feed_ticker **out);

/* A connection was lost: every symbol it carries needs a new snapshot
 * before any delta is applied again. Returns the number invalidated. */
size_t feed_book_invalidate_conn(struct feed_book *b, uint32_t conn);

#endif
