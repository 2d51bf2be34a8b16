/* Unit test of hean_http_header (pure parsing of a raw header block). */
#include "common/http.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static const char block[] = "HTTP/1.1 200 OK\r\n"
			    "Content-Type: application/json\r\n"
			    "X-Bapi-Limit-Status:   99  \r\n"
			    "X-Empty:\r\n"
			    "Retry-After: 3\r\n"
			    "\r\n";

static struct hean_http_response resp(void)
{
	struct hean_http_response r;

	memset(&r, 0, sizeof(r));
	r.headers = block;
	r.headers_len = sizeof(block) - 1;
	return r;
}

static void test_found_case_insensitive(void **state)
{
	struct hean_http_response r = resp();
	char buf[64];

	assert_int_equal(hean_http_header(&r, "content-type", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "application/json");
	assert_int_equal(hean_http_header(&r, "X-BAPI-LIMIT-STATUS", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "99");
	assert_int_equal(hean_http_header(&r, "x-empty", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void test_missing_and_prefix(void **state)
{
	struct hean_http_response r = resp();
	char buf[64];

	assert_int_equal(hean_http_header(&r, "X-Missing", buf, sizeof(buf)), -ENOENT);
	assert_string_equal(buf, "");
	/* "Retry" is a prefix of Retry-After, not a header */
	assert_int_equal(hean_http_header(&r, "Retry", buf, sizeof(buf)), -ENOENT);
	/* the status line is not a header */
	assert_int_equal(hean_http_header(&r, "HTTP/1.1 200 OK", buf, sizeof(buf)), -ENOENT);
}

static void test_truncation(void **state)
{
	struct hean_http_response r = resp();
	char buf[5];

	assert_int_equal(hean_http_header(&r, "Content-Type", buf, sizeof(buf)), -ENOSPC);
	assert_string_equal(buf, "appl");
}

static void test_empty_block(void **state)
{
	struct hean_http_response r;
	char buf[8];

	memset(&r, 0, sizeof(r));
	r.headers = "";
	assert_int_equal(hean_http_header(&r, "A", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(hean_http_header(NULL, "A", buf, sizeof(buf)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_case_insensitive),
		cmocka_unit_test(test_missing_and_prefix),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_empty_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
