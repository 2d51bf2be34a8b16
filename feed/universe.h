/* feed/universe: which symbols the feed streams now. Pure: time and the
 * sources' contents are passed in.
 *
 * A symbol is wanted when any source names it:
 *   static  HEAN_SYMBOLS (never dropped);
 *   listed  HEAN_SYMBOLS=ALL: every linear USDT perpetual whose status is
 *           Trading in instruments-info (replaced whole on each re-read);
 *   wanted  the union of the processes' declarations (common/want.h),
 *           replaced whole on each poll.
 * feed_uni_plan says what to subscribe and what to drop: a symbol nobody
 * wants any more is dropped only after grace_ms without being wanted, so a
 * position closed and reopened, or a declaration refreshed a little late,
 * never churns subscriptions. A symbol the exchange refused (subscribe
 * answered with an error) is dropped at once and left out for retry_ms,
 * whatever its sources say, so it is logged once and not re-tried in a
 * loop. */
#ifndef HEAN_FEED_UNIVERSE_H
#define HEAN_FEED_UNIVERSE_H

#include "feed/parse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	FEED_UNI_STATIC = 1,
	FEED_UNI_LISTED = 2,
	FEED_UNI_WANTED = 4,
};

struct feed_uni_sym {
	char sym[FEED_SYM_MAX + 1];
	uint8_t src;          /* FEED_UNI_* bits */
	bool in_book;         /* subscribed (or being subscribed) */
	int64_t unwanted_ms;  /* since when no source names it; 0 = named */
	int64_t rejected_ms;  /* when the exchange refused it; 0 = never */
};

struct feed_universe {
	struct feed_uni_sym *v; /* owned, cap entries */
	size_t n, cap;
	int64_t grace_ms;
	int64_t retry_ms;
};

enum feed_uni_action { FEED_UNI_ADD = 1, FEED_UNI_DROP = 2 };

struct feed_uni_change {
	enum feed_uni_action action;
	char sym[FEED_SYM_MAX + 1];
	uint8_t src; /* the sources naming it (ADD), 0 for DROP */
};

int feed_uni_init(struct feed_universe *u, size_t cap, int64_t grace_ms, int64_t retry_ms);
void feed_uni_finish(struct feed_universe *u);

/* Adds a HEAN_SYMBOLS symbol. Returns 0, -EINVAL (bad name), -ENOSPC. */
int feed_uni_add_static(struct feed_universe *u, const char *sym);

/* Replaces the whole set of one source (FEED_UNI_LISTED or
 * FEED_UNI_WANTED) with n names; invalid names are skipped and counted
 * in the return value (>= 0), or -ENOSPC when the table is full (the
 * names that fitted are kept). */
int feed_uni_set(struct feed_universe *u, uint8_t source, const char *const *syms, size_t n);

/* The exchange refused sym (or the book had no room): the caller has
 * dropped it; it stays out for retry_ms. */
void feed_uni_reject(struct feed_universe *u, const char *sym, int64_t now_ms);

/* Decides up to max changes at now_ms and marks them done (the caller
 * applies every change it is given; one it cannot apply is reported with
 * feed_uni_reject). Returns the number written to out. */
size_t feed_uni_plan(struct feed_universe *u, int64_t now_ms, struct feed_uni_change *out,
		     size_t max);

/* Counts for health: symbols in the book, and how many of them each
 * source names. */
size_t feed_uni_count(const struct feed_universe *u, uint8_t source);

#endif
