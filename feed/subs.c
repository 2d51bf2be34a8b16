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
