/* Shared helpers of the waves unit tests. */
#include "test_helpers.h"

#include <string.h>

int th_parse(struct waves_signal *out, const char *const *kv)
{
	size_t lens[32], n = 0;
	char err[160];

	while (kv[n] && n < 32) {
		lens[n] = strlen(kv[n]);
		n++;
	}
	return waves_signal_parse(kv, lens, n, out, err, sizeof(err));
}

struct waves_signal th_sig(const char *id, const char *sym, const char *side,
			   const char *wave_ts, const char *sw, const char *sm)
{
	struct waves_signal s;
	const char *kv[] = { "id",      id,      "symbol",     sym, "side",        side,
			     "wave_ts", wave_ts, "score_week", sw,  "score_month", sm,
			     "raw",     "{}",    NULL };

	memset(&s, 0, sizeof(s));
	(void)th_parse(&s, kv);
	return s;
}
