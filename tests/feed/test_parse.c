/* Unit tests of feed/parse: fixed cases, recorded fixtures, and a
 * randomized differential test of the fast scanner against jansson over
 * generated and mutated frames. */
#include "feed/parse.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static enum feed_msg_kind parse_str(const char *s, struct feed_msg *m)
{
	return feed_parse(s, strlen(s), m);
}

#define TICK(type, data) \
	"{\"topic\":\"tickers.BTCUSDT\",\"type\":\"" type "\",\"data\":{\"symbol\":\"BTCUSDT\"" data \
	"},\"cs\":7,\"ts\":1700000000000}"

static void test_snapshot_and_delta(void **state)
{
	struct feed_msg m;
	assert_int_equal(parse_str(TICK("snapshot", ",\"lastPrice\":\"66666.60\",\"bid1Price\":"
						    "\"66666.5\",\"ask1Price\":\"66666.7\","
						    "\"markPrice\":\"66666.61\",\"x\":[1,{}]"),
				   &m),
			 FEED_MSG_TICKER);
	assert_int_equal(m.type, FEED_SNAPSHOT);
	assert_string_equal(m.symbol, "BTCUSDT");
	assert_true(m.ts == 1700000000000LL);
	assert_int_equal(m.cs, 7);
	assert_string_equal(m.px[FEED_PX_LAST].s, "66666.60"); /* verbatim text */
	assert_int_equal(m.px[FEED_PX_LAST].state, FEED_FIELD_SET);
	assert_string_equal(m.px[FEED_PX_MARK].s, "66666.61");

	/* a delta without any price is a valid ticker (most of Bybit's ticker deltas) */
	assert_int_equal(parse_str(TICK("delta", ",\"openInterest\":\"5\""), &m), FEED_MSG_TICKER);
	assert_int_equal(m.type, FEED_DELTA);
	for (int i = 0; i < FEED_PX_N; i++) {
		assert_int_equal(m.px[i].state, FEED_FIELD_ABSENT);
	}
	/* "" is no value, never 0 */
	assert_int_equal(parse_str(TICK("delta", ",\"bid1Price\":\"\""), &m), FEED_MSG_TICKER);
	assert_int_equal(m.px[FEED_PX_BID].state, FEED_FIELD_EMPTY);
	assert_int_equal(m.px[FEED_PX_ASK].state, FEED_FIELD_ABSENT);
}

static void expect_bad(const char *s, enum feed_bad_kind b, const char *why_part)
{
	struct feed_msg m;
	enum feed_msg_kind k = parse_str(s, &m);
	if (k != FEED_MSG_BAD || m.bad != b || strstr(m.why, why_part) == NULL) {
		fail_msg("input %s: kind %d bad %d why '%s' (want bad %d with '%s')", s, k, m.bad,
			 m.why, b, why_part);
	}
}

