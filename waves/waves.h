/* waves/waves: the hean-waves application glue. Wires the pure clock,
 * index and selection to Redis and the libev loop:
 *   - signals: common/stream consumer group "waves" on hean:signals
 *     (consumer = HEAN_PROC_NAME, start_id "0"), acked once indexed; plus
 *     a rebuild of the index from the stream (XRANGE, paged with COUNT)
 *     on every (re)connect of the command link, so a restart loses nothing;
 *   - the clock: one ev_periodic on absolute (UTC wall clock) time, set to
 *     the next instant that matters (a due time, a deadline, the end of a
 *     short settle after late signals), plus a 1 s ev_timer safety net;
 *   - per due wave: one pipelined batch of HGET hean:position:{SYM} size,
 *     the pure selection, then the Lua compare-and-XADD (waves/emit);
 *   - after a restart: catch-up from hean:wave:last_s in order (waves in
 *     their window processed, older ones recorded as expired, at most 24 h).
 *   - hean:want:waves (common/want): the symbols of the signals of the
 *     current and next wave (and of the wave still waiting for its due
 *     time), so that the feed streams them; rebuilt 50 ms after such a
 *     signal arrives and every second.
 *
 * Health hean:health:{proc}: state (starting, running, redis_down),
 * next_wave, next_due, last_emitted (ISO UTC), counters processed (waves
 * emitted as ok or empty by this process), expired, empty, late (processed
 * more than 1 s after their due time), signals_indexed, max_lag_ms
 * (largest emitted_ms - due_ms of a wave processed on time), want_writes
 * and want_errors (hean:want:waves writes sent / refused or failed). */
#ifndef HEAN_WAVES_WAVES_H
#define HEAN_WAVES_WAVES_H

#include "common/app.h"

#include <stdbool.h>

struct waves;

/* app is borrowed and must outlive the returned object. NULL on -ENOMEM. */
struct waves *waves_create(struct hean_app *app);

/* Creates the stream reader and starts the timers. 0 or -errno. */
int waves_start(struct waves *w);

/* Stops timers and the stream reader (from the app's on_stop). Replies
 * still due are taken (logged) but start nothing new. */
void waves_stop(struct waves *w);

/* The command link went up (re-sync: markers, index) or down. */
void waves_on_redis(struct waves *w, bool up);

/* Frees everything. Call waves_stop first (while the loop exists), and
 * this after hean_app_finish (which may still call reply callbacks with
 * NULL). NULL is a no-op. */
void waves_destroy(struct waves *w);

#endif
