/* common/idset: a set of int64 ids (signal ids, order ids), each with a
 * 64-bit tag the owner may use (an insertion number, say) or ignore.
 * Open addressing with linear probing, backward-shift deletion (no
 * tombstones), one hash function (splitmix64's finalizer). The table grows
 * by doubling to stay at most half full, so every operation is O(1) on
 * average; pre-size it with hean_idset_create(n) when the bound is known
 * and no growth is wanted in steady state.
 *
 * Used by signals/dedupe.c (bounded, FIFO eviction on top, tag = insertion
 * number) and meant for the waves signal index (growable, cleared and
 * refilled after a prune). */
#ifndef HEAN_COMMON_IDSET_H
#define HEAN_COMMON_IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hean_idset;

/* A set sized for expected ids without growing (0: a small default).
 * NULL on no memory or an absurd size (> 2^28). */
struct hean_idset *hean_idset_create(size_t expected);

/* Frees. NULL is a no-op. */
void hean_idset_destroy(struct hean_idset *s);

/* Adds id with tag. Returns 1 if it was new, 0 if already present (set
 * and tag unchanged), -ENOMEM if the table had to grow and could not (the
 * set is unchanged). */
int hean_idset_add(struct hean_idset *s, int64_t id, uint64_t tag);

bool hean_idset_contains(const struct hean_idset *s, int64_t id);

/* true and *tag (may be NULL) if id is present. */
bool hean_idset_find(const struct hean_idset *s, int64_t id, uint64_t *tag);

/* Removes id. Returns true if it was present. */
bool hean_idset_remove(struct hean_idset *s, int64_t id);

/* Empties the set; keeps its table. */
void hean_idset_clear(struct hean_idset *s);

/* Ids held. */
size_t hean_idset_count(const struct hean_idset *s);

/* The hash every id table in hean uses. */
uint64_t hean_idset_hash(int64_t id);

#endif
