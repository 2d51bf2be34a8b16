/* Unit tests of signals/parse: validation of every field, NaN tokens,
 * offset normalisation, raw bytes, frame types. */
#include "signals/parse.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define VALID1                                                                              \
	"{\"id\":1001,\"symbol\":\"BTCUSDT\",\"exchange\":\"bybit\","                     \
	"\"wave_ts\":\"2025-10-22T00:00:00+00:00\",\"side\":\"buy\",\"score_week\":71.5,"  \
	"\"score_month\":64.0,\"created_at\":\"2025-10-22T00:03:12+00:00\"}"

static int parse(const char *s, struct signals_frame *f)
{
	return signals_parse_frame(s, strlen(s), f);
}

static void test_valid_frame(void **state)
{
	const char *sig2 = "{ \"id\" : 1002, \"symbol\":\"ETHUSDT\", \"side\":\"sell\", "
			   "\"wave_ts\":\"2025-10-22T00:00:00Z\", \"score_week\": -3, "
			   "\"score_month\": 1e2, \"nested\": {\"a\": [1, \"}\\\"]\"]} }";
	char frame[1024];
	struct signals_frame f;

	snprintf(frame, sizeof(frame), "{\"type\":\"signals\",\"data\":[%s,\n  %s]}", VALID1, sig2);
	assert_int_equal(parse(frame, &f), 0);
	assert_int_equal(f.type, SIGNALS_MSG_SIGNALS);
	assert_int_equal(f.n_sig, 2);
	assert_int_equal(f.n_rej, 0);
	assert_int_equal(f.sig[0].id, 1001);
	assert_string_equal(f.sig[0].symbol, "BTCUSDT");
	assert_string_equal(f.sig[0].side, "buy");
	assert_string_equal(f.sig[0].wave_ts, "2025-10-22T00:00:00+00:00");
	assert_true(f.sig[0].score_week == 71.5);
	assert_true(f.sig[0].score_month == 64.0);
	assert_true(f.sig[0].created_ms == 1761091392000LL);
	/* raw is the exact bytes of each object */
	assert_string_equal(f.sig[0].raw, VALID1);
	assert_int_equal(f.sig[0].raw_len, strlen(VALID1));
	assert_string_equal(f.sig[1].raw, sig2);
	assert_string_equal(f.sig[1].side, "sell");
	assert_true(f.sig[1].score_week == -3.0);
	assert_true(f.sig[1].created_ms == 0);

	struct signals_signal s;
	signals_frame_take(&f, 1, &s);
	assert_null(f.sig[1].raw);
	assert_string_equal(s.raw, sig2);
	signals_signal_finish(&s);
	signals_frame_finish(&f);
	signals_frame_finish(&f); /* idempotent */
}

static void test_offset_normalised(void **state)
{
	struct signals_frame f;
	const char *fr = "{\"type\":\"signals\",\"data\":[{\"id\":7,\"symbol\":\"SOLUSDT\","
			 "\"side\":\"buy\",\"wave_ts\":\"2025-10-22T04:00:00+04:00\","
			 "\"score_week\":1,\"score_month\":2},"
			 "{\"id\":8,\"symbol\":\"SOLUSDT\",\"side\":\"buy\","
			 "\"wave_ts\":\"2025-10-21T19:15:00-04:45\",\"score_week\":1,"
			 "\"score_month\":2}]}";

	assert_int_equal(parse(fr, &f), 0);
	assert_int_equal(f.n_sig, 2);
	assert_string_equal(f.sig[0].wave_ts, "2025-10-22T00:00:00+00:00");
	assert_true(f.sig[0].wave_ms == 1761091200000LL);
	assert_string_equal(f.sig[1].wave_ts, "2025-10-22T00:00:00+00:00");
	signals_frame_finish(&f);
}

struct bad_case {
	const char *body; /* the fields after "id":N, (or the whole object) */
	const char *field;
	int64_t id;
};

#define OKF "\"symbol\":\"BTCUSDT\",\"side\":\"buy\",\"wave_ts\":\"2025-10-22T00:00:00+00:00\""
#define SC "\"score_week\":1.5,\"score_month\":2.5"

