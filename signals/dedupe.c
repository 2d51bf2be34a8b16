/* signals/dedupe: bounded id set with FIFO eviction. See dedupe.h. The
 * set is common/idset (tag = insertion number); this file adds the ring
 * of insertions that decides which id to forget first. */
#include "signals/dedupe.h"

#include "common/idset.h"

#include <stdlib.h>

struct signals_dedupe {
	struct hean_idset *ids; /* owned: sized for cap, never grows */
	int64_t *ring;          /* owned: cap ids, slot (seq - 1) % cap */
	size_t cap;
	uint64_t head_seq;      /* oldest insertion still in the ring */
	uint64_t next_seq;      /* next insertion number (starts at 1) */
	uint64_t evicted;
};

/* Creates the set; see dedupe.h. */
struct signals_dedupe *signals_dedupe_create(size_t capacity)
{
	struct signals_dedupe *d;

	if (capacity == 0 || capacity > ((size_t)1 << 28)) {
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		return NULL;
	}
	d->ids = hean_idset_create(capacity);
	d->ring = calloc(capacity, sizeof(*d->ring));
	if (!d->ids || !d->ring) {
		signals_dedupe_destroy(d);
		return NULL;
	}
	d->cap = capacity;
	d->head_seq = 1;
	d->next_seq = 1;
	return d;
}

/* Frees the set. */
void signals_dedupe_destroy(struct signals_dedupe *d)
{
	if (!d) {
		return;
	}
	hean_idset_destroy(d->ids);
	free(d->ring);
	free(d);
}

bool signals_dedupe_contains(const struct signals_dedupe *d, int64_t id)
{
	return hean_idset_contains(d->ids, id);
}

/* Forgets the oldest insertion, unless that id was removed (and maybe
 * added again later: then its tag is a newer insertion number). */
static void evict_oldest(struct signals_dedupe *d)
{
	int64_t old = d->ring[(d->head_seq - 1) % d->cap];
	uint64_t seq;

	if (hean_idset_find(d->ids, old, &seq) && seq == d->head_seq) {
		hean_idset_remove(d->ids, old);
		d->evicted++;
	}
	d->head_seq++;
}

/* Adds id; see dedupe.h. */
bool signals_dedupe_add(struct signals_dedupe *d, int64_t id)
{
	if (hean_idset_contains(d->ids, id)) {
		return false;
	}
	if (d->next_seq - d->head_seq == d->cap) {
		evict_oldest(d);
	}
	/* sized for cap ids at most half full: never grows, never fails */
	(void)hean_idset_add(d->ids, id, d->next_seq);
	d->ring[(d->next_seq - 1) % d->cap] = id;
	d->next_seq++;
	return true;
}

/* Removes id; see dedupe.h. */
bool signals_dedupe_remove(struct signals_dedupe *d, int64_t id)
{
	return hean_idset_remove(d->ids, id);
}

size_t signals_dedupe_count(const struct signals_dedupe *d)
{
	return hean_idset_count(d->ids);
}

uint64_t signals_dedupe_evicted(const struct signals_dedupe *d)
{
	return d->evicted;
}
