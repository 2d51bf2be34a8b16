/* signals/dedupe: a bounded set of signal ids (int64) that forgets its
 * oldest insertions first. Pure, O(1) per operation: open addressing with
 * linear probing and backward-shift deletion, plus a FIFO ring of
 * insertions for eviction.
 *
 * capacity bounds the memory: when the set holds capacity ids, adding one
 * more evicts the oldest. A removed id leaves a stale ring slot that is
 * skipped when its turn to be evicted comes (so after removals the set
 * may evict a little earlier than capacity; never later). */
#ifndef HEAN_SIGNALS_DEDUPE_H
#define HEAN_SIGNALS_DEDUPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct signals_dedupe;

/* capacity >= 1 (ids remembered). NULL on no memory or capacity 0. */
struct signals_dedupe *signals_dedupe_create(size_t capacity);

/* Frees. NULL is a no-op. */
void signals_dedupe_destroy(struct signals_dedupe *d);

bool signals_dedupe_contains(const struct signals_dedupe *d, int64_t id);

/* Adds id. Returns true if it was new, false if already present (the set
 * is unchanged). May evict the oldest insertion. */
bool signals_dedupe_add(struct signals_dedupe *d, int64_t id);

/* Removes id. Returns true if it was present. */
bool signals_dedupe_remove(struct signals_dedupe *d, int64_t id);

/* Ids currently held. */
size_t signals_dedupe_count(const struct signals_dedupe *d);

/* Ids forgotten so far because the set was full. */
uint64_t signals_dedupe_evicted(const struct signals_dedupe *d);

#endif
