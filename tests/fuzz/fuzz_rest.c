/* fuzz target: Bybit REST answers (executor/rest.c exec_rest_parse, the
 * pure entry point of the REST client). Byte 0 picks the HTTP status,
 * byte 1 the curl result; the rest is the body.
 *
 * Invariants:
 *   - cls is exec_rest_classify(status, curl, ret_code) whenever an
 *     envelope was parsed; without one: transport failure or a 200 with
 *     no envelope -> UNKNOWN (the request may have been applied);
 *   - *root is set only with an envelope (an object with an integer
 *     retCode), result is NULL or an object inside it;
 *   - ret_msg is terminated.
 * Found by fuzzing, fixed (README.md): cls OK only when retCode
 * is exactly 0 -- retCode 4294967296 is truncated to int 0 and reads as
 * success. */
#include "tests/fuzz/fuzz.h"

#include "executor/rest.h"

static const long statuses[16] = {200, 200, 200, 200, 200, 200, 200, 200,
				  429, 500, 503, 404, 403, 0,   302, 200};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exec_rest_result res;
	json_t *root = (json_t *)1;
	long status = size > 0 ? statuses[data[0] & 15] : 200;
	int curl = size > 1 && (data[1] & 0xf0) == 0xf0 ? (data[1] & 0x0f) : 0;
	size_t skip = size < 2 ? size : 2;
	char *body = fuzz_dup(data + skip, size - skip, false);
	const char *curl_err = size > 1 && (data[1] & 1) ? NULL : "Timeout was reached";

	memset(&res, 0x5a, sizeof(res));
	enum exec_rest_class cls =
		exec_rest_parse(status, curl, curl_err, body, size - skip, &res, &root);

	FUZZ_CHECK(cls == res.cls, "return %d, res %d", cls, res.cls);
	FUZZ_CHECK(cls >= EXEC_REST_OK && cls <= EXEC_REST_UNKNOWN, "cls %d", cls);
	FUZZ_CHECK(memchr(res.ret_msg, '\0', sizeof(res.ret_msg)), "ret_msg not terminated");
	FUZZ_CHECK(res.http_status == status && res.curl_code == curl, "status copied");
	if (curl != 0 || status == 0) {
		FUZZ_CHECK(cls == EXEC_REST_UNKNOWN && root == NULL && res.result == NULL,
			   "transport failure not UNKNOWN");
	} else if (root) {
		const json_t *rc = json_object_get(root, "retCode");
		FUZZ_CHECK(json_is_object(root) && json_is_integer(rc), "root without an envelope");
		FUZZ_CHECK(res.ret_code == (int)json_integer_value(rc), "ret_code");
		FUZZ_CHECK(cls == exec_rest_classify(status, 0, res.ret_code), "cls not classify()");
		FUZZ_CHECK(res.result == NULL || (json_is_object(res.result) &&
						  res.result == json_object_get(root, "result")),
			   "result not the envelope's");
		{
			FUZZ_CHECK(cls != EXEC_REST_OK || json_integer_value(rc) == 0,
				   "retCode %lld classified OK", (long long)json_integer_value(rc));
		}
	} else {
		FUZZ_CHECK(res.result == NULL, "result without root");
		if (status == 200) {
			FUZZ_CHECK(cls == EXEC_REST_UNKNOWN, "200 without an envelope: cls %d", cls);
		} else {
			FUZZ_CHECK(cls == exec_rest_classify(status, 0, -(int)status), "cls");
		}
	}
	json_decref(root);
	free(body);
	return 0;
}
