/* feed/publish: see publish.h. RESP is written by hand: a bulk string is
 * "$<len>\r\n<bytes>\r\n"; an array header "*<n>\r\n". */
#include "feed/publish.h"
#include "common/keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======================= RESP writers ==================================== */

static char *put_u64(char *o, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0) {
		*o++ = tmp[--n];
	}
	return o;
}

static char *put_raw(char *o, const char *s, size_t len)
{
	memcpy(o, s, len);
	return o + len;
}

static char *put_bulk(char *o, const char *s, size_t len)
{
	*o++ = '$';
	o = put_u64(o, len);
	*o++ = '\r';
	*o++ = '\n';
	o = put_raw(o, s, len);
	*o++ = '\r';
	*o++ = '\n';
	return o;
}

/* A constant bulk string: "$<n>\r\n<lit>\r\n" */
#define PUT_LIT(o, lit) put_raw(o, lit, sizeof(lit) - 1)
/* A field name of common/keys.h as one bulk string. The names are under
 * 10 bytes (checked at compile time), so the length is one digit and
 * nothing is formatted per message on this path. */
static char *put_short(char *o, const char *s, size_t len)
{
	*o++ = '$';
	*o++ = (char)('0' + len);
	*o++ = '\r';
	*o++ = '\n';
	o = put_raw(o, s, len);
	*o++ = '\r';
	*o++ = '\n';
	return o;
}
#define PUT_NAME(o, name) \
	put_short(o, name, sizeof(name) - 1 + 0 * sizeof(char[sizeof(name) <= 10 ? 1 : -1]))

static char *put_i64_bulk(char *o, int64_t v)
{
	char tmp[24];
	char *e = tmp;
	if (v < 0) {
		*e++ = '-';
		e = put_u64(e, (uint64_t)(-(v + 1)) + 1);
	} else {
		e = put_u64(e, (uint64_t)v);
	}
	return put_bulk(o, tmp, (size_t)(e - tmp));
}

/* The 14 field/value arguments shared by XADD and HSET. */
static char *put_fields(const struct feed_pub *p, const struct feed_pub_rec *r, char *o)
{
	const struct feed_ticker *t = &p->book->t[r->idx];
	o = PUT_NAME(o, HEAN_FIELD_SYMBOL);
	o = put_bulk(o, t->symbol, t->sym_len);
	o = PUT_NAME(o, HEAN_FIELD_LAST);
	o = put_bulk(o, r->px[FEED_PX_LAST].s, r->px[FEED_PX_LAST].len);
	o = PUT_NAME(o, HEAN_FIELD_BID);
	o = put_bulk(o, r->px[FEED_PX_BID].s, r->px[FEED_PX_BID].len);
	o = PUT_NAME(o, HEAN_FIELD_ASK);
	o = put_bulk(o, r->px[FEED_PX_ASK].s, r->px[FEED_PX_ASK].len);
	o = PUT_NAME(o, HEAN_FIELD_MARK);
	o = put_bulk(o, r->px[FEED_PX_MARK].s, r->px[FEED_PX_MARK].len);
	o = PUT_NAME(o, HEAN_FIELD_TS);
	o = put_i64_bulk(o, r->ts);
	o = PUT_NAME(o, HEAN_FIELD_RECV_US);
	o = put_i64_bulk(o, r->recv_us);
	return o;
}

size_t feed_pub_format_xadd(const struct feed_pub *p, const struct feed_pub_rec *r, char *buf)
{
	char *o = put_raw(buf, p->xadd_head, p->xadd_head_len);
	o = put_fields(p, r, o);
	return (size_t)(o - buf);
}

size_t feed_pub_format_hset(const struct feed_pub *p, const struct feed_pub_rec *r, char *buf)
{
	const struct feed_ticker *t = &p->book->t[r->idx];
	char *o = PUT_LIT(buf, "*18\r\n$4\r\nHSET\r\n$");
	o = put_u64(o, p->hset_key_len + t->sym_len);
	*o++ = '\r';
	*o++ = '\n';
	o = put_raw(o, p->hset_key, p->hset_key_len);
	o = put_raw(o, t->symbol, t->sym_len);
	*o++ = '\r';
	*o++ = '\n';
	o = put_fields(p, r, o);
	o = PUT_NAME(o, HEAN_FIELD_N_TICKS);
	o = put_i64_bulk(o, p->sym_ticks ? (int64_t)p->sym_ticks[r->idx] : 0);
	return (size_t)(o - buf);
}

void feed_pub_rec_of(const struct feed_ticker *t, struct feed_pub_rec *r)
{
	r->idx = t->idx;
	r->gen = t->gen;
	r->ts = t->ts;
	r->recv_us = t->recv_us;
	for (int i = 0; i < FEED_PX_N; i++) {
		r->px[i].state = t->px[i].state;
		r->px[i].len = t->px[i].state == FEED_FIELD_SET ? t->px[i].len : 0;
		memcpy(r->px[i].s, t->px[i].s, r->px[i].len);
		r->px[i].s[r->px[i].len] = '\0';
	}
}

/* ======================= lifecycle ======================================= */

