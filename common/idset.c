/* common/idset: int64 id set, linear probing, backward-shift deletion.
 * See idset.h. */
#include "common/idset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IDSET_MIN_SLOTS 16
#define IDSET_MAX_SLOTS ((size_t)1 << 29)

struct idslot {
	int64_t id;
	uint64_t tag;
	bool used;
};

struct hean_idset {
	struct idslot *t; /* owned: mask + 1 slots, a power of two */
	size_t mask;
	size_t count;
};

uint64_t hean_idset_hash(int64_t id)
{
	uint64_t x = (uint64_t)id + 0x9e3779b97f4a7c15ULL; /* splitmix64 */

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The slot holding id, or the empty slot where it would go. */
static size_t probe(const struct idslot *t, size_t mask, int64_t id)
{
	size_t i = (size_t)hean_idset_hash(id) & mask;

	while (t[i].used && t[i].id != id) {
		i = (i + 1) & mask;
	}
	return i;
}

/* Slots for n ids at most half full. 0: too many. */
static size_t slots_for(size_t n)
{
	size_t size = IDSET_MIN_SLOTS;

	while (size < 2 * n) {
		if (size >= IDSET_MAX_SLOTS) {
			return 0;
		}
		size <<= 1;
	}
	return size;
}

struct hean_idset *hean_idset_create(size_t expected)
{
	struct hean_idset *s;
	size_t size = slots_for(expected);

	if (!size) {
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		return NULL;
	}
	s->t = calloc(size, sizeof(*s->t));
	if (!s->t) {
		free(s);
		return NULL;
	}
	s->mask = size - 1;
	return s;
}

void hean_idset_destroy(struct hean_idset *s)
{
	if (!s) {
		return;
	}
	free(s->t);
	free(s);
}

static int grow(struct hean_idset *s)
{
	size_t size = (s->mask + 1) * 2;
	struct idslot *t;

	if (size > IDSET_MAX_SLOTS) {
		return -ENOMEM;
	}
	t = calloc(size, sizeof(*t));
	if (!t) {
		return -ENOMEM;
	}
	for (size_t i = 0; i <= s->mask; i++) {
		if (s->t[i].used) {
			t[probe(t, size - 1, s->t[i].id)] = s->t[i];
		}
	}
	free(s->t);
	s->t = t;
	s->mask = size - 1;
	return 0;
}

int hean_idset_add(struct hean_idset *s, int64_t id, uint64_t tag)
{
	size_t i = probe(s->t, s->mask, id);

	if (s->t[i].used) {
		return 0;
	}
	if ((s->count + 1) * 2 > s->mask + 1) {
		if (grow(s) < 0) {
			return -ENOMEM;
		}
		i = probe(s->t, s->mask, id);
	}
	s->t[i].id = id;
	s->t[i].tag = tag;
	s->t[i].used = true;
	s->count++;
	return 1;
}

bool hean_idset_find(const struct hean_idset *s, int64_t id, uint64_t *tag)
{
	const struct idslot *e = &s->t[probe(s->t, s->mask, id)];

	if (e->used && tag) {
		*tag = e->tag;
	}
	return e->used;
}

bool hean_idset_contains(const struct hean_idset *s, int64_t id)
{
	return hean_idset_find(s, id, NULL);
}

/* Backward-shift deletion: keeps every probe chain unbroken. */
static void delete_at(struct hean_idset *s, size_t i)
{
	size_t j = i;

	for (;;) {
		size_t k;
		bool stays;

		j = (j + 1) & s->mask;
		if (!s->t[j].used) {
			break;
		}
		k = (size_t)hean_idset_hash(s->t[j].id) & s->mask;
		stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (stays) {
			continue;
		}
		s->t[i] = s->t[j];
		i = j;
	}
	memset(&s->t[i], 0, sizeof(s->t[i]));
	s->count--;
}

bool hean_idset_remove(struct hean_idset *s, int64_t id)
{
	size_t i = probe(s->t, s->mask, id);

	if (!s->t[i].used) {
		return false;
	}
	delete_at(s, i);
	return true;
}

void hean_idset_clear(struct hean_idset *s)
{
	memset(s->t, 0, (s->mask + 1) * sizeof(*s->t));
	s->count = 0;
}

size_t hean_idset_count(const struct hean_idset *s)
{
	return s->count;
}