static void test_bad_input(void **state)
{
	expect_bad(TICK("delta", ",\"lastPrice\":\"NaN\""), FEED_BAD_FIELD, "lastPrice: not finite");
	expect_bad(TICK("delta", ",\"lastPrice\":\"nan\""), FEED_BAD_FIELD, "not finite");
	expect_bad(TICK("delta", ",\"lastPrice\":\"inf\""), FEED_BAD_FIELD, "not finite");
	expect_bad(TICK("delta", ",\"bid1Price\":\"-Infinity\""), FEED_BAD_FIELD, "not finite");
	expect_bad(TICK("delta", ",\"lastPrice\":\"1e999\""), FEED_BAD_FIELD, "not finite");
	expect_bad(TICK("delta", ",\"ask1Price\":\"-5.5\""), FEED_BAD_FIELD, "ask1Price: negative");
	expect_bad(TICK("delta", ",\"ask1Price\":\"0\""), FEED_BAD_FIELD, "not positive");
	expect_bad(TICK("delta", ",\"ask1Price\":\"0.000\""), FEED_BAD_FIELD, "not positive");
	expect_bad(TICK("delta", ",\"markPrice\":\"12a\""), FEED_BAD_FIELD, "not a number");
	expect_bad(TICK("delta", ",\"markPrice\":\" 12\""), FEED_BAD_FIELD, "not a number");
	expect_bad(TICK("delta", ",\"markPrice\":\"1.\""), FEED_BAD_FIELD, "not a number");
	expect_bad(TICK("delta", ",\"markPrice\":\"0x10\""), FEED_BAD_FIELD, "not a number");
	expect_bad(TICK("delta", ",\"markPrice\":12.5"), FEED_BAD_FIELD, "not a string");
	expect_bad(TICK("delta", ",\"markPrice\":null"), FEED_BAD_FIELD, "not a string");
	expect_bad(TICK("delta", ",\"markPrice\":\"1234567890123456789012345678901234\""),
		   FEED_BAD_FIELD, "too long");
	expect_bad(TICK("delta", ",\"lastPrice\":NaN"), FEED_BAD_JSON, "not JSON");
	expect_bad("not json", FEED_BAD_JSON, "not JSON");
	expect_bad("", FEED_BAD_JSON, "not JSON");
	expect_bad("[1]", FEED_BAD_JSON, "not a JSON object");
	expect_bad("{\"foo\":1}", FEED_BAD_FRAME, "neither topic nor op");
	expect_bad("{\"topic\":\"orderbook.1.BTCUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":{}}",
		   FEED_BAD_TOPIC, "unknown topic 'orderbook.1.BTCUSDT'");
	expect_bad("{\"topic\":\"tickers.btc\",\"type\":\"delta\",\"ts\":1,\"data\":{}}",
		   FEED_BAD_TOPIC, "bad symbol");
	expect_bad("{\"topic\":\"tickers.BTCUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":[]}",
		   FEED_BAD_FRAME, "data:");
	expect_bad("{\"topic\":\"tickers.BTCUSDT\",\"type\":\"delta\",\"ts\":1.5,\"data\":{}}",
		   FEED_BAD_FRAME, "ts:");
	expect_bad("{\"topic\":\"tickers.BTCUSDT\",\"type\":\"delta\",\"data\":{}}", FEED_BAD_FRAME,
		   "ts:");
	expect_bad("{\"topic\":\"tickers.BTCUSDT\",\"type\":\"x\",\"ts\":1,\"data\":{}}",
		   FEED_BAD_FRAME, "type:");
	expect_bad("{\"topic\":\"tickers.BTCUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":"
		   "{\"symbol\":\"ETHUSDT\"}}",
		   FEED_BAD_FRAME, "data.symbol");
	expect_bad(TICK("delta", ",\"lastPrice\":\"1\"") " x", FEED_BAD_JSON, "not JSON");
}

static void test_replies(void **state)
{
	struct feed_msg m;
	assert_int_equal(parse_str("{\"success\":true,\"ret_msg\":\"pong\",\"conn_id\":\"a\","
				   "\"req_id\":\"ping-1\",\"op\":\"ping\"}",
				   &m),
			 FEED_MSG_REPLY);
	assert_true(m.pong);
	assert_int_equal(m.success, 1);
	assert_int_equal(parse_str("{\"success\":false,\"ret_msg\":\"error:already subscribed,"
				   "topic:tickers.BTCUSDT\",\"req_id\":\"BTCUSDT\",\"op\":"
				   "\"subscribe\"}",
				   &m),
			 FEED_MSG_REPLY);
	assert_false(m.pong);
	assert_int_equal(m.success, 0);
	assert_string_equal(m.req_id, "BTCUSDT");
	assert_string_equal(m.op, "subscribe");
	assert_int_equal(parse_str("{\"op\":\"pong\",\"args\":[\"1\"],\"req_id\":5}", &m),
			 FEED_MSG_REPLY);
	assert_true(m.pong);
	assert_string_equal(m.req_id, "5");
	assert_int_equal(m.success, -1);
}

