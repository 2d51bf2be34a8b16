/* feed/stale: per-symbol staleness decisions. Pure: time is passed in.
 *
 * A symbol is stale when no update merged for stale_ms. It resumes at its
 * next update. A connection is dead when every symbol it carries is stale
 * and it has itself been open for at least stale_ms (so a fresh connection
 * gets the full period to deliver before it is judged). */
#ifndef HEAN_FEED_STALE_H
#define HEAN_FEED_STALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct feed_stale {
	int64_t last_ms; /* last update, or when watching started */
	bool stale;
};

/* Starts watching at now_ms (no update yet). */
void feed_stale_init(struct feed_stale *s, int64_t now_ms);

/* An update merged at now_ms. Returns true when this ends a stale period
 * (emit "resumed"). */
bool feed_stale_touch(struct feed_stale *s, int64_t now_ms);

/* Periodic check. Returns true exactly once per stale period, when the
 * symbol has just become stale (emit "stale"). */
bool feed_stale_check(struct feed_stale *s, int64_t now_ms, int64_t stale_ms);

/* The all-stale rule for one connection: n symbols (pointers), open since
 * open_ms. false when n == 0 or any symbol is fresh. */
bool feed_stale_conn_dead(const struct feed_stale *const *syms, size_t n, int64_t now_ms,
			  int64_t stale_ms, int64_t open_ms);

#endif
