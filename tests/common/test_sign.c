/* Unit tests of common/sign: Bybit v5 signatures (hex HMAC-SHA256) for
 * WebSocket auth and REST GET/POST, fixed vectors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/sign.h"

#define SECRET "test-secret"
#define KEY "test-key"
#define TS 1700000000000LL
#define RECV 5000

/* WS auth: pre-image "GET/realtime" + expires */
static void test_ws_auth_vector(void **state)
{
	char out[HEAN_SIGN_HEX_LEN];

	assert_int_equal(hean_sign_ws_auth(SECRET, 1700000005000LL, out), 0);
	assert_string_equal(out, "4343ac53a3dafc0ec96562c63a7899f56be48a0e2ab052e07ae410e8f5472338");
	/* the same through the raw HMAC over the documented pre-image */
	const char *msg = "GET/realtime1700000005000";
	assert_int_equal(hean_sign_hmac_hex(SECRET, strlen(SECRET), msg, strlen(msg), out), 0);
	assert_string_equal(out, "4343ac53a3dafc0ec96562c63a7899f56be48a0e2ab052e07ae410e8f5472338");
}

/* REST GET with a query */
static void test_rest_get_vector(void **state)
{
	const char *q = "category=linear&symbol=BTCUSDT";
	char out[HEAN_SIGN_HEX_LEN];

	assert_int_equal(hean_sign_rest(SECRET, TS, KEY, RECV, q, strlen(q), out), 0);
	assert_string_equal(out, "9a7c8cfd6ba1a7c498aa4dd5a7f9cfbba01fcb6eebae734ffe0d775870a1a3fb");
	/* pre-image is ts + key + recv_window + query */
	const char *pre = "1700000000000test-key5000category=linear&symbol=BTCUSDT";
	char raw[HEAN_SIGN_HEX_LEN];
	assert_int_equal(hean_sign_hmac_hex(SECRET, strlen(SECRET), pre, strlen(pre), raw), 0);
	assert_string_equal(raw, out);
}

/* REST POST with a raw JSON body */
static void test_rest_post_vector(void **state)
{
	const char *body = "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\","
			   "\"orderType\":\"Market\",\"qty\":\"0.001\",\"orderLinkId\":"
			   "\"w1700000000-BTCUSDT\"}";
	char out[HEAN_SIGN_HEX_LEN];

	assert_int_equal(hean_sign_rest(SECRET, TS, KEY, RECV, body, strlen(body), out), 0);
	assert_string_equal(out, "56338f0997cdcae3b30c171018492e3d31694e9d7f2f84e5675818f6253c2972");
	/* payload_len counts, not NUL: a longer buffer signs only len bytes */
	char big[512];
	snprintf(big, sizeof(big), "%sTRAILING", body);
	assert_int_equal(hean_sign_rest(SECRET, TS, KEY, RECV, big, strlen(body), out), 0);
	assert_string_equal(out, "56338f0997cdcae3b30c171018492e3d31694e9d7f2f84e5675818f6253c2972");
}

/* REST GET without a query */
static void test_rest_noquery_vector(void **state)
{
	char out[HEAN_SIGN_HEX_LEN];

	assert_int_equal(hean_sign_rest(SECRET, TS, KEY, RECV, NULL, 0, out), 0);
	assert_string_equal(out, "d8d5e71d8f986368aa5c13405f059ab6adb4f41df59d2f11bb056226b63457d6");
	assert_int_equal(hean_sign_rest(SECRET, TS, KEY, RECV, "", 0, out), 0);
	assert_string_equal(out, "d8d5e71d8f986368aa5c13405f059ab6adb4f41df59d2f11bb056226b63457d6");
}

static void test_rfc4231(void **state)
{
	/* RFC 4231 test case 2 */
	const char *msg = "what do ya want for nothing?";
	char out[HEAN_SIGN_HEX_LEN];

	assert_int_equal(hean_sign_hmac_hex("Jefe", 4, msg, strlen(msg), out), 0);
	assert_string_equal(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	assert_int_equal(strlen(out), 64);
}

static void test_errors_and_equal(void **state)
{
	char out[HEAN_SIGN_HEX_LEN];

	assert_int_equal(hean_sign_hmac_hex(NULL, 0, "x", 1, out), -EINVAL);
	assert_int_equal(hean_sign_hmac_hex("k", 1, NULL, 3, out), -EINVAL);
	assert_int_equal(hean_sign_rest(NULL, TS, KEY, RECV, NULL, 0, out), -EINVAL);
	assert_int_equal(hean_sign_rest(SECRET, TS, NULL, RECV, NULL, 0, out), -EINVAL);
	assert_int_equal(hean_sign_rest(SECRET, TS, KEY, RECV, NULL, 5, out), -EINVAL);
	assert_int_equal(hean_sign_ws_auth(NULL, 1, out), -EINVAL);

	assert_true(hean_sign_equal("abc", "abc"));
	assert_false(hean_sign_equal("abc", "abd"));
	assert_false(hean_sign_equal("abc", "abcd"));
	assert_false(hean_sign_equal("", ""));
	assert_false(hean_sign_equal(NULL, "abc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ws_auth_vector),
		cmocka_unit_test(test_rest_get_vector),
		cmocka_unit_test(test_rest_post_vector),
		cmocka_unit_test(test_rest_noquery_vector),
		cmocka_unit_test(test_rfc4231),
		cmocka_unit_test(test_errors_and_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
