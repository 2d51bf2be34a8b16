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
#include <sys/stat.h>
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
	bool json;    /* HEAN_LOG_FORMAT=json */
	bool journal; /* fd is the journald stream: "<N>" prefixes */
} g = {
	.proc = "hean",
	.fd = 2,
	.level = HEAN_LOG_INFO,
};

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
static const char *const json_levels[] = {"debug", "info", "warning", "error"};
static const char journal_prio[] = {'7', '6', '4', '3'};

/* JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected; it is
 * inherited, so it counts only if fd is still that stream. */
static bool is_journal(int fd)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(fd, &st) < 0) {
		return false;
	}
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

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
	g.journal = false;
	if (!path || !*path || strcmp(path, "-") == 0) {
		g.journal = is_journal(2);
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
	g.journal = false;
}

/* Sets the lowest level written. */
void hean_log_set_level(enum hean_log_level level)
{
	g.level = level;
}

void hean_log_set_json(bool json)
{
	g.json = json;
}

bool hean_log_journal(void)
{
	return g.journal;
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

/* "../tests/common/x.c" -> "tests/common/x.c" (meson passes sources relative
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

/* Appends s[0..n) as a JSON string body (no quotes) to out; returns the
 * new length, never past cap - 1. Control bytes are already sanitized. */
static size_t json_str(char *out, size_t o, size_t cap, const char *s, size_t n)
{
	for (size_t i = 0; i < n && o + 7 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	return o;
}

/* A JSON number as JSON writes it: -?(0|[1-9][0-9]*)(\.[0-9]+)? */
static bool json_number(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-') {
		i++;
	}
	if (i >= n || s[i] < '0' || s[i] > '9' || (s[i] == '0' && i + 1 < n && s[i + 1] != '.')) {
		return false;
	}
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		i++;
	}
	if (i < n && s[i] == '.') {
		if (++i >= n) {
			return false;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			i++;
		}
	}
	return i == n && n <= 18;
}

static bool reserved(const char *k, size_t n)
{
	static const char *const names[] = {"ts", "level", "proc", "src", "msg"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i]) == n && !memcmp(k, names[i], n)) {
			return true;
		}
	}
	return false;
}

/* The message's key=value tokens as fields: key [a-z0-9_.]+, value up to
 * the next space, or "..." (no escapes). Other tokens are skipped. */
static size_t json_fields(char *out, size_t o, size_t cap, const char *m, size_t n)
{
	size_t i = 0;

	while (i < n && o + 16 < cap) {
		size_t k = i, ke, v, ve;

		while (i < n && ((m[i] >= 'a' && m[i] <= 'z') || (m[i] >= '0' && m[i] <= '9') ||
				 m[i] == '_' || m[i] == '.')) {
			i++;
		}
		ke = i;
		if (ke == k || i >= n || m[i] != '=') {
			while (i < n && m[i] != ' ') {
				i++;
			}
			while (i < n && m[i] == ' ') {
				i++;
			}
			continue;
		}
		i++;
		if (i < n && m[i] == '"') {
			v = ++i;
			while (i < n && m[i] != '"') {
				i++;
			}
			ve = i;
			if (i < n) {
				i++;
			}
		} else {
			v = i;
			while (i < n && m[i] != ' ') {
				i++;
			}
			ve = i;
			while (ve > v && (m[ve - 1] == ':' || m[ve - 1] == ',' || m[ve - 1] == ';')) {
				ve--; /* "key=value: text" */
			}
		}
		while (i < n && m[i] == ' ') {
			i++;
		}
		if (reserved(m + k, ke - k)) {
			continue;
		}
		out[o++] = ',';
		out[o++] = '"';
		o = json_str(out, o, cap, m + k, ke - k);
		o += (size_t)snprintf(out + o, cap - o, "\":");
		if (json_number(m + v, ve - v) && m[v - 1] != '"') {
			o = json_str(out, o, cap, m + v, ve - v);
		} else {
			out[o++] = '"';
			o = json_str(out, o, cap, m + v, ve - v);
			if (o < cap) {
				out[o++] = '"';
			}
		}
		if (o >= cap) {
			o = cap - 1;
		}
	}
	return o;
}

static void vlog(enum hean_log_level level, const char *file, int line, const char *fmt,
		 va_list ap)
{
	char msg[LINE_MAX_LEN], ts[40], src[300], buf[3 * LINE_MAX_LEN];
	size_t n = 0, mlen;
	int m;

	if ((int)level < 0 || level > HEAN_LOG_ERROR) {
		level = HEAN_LOG_ERROR;
	}
	hean_time_format_utc(hean_time_now_ms(), 1, ts, sizeof(ts));
	if (line > 0) {
		snprintf(src, sizeof(src), "%s:%d", rel_file(file), line);
	} else {
		snprintf(src, sizeof(src), "%s", rel_file(file));
	}
	m = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (m < 0) {
		m = 0;
	}
	mlen = (size_t)m;
	if (mlen >= sizeof(msg) - sizeof(TRUNC_MARK) - 1) {
		mlen = sizeof(msg) - sizeof(TRUNC_MARK) - 1;
		memcpy(msg + mlen, TRUNC_MARK, sizeof(TRUNC_MARK) - 1);
		mlen += sizeof(TRUNC_MARK) - 1;
	}
	while (mlen > 0 && (msg[mlen - 1] == '\n' || msg[mlen - 1] == '\r')) {
		mlen--; /* a trailing newline is not worth a visible blank */
	}
	sanitize(msg, mlen);
	if (g.journal) {
		buf[n++] = '<';
		buf[n++] = journal_prio[level];
		buf[n++] = '>';
	}
	if (g.json) {
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				      "{\"ts\":\"%s\",\"level\":\"%s\",\"proc\":\"", ts,
				      json_levels[level]);
		n = json_str(buf, n, sizeof(buf), g.proc, strlen(g.proc));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\",\"src\":\"");
		n = json_str(buf, n, sizeof(buf), src, strlen(src));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\",\"msg\":\"");
		n = json_str(buf, n, sizeof(buf), msg, mlen);
		buf[n++] = '"';
		n = json_fields(buf, n, sizeof(buf) - 2, msg, mlen);
		buf[n++] = '}';
	} else {
		m = snprintf(buf + n, sizeof(buf) - n, "%s %s %s [%s] %.*s", ts, g.proc,
			     level_names[level], src, (int)mlen, msg);
		n += m > 0 ? (size_t)m : 0;
		if (n >= sizeof(buf) - 1) {
			n = sizeof(buf) - 2;
		}
	}
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
 * are per-watcher spam: lws' libev plugin logs every watcher start and
 * stop at NOTICE). */
void hean_log_route_lws(void)
{
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_emit);
}
