/* Unit tests of common/log. Run under several TZ values (meson): the line
 * time must always be UTC with "+00:00". */
#include <errno.h>
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
	snprintf(want, sizeof(want), " feed INFO [tests/unit/test_log.c:%d] event=connected url=ws://x n=3\n",
		 line_no);
	assert_string_equal(s + 29, want);
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
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
