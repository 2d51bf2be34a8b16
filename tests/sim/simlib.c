/* tests/sim/simlib: see simlib.h. */
#include "tests/sim/simlib.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/json.h"

#define KICK_S 0.05

/* ===== text buffer ===== */

void sim_buf_init(struct sim_buf *b, size_t headroom, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->headroom = headroom;
	b->max = max;
}

void sim_buf_finish(struct sim_buf *b)
{
	free(b->mem);
	b->mem = NULL;
	b->len = b->cap = 0;
}

static bool buf_reserve(struct sim_buf *b, size_t n)
{
	size_t cap;
	char *m;

	if (b->err) {
		return false;
	}
	if (b->len + n + 1 > b->max) {
		b->err = true;
		return false;
	}
	if (b->len + n + 1 <= b->cap) {
		return true;
	}
	cap = b->cap ? b->cap : 1024;
	while (cap < b->len + n + 1) {
		cap *= 2;
	}
	if (cap > b->max) {
		cap = b->max;
	}
	m = realloc(b->mem, b->headroom + cap);
	if (!m) {
		b->err = true;
		return false;
	}
	b->mem = m;
	b->cap = cap;
	return true;
}

void sim_buf_add(struct sim_buf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n)) {
		return;
	}
	memcpy(b->mem + b->headroom + b->len, s, n);
	b->len += n;
	b->mem[b->headroom + b->len] = '\0';
}

void sim_buf_puts(struct sim_buf *b, const char *s)
{
	sim_buf_add(b, s, strlen(s));
}

void sim_buf_printf(struct sim_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->err = true;
		return;
	}
	sim_buf_add(b, tmp, (size_t)n);
}

char *sim_buf_text(struct sim_buf *b)
{
	if (!b->mem && !buf_reserve(b, 0)) {
		return NULL;
	}
	if (!b->mem) {
		return NULL;
	}
	b->mem[b->headroom + b->len] = '\0';
	return b->mem + b->headroom;
}

/* ===== lws on libev ===== */

static const char *tls_cert, *tls_key;

int sim_tls_set(const char *cert, const char *key)
{
	if (!cert != !key) {
		fprintf(stderr, "TLS needs both --tls-cert and --tls-key\n");
		return -EINVAL;
	}
	if (cert && (access(cert, R_OK) != 0 || access(key, R_OK) != 0)) {
		fprintf(stderr, "TLS certificate or key not readable: %s %s\n", cert, key);
		return -EINVAL;
	}
	tls_cert = cert;
	tls_key = key;
	return 0;
}

struct lws_context *sim_lws_context(struct ev_loop *loop, int port,
				   const struct lws_protocols *protocols, void *user,
				   struct lws_context **pcontext)
{
	struct lws_context_creation_info info;
	struct lws_context *ctx;
	void *loops[1] = {loop}; /* only read by lws_create_context */

	memset(&info, 0, sizeof(info));
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_LIBEV;
	info.foreign_loops = loops;
	info.user = user;
	info.pcontext = pcontext;
	if (port > 0) {
		info.port = port;
		info.iface = "127.0.0.1";
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
		info.timeout_secs = 600;
		info.keepalive_timeout = 600;
		if (tls_cert) {
			info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
					LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT |
					LWS_SERVER_OPTION_ALLOW_HTTP_ON_HTTPS_LISTENER;
			info.ssl_cert_filepath = tls_cert;
			info.ssl_private_key_filepath = tls_key;
			/* HTTP/1.1 only: over h2, lws 4.1.6 does not hand custom
			 * request headers (X-BAPI-*) to the protocol */
			info.alpn = "http/1.1";
		}
	} else {
		info.port = CONTEXT_PORT_NO_LISTEN;
	}
	ctx = lws_create_context(&info);
	if (pcontext) {
		*pcontext = ctx; /* lws itself only clears it (on destroy) */
	}
	return ctx;
}

void sim_lws_destroy(struct lws_context **pctx)
{
	for (int i = 0; i < 4 && *pctx; i++) {
		lws_context_destroy(*pctx);
	}
}

static void on_kick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sim_kick *k = w->data;

	if (k->pctx && *k->pctx) {
		lws_cancel_service(*k->pctx);
	} else {
		sim_kick_stop(k, loop);
	}
}

void sim_kick_start(struct sim_kick *k, struct ev_loop *loop, struct lws_context **pctx)
{
	k->pctx = pctx;
	ev_timer_init(&k->t, on_kick, KICK_S, KICK_S);
	k->t.data = k;
	ev_timer_start(loop, &k->t);
}

void sim_kick_stop(struct sim_kick *k, struct ev_loop *loop)
{
	ev_timer_stop(loop, &k->t);
	k->pctx = NULL;
}

struct lws *sim_ws_connect(struct lws_context *ctx, const char *host, int port, const char *path,
			   const char *local_protocol, struct lws **pwsi)
{
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.context = ctx;
	ci.address = host;
	ci.port = port;
	ci.path = path;
	ci.host = host;
	ci.origin = host;
	ci.local_protocol_name = local_protocol;
	ci.pwsi = pwsi;
	return lws_client_connect_via_info(&ci);
}

bool sim_rx_add(struct sim_buf *b, struct lws *wsi, const void *in, size_t len)
{
	if (lws_is_first_fragment(wsi)) {
		b->len = 0;
		b->err = false;
	}
	sim_buf_add(b, in, len);
	return lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi);
}

int sim_close_code(const void *in, size_t len, int dflt)
{
	const unsigned char *b = in;

	return b && len >= 2 ? b[0] << 8 | b[1] : dflt;
}

void sim_drop_socket(struct lws *wsi, bool rst)
{
	int fd = lws_get_socket_fd(wsi);

	if (fd >= 0) {
		if (rst) {
			struct linger lg = {.l_onoff = 1, .l_linger = 0};

			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		shutdown(fd, SHUT_RDWR);
	}
	lws_rx_flow_control(wsi, 1);
	lws_callback_on_writable(wsi);
}

/* ===== arguments ===== */

int sim_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	int64_t v;

	if (!s || hean_parse_int64(s, strlen(s), &v) < 0 || v < lo || v > hi) {
		return -EINVAL;
	}
	*out = v;
	return 0;
}
