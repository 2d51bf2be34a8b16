/* feed/universe: see universe.h. */
#include "feed/universe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct feed_uni_sym *find(struct feed_universe *u, const char *sym)
{
	for (size_t i = 0; i < u->n; i++) {
		if (strcmp(u->v[i].sym, sym) == 0) {
			return &u->v[i];
		}
	}
	return NULL;
}

static struct feed_uni_sym *get(struct feed_universe *u, const char *sym, int *err)
{
	size_t len = strlen(sym);
	struct feed_uni_sym *e;

	if (!feed_symbol_valid(sym, len)) {
		*err = -EINVAL;
		return NULL;
	}
	e = find(u, sym);
	if (e != NULL) {
		return e;
	}
	if (u->n == u->cap) {
		*err = -ENOSPC;
		return NULL;
	}
	e = &u->v[u->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->sym, sym, len + 1);
	return e;
}

int feed_uni_init(struct feed_universe *u, size_t cap, int64_t grace_ms, int64_t retry_ms)
{
	memset(u, 0, sizeof(*u));
	u->v = calloc(cap ? cap : 1, sizeof(*u->v));
	if (u->v == NULL) {
		return -ENOMEM;
	}
	u->cap = cap;
	u->grace_ms = grace_ms;
	u->retry_ms = retry_ms;
	return 0;
}

void feed_uni_finish(struct feed_universe *u)
{
	free(u->v);
	memset(u, 0, sizeof(*u));
}

int feed_uni_add_static(struct feed_universe *u, const char *sym)
{
	int err = 0;
	struct feed_uni_sym *e = get(u, sym, &err);

	if (e == NULL) {
		return err;
	}
	e->src |= FEED_UNI_STATIC;
	return 0;
}

int feed_uni_set(struct feed_universe *u, uint8_t source, const char *const *syms, size_t n)
{
	int bad = 0, err = 0;
	bool full = false;

	for (size_t i = 0; i < u->n; i++) {
		u->v[i].src &= (uint8_t)~source;
	}
	for (size_t k = 0; k < n; k++) {
		struct feed_uni_sym *e = get(u, syms[k], &err);
		if (e != NULL) {
			e->src |= source;
		} else if (err == -ENOSPC) {
			full = true;
		} else {
			bad++;
		}
	}
	return full ? -ENOSPC : bad;
}

void feed_uni_reject(struct feed_universe *u, const char *sym, int64_t now_ms)
{
	struct feed_uni_sym *e = find(u, sym);

	if (e != NULL) {
		e->rejected_ms = now_ms ? now_ms : 1;
		e->in_book = false; /* the caller has dropped it */
		e->unwanted_ms = 0;
	}
}

static bool refused(const struct feed_universe *u, const struct feed_uni_sym *e, int64_t now)
{
	return e->rejected_ms != 0 && now - e->rejected_ms < u->retry_ms;
}

static void put(struct feed_uni_change *c, enum feed_uni_action a, const struct feed_uni_sym *e)
{
	c->action = a;
	memcpy(c->sym, e->sym, sizeof(c->sym));
	c->src = a == FEED_UNI_ADD ? e->src : 0;
}

size_t feed_uni_plan(struct feed_universe *u, int64_t now_ms, struct feed_uni_change *out,
		     size_t max)
{
	size_t k = 0, w = 0;

	for (size_t i = 0; i < u->n; i++) {
		struct feed_uni_sym *e = &u->v[i];
		bool out_now = refused(u, e, now_ms);

		if (!out_now && e->rejected_ms != 0) {
			e->rejected_ms = 0; /* retry period over */
		}
		if (e->src != 0 && !out_now) {
			e->unwanted_ms = 0;
			if (!e->in_book && k < max) {
				put(&out[k++], FEED_UNI_ADD, e);
				e->in_book = true;
			}
		} else if (e->in_book) {
			if (e->unwanted_ms == 0) {
				e->unwanted_ms = now_ms;
			}
			if ((out_now || now_ms - e->unwanted_ms >= u->grace_ms) && k < max) {
				put(&out[k++], FEED_UNI_DROP, e);
				e->in_book = false;
				e->unwanted_ms = 0;
			}
		}
	}
	/* forget what is neither named, nor subscribed, nor held out */
	for (size_t i = 0; i < u->n; i++) {
		const struct feed_uni_sym *e = &u->v[i];
		if (e->src != 0 || e->in_book || e->rejected_ms != 0) {
			if (w != i) {
				u->v[w] = *e;
			}
			w++;
		}
	}
	u->n = w;
	return k;
}

size_t feed_uni_count(const struct feed_universe *u, uint8_t source)
{
	size_t n = 0;
	for (size_t i = 0; i < u->n; i++) {
		if (u->v[i].in_book && (source == 0 || (u->v[i].src & source))) {
			n++;
		}
	}
	return n;
}
