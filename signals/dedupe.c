/* signals/dedupe: bounded id set with FIFO eviction. See dedupe.h. */
#include "signals/dedupe.h"

#include <stdlib.h>

struct slot {
	int64_t id;
	uint64_t seq; /* insertion number; 0 = empty */
};

struct signals_dedupe {
	struct slot *table; /* owned: size mask + 1, a power of two >= 2 * cap */
	size_t mask;
	int64_t *ring;      /* owned: cap ids, slot (seq - 1) % cap */
	size_t cap;
	uint64_t head_seq;  /* oldest insertion still in the ring */
	uint64_t next_seq;  /* next insertion number (starts at 1) */
	size_t count;
	uint64_t evicted;
};

static size_t hash_id(int64_t id)
{
	uint64_t x = (uint64_t)id + 0x9e3779b97f4a7c15ULL; /* splitmix64 */

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (size_t)(x ^ (x >> 31));
}

/* Creates the set; see dedupe.h. */
struct signals_dedupe *signals_dedupe_create(size_t capacity)
{
	struct signals_dedupe *d;
	size_t size = 16;

	if (capacity == 0 || capacity > ((size_t)1 << 28)) {
		return NULL;
	}
	while (size < 2 * capacity) {
		size <<= 1;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		return NULL;
	}
	d->table = calloc(size, sizeof(*d->table));
	d->ring = calloc(capacity, sizeof(*d->ring));
	if (!d->table || !d->ring) {
		signals_dedupe_destroy(d);
		return NULL;
	}
	d->mask = size - 1;
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
	free(d->table);
	free(d->ring);
	free(d);
}

/* Slot index holding id, or SIZE_MAX. */
static size_t find(const struct signals_dedupe *d, int64_t id)
{
	for (size_t i = hash_id(id) & d->mask;; i = (i + 1) & d->mask) {
		if (d->table[i].seq == 0) {
			return SIZE_MAX;
		}
		if (d->table[i].id == id) {
			return i;
		}
	}
}

/* Backward-shift deletion: keeps every probe chain unbroken. */
static void delete_at(struct signals_dedupe *d, size_t i)
{
	size_t j = i;

	for (;;) {
		j = (j + 1) & d->mask;
		if (d->table[j].seq == 0) {
			break;
		}
		size_t k = hash_id(d->table[j].id) & d->mask;
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (stays) {
			continue;
		}
		d->table[i] = d->table[j];
		i = j;
	}
	d->table[i].seq = 0;
	d->table[i].id = 0;
	d->count--;
}

bool signals_dedupe_contains(const struct signals_dedupe *d, int64_t id)
{
	return find(d, id) != SIZE_MAX;
}

/* Adds id; see dedupe.h. */
bool signals_dedupe_add(struct signals_dedupe *d, int64_t id)
{
	size_t i;

	if (find(d, id) != SIZE_MAX) {
		return false;
	}
	if (d->next_seq - d->head_seq == d->cap) {
		int64_t old = d->ring[(d->head_seq - 1) % d->cap];
		size_t at = find(d, old);

		if (at != SIZE_MAX && d->table[at].seq == d->head_seq) {
			delete_at(d, at);
			d->evicted++;
		}
		d->head_seq++;
	}
	for (i = hash_id(id) & d->mask; d->table[i].seq != 0; i = (i + 1) & d->mask) {
	}
	d->table[i].id = id;
	d->table[i].seq = d->next_seq;
	d->ring[(d->next_seq - 1) % d->cap] = id;
	d->next_seq++;
	d->count++;
	return true;
}

/* Removes id; see dedupe.h. */
bool signals_dedupe_remove(struct signals_dedupe *d, int64_t id)
{
	size_t at = find(d, id);

	if (at == SIZE_MAX) {
		return false;
	}
	delete_at(d, at);
	return true;
}

size_t signals_dedupe_count(const struct signals_dedupe *d)
{
	return d->count;
}

uint64_t signals_dedupe_evicted(const struct signals_dedupe *d)
{
	return d->evicted;
}
