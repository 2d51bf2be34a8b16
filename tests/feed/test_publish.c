/* Unit tests of feed/publish: hand-built RESP (checked by hiredis' own
 * reader), the bounded queue (order, drop-oldest), coalesced hashes and
 * the re-sync after Redis comes back. */
#include "feed/publish.h"

#include <hiredis/hiredis.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAXCMD 64

struct sink {
	int rc; /* what send returns */
	int ok_budget; /* >= 0: after this many successes return -ENOBUFS */
	size_t n;
	char *cmd[MAXCMD];
	size_t len[MAXCMD];
};

static int fake_send(void *ctx, const char *cmd, size_t len, int64_t recv_us)
{
	struct sink *s = ctx;
	if (s->rc != 0) {
		return s->rc;
	}
	if (s->ok_budget == 0) {
		return -ENOBUFS;
	}
	if (s->ok_budget > 0) {
		s->ok_budget--;
	}
	assert_true(s->n < MAXCMD);
	s->cmd[s->n] = malloc(len);
	memcpy(s->cmd[s->n], cmd, len);
	s->len[s->n] = len;
	s->n++;
	return 0;
}

static void sink_clear(struct sink *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->cmd[i]);
	}
	s->n = 0;
}

/* Parses one RESP command with hiredis and joins its arguments with '|'. */
static void decode(const char *cmd, size_t len, char *out, size_t cap)
{
	redisReader *r = redisReaderCreate();
	void *reply = NULL;
	assert_int_equal(redisReaderFeed(r, cmd, len), REDIS_OK);
	assert_int_equal(redisReaderGetReply(r, &reply), REDIS_OK);
	assert_non_null(reply);
	redisReply *rep = reply;
	assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
	out[0] = '\0';
	for (size_t i = 0; i < rep->elements; i++) {
		assert_int_equal(rep->element[i]->type, REDIS_REPLY_STRING);
		strncat(out, i ? "|" : "", cap - strlen(out) - 1);
		strncat(out, rep->element[i]->str, cap - strlen(out) - 1);
	}
	freeReplyObject(reply);
	/* nothing left over: exactly one command */
	reply = NULL;
	assert_int_equal(redisReaderGetReply(r, &reply), REDIS_OK);
	assert_null(reply);
	redisReaderFree(r);
}

static const char *const syms[] = {"BTCUSDT", "ETHUSDT"};

static void merge(struct feed_book *b, const char *json, int64_t recv_us)
{
	struct feed_msg m;
	struct feed_ticker *t;
	assert_int_equal(feed_parse(json, strlen(json), &m), FEED_MSG_TICKER);
	assert_int_equal(feed_book_apply(b, &m, recv_us, &t), FEED_MERGE_OK);
}

#define SNAP(sym, px)                                                                        \
	"{\"topic\":\"tickers." sym "\",\"type\":\"snapshot\",\"ts\":1700000000123,\"data\":"    \
	"{\"symbol\":\"" sym "\",\"lastPrice\":\"" px "\",\"bid1Price\":\"\",\"ask1Price\":\"" px \
	"1\",\"markPrice\":\"" px "2\"}}"

static void test_format(void **state)
{
	struct feed_book b;
	struct feed_pub p;
	struct sink s = {.ok_budget = -1};
	char out[1024];
	assert_int_equal(feed_book_init(&b, syms, 2, 0), 0);
	assert_int_equal(feed_pub_init(&p, &b, "hean:", 100000, 8, fake_send, &s), 0);
	merge(&b, SNAP("BTCUSDT", "100.50"), 1700000000123456LL);
	feed_pub_tick(&p, &b.t[0]);
	assert_int_equal(s.n, 1);
	decode(s.cmd[0], s.len[0], out, sizeof(out));
	assert_string_equal(out, "XADD|hean:ticks|MAXLEN|~|100000|*|symbol|BTCUSDT|last|100.50|bid||"
				 "ask|100.501|mark|100.502|ts|1700000000123|recv_us|1700000000123456");
	assert_true(feed_pub_flush(&p));
	assert_int_equal(s.n, 2);
	decode(s.cmd[1], s.len[1], out, sizeof(out));
	assert_string_equal(out, "HSET|hean:ticker:BTCUSDT|symbol|BTCUSDT|last|100.50|bid||ask|"
				 "100.501|mark|100.502|ts|1700000000123|recv_us|1700000000123456|n_ticks|1");
	feed_pub_finish(&p);
	sink_clear(&s);

	/* no MAXLEN clause, other prefix */
	assert_int_equal(feed_pub_init(&p, &b, "x:", 0, 8, fake_send, &s), 0);
	feed_pub_tick(&p, &b.t[0]);
	decode(s.cmd[0], s.len[0], out, sizeof(out));
	assert_true(strncmp(out, "XADD|x:ticks|*|symbol|BTCUSDT|", 30) == 0);
	feed_pub_finish(&p);
	sink_clear(&s);
	feed_book_finish(&b);
}