static void test_fast_path_taken(void **state)
{
	struct feed_msg m;
	/* the common frames must not need jansson */
	const char *s = TICK("delta", ",\"bid1Price\":\"1.5\",\"bid1Size\":\"2\",\"n\":-0.25");
	assert_int_equal(feed_parse_fast(s, strlen(s), &m), FEED_MSG_TICKER);
	s = TICK("delta", ",\"bid1Price\":\"-1.5\"");
	assert_int_equal(feed_parse_fast(s, strlen(s), &m), FEED_MSG_BAD);
	/* an escape needs jansson */
	s = TICK("delta", ",\"x\":\"a\\n\"");
	assert_int_equal(feed_parse_fast(s, strlen(s), &m), FEED_MSG_FALLBACK);
	s = "{\"op\":\"ping\"}";
	assert_int_equal(feed_parse_fast(s, strlen(s), &m), FEED_MSG_FALLBACK);
}

/* ======================= differential: fast vs jansson =================== */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	uint64_t x = rng_state; /* xorshift64* */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 2685821657736338717ULL;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(rnd() % n);
}

struct sb {
	char *b;
	size_t len, cap;
};

static void sb_add(struct sb *s, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(s->b + s->len, s->cap - s->len, fmt, ap);
		va_end(ap);
		if ((size_t)n < s->cap - s->len) {
			s->len += (size_t)n;
			return;
		}
		s->cap = s->cap * 2 + (size_t)n + 64;
		s->b = realloc(s->b, s->cap);
	}
}

static void ws(struct sb *s)
{
	static const char *const w[] = {"", "", "", " ", "\n", "\t ", "\r\n"};
	sb_add(s, "%s", w[pick(7)]);
}

static const char *const syms[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "1000PEPEUSDT", "btcusdt",
				   "B",       "BTC-USDT", "ABCDEFGHIJKLMNOPQRSTU", "XRPUSDT"};

static void gen_price(struct sb *s)
{
	static const char *const good[] = {"\"66666.60\"", "\"0.0001\"", "\"\"", "\"7\"",
					   "\"99999999.99999999\"", "\"1.5e3\""};
	if (pick(4) != 0) {
		sb_add(s, "%s", good[pick(sizeof(good) / sizeof(good[0]))]);
		return;
	}
	static const char *const px[] = {
		"\"66666.60\"", "\"0.0001\"", "\"\"",      "\"NaN\"",   "\"inf\"",  "\"-Infinity\"",
		"\"-1.5\"",     "\"0\"",      "\"0.00\"",  "\"1e5\"",   "\"1e999\"", "\"1E-400\"",
		"\"abc\"",      "\" 1\"",     "\"1.\"",    "\".5\"",    "12.5",     "null",
		"true",         "\"1\\u0030\"", "\"\\u00e9\"", "{}",   "[]",       "\"-0\"",
		"\"12345678901234567890123456789012\"", "\"7\"", "\"99999999.99999999\"", "-3",
	};
	sb_add(s, "%s", px[pick(sizeof(px) / sizeof(px[0]))]);
}

static void gen_junk_value(struct sb *s, int depth)
{
	switch (pick(depth > 3 ? 6 : 9)) {
	case 0:
		sb_add(s, "\"%u\"", pick(100000));
		break;
	case 1:
		sb_add(s, "%d", (int)pick(2000) - 1000);
		break;
	case 2:
		sb_add(s, "%s", pick(6) ? "-0.25" : "3.5e2");
		break;
	case 3:
		sb_add(s, "%s", pick(2) ? "true" : "null");
		break;
	case 4:
		if (pick(4) != 0) {
			sb_add(s, "\"plain %u\"", pick(100));
			break;
		}
		sb_add(s, "\"%s\"", pick(2) ? "a\\\"b\\\\c\\u00e9" : "caf\xc3\xa9");
		break;
	case 5:
		sb_add(s, "%s", pick(8) ? "\"\"" : "12345678901234567890123");
		break;
	case 6:
	case 7: {
		unsigned n = pick(3);
		sb_add(s, "{");
		for (unsigned i = 0; i < n; i++) {
			sb_add(s, "%s\"k%u\":", i ? "," : "", i);
			gen_junk_value(s, depth + 1);
		}
		sb_add(s, "}");
		break;
	}
	default: {
		unsigned n = pick(3);
		sb_add(s, "[");
		for (unsigned i = 0; i < n; i++) {
			sb_add(s, "%s", i ? "," : "");
			gen_junk_value(s, depth + 1);
		}
		sb_add(s, "]");
	}
	}
}

