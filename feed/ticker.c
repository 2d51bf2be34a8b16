/* feed/ticker: see ticker.h. */
#include "feed/ticker.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint32_t hash_sym(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

struct feed_ticker *feed_book_find(const struct feed_book *b, const char *sym, size_t len)
{
	if (b->slots == NULL) {
		return NULL;
	}
	for (size_t i = hash_sym(sym, len) & b->mask;; i = (i + 1) & b->mask) {
		uint32_t v = b->slots[i];
		if (v == 0) {
			return NULL;
		}
		struct feed_ticker *t = &b->t[v - 1];
		if (t->sym_len == len && memcmp(t->symbol, sym, len) == 0) {
			return t;
		}
	}
}

static void index_put(struct feed_book *b, const struct feed_ticker *t)
{
	size_t i = hash_sym(t->symbol, t->sym_len) & b->mask;
	while (b->slots[i] != 0) {
		i = (i + 1) & b->mask;
	}
	b->slots[i] = t->idx + 1;
}

int feed_book_init(struct feed_book *b, const char *const *symbols, size_t n, int64_t now_ms)
{
	size_t cap = n > FEED_BOOK_CAP ? n : FEED_BOOK_CAP, slots = 4;
	struct feed_ticker *t;

	memset(b, 0, sizeof(*b));
	while (slots < 2 * cap + 2) {
		slots *= 2;
	}
	b->t = calloc(cap, sizeof(*b->t));
	b->slots = calloc(slots, sizeof(*b->slots));
	if (b->t == NULL || b->slots == NULL) {
		feed_book_finish(b);
		return -ENOMEM;
	}
	b->cap = cap;
	b->mask = slots - 1;
	for (size_t k = 0; k < n; k++) {
		if (feed_book_add(b, symbols[k], now_ms, &t) < 0) {
			feed_book_finish(b);
			return -EINVAL;
		}
	}
	return 0;
}

int feed_book_add(struct feed_book *b, const char *sym, int64_t now_ms, struct feed_ticker **out)
{
	size_t len = strlen(sym), k;
	struct feed_ticker *t;
	uint32_t gen;

	*out = NULL;
	if (!feed_symbol_valid(sym, len)) {
		return -EINVAL;
	}
	t = feed_book_find(b, sym, len);
	if (t != NULL) {
		*out = t;
		return 0;
	}
	for (k = 0; k < b->n && b->t[k].used; k++) {
	}
	if (k == b->cap) {
		return -ENOSPC;
	}
	t = &b->t[k];
	gen = t->gen + 1;
	memset(t, 0, sizeof(*t));
	memcpy(t->symbol, sym, len + 1);
	t->sym_len = (uint8_t)len;
	t->idx = (uint32_t)k;
	t->gen = gen;
	t->used = true;
	feed_stale_init(&t->stale, now_ms);
	index_put(b, t);
	if (k == b->n) {
		b->n++;
	}
	b->live++;
	*out = t;
	return 1;
}

void feed_book_remove(struct feed_book *b, struct feed_ticker *t)
{
	if (!t->used) {
		return;
	}
	t->used = false;
	t->valid = false;
	t->has_data = false;
	t->symbol[0] = '\0';
	t->sym_len = 0;
	b->live--;
	while (b->n > 0 && !b->t[b->n - 1].used) {
		b->n--;
	}
	/* rebuild the index: removals are rare (a grace period apart) */
	memset(b->slots, 0, (b->mask + 1) * sizeof(*b->slots));
	for (size_t i = 0; i < b->n; i++) {
		if (b->t[i].used) {
			index_put(b, &b->t[i]);
		}
	}
}

void feed_book_finish(struct feed_book *b)
{
	free(b->t);
	free(b->slots);
	memset(b, 0, sizeof(*b));
}

enum feed_merge feed_book_apply(struct feed_book *b, const struct feed_msg *m, int64_t recv_us,
				struct feed_ticker **out)
{
	struct feed_ticker *t = feed_book_find(b, m->symbol, strlen(m->symbol));

	*out = NULL;
	if (t == NULL) {
		return FEED_MERGE_UNKNOWN_SYMBOL;
	}
	if (m->type == FEED_SNAPSHOT) {
		for (int i = 0; i < FEED_PX_N; i++) {
			t->px[i] = m->px[i];
			if (t->px[i].state != FEED_FIELD_SET) {
				t->px[i].state = FEED_FIELD_EMPTY;
				t->px[i].len = 0;
				t->px[i].s[0] = '\0';
			}
		}
		t->valid = true;
		t->ts = m->ts;
	} else {
		if (!t->valid) {
			return FEED_MERGE_NO_SNAPSHOT;
		}
		for (int i = 0; i < FEED_PX_N; i++) {
			if (m->px[i].state != FEED_FIELD_ABSENT) {
				t->px[i] = m->px[i];
			}
		}
		if (m->ts > t->ts) {
			t->ts = m->ts;
		}
	}
	if (m->cs >= 0) {
		t->cs = m->cs;
	}
	t->recv_us = recv_us;
	t->has_data = true;
	t->updates++;
	*out = t;
	return FEED_MERGE_OK;
}

size_t feed_book_invalidate_conn(struct feed_book *b, uint32_t conn)
{
	size_t n = 0;
	for (size_t i = 0; i < b->n; i++) {
		if (b->t[i].used && b->t[i].conn == conn && b->t[i].valid) {
			b->t[i].valid = false;
			n++;
		}
	}
	return n;
}
