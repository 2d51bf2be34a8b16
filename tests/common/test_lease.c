/* Unit tests of common/lease: the token and the same-host dead-holder rule
 * (a standby takes over at once only from a process of its own boot and
 * pid namespace that no longer runs). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/config.h"
#include "common/lease.h"
#include "common/redis.h"

static struct hean_config cfg;

/* token of this process with pid replaced */
static void token_with_pid(const char *tok, long pid, char *out, size_t len)
{
	const char *p = strchr(tok, '/'), *q = strchr(p + 1, '/');

	snprintf(out, len, "%.*s/%ld%s", (int)(p - tok), tok, pid, q);
}

static void test_token_and_dead_holder(void **state)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct hean_redis_options ro = {.url = "unix:///nonexistent/r.sock", .name = "t"};
	struct hean_redis *r;
	struct hean_lease *l;
	char tok[256], other[256];
	pid_t child;
	int st;

	hean_config_defaults(&cfg, "waves");
	cfg.lease_ttl_ms = 4000;
	r = hean_redis_create(loop, &ro);
	assert_non_null(r);
	l = hean_lease_create(loop, r, &cfg, NULL, NULL);
	assert_non_null(l);
	assert_string_equal(hean_lease_key(l), "hean:lease:waves");
	snprintf(tok, sizeof(tok), "%s", hean_lease_token(l));
	/* host/pid/hostid/random */
	char pidpart[32];
	snprintf(pidpart, sizeof(pidpart), "/%ld/", (long)getpid());
	assert_non_null(strstr(tok, pidpart));
	assert_false(hean_lease_held(l));

	/* ourselves: alive */
	assert_false(hean_lease_holder_dead(tok));
	/* a live process of this host (pid 1 is never taken as dead) */
	token_with_pid(tok, 1, other, sizeof(other));
	assert_false(hean_lease_holder_dead(other));
	/* a child: alive, then zombie (dead), then reaped (dead) */
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	token_with_pid(tok, child, other, sizeof(other));
	assert_false(hean_lease_holder_dead(other));
	kill(child, SIGKILL);
	for (int i = 0; i < 200 && !hean_lease_holder_dead(other); i++) {
		usleep(5000);
	}
	assert_true(hean_lease_holder_dead(other)); /* zombie, not reaped yet */
	waitpid(child, &st, 0);
	assert_true(hean_lease_holder_dead(other));
	/* the same dead pid on another host / pid namespace: only the TTL tells */
	char *hid = strchr(strchr(other, '/') + 1, '/') + 1;
	hid[0] = hid[0] == 'x' ? 'y' : 'x';
	assert_false(hean_lease_holder_dead(other));
	/* junk */
	assert_false(hean_lease_holder_dead("garbage"));
	assert_false(hean_lease_holder_dead("a/b/c/d"));
	assert_false(hean_lease_holder_dead(NULL));

	/* HEAN_LEASE_TTL_MS=0: no lease object */
	cfg.lease_ttl_ms = 0;
	assert_null(hean_lease_create(loop, r, &cfg, NULL, NULL));
	hean_redis_destroy(r);
	hean_lease_destroy(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_and_dead_holder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
