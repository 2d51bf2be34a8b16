/* common/hist: a latency histogram with fixed millisecond buckets. The
 * process that measures keeps it in memory and writes it as one string
 * field of its health hash (hean:health:{proc} hist_<name>); the metrics
 * exporter reads that field and exposes a Prometheus histogram. One bucket
 * table for every process, so every histogram of the pipeline has the
 * same `le` labels.
 *
 * Text form (cumulative, as Prometheus wants it):
 *   "<count> <sum_ms> <c_0> <c_1> ... <c_{N-1}>"
 * where c_i is the number of observations <= hean_hist_bounds_ms[i]; the
 * +Inf bucket equals count. */
#ifndef HEAN_COMMON_HIST_H
#define HEAN_COMMON_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HEAN_HIST_NB 17
/* Room for the text form of any histogram. */
#define HEAN_HIST_TEXT_LEN 512

extern const double hean_hist_bounds_ms[HEAN_HIST_NB];

struct hean_hist {
	uint64_t count;
	double sum_ms;
	uint64_t le[HEAN_HIST_NB]; /* per bucket, not cumulative */
};

/* Adds one observation; negative or NaN values count as 0. */
void hean_hist_observe(struct hean_hist *h, double ms);

/* Writes the text form into buf; returns its length, or -1 if len is too
 * small (buf is then an empty string). */
int hean_hist_format(const struct hean_hist *h, char *buf, size_t len);

/* Parses the text form into cumulative bucket counts (cum[i] for bound i)
 * plus count and sum. Returns 0, or -1 on malformed text (field count,
 * non-numbers, counts not non-decreasing, last bucket above count). */
int hean_hist_parse(const char *s, uint64_t *count, double *sum_ms, uint64_t cum[HEAN_HIST_NB]);

#endif
