/* common/notify: datagrams reach $NOTIFY_SOCKET (path and abstract forms);
 * without it, nothing is sent and the call says so. */
#include "common/notify.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int bind_dgram(const char *name, int abstract)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	size_t n = strlen(name);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + (abstract ? 1 : 0), name, n);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (abstract ? 1 : 0))),
			 0);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[64];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	assert_true(n > 0);
	buf[n] = 0;
	assert_string_equal(buf, want);
}

static void test_no_socket(void **state)
{
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(hean_notify("WATCHDOG=1"), 1);
}

static void test_path_socket(void **state)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/hean-notify-%d.sock", (int)getpid());
	unlink(path);
	fd = bind_dgram(path, 0);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(hean_notify("READY=1"), 0);
	expect_datagram(fd, "READY=1");
	assert_int_equal(hean_notify("WATCHDOG=1"), 0);
	expect_datagram(fd, "WATCHDOG=1");
	close(fd);
	unlink(path);
}

static void test_abstract_socket(void **state)
{
	char name[64], env[70];
	int fd;

	snprintf(name, sizeof(name), "hean-notify-test-%d", (int)getpid());
	fd = bind_dgram(name, 1);
	snprintf(env, sizeof(env), "@%s", name);
	setenv("NOTIFY_SOCKET", env, 1);
	assert_int_equal(hean_notify("STOPPING=1"), 0);
	expect_datagram(fd, "STOPPING=1");
	close(fd);
}

static void test_bad_socket(void **state)
{
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_true(hean_notify("WATCHDOG=1") < 0);
	setenv("NOTIFY_SOCKET", "/nonexistent/dir/sock", 1);
	assert_true(hean_notify("WATCHDOG=1") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_socket),
		cmocka_unit_test(test_path_socket),
		cmocka_unit_test(test_abstract_socket),
		cmocka_unit_test(test_bad_socket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
