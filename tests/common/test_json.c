/* Unit tests of common/json. */
#include <errno.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/json.h"
#include "common/num.h"
#include "common/symbol.h"

static int dec(const char *s, double *out, unsigned flags)
{
	return hean_parse_decimal(s, strlen(s), out, flags);
}

static void test_decimal_ok(void **state)
{
	double v = 0;

	assert_int_equal(dec("66666.60", &v, HEAN_NUM_POSITIVE), 0);
	assert_true(v == 66666.60);
	assert_int_equal(dec("0", &v, 0), 0);
	assert_true(v == 0);
	assert_int_equal(dec("-1.5", &v, 0), 0);
	assert_true(v == -1.5);
	assert_int_equal(dec("1e3", &v, 0), 0);
	assert_true(v == 1000);
	assert_int_equal(dec("2.5E-2", &v, 0), 0);
	assert_true(v == 0.025);
	assert_int_equal(dec("0.00", &v, HEAN_NUM_NONNEG), 0);
	assert_int_equal(dec("007", &v, 0), 0);
	assert_true(v == 7);
	/* not NUL-terminated: only len bytes count */
	assert_int_equal(hean_parse_decimal("12.5xyz", 4, &v, 0), 0);
	assert_true(v == 12.5);
}

static void test_decimal_reject(void **state)
{
	static const char *const bad[] = {
		"", " ", " 1", "1 ", "nan", "NaN", "inf", "-inf", "Infinity", "0x10", "0X1p3",
		"1e999", "-1e999", "+1", "1.", ".5", "1e", "1e+", "--1", "1,5", "1.2.3", "abc",
		"1e5x", "\t1", "1\n", "-", "e5",
	};
	double v = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (dec(bad[i], &v, 0) != -EINVAL) {
			fail_msg("accepted '%s'", bad[i]);
		}
	}
	assert_true(v == 42);
	assert_int_equal(hean_parse_decimal("1\0" "2", 3, &v, 0), -EINVAL);
	assert_int_equal(dec("0", &v, HEAN_NUM_POSITIVE), -ERANGE);
	assert_int_equal(dec("-0.0", &v, HEAN_NUM_POSITIVE), -ERANGE);
	assert_int_equal(dec("-1", &v, HEAN_NUM_NONNEG), -ERANGE);
	assert_int_equal(dec("-0.5", &v, HEAN_NUM_POSITIVE), -ERANGE);
}

static void test_decimal_locale(void **state)
{
	double v = 0;

	/* a comma locale must not change the result (if installed) */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
		assert_int_equal(dec("1.25", &v, 0), 0);
		assert_true(v == 1.25);
		assert_int_equal(dec("1,25", &v, 0), -EINVAL);
		setlocale(LC_NUMERIC, "C");
	}
	assert_int_equal(dec("1.25", &v, 0), 0);
}

