/* fuzz target: Bybit public frames (feed/parse) merged into a ticker book
 * (feed/ticker). The input is JSONL: every line is one frame, applied in
 * order to a fresh book of a few symbols; a line "#reconnect" invalidates
 * the connection (deltas need a new snapshot).
 *
 * Invariants:
 *   - whenever the fast path gives a verdict (not FALLBACK) the jansson
 *     path gives the same one, with the same values (kind, bad kind, why,
 *     type, symbol, ts, cs, the four prices);
 *   - feed_parse = fast, else slow; a ticker is always well-formed
 *     (symbol ^[A-Z0-9]{2,20}$, ts > 0, prices re-validate);
 *   - the book follows a shadow model of the merge rules of ticker.h. */
#include "tests/fuzz/fuzz.h"

#include "feed/parse.h"
#include "feed/ticker.h"

#include <math.h>

static const char *const book_syms[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "AAVEUSDT", "AB",
					"ABCDEFGHIJ0123456789"};
#define N_SYMS (sizeof(book_syms) / sizeof(book_syms[0]))

struct shadow {
	bool valid, has_data;
	struct feed_px px[FEED_PX_N];
	int64_t ts, cs;
	uint64_t updates;
};

static void check_px(const struct feed_px *p, bool allow_absent)
{
	const char *why = NULL;
	struct feed_px again;

	FUZZ_CHECK(p->state <= FEED_FIELD_SET, "state %u", p->state);
	FUZZ_CHECK(allow_absent || p->state != FEED_FIELD_ABSENT, "absent in the book");
	if (p->state != FEED_FIELD_SET) {
		FUZZ_CHECK(p->len == 0 && p->s[0] == '\0', "no value but text '%s'", p->s);
		return;
	}
	FUZZ_CHECK(p->len > 0 && p->len <= FEED_PX_MAX && strlen(p->s) == p->len, "len %u", p->len);
	FUZZ_CHECK(feed_parse_price(p->s, p->len, &again, &why) == 0, "'%s' no longer valid", p->s);
	double v = strtod(p->s, NULL);
	FUZZ_CHECK(isfinite(v) && v > 0, "price '%s' = %g", p->s, v);
}

static bool px_equal(const struct feed_px *a, const struct feed_px *b)
{
	return a->state == b->state && a->len == b->len && strcmp(a->s, b->s) == 0;
}

static void check_msg(const struct feed_msg *m)
{
	FUZZ_CHECK(memchr(m->why, '\0', sizeof(m->why)) != NULL, "why not terminated");
	if (m->kind == FEED_MSG_TICKER) {
		FUZZ_CHECK(feed_symbol_valid(m->symbol, strlen(m->symbol)), "symbol '%s'", m->symbol);
		FUZZ_CHECK(m->ts > 0 && m->cs >= -1, "ts %lld cs %lld", (long long)m->ts,
			   (long long)m->cs);
		FUZZ_CHECK(m->type == FEED_SNAPSHOT || m->type == FEED_DELTA, "type %d", m->type);
		for (int i = 0; i < FEED_PX_N; i++) {
			check_px(&m->px[i], true);
		}
	} else if (m->kind == FEED_MSG_BAD) {
		FUZZ_CHECK(m->bad != FEED_BAD_NONE && m->why[0] != '\0', "bad without a reason");
	} else {
		FUZZ_CHECK(m->kind == FEED_MSG_REPLY, "kind %d", m->kind);
		FUZZ_CHECK(memchr(m->op, '\0', sizeof(m->op)) && memchr(m->ret_msg, '\0', sizeof(m->ret_msg)) &&
				   memchr(m->req_id, '\0', sizeof(m->req_id)),
			   "reply text not terminated");
	}
}

/* fast (when it decides) == slow, field by field */
static void check_same(const struct feed_msg *f, const struct feed_msg *s, const char *buf,
		       size_t len)
{
	FUZZ_CHECK(f->kind == s->kind, "fast %d slow %d on '%.*s'", f->kind, s->kind, (int)len, buf);
	if (f->kind == FEED_MSG_BAD) {
		FUZZ_CHECK(f->bad == s->bad && strcmp(f->why, s->why) == 0,
			   "fast %d '%s' slow %d '%s'", f->bad, f->why, s->bad, s->why);
		return;
	}
	FUZZ_CHECK(f->kind == FEED_MSG_TICKER, "fast path returned kind %d", f->kind);
	FUZZ_CHECK(f->type == s->type && strcmp(f->symbol, s->symbol) == 0 && f->ts == s->ts &&
			   f->cs == s->cs,
		   "envelope differs on '%.*s'", (int)len, buf);
	for (int i = 0; i < FEED_PX_N; i++) {
		FUZZ_CHECK(px_equal(&f->px[i], &s->px[i]), "price %d: fast '%s' slow '%s'", i,
			   f->px[i].s, s->px[i].s);
	}
}

