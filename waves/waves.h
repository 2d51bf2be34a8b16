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

/* The shape of every daemon (common/app.h). start: creates the index, the
 * want writer and the stream reader, registers on_stop, on_redis and data
 * on app (app is borrowed and must outlive the result) and starts the
 * timers; NULL on failure (logged, nothing left running). After
 * hean_app_run: waves_app_close (timers and the stream reader; replies
 * still due are taken, logged, and start nothing new), hean_app_finish
 * (may still call reply callbacks with NULL), waves_app_destroy. Both take
 * NULL. */
struct waves *waves_app_start(struct hean_app *app);
void waves_app_close(struct waves *w);
void waves_app_destroy(struct waves *w);

#endif
