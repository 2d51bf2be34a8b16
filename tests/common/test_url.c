/* Unit tests of common/url. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/url.h"

static struct hean_url ok(const char *s)
{
	struct hean_url u;
	char err[160] = "";

	if (hean_url_parse(s, &u, err, sizeof(err)) != 0) {
		fail_msg("rejected '%s': %s", s, err);
	}
	return u;
}

static void bad(const char *s, const char *why)
{
	struct hean_url u;
	char err[160] = "";

	if (hean_url_parse(s, &u, err, sizeof(err)) != -EINVAL) {
		fail_msg("accepted '%s'", s);
	}
	if (!strstr(err, why)) {
		fail_msg("'%s': error '%s' lacks '%s'", s, err, why);
	}
}

static void test_ws_http(void **state)
{
	struct hean_url u = ok("ws://127.0.0.1:47801/v5/public/linear");

	assert_string_equal(u.scheme, "ws");
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 47801);
	assert_string_equal(u.path, "/v5/public/linear");
	assert_false(u.tls);

	u = ok("wss://stream.bybit.com/v5/private");
	assert_true(u.tls);
	assert_int_equal(u.port, 443);
	assert_string_equal(u.path, "/v5/private");

	u = ok("ws://127.0.0.1:47802/");
	assert_string_equal(u.path, "/");
	u = ok("WS://Host.Example");
	assert_string_equal(u.scheme, "ws");
	assert_string_equal(u.host, "Host.Example");
	assert_string_equal(u.path, "/");
	assert_int_equal(u.port, 80);

	u = ok("http://127.0.0.1:47801");
	assert_int_equal(u.port, 47801);
	assert_string_equal(u.path, "/");
	u = ok("https://api.bybit.com/v5/market/time?x=1&y=2");
	assert_true(u.tls);
	assert_string_equal(u.path, "/v5/market/time?x=1&y=2");
	u = ok("http://h?x=1");
	assert_string_equal(u.path, "/?x=1");
	u = ok("ws://[::1]:9000/a");
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 9000);
	u = ok("ws://[::1]");
	assert_int_equal(u.port, 80);
}

static void test_redis(void **state)
{
	struct hean_url u = ok("redis://127.0.0.1");

	assert_string_equal(u.scheme, "redis");
	assert_int_equal(u.port, 6379);
	assert_int_equal(u.db, 0);
	assert_string_equal(u.user, "");
	assert_string_equal(u.pass, "");

	u = ok("redis://:s3cret@redis.local:6380/2");
	assert_string_equal(u.user, "");
	assert_string_equal(u.pass, "s3cret");
	assert_string_equal(u.host, "redis.local");
	assert_int_equal(u.port, 6380);
	assert_int_equal(u.db, 2);

	u = ok("redis://hean:p%40ss:w@10.0.0.1/15");
	assert_string_equal(u.user, "hean");
	assert_string_equal(u.pass, "p@ss:w");
	assert_int_equal(u.db, 15);

	u = ok("redis://hean:a@b@host");   /* last '@' ends the user info */
	assert_string_equal(u.pass, "a@b");
	assert_string_equal(u.host, "host");

	u = ok("redis://host:7000/");
	assert_int_equal(u.db, 0);
	assert_false(u.tls);
}

static void test_unix(void **state)
{
	struct hean_url u = ok("unix://var/run/redis.sock");

	assert_string_equal(u.scheme, "unix");
	assert_string_equal(u.path, "var/run/redis.sock");
	assert_string_equal(u.host, "");
	assert_int_equal(u.port, 0);
	assert_int_equal(u.db, 0);

	u = ok("unix:///tmp/x/redis.sock?db=3");
	assert_string_equal(u.path, "/tmp/x/redis.sock");
	assert_int_equal(u.db, 3);
	u = ok("unix://./r.sock");
	assert_string_equal(u.path, "./r.sock");
}

static void test_reject(void **state)
{
	bad("", "missing scheme");
	bad("127.0.0.1:6379", "missing scheme");
	bad("ftp://x", "unsupported scheme 'ftp'");
	bad("://x", "unsupported scheme");
	bad("ws://", "empty host");
	bad("ws://:80/", "empty host");
	bad("ws://h:0/", "bad port");
	bad("ws://h:65536/", "bad port");
	bad("ws://h:80x/", "bad port");
	bad("ws://h:/", "bad port");
	bad("ws://h:-1/", "bad port");
	bad("ws://user@h/", "user info");
	bad("ws://h /", "space");
	bad("ws://h/a b", "space");
	bad("ws://h/\n", "control");
	bad("ws://h/#frag", "fragment");
	bad("ws://h!x/", "bad character in host");
	bad("ws://[::1/", "IPv6");
	bad("ws://[zz]/", "IPv6");
	bad("ws://[::1]x/", "IPv6");
	bad("redis://user@host", "[USER]:PASS@");
	bad("redis://:pw@host/x", "bad db");
	bad("redis://:pw@host/70000", "bad db");
	bad("redis://:pw@host:99999", "bad port");
	bad("redis://:p%zz@host", "password");
	bad("unix://", "socket path");
	bad("unix://?db=1", "socket path");
	bad("unix:///s?db=x", "?db=");
	bad("unix:///s?foo=1", "?db=");
}

static void test_password_never_in_error(void **state)
{
	struct hean_url u;
	char err[160];

	assert_int_equal(hean_url_parse("redis://:TOPSECRET@host/abc", &u, err, sizeof(err)),
			 -EINVAL);
	assert_null(strstr(err, "TOPSECRET"));
	assert_string_equal(u.pass, ""); /* wiped on error */
	assert_int_equal(hean_url_parse("redis://:TOPSECRET@host:x", &u, err, sizeof(err)), -EINVAL);
	assert_null(strstr(err, "TOPSECRET"));
	assert_int_equal(hean_url_parse(NULL, &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(hean_url_parse("ftp://x", &u, NULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ws_http),
		cmocka_unit_test(test_redis),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_password_never_in_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
