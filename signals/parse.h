/* signals/parse: one signal-server frame (bytes) -> its type and, for a
 * "signals" frame, the validated signals plus one reject per invalid
 * signal. Pure: no I/O, no clock, no globals.
 *
 * Validation (the signal server's frame contract): id an integer >= 0, symbol
 * ^[A-Z0-9]{2,20}$, side "buy"|"sell", wave_ts ISO 8601 with an explicit
 * offset (normalised to UTC "+00:00"), score_week and score_month finite
 * JSON numbers, created_at optional (absent or null) but parseable when it
 * is a value. A failing signal becomes a reject naming the field; the rest
 * of the frame is still used.
 *
 * The production server writes bare NaN/Infinity/-Infinity: the frame is
 * copied, those tokens are rewritten to null (hean_json_nonfinite_to_null,
 * offsets kept) and only the signal holding one is rejected.
 *
 * raw: the exact bytes of that signal's object in the frame (after the
 * NaN->null rewrite, so it is always valid JSON). */
#ifndef HEAN_SIGNALS_PARSE_H
#define HEAN_SIGNALS_PARSE_H

#include "common/err.h"
#include "common/json.h"
#include "common/timeutil.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIGNALS_SYMBOL_MAX 20
#define SIGNALS_MAX_PER_FRAME 100000

enum signals_msg {
	SIGNALS_MSG_INVALID = 0, /* not a JSON object / no string "type" */
	SIGNALS_MSG_SIGNALS,
	SIGNALS_MSG_AUTH_OK,
	SIGNALS_MSG_AUTH_ERROR, /* auth_response with any status but "success" */
	SIGNALS_MSG_PONG,
	SIGNALS_MSG_STATS,
	SIGNALS_MSG_UNKNOWN, /* a type we do not know: log and ignore */
};

struct signals_signal {
	int64_t id;
	char symbol[SIGNALS_SYMBOL_MAX + 1];
	char side[5];                       /* "buy" | "sell" */
	int64_t wave_ms;                    /* UTC epoch ms */
	char wave_ts[HEAN_TIME_STR_LEN];    /* normalised: ...+00:00 */
	double score_week;
	double score_month;
	int64_t created_ms;                 /* 0 when absent */
	char *raw;                          /* owned, NUL-terminated */
	size_t raw_len;
};

struct signals_reject {
	int64_t id;        /* -1 when the id itself is missing or invalid */
	size_t index;      /* position in "data" */
	char field[24];    /* the first field that failed */
	char reason[96];
};

struct signals_frame {
	enum signals_msg type;
	char type_name[32];      /* the "type" value (truncated), for logs */
	char message[128];       /* auth_response "message" (truncated) */
	struct signals_signal *sig; /* owned array */
	size_t n_sig;
	struct signals_reject *rej; /* owned array */
	size_t n_rej;
	size_t n_nonfinite;      /* NaN/Infinity tokens rewritten */
	char err[HEAN_ERR_LEN];  /* frame-level problem (type INVALID, or a
				    signals frame whose data is not an array) */
};

/* Parses one frame. msg need not be NUL-terminated. Always fills f (call
 * signals_frame_finish afterwards, also on error). Returns 0, -EINVAL
 * (frame unusable: f->type INVALID or bad "data", f->err says why) or
 * -ENOMEM. Per-signal problems are not errors: they are in f->rej. */
int signals_parse_frame(const char *msg, size_t len, struct signals_frame *f);

/* Frees what signals_parse_frame allocated (signals_frame_finish on a
 * zeroed frame is a no-op). */
void signals_frame_finish(struct signals_frame *f);

/* Takes signal i out of the frame: its raw moves to *out (the frame's
 * copy is cleared). */
void signals_frame_take(struct signals_frame *f, size_t i, struct signals_signal *out);

/* Frees a signal's owned parts. */
void signals_signal_finish(struct signals_signal *s);

/* Validates one signal object. On success fills out (raw left NULL) and
 * returns 0; otherwise fills rej (field, reason, id if it was valid) and
 * returns -EINVAL. */
int signals_validate(const json_t *obj, struct signals_signal *out, struct signals_reject *rej);

/* ^[A-Z0-9]{2,20}$ */
bool signals_symbol_valid(const char *s, size_t len);

/* Finds the byte spans of the elements of the top-level "data" array
 * (the last "data" key wins, as in jansson). start[i]/end[i] for element
 * i; elements that are not objects get start = end = 0. Returns the
 * element count, or -1 when buf has no such array or is malformed, or
 * more than max elements. */
long signals_data_spans(const char *buf, size_t len, size_t *start, size_t *end, size_t max);

#endif