static void test_queue_and_resync(void **state)
{
	struct feed_book b;
	struct feed_pub p;
	struct sink s = {.rc = -ENOTCONN, .ok_budget = -1};
	char out[1024];
	assert_int_equal(feed_book_init(&b, syms, 2, 0), 0);
	assert_int_equal(feed_pub_init(&p, &b, "hean:", 1000, 4, fake_send, &s), 0);

	/* Redis down: 6 updates, ring of 4: the 2 oldest are dropped */
	const char *prices[] = {"1", "2", "3", "4", "5", "6"};
	for (int i = 0; i < 6; i++) {
		char j[512];
		snprintf(j, sizeof(j),
			 "{\"topic\":\"tickers.%s\",\"type\":\"snapshot\",\"ts\":%d,\"data\":{\"symbol\":"
			 "\"%s\",\"lastPrice\":\"%s\"}}",
			 syms[i % 2], 100 + i, syms[i % 2], prices[i]);
		merge(&b, j, i);
		feed_pub_tick(&p, &b.t[i % 2]);
	}
	assert_int_equal(s.n, 0);
	assert_int_equal(p.count, 4);
	assert_int_equal(p.dropped, 2);
	assert_false(feed_pub_flush(&p));

	/* back up, but the in-flight cap stops us after 2: order kept */
	s.rc = 0;
	s.ok_budget = 2;
	assert_false(feed_pub_flush(&p));
	assert_int_equal(s.n, 2);
	s.ok_budget = -1;
	feed_pub_resync(&p);
	assert_true(feed_pub_flush(&p));
	assert_int_equal(s.n, 6); /* 4 XADDs + 2 HSETs */
	for (int i = 0; i < 4; i++) {
		decode(s.cmd[i], s.len[i], out, sizeof(out));
		char want[64];
		snprintf(want, sizeof(want), "|last|%s|", prices[i + 2]);
		assert_non_null(strstr(out, want));
		assert_true(strncmp(out, "XADD|", 5) == 0);
	}
	/* hashes carry the latest state: BTC=5, ETH=6 */
	for (int i = 4; i < 6; i++) {
		decode(s.cmd[i], s.len[i], out, sizeof(out));
		assert_true(strstr(out, "HSET|hean:ticker:BTCUSDT|") == out ?
				    strstr(out, "|last|5|") != NULL :
				    strstr(out, "HSET|hean:ticker:ETHUSDT|") == out &&
					    strstr(out, "|last|6|") != NULL);
	}
	sink_clear(&s);

	/* coalescing: many updates of one symbol -> one HSET */
	for (int i = 0; i < 5; i++) {
		feed_pub_tick(&p, &b.t[0]);
	}
	assert_true(feed_pub_flush(&p));
	assert_int_equal(s.n, 6);
	assert_int_equal(p.ticks, 11);
	sink_clear(&s);
	feed_pub_finish(&p);
	feed_book_finish(&b);
}

/* A symbol removed while its XADDs wait (Redis down) and its slot
 * reused by another symbol: the old records are dropped, never sent under
 * the new symbol's name (no wrong merge). */
static void test_removed_symbol_never_lends_its_slot(void **state)
{
	struct feed_book b;
	struct feed_pub p;
	struct feed_ticker *t;
	struct sink s = {.rc = -ENOTCONN, .ok_budget = -1};
	char out[1024];
	assert_int_equal(feed_book_init(&b, syms, 2, 0), 0);
	assert_int_equal(feed_pub_init(&p, &b, "hean:", 1000, 8, fake_send, &s), 0);
	merge(&b, "{\"topic\":\"tickers.ETHUSDT\",\"type\":\"snapshot\",\"ts\":1,\"data\":{"
		  "\"symbol\":\"ETHUSDT\",\"lastPrice\":\"3000\"}}",
	      1);
	feed_pub_tick(&p, &b.t[1]);
	feed_pub_tick(&p, &b.t[1]);
	assert_int_equal(p.count, 2);
	feed_pub_forget(&p, 1);
	feed_book_remove(&b, &b.t[1]);
	assert_int_equal(feed_book_add(&b, "XRPUSDT", 2, &t), 1);
	assert_int_equal(t->idx, 1);
	merge(&b, "{\"topic\":\"tickers.XRPUSDT\",\"type\":\"snapshot\",\"ts\":2,\"data\":{"
		  "\"symbol\":\"XRPUSDT\",\"lastPrice\":\"0.5\"}}",
	      2);
	feed_pub_tick(&p, t);
	s.rc = 0;
	assert_true(feed_pub_flush(&p));
	assert_int_equal(p.orphans, 2);
	assert_int_equal(s.n, 2); /* XRP's XADD and its HSET */
	for (size_t i = 0; i < s.n; i++) {
		decode(s.cmd[i], s.len[i], out, sizeof(out));
		assert_null(strstr(out, "|last|3000|"));
		assert_non_null(strstr(out, "XRPUSDT"));
		assert_non_null(strstr(out, "|n_ticks|1") ? out : strstr(out, "XADD|"));
	}
	sink_clear(&s);
	feed_pub_finish(&p);
	feed_book_finish(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_queue_and_resync),
		cmocka_unit_test(test_removed_symbol_never_lends_its_slot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