int feed_pub_init(struct feed_pub *p, const struct feed_book *book, const char *prefix,
		  long maxlen, size_t queue_cap, feed_pub_send_fn *send, void *ctx)
{
	char key[80];
	char *o;
	size_t plen = strlen(prefix);

	memset(p, 0, sizeof(*p));
	if (plen > 48 || queue_cap == 0) {
		return -EINVAL;
	}
	p->book = book;
	p->send = send;
	p->ctx = ctx;
	p->cap = queue_cap;
	p->q = calloc(queue_cap, sizeof(*p->q));
	p->dirty = calloc(book->cap ? book->cap : 1, sizeof(*p->dirty));
	p->is_dirty = calloc(book->cap ? book->cap : 1, 1);
	p->sym_ticks = calloc(book->cap ? book->cap : 1, sizeof(*p->sym_ticks));
	if (p->q == NULL || p->dirty == NULL || p->is_dirty == NULL || p->sym_ticks == NULL) {
		feed_pub_finish(p);
		return -ENOMEM;
	}
	snprintf(key, sizeof(key), "%s" HEAN_KEY_TICKS, prefix);
	o = put_raw(p->xadd_head, maxlen > 0 ? "*20\r\n" : "*17\r\n", 5);
	o = PUT_LIT(o, "$4\r\nXADD\r\n");
	o = put_bulk(o, key, strlen(key));
	if (maxlen > 0) {
		o = PUT_LIT(o, "$6\r\nMAXLEN\r\n$1\r\n~\r\n");
		o = put_i64_bulk(o, maxlen);
	}
	o = PUT_LIT(o, "$1\r\n*\r\n");
	p->xadd_head_len = (size_t)(o - p->xadd_head);
	p->hset_key_len = (size_t)snprintf(p->hset_key, sizeof(p->hset_key), "%s" HEAN_KEY_TICKER_PREFIX, prefix);
	return 0;
}

void feed_pub_finish(struct feed_pub *p)
{
	free(p->q);
	free(p->dirty);
	free(p->is_dirty);
	free(p->sym_ticks);
	p->sym_ticks = NULL;
	p->q = NULL;
	p->dirty = NULL;
	p->is_dirty = NULL;
}

/* ======================= queue and flushing ============================== */

static void mark_dirty(struct feed_pub *p, uint32_t idx)
{
	if (!p->is_dirty[idx]) {
		p->is_dirty[idx] = 1;
		p->dirty[p->n_dirty++] = idx;
	}
}

static void enqueue(struct feed_pub *p, const struct feed_pub_rec *r)
{
	if (p->count == p->cap) {
		p->head = (p->head + 1) % p->cap; /* drop the oldest */
		p->count--;
		p->dropped++;
	}
	p->q[(p->head + p->count) % p->cap] = *r;
	p->count++;
	if (p->count > p->queue_peak) {
		p->queue_peak = p->count;
	}
}

static int send_xadd(struct feed_pub *p, const struct feed_pub_rec *r)
{
	const struct feed_ticker *t = &p->book->t[r->idx];
	if (!t->used || t->gen != r->gen) {
		p->orphans++;
		return 0; /* its symbol left the book: nothing to send */
	}
	size_t n = feed_pub_format_xadd(p, r, p->buf);
	int rc = p->send(p->ctx, p->buf, n, r->recv_us);
	if (rc == 0) {
		p->xadds++;
	}
	return rc;
}

void feed_pub_tick(struct feed_pub *p, const struct feed_ticker *t)
{
	struct feed_pub_rec r;

	p->ticks++;
	p->sym_ticks[t->idx]++;
	mark_dirty(p, t->idx);
	feed_pub_rec_of(t, &r);
	if (p->count > 0 || send_xadd(p, &r) != 0) {
		enqueue(p, &r);
	}
}

bool feed_pub_flush(struct feed_pub *p)
{
	while (p->count > 0) {
		if (send_xadd(p, &p->q[p->head]) != 0) {
			return false;
		}
		p->head = (p->head + 1) % p->cap;
		p->count--;
	}
	while (p->n_dirty > 0) {
		uint32_t idx = p->dirty[p->n_dirty - 1];
		struct feed_pub_rec r;
		if (!p->book->t[idx].used || !p->book->t[idx].has_data) {
			p->is_dirty[idx] = 0;
			p->n_dirty--;
			continue;
		}
		feed_pub_rec_of(&p->book->t[idx], &r);
		size_t n = feed_pub_format_hset(p, &r, p->buf);
		if (p->send(p->ctx, p->buf, n, 0) != 0) {
			return false;
		}
		p->hsets++;
		p->is_dirty[idx] = 0;
		p->n_dirty--;
	}
	return true;
}

void feed_pub_forget(struct feed_pub *p, uint32_t idx)
{
	p->sym_ticks[idx] = 0;
}

void feed_pub_resync(struct feed_pub *p)
{
	for (size_t i = 0; i < p->book->n; i++) {
		if (p->book->t[i].used && p->book->t[i].has_data) {
			mark_dirty(p, (uint32_t)i);
		}
	}
}
