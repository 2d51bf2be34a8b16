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

/* Field names: every field one process writes and another reads. A
 * process's other health counters (the feed's conn_states, ...) are named
 * where they are counted (its report module): nothing in C reads them, and
 * status shows them as they come. */

/* hean:ticks entries and ticker:{SYM} hashes (feed writes; executor reads) */
#define HEAN_FIELD_SYMBOL "symbol"   /* also in signals, orders, control */
#define HEAN_FIELD_LAST "last"       /* prices: decimal strings as received */
#define HEAN_FIELD_BID "bid"
#define HEAN_FIELD_ASK "ask"
#define HEAN_FIELD_MARK "mark"
#define HEAN_FIELD_TS "ts"           /* the exchange's ms timestamp */
#define HEAN_FIELD_RECV_US "recv_us" /* the feed's receive time, epoch us */
#define HEAN_FIELD_N_TICKS "n_ticks" /* ticker hash only: the symbol's updates */

/* hean:signals entries (signals writes, waves reads); also wave_ts */
#define HEAN_FIELD_ID "id"
#define HEAN_FIELD_SIDE "side" /* also in orders rows and position hashes */
#define HEAN_FIELD_SCORE_WEEK "score_week"
#define HEAN_FIELD_SCORE_MONTH "score_month"
#define HEAN_FIELD_RAW "raw" /* the signal as received */

/* hean:orders rows (executor writes); also wave_ts, symbol, side */
#define HEAN_FIELD_QTY "qty"
#define HEAN_FIELD_ORDER_LINK_ID "order_link_id"
#define HEAN_FIELD_STATUS "status"
#define HEAN_FIELD_RET_CODE "ret_code"
#define HEAN_FIELD_RET_MSG "ret_msg"

/* hean:control entries (the launcher writes, executor reads); also symbol */
#define HEAN_FIELD_CMD "cmd"
#define HEAN_FIELD_REQ_ID "req_id"
#define HEAN_CMD_FLATTEN "flatten"

/* position:{SYM} hashes (executor writes; waves reads size); also side */
#define HEAN_FIELD_SIZE "size"
#define HEAN_FIELD_ENTRY "entry"
#define HEAN_FIELD_AVG_PRICE "avg_price"
#define HEAN_FIELD_STOP_LOSS "stop_loss"
#define HEAN_FIELD_TRAIL_HIGH "trail_high"
#define HEAN_FIELD_REALIZED_PNL "realized_pnl"
#define HEAN_FIELD_UNREALIZED_PNL "unrealized_pnl"
#define HEAN_FIELD_UPDATED_MS "updated_ms" /* also in pnl and health hashes */

/* the pnl hash (executor writes; the metrics exporter reads limit and
 * naked_positions); also halted, updated_ms */
#define HEAN_FIELD_DAY "day" /* the UTC day, YYYY-MM-DD */
#define HEAN_FIELD_REALIZED_USD "realized_usd"
#define HEAN_FIELD_UNREALIZED_USD "unrealized_usd"
#define HEAN_FIELD_EXPOSURE_USD "exposure_usd"
#define HEAN_FIELD_OPEN_POSITIONS "open_positions"
#define HEAN_FIELD_NAKED_POSITIONS "naked_positions" /* also executor health */
#define HEAN_FIELD_LIMIT "limit"
#define HEAN_FIELD_HALTED "halted"

/* health:{PROC} hashes (common/health writes; watchdog, status and the
 * metrics exporter read); also updated_ms */
#define HEAN_FIELD_PID "pid"
#define HEAN_FIELD_STATE "state"
#define HEAN_FIELD_DETAIL "detail" /* also in events */
#define HEAN_FIELD_HOST "host"
#define HEAN_FIELD_LAST_MSG_MS "last_msg_ms"
#define HEAN_FIELD_LAST_ATTEMPT_MS "last_attempt_ms"
#define HEAN_FIELD_RECONNECTS "reconnects"
#define HEAN_FIELD_REDIS_RECONNECTS "redis_reconnects"
#define HEAN_FIELD_EVENTS_DROPPED "events_dropped"

/* health counters the metrics exporter reads, by writer; hist_* fields
 * hold a histogram (common/hist) */
#define HEAN_FIELD_FEED_MSGS "msgs"
#define HEAN_FIELD_FEED_TICKS "ticks"
#define HEAN_FIELD_FEED_DROPPED "dropped"
#define HEAN_FIELD_FEED_BAD_FRAMES "bad_frames"
#define HEAN_FIELD_FEED_XADD_ERRORS "xadd_errors"
#define HEAN_FIELD_FEED_STALE_SYMBOLS "stale_symbols"
#define HEAN_FIELD_FEED_HIST_RECV_TO_STORED "hist_recv_to_stored"
#define HEAN_FIELD_SIGNALS_RECEIVED "received"
#define HEAN_FIELD_SIGNALS_INVALID "invalid"
#define HEAN_FIELD_SIGNALS_DUPLICATE "duplicate"
#define HEAN_FIELD_SIGNALS_PUBLISHED "published"
#define HEAN_FIELD_WAVES_NEXT_WAVE "next_wave"
#define HEAN_FIELD_WAVES_LAST_EMITTED "last_emitted"
#define HEAN_FIELD_WAVES_LAST_EMIT_MS "last_emit_ms"
#define HEAN_FIELD_WAVES_PROCESSED "processed"
#define HEAN_FIELD_WAVES_EXPIRED "expired"
#define HEAN_FIELD_WAVES_LATE "late"
#define HEAN_FIELD_WAVES_EMPTY "empty"
#define HEAN_FIELD_EXEC_REST_FALLBACK "rest_fallback"
#define HEAN_FIELD_EXEC_POSITIONS "positions"
#define HEAN_FIELD_EXEC_HIST_WAVE_TO_ACCEPTED "hist_wave_to_accepted"
#define HEAN_FIELD_EXEC_HIST_FILL_TO_STOP "hist_fill_to_stop"

/* hean:events entries (every process and the watchdog write); also detail */
#define HEAN_FIELD_PROC "proc"
#define HEAN_FIELD_EVENT "event"
#define HEAN_FIELD_TS_MS "ts_ms"

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