static void apply(struct feed_book *b, struct shadow *sh, const struct feed_msg *m, int64_t now)
{
	struct feed_ticker *t = NULL;
	enum feed_merge r = feed_book_apply(b, m, now, &t);
	struct feed_ticker *known = feed_book_find(b, m->symbol, strlen(m->symbol));

	if (!known) {
		FUZZ_CHECK(r == FEED_MERGE_UNKNOWN_SYMBOL && t == NULL, "unknown symbol merged");
		return;
	}
	struct shadow *e = &sh[known->idx];
	if (m->type == FEED_DELTA && !e->valid) {
		FUZZ_CHECK(r == FEED_MERGE_NO_SNAPSHOT && t == NULL, "delta before snapshot: %d", r);
	} else {
		FUZZ_CHECK(r == FEED_MERGE_OK && t == known, "merge %d", r);
		for (int i = 0; i < FEED_PX_N; i++) {
			if (m->type == FEED_SNAPSHOT) {
				e->px[i] = m->px[i];
				if (e->px[i].state != FEED_FIELD_SET) {
					memset(&e->px[i], 0, sizeof(e->px[i]));
					e->px[i].state = FEED_FIELD_EMPTY;
				}
			} else if (m->px[i].state != FEED_FIELD_ABSENT) {
				e->px[i] = m->px[i];
			}
		}
		if (m->type == FEED_SNAPSHOT) {
			e->valid = true;
			e->ts = m->ts;
		} else if (m->ts > e->ts) {
			e->ts = m->ts;
		}
		if (m->cs >= 0) {
			e->cs = m->cs;
		}
		e->has_data = true;
		e->updates++;
		FUZZ_CHECK(t->recv_us == now, "recv_us");
	}
	FUZZ_CHECK(known->valid == e->valid && known->has_data == e->has_data &&
			   known->updates == e->updates,
		   "flags of %s", known->symbol);
	if (e->has_data) {
		FUZZ_CHECK(known->ts == e->ts && known->cs == e->cs, "ts/cs of %s", known->symbol);
		for (int i = 0; i < FEED_PX_N; i++) {
			check_px(&known->px[i], false);
			FUZZ_CHECK(px_equal(&known->px[i], &e->px[i]), "%s px %d: book '%s' model '%s'",
				   known->symbol, i, known->px[i].s, e->px[i].s);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_book b;
	struct shadow sh[N_SYMS];
	int64_t now = 1;

	memset(sh, 0, sizeof(sh));
	for (size_t i = 0; i < N_SYMS; i++) {
		sh[i].cs = 0;
	}
	FUZZ_CHECK(feed_book_init(&b, book_syms, N_SYMS, 0) == 0, "book init");
	FUZZ_CHECK(b.n == N_SYMS, "book size");

	for (size_t pos = 0; pos <= size;) {
		const uint8_t *nl = size > pos ? memchr(data + pos, '\n', size - pos) : NULL;
		size_t len = (nl ? (size_t)(nl - data) : size) - pos;
		char *line = fuzz_dup(data + pos, len, false);
		struct feed_msg mf, ms, m;

		pos += len + 1;
		now++;
		if (len == 10 && memcmp(line, "#reconnect", 10) == 0) {
			size_t n = feed_book_invalidate_conn(&b, 0);
			size_t expect = 0;
			for (size_t i = 0; i < N_SYMS; i++) {
				expect += sh[i].valid;
				sh[i].valid = false;
			}
			FUZZ_CHECK(n == expect, "invalidated %zu, model %zu", n, expect);
			free(line);
			continue;
		}
		memset(&mf, 0xa5, sizeof(mf));
		memset(&ms, 0x5a, sizeof(ms));
		enum feed_msg_kind kf = feed_parse_fast(line, len, &mf);
		enum feed_msg_kind ks = feed_parse_slow(line, len, &ms);
		enum feed_msg_kind k = feed_parse(line, len, &m);

		FUZZ_CHECK(kf == mf.kind && ks == ms.kind && k == m.kind, "return != kind");
		FUZZ_CHECK(ks != FEED_MSG_FALLBACK, "slow path fell back");
		check_msg(&ms);
		if (kf != FEED_MSG_FALLBACK) {
			check_msg(&mf);
			check_same(&mf, &ms, line, len);
			FUZZ_CHECK(k == kf, "feed_parse %d, fast %d", k, kf);
		} else {
			FUZZ_CHECK(k == ks, "feed_parse %d, slow %d", k, ks);
		}
		if (k == FEED_MSG_TICKER) {
			apply(&b, sh, &m, now);
		}
		free(line);
	}
	feed_book_finish(&b);
	return 0;
}
