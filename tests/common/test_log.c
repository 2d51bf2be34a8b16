/* Unit tests of common/log. Run under several TZ values (meson): the line
 * time must always be UTC with "+00:00". */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <libwebsockets.h>

#include "common/log.h"
#include "common/timeutil.h"

static char dir[] = "/tmp/hean-test-log-XXXXXX";
static char path[256];

static int setup(void **state)
{
	if (!mkdtemp(dir)) {
		return -1;
	}
	snprintf(path, sizeof(path), "%s/t.log", dir);
	return 0;
}

static int teardown(void **state)
{
	char p[300];

	hean_log_finish();
	snprintf(p, sizeof(p), "%s/t.log", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/t.log.1", dir);
	unlink(p);
	rmdir(dir);
	return 0;
}

/* Reads the whole file into a static buffer. */
static const char *slurp(const char *p)
{
	static char buf[65536];
	FILE *f = fopen(p, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++) {
		n += *s == '\n';
	}
	return n;
}

static void test_line_format(void **state)
{
	int64_t before = hean_time_now_ms();

	unlink(path);
	assert_int_equal(hean_log_init("feed", path, HEAN_LOG_INFO), 0);
	log_info("event=connected url=%s n=%d", "ws://x", 3);
	int line_no = __LINE__ - 1;
	const char *s = slurp(path);

	/* 2026-11-27T02:05:47.123+00:00 feed INFO [file:line] msg */
	assert_int_equal(count_lines(s), 1);
	assert_true(strlen(s) > 30);
	assert_memory_equal(s + 23, "+00:00 ", 7);
	int64_t t = 0;
	assert_int_equal(hean_time_parse_iso8601(s, 29, &t, NULL), 0);
	assert_true(t >= before - 1 && t <= hean_time_now_ms() + 1);
	char want[256];
	snprintf(want, sizeof(want), " feed INFO [tests/common/test_log.c:%d] event=connected url=ws://x n=3\n",
		 line_no);
	assert_string_equal(s + 29, want);
}

/* HEAN_LOG_FORMAT=json: one object per line; ts ISO 8601 UTC with offset,
 * level, proc, src, msg, then the message's key=value pairs as fields. */
static void test_json_format(void **state)
{
	json_error_t jerr;
	json_t *o;
	char line[8192];
	FILE *f;

	unlink(path);
	assert_int_equal(hean_log_init("feed", path, HEAN_LOG_DEBUG), 0);
	hean_log_set_json(true);
	log_warn("event=disconnected code=1006 delay_ms=250 lag=-1.5 url=ws://h:1/x "
		 "detail=\"peer \\\"gone\\\" away\" proc=spoof 007=x zero=0 big=123456789012345678901: tail text");
	log_error("plain text, no pairs \t tab");
	log_debug("event=x ratio=0.25 id=0012");
	hean_log_set_json(false);
	f = fopen(path, "r");
	assert_non_null(f);

	assert_non_null(fgets(line, sizeof(line), f));
	o = json_loads(line, 0, &jerr);
	if (!o) {
		fail_msg("not JSON (%s): %s", jerr.text, line);
	}
	int64_t t = 0;
	const char *ts = json_string_value(json_object_get(o, "ts"));
	assert_non_null(ts);
	assert_int_equal(strlen(ts), 29);
	assert_memory_equal(ts + 23, "+00:00", 6);
	assert_int_equal(hean_time_parse_iso8601(ts, 29, &t, NULL), 0);
	assert_string_equal(json_string_value(json_object_get(o, "level")), "warning");
	assert_string_equal(json_string_value(json_object_get(o, "proc")), "feed"); /* not spoofed */
	assert_non_null(strstr(json_string_value(json_object_get(o, "src")), "tests/common/test_log.c:"));
	assert_non_null(strstr(json_string_value(json_object_get(o, "msg")), "event=disconnected code=1006"));
	assert_string_equal(json_string_value(json_object_get(o, "event")), "disconnected");
	assert_true(json_is_integer(json_object_get(o, "code")));
	assert_int_equal(json_integer_value(json_object_get(o, "code")), 1006);
	assert_int_equal(json_integer_value(json_object_get(o, "delay_ms")), 250);
	assert_true(json_real_value(json_object_get(o, "lag")) == -1.5);
	assert_string_equal(json_string_value(json_object_get(o, "url")), "ws://h:1/x");
	assert_true(json_is_integer(json_object_get(o, "zero")));
	/* too long for a safe integer: kept as text; a value before ": text" */
	assert_true(json_is_string(json_object_get(o, "big")));
	json_decref(o);

	assert_non_null(fgets(line, sizeof(line), f));
	o = json_loads(line, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "level")), "error");
	assert_string_equal(json_string_value(json_object_get(o, "msg")), "plain text, no pairs \t tab");
	assert_int_equal(json_object_size(o), 5);
	json_decref(o);

	assert_non_null(fgets(line, sizeof(line), f));
	o = json_loads(line, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "level")), "debug");
	assert_true(json_real_value(json_object_get(o, "ratio")) == 0.25);
	assert_string_equal(json_string_value(json_object_get(o, "id")), "0012"); /* not a number */
	json_decref(o);
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);
}

