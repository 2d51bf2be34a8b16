/* tests/sim/simlib: what both simulators (hean-exsim, hean-sigsim) and
 * their test clients (exsim-wsc, sigsim-probe) share: the lws context on
 * the libev loop, the lws timer kick, the client connect, message
 * reassembly into a growable text buffer, close codes, socket drops and
 * strict integer arguments. Time, signing, logging and number parsing
 * come from common/. */
#ifndef HEAN_TESTS_SIM_SIMLIB_H
#define HEAN_TESTS_SIM_SIMLIB_H

#include <ev.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Growable text buffer with `headroom` bytes reserved in front (for
 * LWS_PRE) and a hard cap on the text length. */
struct sim_buf {
	char *mem; /* owned: headroom + cap bytes */
	size_t headroom;
	size_t len; /* text bytes after headroom */
	size_t cap;
	size_t max;
	bool err; /* sticky: allocation failed or max exceeded */
};

void sim_buf_init(struct sim_buf *b, size_t headroom, size_t max);
void sim_buf_finish(struct sim_buf *b);
void sim_buf_add(struct sim_buf *b, const char *s, size_t n);
void sim_buf_puts(struct sim_buf *b, const char *s);
void sim_buf_printf(struct sim_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text (NUL-terminated unless err). */
char *sim_buf_text(struct sim_buf *b);

/* One lws context on loop (foreign libev loop). port > 0: a server bound
 * to 127.0.0.1 only (IPv4: with IPv6 on, lws 4.1.6 binds [::] whatever
 * the iface says); port 0: a client context. Returns the context (NULL on
 * failure) and stores it in *pcontext (may be NULL), which lws clears
 * once the context is destroyed. */
/* TLS for the server contexts created afterwards: certificate chain and
 * key (PEM paths; NULL: plain). Such a port serves wss:// and https://
 * and, for the test harness' own controls (/sim/...), still plain ws://
 * and http:// (lws tells them apart by the first byte). Returns 0, or
 * -EINVAL when only one of the two is given or a file is unreadable. */
int sim_tls_set(const char *cert, const char *key);

struct lws_context *sim_lws_context(struct ev_loop *loop, int port,
				   const struct lws_protocols *protocols, void *user,
				   struct lws_context **pcontext);

/* Destroys a context created with pcontext == pctx, outside lws service
 * (after ev_run returned); repeated while lws has not cleared *pctx. */
void sim_lws_destroy(struct lws_context **pctx);

/* lws 4.1's own timers (lws_sul) do not fire reliably on the libev event
 * loop when nothing else wakes it: a periodic
 * timer that kicks its service path with lws_cancel_service while *pctx
 * is set, and stops itself once lws cleared it (context destroyed). */
struct sim_kick {
	ev_timer t;
	struct lws_context **pctx;
};
void sim_kick_start(struct sim_kick *k, struct ev_loop *loop, struct lws_context **pctx);
void sim_kick_stop(struct sim_kick *k, struct ev_loop *loop);

/* Client connection to ws://host:port/path with the context's protocol
 * local_protocol. NULL when lws refuses at once. */
struct lws *sim_ws_connect(struct lws_context *ctx, const char *host, int port, const char *path,
			   const char *local_protocol, struct lws **pwsi);

/* Adds one RECEIVE fragment to b (reset on a message's first fragment).
 * True when b now holds a complete message; b->err then says it was over
 * b->max (the text is incomplete). */
bool sim_rx_add(struct sim_buf *b, struct lws *wsi, const void *in, size_t len);

/* Close code of a LWS_CALLBACK_WS_PEER_INITIATED_CLOSE payload, or dflt
 * when the frame carried none. */
int sim_close_code(const void *in, size_t len, int dflt);

/* Ends a connection's TCP with no close frame (FIN; RST when rst) and
 * wakes its WRITEABLE so the owner can return -1 there. */
void sim_drop_socket(struct lws *wsi, bool rst);

/* Strict integer (hean_parse_int64) within [lo, hi]: 0 or -EINVAL. */
int sim_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out);

#endif
