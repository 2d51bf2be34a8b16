/* waves/emit: exactly-once emission of one wave to hean:waves.
 *
 * One EVAL does it all, atomically (no other command runs in between):
 *   compare the candidate wave_ts with the high-water mark; only if it is
 *   newer: XADD the entry to hean:waves and set the markers.
 * Markers: hean:wave:last holds the ISO UTC wave_ts ("...+00:00", for
 * operators); hean:wave:last_s holds the same
 * instant as epoch seconds and is what the script compares. When last_s
 * is absent but last is present (set by hand), the script parses last
 * (ISO 8601, any offset) instead. So a restart, a duplicate delivery or a
 * second hean-waves by mistake can never emit a wave twice.
 *
 * A NULL reply (link lost, deadline passed) means "outcome unknown": the
 * caller resolves it by re-reading the marker after the reconnect. Even a
 * blind re-send of the same EVAL would be safe thanks to the comparison,
 * it would just answer "stale". */
#ifndef HEAN_WAVES_EMIT_H
#define HEAN_WAVES_EMIT_H

#include "common/redis.h"

#include <stdbool.h>
#include <stdint.h>

struct waves_emit_keys {
	const char *stream; /* hean:waves */
	const char *last;   /* hean:wave:last (ISO) */
	const char *last_s; /* hean:wave:last_s (epoch s) */
};

/* The hean:waves entry. All strings borrowed for the call only. */
struct waves_emit_entry {
	int64_t wave_s;
	const char *signals_json;
	size_t considered;
	const char *skipped_json;
	const char *reason; /* "ok" | "empty" | "expired" */
	int64_t due_ms;
	int64_t emitted_ms;
	int64_t minid_ms; /* trim hean:waves: MINID ~ this (0 = no trim) */
};

enum waves_emit_result {
	WAVES_EMIT_DONE = 0, /* entry added, markers set (id filled) */
	WAVES_EMIT_STALE,    /* marker >= candidate: already emitted (current filled) */
	WAVES_EMIT_UNKNOWN,  /* NULL reply: re-read the marker after reconnect */
	WAVES_EMIT_ERROR,    /* error reply or malformed reply (err filled) */
};

/* Sends the EVAL on r. Returns what hean_redis_command_argv returns (0:
 * fn is called exactly once; -ENOTCONN/-ENOBUFS/-EINVAL: never). */
int waves_emit_send(struct hean_redis *r, const struct waves_emit_keys *k,
		    const struct waves_emit_entry *e, hean_redis_reply_fn *fn, void *priv);

/* Interprets the EVAL reply. id (DONE) and current (STALE, epoch s) may be
 * NULL. */
enum waves_emit_result waves_emit_parse(const redisReply *rep, char *id, size_t idlen,
					int64_t *current, char *err, size_t errlen);

/* Sends MGET last_s last. */
int waves_emit_read_marker(struct hean_redis *r, const struct waves_emit_keys *k,
			   hean_redis_reply_fn *fn, void *priv);

/* Interprets the MGET reply: 0 with *have (and *last_s when have), or
 * -EINVAL (malformed, err filled) / -EIO (NULL or error reply). last_s
 * wins; an ISO last is used when last_s is absent. */
int waves_emit_parse_marker(const redisReply *rep, bool *have, int64_t *last_s, char *err,
			    size_t errlen);

#endif