/* Under systemd (JOURNAL_STREAM = stderr's dev:ino) lines start with the
 * syslog priority; with a JOURNAL_STREAM naming another stream, not. */
static void test_journal_prefix(void **state)
{
	char js[64];
	struct stat st;
	int fd, saved;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fstat(fd, &st);
	saved = dup(2);
	dup2(fd, 2);
	close(fd);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	assert_int_equal(hean_log_init("feed", NULL, HEAN_LOG_DEBUG), 0);
	assert_true(hean_log_journal());
	log_debug("d");
	log_info("i");
	log_warn("w");
	log_error("e");
	hean_log_set_json(true);
	log_warn("event=j");
	hean_log_set_json(false);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", js, 1);
	assert_int_equal(hean_log_init("feed", NULL, HEAN_LOG_INFO), 0);
	assert_false(hean_log_journal());
	log_warn("not journal");
	unsetenv("JOURNAL_STREAM");
	hean_log_finish();
	dup2(saved, 2);
	close(saved);

	const char *s = slurp(path);
	char *l[6] = {0}, *copy = strdup(s), *save = NULL;
	int n = 0;

	for (char *p = strtok_r(copy, "\n", &save); p && n < 6; p = strtok_r(NULL, "\n", &save)) {
		l[n++] = p;
	}
	assert_int_equal(n, 6);
	assert_true(!strncmp(l[0], "<7>", 3) && strstr(l[0], " DEBUG "));
	assert_true(!strncmp(l[1], "<6>", 3) && strstr(l[1], " INFO "));
	assert_true(!strncmp(l[2], "<4>", 3) && strstr(l[2], " WARN "));
	assert_true(!strncmp(l[3], "<3>", 3) && strstr(l[3], " ERROR "));
	assert_true(!strncmp(l[4], "<4>{\"ts\":", 9));
	assert_true(!strncmp(l[5], "20", 2) && strstr(l[5], " WARN "));
	free(copy);
}

static void test_level_filter(void **state)
{
	unlink(path);
	assert_int_equal(hean_log_init("waves", path, HEAN_LOG_WARN), 0);
	log_debug("d");
	log_info("i");
	log_warn("w");
	log_error("e");
	const char *s = slurp(path);
	assert_int_equal(count_lines(s), 2);
	assert_non_null(strstr(s, " waves WARN ["));
	assert_non_null(strstr(s, " waves ERROR ["));
	assert_null(strstr(s, " INFO "));
	hean_log_set_level(HEAN_LOG_DEBUG);
	assert_int_equal(hean_log_get_level(), HEAN_LOG_DEBUG);
	log_debug("now visible");
	assert_non_null(strstr(slurp(path), " waves DEBUG ["));
}

