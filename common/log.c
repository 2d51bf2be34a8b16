/* common/log: one line per event.
 *
 *   2026-11-27T02:05:47.123+00:00 feed INFO [feed/session.c:42] event=connected ...
 *
 * The time is always UTC with an explicit "+00:00", whatever TZ is. Each
 * line is built in one buffer and written with one write() on a file
 * opened O_APPEND, so lines of several processes sharing a file never
 * interleave. Control characters in the message are replaced so that one
 * event is always one line. This is the one process-global besides the
 * app struct (every module logs). */
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "common/timeutil.h"

#define LINE_MAX_LEN 4096
#define TRUNC_MARK "...(truncated)"

static struct {
	char proc[64];
	char path[1024];
	int fd; /* owned when path[0] != 0; else 2 */
	enum hean_log_level level;
} g = {
	.proc = "hean",
	.fd = 2,
	.level = HEAN_LOG_INFO,
};

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

static int open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

	return fd < 0 ? -errno : fd;
}

/* Opens the log: path NULL or "-" is stderr. proc is copied. Returns 0, or
 * -errno when the file cannot be opened (stderr is used then). */
int hean_log_init(const char *proc, const char *path, enum hean_log_level level)
{
	int fd;

	hean_log_finish();
	snprintf(g.proc, sizeof(g.proc), "%s", proc && *proc ? proc : "hean");
	g.level = level;
	if (!path || !*path || strcmp(path, "-") == 0) {
		return 0;
	}
	if (strlen(path) >= sizeof(g.path)) {
		return -ENAMETOOLONG;
	}
	fd = open_log(path);
	if (fd < 0) {
		return fd;
	}
	snprintf(g.path, sizeof(g.path), "%s", path);
	g.fd = fd;
	return 0;
}

/* Re-opens the log file by name (after logrotate moved it). On failure the
 * old descriptor is kept and -errno returned. No-op for stderr. */
int hean_log_reopen(void)
{
	int fd;

	if (!g.path[0]) {
		return 0;
	}
	fd = open_log(g.path);
	if (fd < 0) {
		return fd;
	}
	if (g.fd > 2) {
		close(g.fd);
	}
	g.fd = fd;
	return 0;
}

/* Closes the log file; later lines go to stderr. */
void hean_log_finish(void)
{
	if (g.path[0] && g.fd > 2) {
		close(g.fd);
	}
	g.path[0] = '\0';
	g.fd = 2;
}

/* Sets the lowest level written. */
void hean_log_set_level(enum hean_log_level level)
{
	g.level = level;
}

/* The lowest level written. */
enum hean_log_level hean_log_get_level(void)
{
	return g.level;
}

/* "debug", "info", "warn" (or "warning"), "error", case-insensitive.
 * Returns 0 or -EINVAL. */
int hean_log_level_parse(const char *s, enum hean_log_level *out)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};

	if (!s) {
		return -EINVAL;
	}
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum hean_log_level)i;
			return 0;
		}
	}
	if (strcasecmp(s, "warning") == 0) {
		*out = HEAN_LOG_WARN;
		return 0;
	}
	return -EINVAL;
}

/* "../tests/unit/x.c" -> "tests/unit/x.c" (meson passes sources relative
 * to the build dir; -fmacro-prefix-map strips the absolute prefix). */
static const char *rel_file(const char *file)
{
	while (file && strncmp(file, "../", 3) == 0) {
		file += 3;
	}
	return file ? file : "?";
}

static void sanitize(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || c == '\r') {
			s[i] = ' ';
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			s[i] = '?';
		}
	}
}

static void write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			return; /* nowhere to report a failing log */
		}
		buf += w;
		n -= (size_t)w;
	}
}

static void vlog(enum hean_log_level level, const char *file, int line, const char *fmt,
		 va_list ap)
{
	char buf[LINE_MAX_LEN];
	size_t n, msg_at;
	int m;

	if ((int)level < 0 || level > HEAN_LOG_ERROR) {
		level = HEAN_LOG_ERROR;
	}
	n = hean_time_format_utc(hean_time_now_ms(), 1, buf, sizeof(buf));
	if (line > 0) {
		m = snprintf(buf + n, sizeof(buf) - n, " %s %s [%s:%d] ", g.proc, level_names[level],
			     rel_file(file), line);
	} else {
		m = snprintf(buf + n, sizeof(buf) - n, " %s %s [%s] ", g.proc, level_names[level],
			     rel_file(file));
	}
	n += m > 0 ? (size_t)m : 0;
	if (n >= sizeof(buf) - sizeof(TRUNC_MARK) - 2) {
		n = sizeof(buf) - sizeof(TRUNC_MARK) - 2;
	}
	msg_at = n;
	m = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (m < 0) {
		m = 0;
	}
	if ((size_t)m >= sizeof(buf) - n - 1) {
		/* keep room for the marker and the newline */
		n = sizeof(buf) - sizeof(TRUNC_MARK) - 1;
		memcpy(buf + n, TRUNC_MARK, sizeof(TRUNC_MARK) - 1);
		n += sizeof(TRUNC_MARK) - 1;
	} else {
		n += (size_t)m;
	}
	while (n > msg_at && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
		n--; /* a trailing newline is not worth a visible blank */
	}
	sanitize(buf + msg_at, n - msg_at);
	buf[n++] = '\n';
	write_all(g.fd, buf, n);
}

/* Writes one line if level passes the filter. errno is preserved. */
void hean_logf(enum hean_log_level level, const char *file, int line, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (level < g.level) {
		return;
	}
	va_start(ap, fmt);
	vlog(level, file, line, fmt, ap);
	va_end(ap);
	errno = saved;
}

static void lws_emit(int lws_level, const char *msg)
{
	enum hean_log_level lv = HEAN_LOG_DEBUG;

	if (lws_level & LLL_ERR) {
		lv = HEAN_LOG_ERROR;
	} else if (lws_level & LLL_WARN) {
		lv = HEAN_LOG_WARN;
	} else if (lws_level & (LLL_NOTICE | LLL_USER)) {
		lv = HEAN_LOG_INFO;
	}
	hean_logf(lv, "lws", 0, "%s", msg ? msg : "");
}

/* Routes libwebsockets' errors and warnings into this log (its notices
 * are per-watcher spam on libev, see notes/stack.md gotcha 14). */
void hean_log_route_lws(void)
{
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_emit);
}
