/* Unit tests of common/loop: real signals on a real default loop. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "common/loop.h"
#include "common/timeutil.h"

struct app {
	struct hean_loop l;
	ev_timer work;  /* repeating: the app's own activity */
	ev_timer kick;  /* fires once: sends signals */
	int stops;
	int sig1, sig2; /* signals sent by kick */
	bool close_on_stop;
};

static void on_work(struct ev_loop *loop, ev_timer *w, int revents)
{
}

static void on_kick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct app *a = w->data;

	if (a->sig1) {
		kill(getpid(), a->sig1);
	}
	if (a->sig2) {
		kill(getpid(), a->sig2);
	}
}

static void on_stop(struct hean_loop *l, void *data)
{
	struct app *a = data;

	a->stops++;
	if (a->close_on_stop) {
		ev_timer_stop(l->loop, &a->work);
		ev_timer_stop(l->loop, &a->kick);
	}
}

static void start(struct app *a, int sig1, int sig2, bool close_on_stop)
{
	memset(a, 0, sizeof(*a));
	a->sig1 = sig1;
	a->sig2 = sig2;
	a->close_on_stop = close_on_stop;
	assert_int_equal(hean_loop_init(&a->l, on_stop, a), 0);
	ev_timer_init(&a->work, on_work, 0.05, 0.05);
	ev_timer_init(&a->kick, on_kick, 0.02, 0.);
	a->work.data = a->kick.data = a;
	ev_timer_start(a->l.loop, &a->work);
	ev_timer_start(a->l.loop, &a->kick);
}

/* Stops what the app left running, then finishes the loop (libev keeps
 * the default loop's active count across ev_loop_destroy). */
static void finish(struct app *a)
{
	ev_timer_stop(a->l.loop, &a->work);
	ev_timer_stop(a->l.loop, &a->kick);
	hean_loop_finish(&a->l);
}

/* SIGTERM -> on_stop once -> the app closes its watchers -> ev_run returns
 * at once (signal watchers and the force timer do not keep it alive). */
static void test_sigterm_clean(void **state)
{
	struct app a;
	int64_t t0 = hean_time_now_ms();

	start(&a, SIGTERM, 0, true);
	hean_loop_run(&a.l);
	int64_t dt = hean_time_now_ms() - t0;
	assert_int_equal(a.stops, 1);
	assert_true(a.l.stopping);
	assert_true(dt < 1000);
	assert_int_equal(a.l.exit_code, 0);
	finish(&a);
	assert_null(a.l.loop);
}

/* SIGINT twice: on_stop still once; the second breaks out at once. The
 * second signal comes from a later timer (two kill()s in one callback are
 * coalesced by the kernel into one delivery). */
static void on_second(struct ev_loop *loop, ev_timer *w, int revents)
{
	kill(getpid(), SIGINT);
}

static void test_sigint_twice(void **state)
{
	struct app a;
	ev_timer second;
	int64_t t0 = hean_time_now_ms();

	start(&a, SIGINT, 0, false);
	ev_timer_init(&second, on_second, 0.2, 0.);
	ev_timer_start(a.l.loop, &second);
	hean_loop_run(&a.l);
	assert_int_equal(a.stops, 1);
	assert_true(hean_time_now_ms() - t0 < 1000);
	finish(&a);
}

/* The app never closes its watchers: the force timer breaks after 5 s. */
static void test_force_timer(void **state)
{
	struct app a;
	int64_t t0 = hean_time_now_ms();

	start(&a, SIGTERM, 0, false);
	hean_loop_run(&a.l);
	int64_t dt = hean_time_now_ms() - t0;
	assert_int_equal(a.stops, 1);
	assert_true(dt >= 4900 && dt < 7000);
	finish(&a);
}

/* hean_loop_stop behaves like SIGTERM. */
static void on_kick_stop(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct app *a = w->data;

	hean_loop_stop(&a->l);
	hean_loop_stop(&a->l); /* idempotent */
}

static void test_programmatic_stop(void **state)
{
	struct app a;

	int64_t t0 = hean_time_now_ms();

	start(&a, 0, 0, true);
	a.l.exit_code = 3;
	ev_set_cb(&a.kick, on_kick_stop);
	hean_loop_run(&a.l);
	assert_int_equal(a.stops, 1);
	assert_true(hean_time_now_ms() - t0 < 1000);
	assert_int_equal(a.l.exit_code, 3);
	finish(&a);
}

/* SIGHUP re-opens the log file; SIGPIPE does not kill us. */
static void test_sighup_sigpipe(void **state)
{
	char dir[] = "/tmp/hean-test-loop-XXXXXX", path[128], moved[140];
	struct app a;
	struct stat st;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.log", dir);
	snprintf(moved, sizeof(moved), "%s/x.log.1", dir);
	assert_int_equal(hean_log_init("t", path, HEAN_LOG_INFO), 0);
	assert_int_equal(rename(path, moved), 0);
	start(&a, SIGPIPE, SIGHUP, true);
	/* stop once the HUP has been handled: a later second kick */
	ev_timer_stop(a.l.loop, &a.work);
	ev_timer_init(&a.work, on_kick_stop, 0.2, 0.);
	a.work.data = &a;
	ev_timer_start(a.l.loop, &a.work);
	hean_loop_run(&a.l);
	finish(&a);
	assert_int_equal(stat(path, &st), 0); /* re-created by the reopen */
	hean_log_finish();
	unlink(path);
	unlink(moved);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigterm_clean),
		cmocka_unit_test(test_sigint_twice),
		cmocka_unit_test(test_programmatic_stop),
		cmocka_unit_test(test_sighup_sigpipe),
		cmocka_unit_test(test_force_timer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
