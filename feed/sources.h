/* feed/sources: the I/O that keeps feed/universe current.
 *   wants        every HEAN_WANT_POLL_MS, SUNION of {prefix}want:{role}
 *                for the roles of common/want.h -> FEED_UNI_WANTED. A
 *                failed read (Redis down, error reply) keeps the last set:
 *                an outage never unsubscribes what positions need.
 *   instruments  with HEAN_SYMBOLS=ALL: GET {rest}/v5/market/instruments-info
 *                ?category=linear&limit=1000, every page (cursor), parsed by
 *                feed/instruments -> FEED_UNI_LISTED, replaced only when a
 *                whole read succeeded; re-read every
 *                HEAN_FEED_INSTRUMENTS_REFRESH_S, retried with backoff
 *                (5 s doubling to 300 s) while failing.
 * The session's periodic tick turns the universe into (un)subscriptions. */
#ifndef HEAN_FEED_SOURCES_H
#define HEAN_FEED_SOURCES_H

#include "common/app.h"
#include "common/fetch.h"
#include "common/ws.h"
#include "feed/parse.h"
#include "feed/universe.h"

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#define FEED_INSTR_MAX 2048 /* tradable instruments kept from one read */
#define FEED_INSTR_PAGES 64 /* a read never follows more pages than this */

struct feed_sources {
	struct hean_app *app;      /* borrowed */
	struct feed_universe *uni; /* borrowed */
	bool all;                  /* HEAN_SYMBOLS holds ALL */
	bool stopped;
	/* wants */
	bool want_inflight;
	uint64_t want_polls, want_errors;
	size_t n_wanted;
	/* instruments */
	struct hean_ws_ctx *wsctx; /* borrowed: the feed's lws context */
	struct hean_fetch *req;    /* the page request in flight, or NULL */
	ev_timer instr_timer;
	bool instr_inflight;
	char cursor[256];
	char (*acc)[FEED_SYM_MAX + 1]; /* owned: symbols of the read in progress */
	size_t acc_n;
	int pages;
	int backoff_s;
	int64_t listed_ms;  /* epoch ms of the last complete read, 0 never */
	size_t listed;      /* tradable symbols in it */
	uint64_t instr_reads, instr_errors;
};

/* Starts the instruments reader when all; its pages are read with
 * common/fetch on wsctx (no libcurl in the feed). Returns 0 or -ENOMEM. */
int feed_sources_start(struct feed_sources *s, struct hean_app *app, struct feed_universe *uni,
		       struct hean_ws_ctx *wsctx, bool all);

/* Sends the wants read when none is in flight and Redis is up. */
void feed_sources_poll(struct feed_sources *s);

/* Stops timers and cancels the page request (no callback after this). */
void feed_sources_stop(struct feed_sources *s);
void feed_sources_finish(struct feed_sources *s);

#endif
