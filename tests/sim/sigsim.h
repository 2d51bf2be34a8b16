/* tests/sim/sigsim: state of the signal server simulator (hean-sigsim).
 * sigsim.c holds the WS server and the wave clock, sigsim_ctl.c the
 * HTTP /sim/... controls. See dev-notes/HELPERS.md for the contract.
 *
 * Semantics worth knowing when writing tests against it:
 * - Generated ids are wave * 64 + index (stable across restarts for any
 *   seed); the seed changes symbol/side/scores only. Signals injected by
 *   send_invalid get ids >= 4e15 (below 2^53), unique per run.
 * - Initial buffer: the waves of the last 24 h whose due time
 *   (W + interval + push_delay) has passed, capped at --buffer-cap (3000)
 *   signals, oldest dropped first. Pushed and injected valid signals are
 *   appended; get_signals re-sends the whole buffer.
 * - /sim/signals (truth) holds every valid signal once, in generation
 *   order, wave_ts as sent (the offset kind keeps its "+04:00" text).
 *   Waves produced while silent are in buffer and truth, but sent to
 *   nobody (a client must recover them from the next initial buffer).
 * - silent: stops reading the sockets (no WS pong either) and writing;
 *   TCP stays up; new handshakes still complete but auth is not answered.
 *   Requests sent during silence stay in the kernel buffer and are
 *   answered after resume, as after a healed network partition.
 * - No auth frame within --auth-timeout (5 s): close 1008. Bad token or
 *   reject_auth: auth_response error, then close 4001.
 * - /sim/stats "clients" counts open WS connections, "authed" the
 *   authenticated ones, "closes" every WS connection that ended (either
 *   side), "server_closes" the closes the sim initiated. */
#ifndef HEAN_TESTS_SIM_SIGSIM_H
#define HEAN_TESTS_SIM_SIGSIM_H

#include <ev.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/loop.h"
#include "tests/sim/sigsim_gen.h"

#define SIGSIM_DAY_S 86400

/* One encoded WS text frame, shared by every client it is queued to. */
struct sigsim_frame {
	int refs;
	size_t len;
	char *mem; /* owned: LWS_PRE + len */
};

struct sigsim_outq {
	struct sigsim_frame *f; /* one ref */
	struct sigsim_outq *next;
};

/* lws per-session data, for WS clients and HTTP control requests. */
struct sigsim_conn {
	struct sigsim *sim;
	struct lws *wsi;
	struct sigsim_conn *next, *prev;
	bool listed, authed, dropped, closing;
	int close_code; /* pending close, 0 = none */
	char close_reason[32];
	bool ping_due;	    /* a protocol ping is to be written */
	double ping_sent;   /* ev_now of the unanswered ping, 0 none */
	ev_timer auth_timer;
	struct sigsim_outq *qhead, *qtail;
	struct sim_buf rx;
	/* HTTP answer in progress */
	char *body; /* owned */
	size_t body_len, body_off;
};

struct sigsim_sigs {
	struct sigsim_sig *v; /* owned */
	size_t n, cap;
};

struct sigsim_stats {
	uint64_t connects, auths, auth_rejects, get_signals, pings, closes;
	uint64_t server_closes, drops, refused, waves_pushed, frames_sent, invalid_sent,
		unknown;
	uint64_t ws_pings, ws_pongs, ping_timeouts; /* server protocol pings */
};

struct sigsim {
	struct ev_loop *loop;
	struct lws_context *ctx;
	struct sigsim_gen gen;
	char token[256];
	int port;
	double auth_timeout_s;
	size_t buffer_cap;
	struct sigsim_sigs buffer; /* what get_signals / auth send */
	struct sigsim_sigs truth;  /* every valid signal ever generated */
	struct sigsim_idset truth_ids;
	int64_t last_wave; /* newest wave the clock has produced */
	int64_t inj_base, inj_seq;
	struct sigsim_conn *conns;
	int nconns;
	bool silent, close_on_get;
	int reject_auth;
	double refuse_until;
	double started;
	struct sigsim_stats st;
	ev_timer silent_timer;
	struct sim_kick kick;
	ev_periodic clock;
	struct hean_loop hl; /* signals, SIGPIPE */
	/* like the production server (Python websockets): protocol pings
	 * every ping_interval_s, close 1011 when one is unanswered for
	 * ping_timeout_s (0 = no pings) */
	double ping_interval_s, ping_timeout_s;
	ev_timer ping_timer;
};

/* Frames. build starts a buffer with LWS_PRE headroom; take turns it into a
 * frame holding one ref (the caller's). */
void sigsim_frame_buf(struct sim_buf *b);
struct sigsim_frame *sigsim_frame_take(struct sim_buf *b);
void sigsim_frame_unref(struct sigsim_frame *f);
/* --compact-json: frames as written, without json.dumps' spacing. */
extern bool sigsim_compact_json;
/* Queues f to every authenticated client (nothing while silent). */
void sigsim_broadcast(struct sigsim *sim, struct sigsim_frame *f);

/* Adds a valid signal to truth and buffer (deduplicated by id). */
void sigsim_record(struct sigsim *sim, const struct sigsim_sig *s);
/* Generates, records and broadcasts wave's signals. */
void sigsim_push_wave(struct sigsim *sim, int64_t wave);

void sigsim_set_silent(struct sigsim *sim, bool on, double secs);
void sigsim_close_all(struct sigsim *sim, int code, const char *reason);
void sigsim_drop_all(struct sigsim *sim);

/* sigsim_ctl.c: answers an HTTP request. Returns the HTTP status and
 * fills out with a JSON body. */
int sigsim_ctl_handle(struct sigsim *sim, struct lws *wsi, const char *path,
		      struct sim_buf *out);
/* Frame with invalid signals of kind; -EINVAL for an unknown kind. */
int sigsim_send_invalid(struct sigsim *sim, const char *kind, int64_t wave);

#endif
