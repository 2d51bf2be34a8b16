/* common/backoff: exponential backoff with jitter, pure.
 *
 * The table gives the base delay of each try; the last entry repeats
 * forever (never gives up). Jitter: the delay is scaled by a factor in
 * [1 - jitter_pct/100, 1 + jitter_pct/100], chosen by the caller's random
 * value rnd (0..65535), so tests are deterministic. Reset only once the
 * link has proven useful (subscription ack, auth success, PING reply),
 * never on TCP connect. */
#ifndef HEAN_COMMON_BACKOFF_H
#define HEAN_COMMON_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

struct hean_backoff_policy {
	const uint32_t *table_ms;
	uint16_t table_len;
	uint8_t jitter_pct; /* 0..100 */
};

struct hean_backoff {
	const struct hean_backoff_policy *p; /* borrowed: outlives us */
	uint32_t tries;                      /* saturates */
	bool slow;                           /* next delay uses the slowest step */
};

/* The default reconnect table: 250, 500, 1000, 2000, 5000, 10000, 30000 ms,
 * jitter 20 %. */
extern const struct hean_backoff_policy hean_backoff_default;

void hean_backoff_init(struct hean_backoff *b, const struct hean_backoff_policy *p);

/* Delay before the next attempt; advances tries. */
uint32_t hean_backoff_next_ms(struct hean_backoff *b, uint16_t rnd);

/* The link proved useful: next delay starts from the first step. */
void hean_backoff_reset(struct hean_backoff *b);

/* Forces the next delays to the slowest step until reset (e.g. auth
 * rejected with 4001: do not hammer the server). */
void hean_backoff_set_slow(struct hean_backoff *b);

/* A random value for rnd from a non-deterministic source. */
uint16_t hean_backoff_random(void);

#endif