static const struct bad_case bad[] = {
	{"{" OKF "," SC "}", "id", -1},
	{"{\"id\":null," OKF "," SC "}", "id", -1},
	{"{\"id\":\"5\"," OKF "," SC "}", "id", -1},
	{"{\"id\":5.0," OKF "," SC "}", "id", -1},
	{"{\"id\":-5," OKF "," SC "}", "id", -1},
	{"{\"id\":NaN," OKF "," SC "}", "id", -1},
	{"{\"id\":9,\"side\":\"buy\",\"wave_ts\":\"2025-10-22T00:00:00Z\"," SC "}", "symbol", 9},
	{"{\"id\":9,\"symbol\":\"btcusdt\",\"side\":\"buy\",\"wave_ts\":\"2025-10-22T00:00:00Z\"," SC "}",
	 "symbol", 9},
	{"{\"id\":9,\"symbol\":\"B\",\"side\":\"buy\",\"wave_ts\":\"2025-10-22T00:00:00Z\"," SC "}",
	 "symbol", 9},
	{"{\"id\":9,\"symbol\":\"ABCDEFGHIJKLMNOPQRSTU\",\"side\":\"buy\",\"wave_ts\":\"2025-10-22T00:00:00Z\"," SC
	 "}",
	 "symbol", 9},
	{"{\"id\":9,\"symbol\":\"BTC:USDT\",\"side\":\"buy\",\"wave_ts\":\"2025-10-22T00:00:00Z\"," SC "}",
	 "symbol", 9},
	{"{\"id\":9,\"symbol\":\"NaN\",\"side\":\"buy\",\"wave_ts\":\"2025-10-22T00:00:00Z\"," SC "}",
	 "symbol", 9},
	{"{\"id\":9,\"symbol\":12,\"side\":\"buy\",\"wave_ts\":\"2025-10-22T00:00:00Z\"," SC "}",
	 "symbol", 9},
	{"{\"id\":10,\"symbol\":\"BTCUSDT\",\"side\":\"BUY\",\"wave_ts\":\"2025-10-22T00:00:00Z\"," SC "}",
	 "side", 10},
	{"{\"id\":10,\"symbol\":\"BTCUSDT\",\"side\":\"long\",\"wave_ts\":\"2025-10-22T00:00:00Z\"," SC "}",
	 "side", 10},
	{"{\"id\":10,\"symbol\":\"BTCUSDT\",\"wave_ts\":\"2025-10-22T00:00:00Z\"," SC "}", "side", 10},
	{"{\"id\":10,\"symbol\":\"BTCUSDT\",\"side\":\"Infinity\",\"wave_ts\":\"2025-10-22T00:00:00Z\"," SC "}",
	 "side", 10},
	{"{\"id\":11,\"symbol\":\"BTCUSDT\",\"side\":\"buy\",\"wave_ts\":\"2025-10-22T00:00:00\"," SC "}",
	 "wave_ts", 11},
	{"{\"id\":11,\"symbol\":\"BTCUSDT\",\"side\":\"buy\",\"wave_ts\":\"2025-10-22\"," SC "}",
	 "wave_ts", 11},
	{"{\"id\":11,\"symbol\":\"BTCUSDT\",\"side\":\"buy\",\"wave_ts\":\"2025-13-22T00:00:00Z\"," SC "}",
	 "wave_ts", 11},
	{"{\"id\":11,\"symbol\":\"BTCUSDT\",\"side\":\"buy\",\"wave_ts\":1761091200," SC "}", "wave_ts",
	 11},
	{"{\"id\":11,\"symbol\":\"BTCUSDT\",\"side\":\"buy\"," SC "}", "wave_ts", 11},
	{"{\"id\":12," OKF ",\"score_week\":NaN,\"score_month\":2}", "score_week", 12},
	{"{\"id\":12," OKF ",\"score_week\":Infinity,\"score_month\":2}", "score_week", 12},
	{"{\"id\":12," OKF ",\"score_week\":-Infinity,\"score_month\":2}", "score_week", 12},
	{"{\"id\":12," OKF ",\"score_week\":1,\"score_month\":NaN}", "score_month", 12},
	{"{\"id\":12," OKF ",\"score_week\":1,\"score_month\" : -Infinity }", "score_month", 12},
	{"{\"id\":12," OKF ",\"score_week\":\"71.5\",\"score_month\":2}", "score_week", 12},
	{"{\"id\":12," OKF ",\"score_week\":null,\"score_month\":2}", "score_week", 12},
	{"{\"id\":12," OKF ",\"score_week\":1}", "score_month", 12},
	{"{\"id\":12," OKF ",\"score_week\":true,\"score_month\":2}", "score_week", 12},
	{"{\"id\":13," OKF "," SC ",\"created_at\":\"yesterday\"}", "created_at", 13},
	{"{\"id\":13," OKF "," SC ",\"created_at\":\"2025-10-22T00:03:12\"}", "created_at", 13},
	{"{\"id\":13," OKF "," SC ",\"created_at\":1761091392}", "created_at", 13},
	{"[1,2]", "data[]", -1},
	{"\"x\"", "data[]", -1},
	{"null", "data[]", -1},
};