static void gen_data(struct sb *s, const char *sym)
{
	static const char *const keys[] = {"lastPrice", "bid1Price", "ask1Price", "markPrice",
					   "bid1Size",  "indexPrice", "symbol"};
	unsigned n = pick(7);
	bool with_sym = pick(10) != 0;
	sb_add(s, "{");
	ws(s);
	bool first = true;
	if (with_sym && pick(2)) {
		sb_add(s, "\"symbol\":\"%s\"", pick(12) ? sym : syms[pick(9)]);
		first = false;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned k = pick(7);
		if (!first) {
			sb_add(s, ",");
		}
		first = false;
		ws(s);
		if (k == 6) {
			sb_add(s, "\"x%u\":", i);
			gen_junk_value(s, 2);
		} else {
			sb_add(s, "\"%s\":", keys[k]);
			ws(s);
			if (k < 4 || pick(2)) {
				gen_price(s);
			} else {
				gen_junk_value(s, 2);
			}
		}
	}
	if (with_sym && first) {
		sb_add(s, "\"symbol\":\"%s\"", sym);
	} else if (with_sym && pick(2)) {
		sb_add(s, ",\"symbol\":\"%s\"", sym);
	}
	ws(s);
	sb_add(s, "}");
}

static void gen_frame(struct sb *s)
{
	const char *sym = pick(6) ? syms[pick(3)] : syms[pick(9)];
	unsigned order[6] = {0, 1, 2, 3, 4, 5};
	for (int i = 5; i > 0; i--) {
		unsigned j = pick((unsigned)i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	s->len = 0;
	ws(s);
	sb_add(s, "{");
	bool first = true;
	for (int i = 0; i < 6; i++) {
		if (pick(12) == 0) {
			continue; /* leave a field out */
		}
		if (!first) {
			sb_add(s, ",");
		}
		first = false;
		ws(s);
		switch (order[i]) {
		case 0:
			if (pick(15) == 0) {
				sb_add(s, "\"topic\":\"orderbook.1.%s\"", sym);
			} else if (pick(20) == 0) {
				sb_add(s, "\"topic\":%u", pick(9));
			} else {
				sb_add(s, "\"topic\":\"tickers.%s\"", sym);
			}
			break;
		case 1:
			sb_add(s, "\"type\":\"%s\"", pick(2) ? "delta" : (pick(8) ? "snapshot" : "upd"));
			break;
		case 2:
			sb_add(s, "\"ts\":");
			ws(s);
			if (pick(15)) {
				sb_add(s, "%llu", 1700000000000ULL + pick(1000000));
			} else {
				static const char *const t[] = {"1.5", "\"17\"", "-1", "0", "1e12",
								"99999999999999999999"};
				sb_add(s, "%s", t[pick(6)]);
			}
			break;
		case 3:
			sb_add(s, "\"cs\":%s", pick(10) ? "123456789" : (pick(2) ? "-4" : "\"x\""));
			break;
		case 4:
			sb_add(s, "\"data\":");
			ws(s);
			if (pick(20)) {
				gen_data(s, sym);
			} else {
				gen_junk_value(s, 1);
			}
			break;
		default:
			sb_add(s, "\"id\":");
			gen_junk_value(s, 1);
			break;
		}
		if (pick(40) == 0) {
			sb_add(s, ",\"topic\":\"tickers.%s\"", sym); /* duplicate key */
		}
	}
	ws(s);
	sb_add(s, "}");
	ws(s);
}

static void mutate(struct sb *s)
{
	unsigned n = 1 + pick(3);
	for (unsigned k = 0; k < n && s->len > 0; k++) {
		size_t at = pick((unsigned)s->len);
		switch (pick(5)) {
		case 0: /* flip a byte */
			s->b[at] = (char)"{}[]\",:\\0-. e\x01\xff"[pick(16)];
			break;
		case 1: /* delete */
			memmove(s->b + at, s->b + at + 1, s->len - at - 1);
			s->len--;
			break;
		case 2: /* truncate */
			s->len = at;
			break;
		case 3: /* insert */
			sb_add(s, " ");
			memmove(s->b + at + 1, s->b + at, s->len - at - 1);
			s->b[at] = (char)"{}[]\",:\\0-. e\x01\xff"[pick(16)];
			break;
		default: /* random byte */
			s->b[at] = (char)pick(256);
		}
	}
}

struct diff_stats {
	unsigned n, fast, ticker, bad, reply;
};

static void check_same(const char *buf, size_t len, struct diff_stats *st)
{
	struct feed_msg f, sl;
	memset(&f, 0x5a, sizeof(f));
	memset(&sl, 0xa5, sizeof(sl));
	enum feed_msg_kind kf = feed_parse_fast(buf, len, &f);
	enum feed_msg_kind ks = feed_parse_slow(buf, len, &sl);
	st->n++;
	assert_int_not_equal(ks, FEED_MSG_FALLBACK);
	st->ticker += ks == FEED_MSG_TICKER;
	st->bad += ks == FEED_MSG_BAD;
	st->reply += ks == FEED_MSG_REPLY;
	if (kf == FEED_MSG_FALLBACK) {
		return;
	}
	st->fast++;
	if (kf != ks || f.bad != sl.bad || strcmp(f.why, sl.why) != 0) {
		fail_msg("fast/jansson disagree on [%.*s]: fast %d/%d '%s', jansson %d/%d '%s'",
			 (int)len, buf, kf, f.bad, f.why, ks, sl.bad, sl.why);
	}
	if (kf == FEED_MSG_TICKER) {
		bool same = f.type == sl.type && strcmp(f.symbol, sl.symbol) == 0 && f.ts == sl.ts &&
			    f.cs == sl.cs;
		for (int i = 0; i < FEED_PX_N; i++) {
			same = same && f.px[i].state == sl.px[i].state &&
			       (f.px[i].state != FEED_FIELD_SET || strcmp(f.px[i].s, sl.px[i].s) == 0);
		}
		if (!same) {
			fail_msg("fast/jansson ticker fields differ on [%.*s]", (int)len, buf);
		}
	}
}

static void test_differential(void **state)
{
	struct sb s = {0};
	struct diff_stats gen = {0}, mut = {0};
	const char *iters_env = getenv("FEED_DIFF_ITERS");
	unsigned iters = iters_env ? (unsigned)atoi(iters_env) : 60000;
	const char *seed = getenv("FEED_DIFF_SEED");
	if (seed != NULL) {
		rng_state = strtoull(seed, NULL, 0) | 1;
	}
	for (unsigned i = 0; i < iters; i++) {
		gen_frame(&s);
		check_same(s.b, s.len, &gen);
		mutate(&s);
		check_same(s.b, s.len, &mut);
	}
	print_message("generated: %u frames, fast verdicts %u (%.1f%%), tickers %u, bad %u\n",
		      gen.n, gen.fast, 100.0 * gen.fast / gen.n, gen.ticker, gen.bad);
	print_message("mutated:   %u frames, fast verdicts %u (%.1f%%), tickers %u, bad %u, "
		      "replies %u\n",
		      mut.n, mut.fast, 100.0 * mut.fast / mut.n, mut.ticker, mut.bad, mut.reply);
	/* the generator must exercise both verdicts of the fast path */
	assert_true(gen.fast > gen.n / 3);
	assert_true(gen.ticker > gen.n / 20 && gen.bad > gen.n / 20);
	free(s.b);
}

static void test_fixtures(void **state)
{
	char path[4096];
	const char *src = getenv("HEAN_SRC");
	snprintf(path, sizeof(path), "%s/tests/fixtures/feed_frames.jsonl", src ? src : ".");
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fail_msg("cannot open %s", path);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct diff_stats st = {0};
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n') {
			n--;
		}
		check_same(line, (size_t)n, &st);
		/* every prefix too (truncated frames) */
		for (ssize_t k = 0; k < n; k++) {
			check_same(line, (size_t)k, &st);
		}
	}
	free(line);
	fclose(f);
	assert_true(st.ticker >= 8);
	assert_true(st.reply >= 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_and_delta), cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_replies),            cmocka_unit_test(test_fast_path_taken),
		cmocka_unit_test(test_fixtures),           cmocka_unit_test(test_differential),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