static void test_level_parse(void **state)
{
	enum hean_log_level lv = HEAN_LOG_INFO;

	assert_int_equal(hean_log_level_parse("debug", &lv), 0);
	assert_int_equal(lv, HEAN_LOG_DEBUG);
	assert_int_equal(hean_log_level_parse("WARN", &lv), 0);
	assert_int_equal(lv, HEAN_LOG_WARN);
	assert_int_equal(hean_log_level_parse("error", &lv), 0);
	assert_int_equal(lv, HEAN_LOG_ERROR);
	assert_int_equal(hean_log_level_parse("info", &lv), 0);
	assert_int_equal(lv, HEAN_LOG_INFO);
	assert_int_equal(hean_log_level_parse("verbose", &lv), -EINVAL);
	assert_int_equal(hean_log_level_parse("", &lv), -EINVAL);
	assert_int_equal(hean_log_level_parse(NULL, &lv), -EINVAL);
}

static void test_newlines_and_errno(void **state)
{
	unlink(path);
	assert_int_equal(hean_log_init("x", path, HEAN_LOG_DEBUG), 0);
	errno = ECONNRESET;
	log_warn("a\nb\r\nc\x1b[31m end\n");
	assert_int_equal(errno, ECONNRESET);
	const char *s = slurp(path);
	assert_int_equal(count_lines(s), 1);
	assert_non_null(strstr(s, "] a b  c?[31m end\n"));
	/* very long messages are cut, still one line */
	char big[10000];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_info("%s", big);
	s = slurp(path);
	assert_int_equal(count_lines(s), 2);
	assert_non_null(strstr(s, "...(truncated)\n"));
}

static void test_append_and_reopen(void **state)
{
	char moved[300];
	FILE *f;

	f = fopen(path, "w");
	fputs("old line\n", f);
	fclose(f);
	assert_int_equal(hean_log_init("sig", path, HEAN_LOG_INFO), 0);
	log_info("first");
	assert_int_equal(strncmp(slurp(path), "old line\n", 9), 0); /* O_APPEND */
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 007, 0); /* 0640 minus umask: never world-readable */

	/* logrotate: move, then SIGHUP -> reopen */
	snprintf(moved, sizeof(moved), "%s.1", path);
	assert_int_equal(rename(path, moved), 0);
	log_info("still to the moved file");
	assert_int_equal(hean_log_reopen(), 0);
	log_info("to the new file");
	assert_non_null(strstr(slurp(moved), "still to the moved file"));
	assert_null(strstr(slurp(moved), "to the new file"));
	assert_non_null(strstr(slurp(path), "to the new file"));
	assert_int_equal(count_lines(slurp(path)), 1);
}

static void test_open_failure_and_stderr(void **state)
{
	assert_true(hean_log_init("x", "/nonexistent-dir/x.log", HEAN_LOG_INFO) < 0);
	log_info("goes to stderr");
	assert_int_equal(hean_log_reopen(), 0);
	assert_int_equal(hean_log_init("x", "-", HEAN_LOG_INFO), 0);
	assert_int_equal(hean_log_init("x", NULL, HEAN_LOG_INFO), 0);
	hean_log_finish();
	log_info("after finish, stderr");
}

static void test_lws_route(void **state)
{
	unlink(path);
	assert_int_equal(hean_log_init("feed", path, HEAN_LOG_DEBUG), 0);
	hean_log_route_lws();
	lwsl_err("boom %d\n", 7);
	lwsl_warn("careful\n");
	lwsl_notice("spam notice\n");
	const char *s = slurp(path);
	assert_int_equal(count_lines(s), 2);
	assert_non_null(strstr(s, " feed ERROR [lws] "));
	assert_non_null(strstr(s, "boom 7\n"));
	assert_non_null(strstr(s, " feed WARN [lws] "));
	assert_null(strstr(s, "spam"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_format),
		cmocka_unit_test(test_level_filter),
		cmocka_unit_test(test_level_parse),
		cmocka_unit_test(test_newlines_and_errno),
		cmocka_unit_test(test_append_and_reopen),
		cmocka_unit_test(test_open_failure_and_stderr),
		cmocka_unit_test(test_lws_route),
		cmocka_unit_test(test_json_format),
		cmocka_unit_test(test_journal_prefix),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