/* Each invalid kind, between two valid signals: only it is dropped, the
 * reject names the field and the id; the others are kept. */
static void test_invalid_kinds(void **state)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char frame[2048];
		struct signals_frame f;

		snprintf(frame, sizeof(frame),
			 "{\"type\":\"signals\",\"data\":[%s,%s,{\"id\":2," OKF "," SC "}]}", VALID1,
			 bad[i].body);
		print_message("case %zu: %s\n", i, bad[i].body);
		assert_int_equal(parse(frame, &f), 0);
		assert_int_equal(f.n_sig, 2);
		assert_int_equal(f.n_rej, 1);
		assert_string_equal(f.rej[0].field, bad[i].field);
		assert_int_equal(f.rej[0].id, bad[i].id);
		assert_int_equal(f.rej[0].index, 1);
		assert_true(f.rej[0].reason[0] != '\0');
		assert_int_equal(f.sig[0].id, 1001);
		assert_int_equal(f.sig[1].id, 2);
		assert_string_equal(f.sig[0].raw, VALID1);
		assert_string_equal(f.sig[1].raw, "{\"id\":2," OKF "," SC "}");
		signals_frame_finish(&f);
	}
}

static void test_optional_created_at(void **state)
{
	struct signals_frame f;

	assert_int_equal(parse("{\"type\":\"signals\",\"data\":[{\"id\":3," OKF "," SC
			       ",\"created_at\":null},{\"id\":4," OKF "," SC "}]}",
			       &f),
			 0);
	assert_int_equal(f.n_sig, 2);
	assert_int_equal(f.n_rej, 0);
	signals_frame_finish(&f);
}

/* NaN tokens: inside strings untouched; outside strings in a field we do
 * not check only that field becomes null (the signal stays valid, raw is
 * valid JSON); the frame is never rejected. */
static void test_nan_tokens(void **state)
{
	struct signals_frame f;
	const char *fr = "{\"type\":\"signals\",\"data\":[{\"id\":5," OKF "," SC
			 ",\"note\":\"NaN, Infinity\",\"extra\":NaN,\"more\":[-Infinity]},"
			 "{\"id\":6," OKF ",\"score_week\":NaN,\"score_month\":Infinity}]}";

	assert_int_equal(parse(fr, &f), 0);
	assert_int_equal(f.n_nonfinite, 4);
	assert_int_equal(f.n_sig, 1);
	assert_int_equal(f.n_rej, 1);
	assert_int_equal(f.sig[0].id, 5);
	assert_non_null(strstr(f.sig[0].raw, "\"note\":\"NaN, Infinity\""));
	assert_null(strstr(f.sig[0].raw, "\"extra\":NaN"));
	assert_null(strstr(f.sig[0].raw, "Infinity]"));
	json_error_t e;
	json_t *j = json_loads(f.sig[0].raw, 0, &e);
	assert_non_null(j);
	json_decref(j);
	assert_int_equal(f.rej[0].id, 6);
	assert_string_equal(f.rej[0].field, "score_week");
	assert_non_null(strstr(f.rej[0].reason, "finite"));
	signals_frame_finish(&f);
}

static void test_types(void **state)
{
	struct signals_frame f;

	assert_int_equal(parse("{\"type\":\"auth_response\",\"status\":\"success\"}", &f), 0);
	assert_int_equal(f.type, SIGNALS_MSG_AUTH_OK);
	signals_frame_finish(&f);

	assert_int_equal(
		parse("{\"type\":\"auth_response\",\"status\":\"error\",\"message\":\"bad\\n\\\"token\"}", &f),
		0);
	assert_int_equal(f.type, SIGNALS_MSG_AUTH_ERROR);
	assert_string_equal(f.message, "bad??token");
	signals_frame_finish(&f);

	assert_int_equal(parse("{\"type\":\"auth_response\"}", &f), 0);
	assert_int_equal(f.type, SIGNALS_MSG_AUTH_ERROR);
	signals_frame_finish(&f);

	assert_int_equal(parse("{\"type\":\"pong\",\"ts\":1}", &f), 0);
	assert_int_equal(f.type, SIGNALS_MSG_PONG);
	signals_frame_finish(&f);

	assert_int_equal(parse("{\"type\":\"stats\",\"data\":{}}", &f), 0);
	assert_int_equal(f.type, SIGNALS_MSG_STATS);
	signals_frame_finish(&f);

	assert_int_equal(parse("{\"type\":\"news\",\"data\":[1]}", &f), 0);
	assert_int_equal(f.type, SIGNALS_MSG_UNKNOWN);
	assert_string_equal(f.type_name, "news");
	signals_frame_finish(&f);

	assert_int_equal(parse("{\"type\":\"signals\",\"data\":[]}", &f), 0);
	assert_int_equal(f.type, SIGNALS_MSG_SIGNALS);
	assert_int_equal(f.n_sig, 0);
	signals_frame_finish(&f);
}