static void test_int64(void **state)
{
	int64_t v = 0;

	assert_int_equal(hean_parse_int64("1234567", 7, &v), 0);
	assert_int_equal(v, 1234567);
	assert_int_equal(hean_parse_int64("-42", 3, &v), 0);
	assert_int_equal(v, -42);
	assert_int_equal(hean_parse_int64("9223372036854775807", 19, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(hean_parse_int64("-9223372036854775808", 20, &v), 0);
	assert_true(v == INT64_MIN);
	v = 5;
	assert_int_equal(hean_parse_int64("9223372036854775808", 19, &v), -EINVAL);
	assert_int_equal(hean_parse_int64("-9223372036854775809", 20, &v), -EINVAL);
	assert_int_equal(hean_parse_int64("99999999999999999999", 20, &v), -EINVAL);
	assert_int_equal(hean_parse_int64("", 0, &v), -EINVAL);
	assert_int_equal(hean_parse_int64("-", 1, &v), -EINVAL);
	assert_int_equal(hean_parse_int64("+1", 2, &v), -EINVAL);
	assert_int_equal(hean_parse_int64(" 1", 2, &v), -EINVAL);
	assert_int_equal(hean_parse_int64("1.0", 3, &v), -EINVAL);
	assert_int_equal(hean_parse_int64("0x1", 3, &v), -EINVAL);
	assert_int_equal(v, 5);
}

static json_t *load(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);

	if (!j) {
		fail_msg("json: %s in '%s'", e.text, s);
	}
	return j;
}

static void test_getters(void **state)
{
	json_t *o = load("{\"s\":\"abc\",\"i\":12,\"r\":1.5,\"ps\":\"66666.60\",\"e\":\"\","
			 "\"n\":null,\"neg\":\"-3\",\"bad\":\"1.2x\",\"z\":0,\"arr\":[]}");
	char err[HEAN_ERR_LEN];
	const char *s = NULL;
	int64_t i = 0;
	double d = 0;

	assert_int_equal(hean_json_get_str(o, "s", &s, err, sizeof(err)), 0);
	assert_string_equal(s, "abc");
	assert_int_equal(hean_json_get_str(o, "i", &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "field 'i': not a string");
	assert_int_equal(hean_json_get_str(o, "missing", &s, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "field 'missing': missing");
	assert_int_equal(hean_json_get_str(o, "n", &s, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "field 'n': missing");

	assert_int_equal(hean_json_get_int(o, "i", &i, err, sizeof(err)), 0);
	assert_int_equal(i, 12);
	assert_int_equal(hean_json_get_int(o, "r", &i, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "field 'r': not an integer");
	assert_int_equal(hean_json_get_int(o, "s", &i, NULL, 0), -EINVAL);

	assert_int_equal(hean_json_get_num(o, "r", &d, HEAN_NUM_POSITIVE, err, sizeof(err)), 0);
	assert_true(d == 1.5);
	assert_int_equal(hean_json_get_num(o, "i", &d, 0, err, sizeof(err)), 0);
	assert_true(d == 12);
	assert_int_equal(hean_json_get_num(o, "z", &d, HEAN_NUM_POSITIVE, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "field 'z': must be > 0"));
	assert_int_equal(hean_json_get_num(o, "ps", &d, 0, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "field 'ps': not a number");

	assert_int_equal(hean_json_get_num_str(o, "ps", &d, HEAN_NUM_POSITIVE, err, sizeof(err)), 0);
	assert_true(d == 66666.60);
	assert_int_equal(hean_json_get_num_str(o, "e", &d, 0, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "field 'e': no value"));
	assert_int_equal(hean_json_get_num_str(o, "r", &d, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(hean_json_get_num_str(o, "bad", &d, 0, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "field 'bad': not a decimal"));
	assert_int_equal(hean_json_get_num_str(o, "neg", &d, HEAN_NUM_NONNEG, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "field 'neg': must be >= 0"));

	assert_int_equal(hean_json_get_num_any(o, "ps", &d, 0, err, sizeof(err)), 0);
	assert_int_equal(hean_json_get_num_any(o, "r", &d, 0, err, sizeof(err)), 0);
	assert_true(d == 1.5);
	assert_int_equal(hean_json_get_num_any(o, "arr", &d, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(hean_json_get_num_any(o, "n", &d, 0, err, sizeof(err)), -ENOENT);
	assert_int_equal(hean_json_get_num_any(o, "e", &d, 0, err, sizeof(err)), -ENOENT);

	/* not an object */
	json_t *a = load("[1]");
	assert_int_equal(hean_json_get_int(a, "x", &i, err, sizeof(err)), -ENOENT);
	json_decref(a);
	json_decref(o);
}

/* Runs the pre-pass on a copy and compares. */
static void prepass(const char *in, const char *want, size_t want_n)
{
	size_t len = strlen(in);
	char *buf = strdup(in);
	size_t n = hean_json_nonfinite_to_null(buf, len);

	assert_int_equal(strlen(buf), len);
	if (strcmp(buf, want) != 0) {
		fail_msg("in  '%s'\ngot '%s'\nwant '%s'", in, buf, want);
	}
	assert_int_equal(n, want_n);
	free(buf);
}

static void test_nonfinite_basic(void **state)
{
	prepass("{\"a\": NaN}", "{\"a\":null}", 1);
	prepass("{\"a\": Infinity}", "{\"a\": null    }", 1);
	prepass("{\"a\": -Infinity}", "{\"a\": null     }", 1);
	prepass("{\"a\":-Infinity}", "{\"a\":null     }", 1);
	prepass("[NaN, 1]", "[null,1]", 1);
	prepass("[NaN , 1]", "[null, 1]", 1);
	prepass("[1,NaN]\n", "[1,null]", 1);
	prepass("[[NaN]] ", "[[null]]", 1);
	prepass("{\"a\":NaN}", "{\"a\":[] }", 1);
	prepass("NaN", "[] ", 1);
	prepass("[NaN, NaN, Infinity, -Infinity]", "[null,null,null    , null     ]", 4);
	prepass("{\"a\": 1.5, \"b\": true}", "{\"a\": 1.5, \"b\": true}", 0);
}

static void test_nonfinite_strings(void **state)
{
	/* inside strings nothing changes, including after escaped quotes */
	prepass("{\"s\": \"NaN\", \"t\": \"-Infinity\"}", "{\"s\": \"NaN\", \"t\": \"-Infinity\"}",
		0);
	prepass("{\"s\": \"a\\\" NaN \\\"b\", \"x\": NaN}",
		"{\"s\": \"a\\\" NaN \\\"b\", \"x\":null}", 1);
	prepass("{\"s\": \"\\\\\", \"x\": NaN}", "{\"s\": \"\\\\\", \"x\":null}", 1);
	prepass("{\"NaN\": NaN}", "{\"NaN\":null}", 1);
	prepass("{\"s\": \"\\u0022NaN\"}", "{\"s\": \"\\u0022NaN\"}", 0);
	/* other bare words are not tokens of ours */
	prepass("[NaNx, xNaN, Infinityy, NaN_]", "[NaNx, xNaN, Infinityy, NaN_]", 0);
	/* an unterminated string swallows the rest */
	prepass("{\"s\": \"abc NaN", "{\"s\": \"abc NaN", 0);
}

static void test_nonfinite_spec_example(void **state)
{
	char buf[] = "{\"type\": \"signals\", \"data\": [{\"id\": 1234567, \"symbol\": \"BTCUSDT\", "
		     "\"exchange\": \"bybit\", \"wave_ts\": \"2025-10-22T00:00:00+00:00\", "
		     "\"side\": \"buy\", \"score_week\": NaN, \"score_month\": 64.0, "
		     "\"created_at\": \"2025-10-22T00:03:12+00:00\"}, {\"id\": 1234568, "
		     "\"symbol\": \"ETHUSDT\", \"exchange\": \"bybit\", \"wave_ts\": "
		     "\"2025-10-22T00:00:00+00:00\", \"side\": \"sell\", \"score_week\": 71.5, "
		     "\"score_month\": -Infinity, \"created_at\": \"2025-10-22T00:03:12+00:00\"}]}";
	char err[HEAN_ERR_LEN];
	json_error_t e;
	double d;

	assert_null(json_loads(buf, 0, &e));
	assert_int_equal(hean_json_nonfinite_to_null(buf, strlen(buf)), 2);
	json_t *j = json_loadb(buf, strlen(buf), 0, &e);
	assert_non_null(j);
	json_t *data = json_object_get(j, "data");
	assert_int_equal(json_array_size(data), 2);
	json_t *s0 = json_array_get(data, 0), *s1 = json_array_get(data, 1);
	assert_int_equal(hean_json_get_num(s0, "score_week", &d, 0, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "field 'score_week': missing");
	assert_int_equal(hean_json_get_num(s0, "score_month", &d, 0, err, sizeof(err)), 0);
	assert_true(d == 64.0);
	assert_int_equal(hean_json_get_num(s1, "score_week", &d, 0, err, sizeof(err)), 0);
	assert_int_equal(hean_json_get_num(s1, "score_month", &d, 0, err, sizeof(err)), -ENOENT);
	json_decref(j);
}

/* Every prefix of a tricky frame: never writes past len, never crashes. */
static void test_nonfinite_prefixes(void **state)
{
	const char *src = "{\"a\":\"x\\\"NaN\\\\\",\"b\":[NaN,-Infinity, Infinity ,NaN],\"c\":NaN}";
	size_t len = strlen(src);

	for (size_t n = 0; n <= len; n++) {
		char *buf = malloc(n + 1);

		memcpy(buf, src, n);
		buf[n] = '#';
		hean_json_nonfinite_to_null(buf, n);
		assert_int_equal(buf[n], '#');
		free(buf);
	}
	char *full = strdup(src);
	assert_int_equal(hean_json_nonfinite_to_null(full, len), 5);
	json_error_t e;
	json_t *j = json_loads(full, 0, &e);
	assert_non_null(j);
	json_decref(j);
	free(full);
}

static void test_symbol_valid(void **state)
{
	assert_true(hean_symbol_valid("BTCUSDT", 7));
	assert_true(hean_symbol_valid("1000PEPEUSDT", 12));
	assert_true(hean_symbol_valid("AB", 2));
	assert_true(hean_symbol_valid("ABCDEFGHIJKLMNOPQRST", 20));
	assert_true(hean_symbol_valid("BTCUSDT,ETH", 7)); /* only len bytes count */
	assert_false(hean_symbol_valid("ABCDEFGHIJKLMNOPQRSTU", 21));
	assert_false(hean_symbol_valid("A", 1));
	assert_false(hean_symbol_valid("", 0));
	assert_false(hean_symbol_valid(NULL, 7));
	assert_false(hean_symbol_valid("BTC-USDT", 8));
	assert_false(hean_symbol_valid("BTC USDT", 8));
	assert_false(hean_symbol_valid("BTC\0USDT", 8));
	assert_false(hean_symbol_valid("btcusdt", 7));
	assert_false(hean_symbol_valid("BTCUSDt", 7));
	assert_false(hean_symbol_valid("BTC:USDT", 8));
	assert_true(hean_symbol_valid("AZ09", 4));
	assert_false(hean_symbol_valid("A@", 2)); /* neighbours of A-Z and 0-9 */
	assert_false(hean_symbol_valid("Z[", 2));
	assert_false(hean_symbol_valid("0/", 2));
	assert_false(hean_symbol_valid("9:", 2));
	assert_false(hean_symbol_valid("\xc3\x84" "BC", 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimal_ok),
		cmocka_unit_test(test_decimal_reject),
		cmocka_unit_test(test_decimal_locale),
		cmocka_unit_test(test_int64),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_nonfinite_basic),
		cmocka_unit_test(test_nonfinite_strings),
		cmocka_unit_test(test_nonfinite_spec_example),
		cmocka_unit_test(test_nonfinite_prefixes),
		cmocka_unit_test(test_symbol_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
