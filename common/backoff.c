/* common/backoff: table-driven reconnect backoff with caller-supplied
 * jitter, pure except for hean_backoff_random(). Same semantics as lws'
 * lws_retry_bo_t with LWS_RETRY_CONCEAL_ALWAYS: the last step repeats
 * forever, the try counter saturates, nothing ever gives up. */
#include "common/backoff.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static const uint32_t default_table[] = {250, 500, 1000, 2000, 5000, 10000, 30000};

/* The reconnect policy every link uses unless it has a reason not to. */
const struct hean_backoff_policy hean_backoff_default = {
	.table_ms = default_table,
	.table_len = sizeof(default_table) / sizeof(default_table[0]),
	.jitter_pct = 20,
};

/* Initialises b on policy p (borrowed; NULL means hean_backoff_default). */
void hean_backoff_init(struct hean_backoff *b, const struct hean_backoff_policy *p)
{
	b->p = p ? p : &hean_backoff_default;
	b->tries = 0;
	b->slow = false;
}

/* base * (1 + j * (2 * rnd / 65535 - 1)), j = jitter_pct / 100, in integer
 * arithmetic: rnd 0 gives the lower bound, 65535 the upper bound. */
static uint32_t jitter(uint32_t base, uint8_t pct, uint16_t rnd)
{
	int64_t span, off, v;

	if (pct > 100) {
		pct = 100;
	}
	span = (int64_t)base * pct / 100; /* max deviation */
	off = (2 * (int64_t)rnd - 65535) * span / 65535;
	v = (int64_t)base + off;
	if (v < 0) {
		v = 0;
	}
	if (v > UINT32_MAX) {
		v = UINT32_MAX;
	}
	return (uint32_t)v;
}

/* Delay in ms before the next attempt; advances tries (saturating). The
 * slow flag pins the delay to the last step until reset. An empty table
 * yields 1000 ms. */
uint32_t hean_backoff_next_ms(struct hean_backoff *b, uint16_t rnd)
{
	const struct hean_backoff_policy *p = b->p ? b->p : &hean_backoff_default;
	uint32_t idx, base;

	if (!p->table_ms || p->table_len == 0) {
		base = 1000;
	} else {
		idx = b->tries < p->table_len ? b->tries : (uint32_t)p->table_len - 1;
		if (b->slow) {
			idx = (uint32_t)p->table_len - 1;
		}
		base = p->table_ms[idx];
	}
	if (b->tries < UINT32_MAX) {
		b->tries++;
	}
	return jitter(base, p->jitter_pct, rnd);
}

/* The link proved useful: back to the first step, slow cleared. */
void hean_backoff_reset(struct hean_backoff *b)
{
	b->tries = 0;
	b->slow = false;
}

/* Next delays use the slowest step until hean_backoff_reset(). */
void hean_backoff_set_slow(struct hean_backoff *b)
{
	b->slow = true;
}

/* 16 random bits from getrandom(); falls back to a time/pid mix if the
 * kernel call fails (jitter quality only, never security). */
uint16_t hean_backoff_random(void)
{
	uint16_t r;
	struct timespec ts;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r)) {
		return r;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint16_t)(ts.tv_nsec ^ (ts.tv_nsec >> 16) ^ getpid());
}