static void test_invalid_frames(void **state)
{
	static const char *const frames[] = {
		"", "{", "not json", "[1,2]", "{\"data\":[]}", "{\"type\":5}",
		"{\"type\":\"signals\"}", "{\"type\":\"signals\",\"data\":{}}",
		"{\"type\":\"signals\",\"data\":[]} trailing",
	};

	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		struct signals_frame f;

		print_message("frame %zu: %s\n", i, frames[i]);
		assert_int_equal(parse(frames[i], &f), -EINVAL);
		assert_true(f.err[0] != '\0');
		assert_int_equal(f.n_sig, 0);
		signals_frame_finish(&f);
	}
}

/* The length is honoured (no NUL needed); a frame cut short is invalid. */
static void test_length(void **state)
{
	char frame[1024];
	struct signals_frame f;
	size_t n = (size_t)snprintf(frame, sizeof(frame), "{\"type\":\"signals\",\"data\":[%s]}XXX",
				    VALID1);

	assert_int_equal(signals_parse_frame(frame, n - 3, &f), 0);
	assert_int_equal(f.n_sig, 1);
	signals_frame_finish(&f);
	for (size_t cut = 0; cut < n - 3; cut++) {
		assert_int_equal(signals_parse_frame(frame, cut, &f), -EINVAL);
		signals_frame_finish(&f);
	}
}

static void test_spans(void **state)
{
	size_t s[8], e[8];
	const char *j = "{\"data\":[{\"a\":1}], \"x\":{\"data\":[5]}, \"data\" : [ 1, {\"b\":\"}]\"}, "
			"[2], {\"c\":{\"d\":[]}} ]}";

	assert_int_equal(signals_data_spans(j, strlen(j), s, e, 8), 4);
	assert_int_equal(e[0], 0);
	assert_memory_equal(j + s[1], "{\"b\":\"}]\"}", e[1] - s[1]);
	assert_int_equal(e[2], 0);
	assert_memory_equal(j + s[3], "{\"c\":{\"d\":[]}}", e[3] - s[3]);
	assert_int_equal(signals_data_spans(j, strlen(j), s, e, 3), -1);
	assert_int_equal(signals_data_spans("{\"type\":\"x\"}", 12, s, e, 8), -1);
	assert_int_equal(signals_data_spans("{\"data\":[]}", 11, s, e, 8), 0);
	assert_int_equal(signals_data_spans("{\"data\":[{}", 11, s, e, 8), -1);
}

static void test_symbol(void **state)
{
	assert_true(signals_symbol_valid("BTCUSDT", 7));
	assert_true(signals_symbol_valid("1000PEPEUSDT", 12));
	assert_true(signals_symbol_valid("AB", 2));
	assert_true(signals_symbol_valid("ABCDEFGHIJKLMNOPQRST", 20));
	assert_false(signals_symbol_valid("ABCDEFGHIJKLMNOPQRSTU", 21));
	assert_false(signals_symbol_valid("A", 1));
	assert_false(signals_symbol_valid("", 0));
	assert_false(signals_symbol_valid("BTC-USDT", 8));
	assert_false(signals_symbol_valid("BTC\0USDT", 8));
	assert_false(signals_symbol_valid("btcusdt", 7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_frame),       cmocka_unit_test(test_offset_normalised),
		cmocka_unit_test(test_invalid_kinds),     cmocka_unit_test(test_optional_created_at),
		cmocka_unit_test(test_nan_tokens),        cmocka_unit_test(test_types),
		cmocka_unit_test(test_invalid_frames),    cmocka_unit_test(test_length),
		cmocka_unit_test(test_spans),             cmocka_unit_test(test_symbol),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
