/* feed/stale: see stale.h. */
#include "feed/stale.h"

void feed_stale_init(struct feed_stale *s, int64_t now_ms)
{
	s->last_ms = now_ms;
	s->stale = false;
}

bool feed_stale_touch(struct feed_stale *s, int64_t now_ms)
{
	bool was = s->stale;
	s->last_ms = now_ms;
	s->stale = false;
	return was;
}

bool feed_stale_check(struct feed_stale *s, int64_t now_ms, int64_t stale_ms)
{
	if (s->stale || now_ms - s->last_ms < stale_ms) {
		return false;
	}
	s->stale = true;
	return true;
}

bool feed_stale_conn_dead(const struct feed_stale *const *syms, size_t n, int64_t now_ms,
			  int64_t stale_ms, int64_t open_ms)
{
	if (n == 0 || now_ms - open_ms < stale_ms) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (now_ms - syms[i]->last_ms < stale_ms) {
			return false;
		}
	}
	return true;
}
