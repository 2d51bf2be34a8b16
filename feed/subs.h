/* feed/subs: how subscriptions are spread over connections and the frames
 * that carry them. Pure.
 *
 * Bybit allows no more than 21,000 characters of args text per linear
 * public connection. We count the args as the JSON array text of all the
 * connection's topics, ["tickers.A","tickers.B"],
 * and keep it strictly under the limit, so any reading of the rule holds.
 * Each symbol is subscribed in its own request (req_id = the symbol): one
 * bad topic can never spoil the others, and each ack names its symbol. */
#ifndef HEAN_FEED_SUBS_H
#define HEAN_FEED_SUBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FEED_ARGS_LIMIT 21000

/* Args-text length of one symbol's topic in the array, comma included. */
size_t feed_subs_topic_cost(const char *sym);

/* Writes {"req_id":"SYM","op":"subscribe","args":["tickers.SYM"]} into buf.
 * Returns the length, or -ENOSPC. */
int feed_subs_frame(char *buf, size_t cap, const char *sym);

/* The same with "op":"unsubscribe" and req_id "-SYM" (so its reply is
 * never taken for a subscribe answer of SYM). */
int feed_subs_unframe(char *buf, size_t cap, const char *sym);

/* true when one more symbol fits on a connection that carries n symbols
 * whose args text is used characters: n < max_syms and the array text
 * stays under limit. */
bool feed_subs_fits(size_t used, size_t n, const char *sym, size_t limit, size_t max_syms);

#endif
