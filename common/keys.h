/* common/keys: the one registry of hean's Redis names. Every key below is
 * the suffix after HEAN_REDIS_PREFIX (default "hean:"); build a key with
 * hean_app_key(app, buf, len, HEAN_KEY_..., args) or, without an app,
 * hean_config_key(). No process spells a key, stream or group name itself.
 *
 * Streams (XADD, consumer groups, trimmed by MINID to HEAN_STREAM_KEEP_MS
 * except ticks, trimmed by MAXLEN ~ HEAN_TICKS_MAXLEN):
 *   ticks      feed -> executor: one entry per merged ticker update
 *              (symbol last bid ask mark ts recv_us)
 *   signals    signals -> waves: one entry per signal id (group "waves")
 *   waves      waves -> executor: one entry per wave (group "executor")
 *   orders     executor: one row per order outcome
 *   control    operator -> executor: cmd=flatten (group "executor")
 *   events     every process: state changes, restarts, alerts
 * Hashes and strings:
 *   ticker:{SYM}       feed: the symbol's latest merged state
 *   position:{SYM}     executor: the symbol's position (waves reads it)
 *   wave:last, wave:last_s  waves: the last emitted wave (ISO, epoch s)
 *   health:{PROC}      every process; health:{PROC}:standby a waiting copy
 *   lease:{PROC}       the active copy's lease (common/lease)
 *   want:{ROLE}        symbols a process needs live prices for (common/want)
 *   halt, pnl          executor: the kill switch, the day's realized PnL
 *   signal:seen:{ID}   signals: the ids published (dedupe across restarts) */
#ifndef HEAN_COMMON_KEYS_H
#define HEAN_COMMON_KEYS_H

/* streams */
#define HEAN_KEY_TICKS "ticks"
#define HEAN_KEY_SIGNALS "signals"
#define HEAN_KEY_WAVES "waves"
#define HEAN_KEY_ORDERS "orders"
#define HEAN_KEY_CONTROL "control"
#define HEAN_KEY_EVENTS "events"

/* per-symbol and per-process keys (printf formats: one %s) */
#define HEAN_KEY_TICKER "ticker:%s"
#define HEAN_KEY_TICKER_PREFIX "ticker:"
#define HEAN_KEY_POSITION "position:%s"
#define HEAN_KEY_HEALTH "health:%s"
#define HEAN_KEY_LEASE "lease:%s"
#define HEAN_KEY_WANT "want:%s"
#define HEAN_KEY_SIGNAL_SEEN_PREFIX "signal:seen:"

/* single keys */
#define HEAN_KEY_WAVE_LAST "wave:last"
#define HEAN_KEY_WAVE_LAST_S "wave:last_s"
#define HEAN_KEY_HALT "halt"
#define HEAN_KEY_PNL "pnl"

/* fields of a hean:waves entry (waves writes, executor reads) */
#define HEAN_FIELD_WAVE_TS "wave_ts"       /* ISO 8601 with offset */
#define HEAN_FIELD_SIGNALS "signals"       /* JSON array of the selected signals */
#define HEAN_FIELD_CONSIDERED "considered" /* signals the wave had */
#define HEAN_FIELD_SKIPPED "skipped"       /* JSON array: not selected, with why */
#define HEAN_FIELD_REASON "reason"         /* selected | empty | expired */
#define HEAN_FIELD_DUE_MS "due_ms"
#define HEAN_FIELD_EMITTED_MS "emitted_ms"

/* consumer groups: the reading process's role */
#define HEAN_GROUP_WAVES "waves"       /* on signals */
#define HEAN_GROUP_EXECUTOR "executor" /* on waves and control */

/* retention of the MINID-trimmed streams (signals, waves, orders) */
#define HEAN_STREAM_KEEP_MS (7LL * 24 * 3600 * 1000)

#endif
