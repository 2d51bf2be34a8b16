/* common/log: one line per event, UTC ISO 8601 time with explicit offset.
 *
 * Line format (HEAN_LOG_FORMAT=text, the default):
 *   2026-11-27T02:05:47.123+00:00 feed INFO [feed/session.c:42] event=connected url=ws://...
 * HEAN_LOG_FORMAT=json, one object per line for log shippers:
 *   {"ts":"2026-11-27T02:05:47.123+00:00","level":"info","proc":"feed",
 *    "src":"feed/session.c:42","msg":"event=connected url=ws://...",
 *    "event":"connected","url":"ws://..."}
 * (every key=value of the message also as a field: numbers as numbers,
 * the rest as strings; ts, level, proc, src and msg are never overwritten).
 * Under systemd (JOURNAL_STREAM names the stream stderr is) each line
 * starts with the syslog priority, <3> error, <4> warning, <6> info,
 * <7> debug, so that `journalctl -p warning` filters.
 * The logger is the one piece of process-global state besides the app
 * struct: every module logs, and lws' own log is routed into it. */
#ifndef HEAN_COMMON_LOG_H
#define HEAN_COMMON_LOG_H

#include <stdbool.h>

enum hean_log_level {
	HEAN_LOG_DEBUG = 0,
	HEAN_LOG_INFO = 1,
	HEAN_LOG_WARN = 2,
	HEAN_LOG_ERROR = 3,
};

/* Opens the log. path NULL (or "-") means stderr. proc is copied.
 * Returns 0 or -errno (the file could not be opened; stderr is used). */
int hean_log_init(const char *proc, const char *path, enum hean_log_level level);

/* Re-opens the log file (SIGHUP, after logrotate). No-op for stderr. */
int hean_log_reopen(void);

/* Closes the log file; later lines go to stderr. */
void hean_log_finish(void);

void hean_log_set_level(enum hean_log_level level);

/* false: text lines (default); true: JSON lines. */
void hean_log_set_json(bool json);

/* Whether lines carry the journald "<N>" prefix (decided by
 * hean_log_init: stderr is the stream JOURNAL_STREAM names). */
bool hean_log_journal(void);
enum hean_log_level hean_log_get_level(void);

/* "debug"|"info"|"warn"|"error" -> level. Returns 0 or -EINVAL. */
int hean_log_level_parse(const char *s, enum hean_log_level *out);

/* Routes libwebsockets' own log (errors, warnings) into this log. */
void hean_log_route_lws(void);

/* Writes one line. errno is preserved. Newlines in the message are
 * replaced so that one event is always one line. */
void hean_logf(enum hean_log_level level, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define log_debug(...) hean_logf(HEAN_LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(...) hean_logf(HEAN_LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...) hean_logf(HEAN_LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define log_error(...) hean_logf(HEAN_LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)

#endif
