/* feed/subs: see subs.h. */
#include "feed/subs.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

size_t feed_subs_topic_cost(const char *sym)
{
	/* "tickers.SYM" plus a separating comma */
	return strlen(sym) + sizeof("tickers.") - 1 + 2 + 1;
}

size_t feed_subs_split(const char *const *symbols, size_t n, size_t limit, uint32_t *conn_of)
{
	size_t conns = 0, used = 0, on = 0; /* args text / symbols on the current connection */

	for (size_t i = 0; i < n; i++) {
		if (conns == 0 || !feed_subs_fits(used, on, symbols[i], limit, SIZE_MAX)) {
			conns++;
			used = 0;
			on = 0;
		}
		used += feed_subs_topic_cost(symbols[i]);
		on++;
		conn_of[i] = (uint32_t)(conns - 1);
	}
	return conns;
}

int feed_subs_frame(char *buf, size_t cap, const char *sym)
{
	int n = snprintf(buf, cap, "{\"req_id\":\"%s\",\"op\":\"subscribe\",\"args\":[\"tickers.%s\"]}",
			 sym, sym);
	if (n < 0 || (size_t)n >= cap) {
		return -ENOSPC;
	}
	return n;
}

int feed_subs_unframe(char *buf, size_t cap, const char *sym)
{
	int n = snprintf(buf, cap,
			 "{\"req_id\":\"-%s\",\"op\":\"unsubscribe\",\"args\":[\"tickers.%s\"]}", sym,
			 sym);
	if (n < 0 || (size_t)n >= cap) {
		return -ENOSPC;
	}
	return n;
}

bool feed_subs_fits(size_t used, size_t n, const char *sym, size_t limit, size_t max_syms)
{
	/* brackets (2) + the topics, less the comma the first one does not need */
	return n < max_syms && (n == 0 || used + feed_subs_topic_cost(sym) + 1 < limit);
}
