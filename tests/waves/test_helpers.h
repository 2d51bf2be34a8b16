/* Shared helpers of the waves unit tests (test_helpers.c). */
#ifndef HEAN_TESTS_WAVES_HELPERS_H
#define HEAN_TESTS_WAVES_HELPERS_H

#include "waves/index.h"

/* Parses a signal from a NULL-terminated field/value list: the return
 * value of waves_signal_parse. */
int th_parse(struct waves_signal *out, const char *const *kv);

/* A signal built from strings (parse errors leave it zeroed). */
struct waves_signal th_sig(const char *id, const char *sym, const char *side,
			   const char *wave_ts, const char *sw, const char *sm);

#endif
