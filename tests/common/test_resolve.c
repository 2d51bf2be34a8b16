/* Unit test of common/resolve on a real libev loop, without a network:
 * numeric detection, a hosts-file answer delivered from the loop (never
 * inside hean_resolve_start), a cancelled lookup that never calls back,
 * a refused DNS server setting, and the resolver freed when idle. */
#include "common/log.h"
#include "common/resolve.h"

#include <errno.h>
#include <ev.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

struct answer {
	int calls;
	int status;
	char addr[64];
	char err[400];
};

static void on_answer(int status, const char *addr, const char *err, void *data)
{
	struct answer *a = data;

	a->calls++;
	a->status = status;
	snprintf(a->addr, sizeof(a->addr), "%s", addr ? addr : "");
	snprintf(a->err, sizeof(a->err), "%s", err ? err : "");
}

static void on_stop(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

/* runs the loop until a->calls > 0 or limit_s */
static void run_for(struct ev_loop *loop, struct answer *a, double limit_s)
{
	struct ev_timer t;
	double end = ev_time() + limit_s;

	ev_timer_init(&t, on_stop, 0.01, 0.01);
	ev_timer_start(loop, &t);
	while (ev_time() < end && (!a || a->calls == 0)) {
		ev_run(loop, EVRUN_ONCE);
	}
	ev_timer_stop(loop, &t);
}

static void test_numeric(void **state)
{
	assert_true(hean_resolve_is_numeric("127.0.0.1"));
	assert_true(hean_resolve_is_numeric("::1"));
	assert_false(hean_resolve_is_numeric("localhost"));
	assert_false(hean_resolve_is_numeric("127.0.0.1.example"));
	assert_false(hean_resolve_is_numeric(""));
	assert_false(hean_resolve_is_numeric(NULL));
}

static void test_hosts_answer_from_loop(void **state)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct answer a = {0};
	struct hean_resolve *r;

	hean_net_set(NULL, NULL, false);
	r = hean_resolve_start(loop, "localhost", on_answer, &a);
	assert_non_null(r);
	assert_int_equal(a.calls, 0); /* never inside start */
	run_for(loop, &a, 5);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, 0);
	assert_string_equal(a.addr, "127.0.0.1"); /* IPv4 preferred */
	run_for(loop, NULL, 0.05);
	assert_int_equal(a.calls, 1);
	assert_int_equal(hean_resolve_pending(), 0);
	hean_resolve_shutdown();
	ev_loop_destroy(loop);
}

static void test_cancel_never_calls(void **state)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct answer a = {0}, b = {0};
	struct hean_resolve *r;

	hean_net_set(NULL, NULL, false);
	r = hean_resolve_start(loop, "localhost", on_answer, &a);
	assert_non_null(r);
	hean_resolve_cancel(r);
	run_for(loop, NULL, 0.2);
	assert_int_equal(a.calls, 0);
	/* a second lookup on the same resolver still answers */
	assert_non_null(hean_resolve_start(loop, "localhost", on_answer, &b));
	run_for(loop, &b, 5);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.status, 0);
	hean_resolve_shutdown();
	assert_int_equal(hean_resolve_pending(), 0);
	ev_loop_destroy(loop);
}

static void test_unknown_host_fails(void **state)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct answer a = {0};

	/* a DNS server nobody listens on: refused or timeout, never success */
	hean_net_set(NULL, "127.0.0.1:9", false);
	assert_non_null(hean_resolve_start(loop, "no-such-host.invalid", on_answer, &a));
	run_for(loop, &a, 10);
	assert_int_equal(a.calls, 1);
	assert_true(a.status < 0);
	assert_string_equal(a.addr, "");
	assert_non_null(strstr(a.err, "no-such-host.invalid"));
	hean_resolve_shutdown();
	ev_loop_destroy(loop);
}

static void test_bad_server_setting(void **state)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct answer a = {0};

	hean_net_set(NULL, "not an address", false);
	assert_null(hean_resolve_start(loop, "localhost", on_answer, &a));
	assert_int_equal(a.calls, 0);
	hean_net_set(NULL, NULL, false);
	ev_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numeric),
		cmocka_unit_test(test_hosts_answer_from_loop),
		cmocka_unit_test(test_cancel_never_calls),
		cmocka_unit_test(test_unknown_host_fails),
		cmocka_unit_test(test_bad_server_setting),
	};

	hean_log_init("test_resolve", "/dev/null", HEAN_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
