/* common/want: which symbols a process needs live prices for.
 *
 * The feed streams HEAN_SYMBOLS plus every symbol another process asks
 * for. A process that needs prices declares its whole current set in one
 * Redis SET, {prefix}want:{role} (role "executor": open positions and
 * orders in flight; role "waves": the symbols of the current and the next
 * wave). The declaration is replaced as a whole whenever the set changes
 * and refreshed every HEAN_WANT_REFRESH_S; the key expires after
 * HEAN_WANT_TTL_S, so the wishes of a process that died lapse on their
 * own. The feed reads the union of the roles below every HEAN_WANT_POLL_MS
 * and unsubscribes a symbol nobody wants after HEAN_FEED_UNSUB_GRACE_S.
 *
 * Write side: one EVAL running DEL, SADD (when the set is not empty) and
 * PEXPIRE (atomic: a reader never sees half a set; an empty set leaves no
 * key). One command rather than MULTI ... EXEC: a send refused half-way
 * could otherwise leave a MULTI open on the process's shared link. */
#ifndef HEAN_COMMON_WANT_H
#define HEAN_COMMON_WANT_H

#include "common/config.h"
#include "common/keys.h"
#include "common/redis.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAN_WANT_KEY HEAN_KEY_WANT  /* {prefix}want:{role} */
#define HEAN_WANT_REFRESH_S 2        /* a writer re-declares at least this often */
#define HEAN_WANT_TTL_S 10           /* ... and its key lapses after this */
#define HEAN_WANT_POLL_MS 250        /* the feed reads the wants this often */
#define HEAN_WANT_MAX 1024           /* symbols per declaration */

/* The roles whose wants the feed reads, NULL-terminated. */
extern const char *const hean_want_roles[];

/* A declaration being built and written by one process. */
struct hean_want {
	const struct hean_config *cfg; /* borrowed */
	struct hean_redis *redis;      /* borrowed */
	char key[128];
	char (*syms)[24];              /* owned, HEAN_WANT_MAX */
	size_t n;
	uint64_t digest;               /* of the last written set (order-free) */
	int64_t written_ms;            /* when it was last written, 0 never */
	uint64_t writes, write_errors;
};

/* role: "executor" or "waves". Returns 0 or -ENOMEM. */
int hean_want_init(struct hean_want *w, const struct hean_config *cfg, struct hean_redis *redis,
		   const char *role);
/* Frees the symbols. The struct itself must outlive the replies still
 * due on redis (their callbacks update the counters): destroy or close the
 * link first, or keep the struct until then. */
void hean_want_finish(struct hean_want *w);

/* Building the next set: clear, then add (duplicates and invalid names
 * ignored; returns false when the set is full). */
void hean_want_clear(struct hean_want *w);
bool hean_want_add(struct hean_want *w, const char *symbol);

/* Order-free digest of the set being built (what flush compares). */
uint64_t hean_want_digest(const struct hean_want *w);

/* Writes the set when it differs from the last one written or the last
 * write is older than HEAN_WANT_REFRESH_S. now_ms: epoch ms. Returns 1
 * when a write was sent, 0 when none was due, negative errno when Redis
 * refused the command (retried on the next call). An error or NULL reply
 * (outcome unknown) makes the next call rewrite the set. */
int hean_want_flush(struct hean_want *w, int64_t now_ms);

#endif
