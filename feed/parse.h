/* feed/parse: Bybit v5 public frames -> struct feed_msg. Pure (bytes in,
 * struct out; no I/O).
 *
 * Two paths with one meaning:
 *   feed_parse_fast  a hand-written scanner that touches only what a ticker
 *                    needs (topic, type, ts, cs, data.{symbol,lastPrice,
 *                    bid1Price,ask1Price,markPrice}) and validates the rest
 *                    of the document as plain JSON while skipping it. Anything
 *                    it is not sure about (escapes, non-ASCII, exponents, long
 *                    numbers, duplicate keys of interest, deep nesting, no
 *                    "topic", any syntax error) -> FEED_MSG_FALLBACK.
 *   feed_parse_slow  jansson, for everything (op replies, pongs, bad input).
 * Both end in the same semantic check, so whenever the fast path gives a
 * verdict it is the verdict jansson gives (differential unit test).
 *
 * Price rules: "" = no value (never 0); otherwise digits[.digits][e[+-]digits],
 * finite and > 0, at most FEED_PX_MAX bytes; anything else (NaN, inf,
 * negative, zero, non-string) invalidates the whole frame (FEED_BAD_FIELD). */
#ifndef HEAN_FEED_PARSE_H
#define HEAN_FEED_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FEED_SYM_MAX 20
#define FEED_PX_MAX 31
#define FEED_WHY_LEN 128

enum feed_field_state {
	FEED_FIELD_ABSENT = 0, /* not in the message: unchanged */
	FEED_FIELD_EMPTY,      /* "" : no value */
	FEED_FIELD_SET,
};

/* One price kept as the exchange's text (published verbatim). */
struct feed_px {
	uint8_t state; /* enum feed_field_state */
	uint8_t len;
	char s[FEED_PX_MAX + 1]; /* NUL-terminated */
};

enum { FEED_PX_LAST = 0, FEED_PX_BID, FEED_PX_ASK, FEED_PX_MARK, FEED_PX_N };

enum feed_msg_kind {
	FEED_MSG_FALLBACK = -1, /* fast path only: ask feed_parse_slow */
	FEED_MSG_TICKER = 0,
	FEED_MSG_REPLY, /* op reply (subscribe ack/error, pong) */
	FEED_MSG_BAD,
};

enum feed_bad_kind {
	FEED_BAD_NONE = 0,
	FEED_BAD_JSON,  /* not JSON, or not an object */
	FEED_BAD_FRAME, /* envelope wrong: type, ts, cs, data, symbol */
	FEED_BAD_TOPIC, /* a topic we do not handle */
	FEED_BAD_FIELD, /* a price field invalid */
};

enum feed_ticker_type { FEED_SNAPSHOT = 1, FEED_DELTA = 2 };

struct feed_msg {
	enum feed_msg_kind kind;
	/* FEED_MSG_TICKER */
	enum feed_ticker_type type;
	char symbol[FEED_SYM_MAX + 1];
	int64_t ts;
	int64_t cs; /* -1 when absent */
	struct feed_px px[FEED_PX_N];
	/* FEED_MSG_REPLY */
	char op[24];
	int success; /* 1, 0, or -1 when absent */
	bool pong;   /* ret_msg == "pong" || op == "pong" */
	char ret_msg[160];
	char req_id[64];
	/* FEED_MSG_BAD */
	enum feed_bad_kind bad;
	char why[FEED_WHY_LEN]; /* names the problem, e.g. "lastPrice: negative" */
};

/* Fast path. Never allocates. Returns m->kind (FEED_MSG_FALLBACK when the
 * input needs the jansson path). buf need not be NUL-terminated. */
enum feed_msg_kind feed_parse_fast(const char *buf, size_t len, struct feed_msg *m);

/* jansson path; never returns FEED_MSG_FALLBACK. */
enum feed_msg_kind feed_parse_slow(const char *buf, size_t len, struct feed_msg *m);

/* Fast, then slow when the fast path cannot decide. */
enum feed_msg_kind feed_parse(const char *buf, size_t len, struct feed_msg *m);

/* Validates one price text (the rules above) into px. Returns 0 or -EINVAL
 * with a static reason in *why. */
int feed_parse_price(const char *s, size_t len, struct feed_px *px, const char **why);

/* ^[A-Z0-9]{2,20}$ */
bool feed_symbol_valid(const char *s, size_t len);

/* Short static name of a bad kind ("json", "frame", "topic", "field"). */
const char *feed_bad_name(enum feed_bad_kind b);

#endif
