/* Unit tests: executor/rest envelope parsing and retry classes (pure part). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "executor/rest.h"

#include <string.h>

static enum exec_rest_class parse(long status, int curl, const char *body, struct exec_rest_result *r)
{
	json_t *root = NULL;
	enum exec_rest_class c =
		exec_rest_parse(status, curl, curl ? "Operation timed out" : NULL, body,
				body ? strlen(body) : 0, r, &root);
	json_decref(root);
	return c;
}

static void test_classes(void **state)
{
	assert_int_equal(exec_rest_classify(200, 0, 0), EXEC_REST_OK);
	assert_int_equal(exec_rest_classify(200, 0, 10006), EXEC_REST_RATE);
	assert_int_equal(exec_rest_classify(429, 0, -1), EXEC_REST_RATE);
	assert_int_equal(exec_rest_classify(200, 0, 10002), EXEC_REST_CLOCK);
	assert_int_equal(exec_rest_classify(200, 0, 10016), EXEC_REST_UNKNOWN);
	assert_int_equal(exec_rest_classify(200, 0, 10000), EXEC_REST_UNKNOWN);
	assert_int_equal(exec_rest_classify(502, 0, -1), EXEC_REST_UNKNOWN);
	assert_int_equal(exec_rest_classify(0, 28, -1), EXEC_REST_UNKNOWN);
	assert_int_equal(exec_rest_classify(200, 0, 110072), EXEC_REST_REJECTED);
	assert_int_equal(exec_rest_classify(200, 0, 34040), EXEC_REST_REJECTED);
	assert_int_equal(exec_rest_classify(200, 0, 110007), EXEC_REST_REJECTED);
	assert_int_equal(exec_rest_classify(200, 0, 10001), EXEC_REST_REJECTED);
	assert_int_equal(exec_rest_classify(403, 0, -1), EXEC_REST_REJECTED);
}

static void test_envelopes(void **state)
{
	struct exec_rest_result r;

	assert_int_equal(parse(200, 0, "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"orderId\":\"1\"},"
				       "\"retExtInfo\":{},\"time\":1672211918471}", &r),
			 EXEC_REST_OK);
	assert_int_equal(r.ret_code, 0);
	assert_true(r.server_ms == 1672211918471LL);
	assert_int_equal(parse(200, 0, "{\"retCode\":110072,\"retMsg\":\"OrderLinkedID is duplicate\","
				       "\"result\":{},\"time\":1}", &r),
			 EXEC_REST_REJECTED);
	assert_int_equal(r.ret_code, 110072);
	assert_string_equal(r.ret_msg, "OrderLinkedID is duplicate");
	/* old code paths: result null */
	assert_int_equal(parse(200, 0, "{\"retCode\":10006,\"retMsg\":\"Too many visits!\",\"result\":null}", &r),
			 EXEC_REST_RATE);
	/* gateway HTML on 502 */
	assert_int_equal(parse(502, 0, "<html>502 Bad Gateway</html>", &r), EXEC_REST_UNKNOWN);
	assert_int_equal(r.ret_code, -502);
	/* 200 with garbage: cannot tell -> unknown */
	assert_int_equal(parse(200, 0, "not json", &r), EXEC_REST_UNKNOWN);
	assert_int_equal(parse(200, 0, "{\"retCode\":\"0\"}", &r), EXEC_REST_UNKNOWN);
	/* no answer at all (timeout, lost) */
	assert_int_equal(parse(0, 28, NULL, &r), EXEC_REST_UNKNOWN);
	assert_non_null(strstr(r.ret_msg, "timed out"));
	assert_int_equal(parse(0, 52, "", &r), EXEC_REST_UNKNOWN);
	/* 404 without an envelope */
	assert_int_equal(parse(404, 0, "", &r), EXEC_REST_REJECTED);
	assert_int_equal(r.ret_code, -404);
}

static void test_offset(void **state)
{
	json_t *root = json_loads("{\"retCode\":0,\"result\":{\"timeSecond\":\"1688639403\","
				  "\"timeNano\":\"1688639403423213947\"},\"time\":1688639403423}",
				  0, NULL);
	int64_t off = 0;

	assert_int_equal(exec_rest_offset_from_time(root, 1688639400000LL, 1688639400010LL, &off), 0);
	assert_true(off == 3423 - 5);
	json_decref(root);
	root = json_loads("{\"retCode\":0,\"result\":{},\"time\":1000}", 0, NULL);
	assert_int_equal(exec_rest_offset_from_time(root, 0, 0, &off), 0);
	assert_true(off == 1000);
	json_decref(root);
	root = json_loads("{\"retCode\":0,\"result\":{}}", 0, NULL);
	assert_int_equal(exec_rest_offset_from_time(root, 0, 0, &off), -22);
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_envelopes),
		cmocka_unit_test(test_offset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
