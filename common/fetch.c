/* common/fetch: see fetch.h.
 *
 * One request = one lws client HTTP connection bound to the "hean-fetch"
 * protocol of common/ws' context. Like common/ws:
 * - all timing is ours: one ev_timer is the request's deadline, and, once
 *   a result is set, fires at once to deliver it (so the callback never
 *   runs inside lws or inside hean_fetch_get, and may start the next
 *   request);
 * - a request ends in one place (finish): the wsi is detached (opaque user
 *   data NULL, so later lws callbacks for it are ignored) and killed with
 *   lws_set_timeout(LWS_TO_KILL_ASYNC), never left to close on its own
 *   (an HTTP/1.1 server keeps it alive after the response). */
#include "common/ws_internal.h"

#include <libwebsockets.h>

#include "common/fetch.h"
#include "common/log.h"
#include "common/resolve.h"
#include "common/timeutil.h"
#include "common/url.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_ERR_LEN 200
#define FETCH_RX_CHUNK 4096

struct hean_fetch {
	struct hean_ws_ctx *ctx; /* borrowed */
	struct hean_fetch *prev, *next;
	struct hean_url u;
	char *url; /* owned */
	hean_fetch_fn *cb;
	void *data;
	size_t max_body;
	uint32_t timeout_ms;
	int64_t t0_us;

	struct hean_resolve *dns; /* lookup in flight, or NULL */
	struct lws *wsi;          /* attached wsi, or NULL */
	struct ev_timer t;        /* deadline; then delivery (done) */
	bool done;

	int status;
	bool len_given; /* Content-Length in the response */
	bool chunked;
	char *body; /* owned, NUL-terminated */
	size_t body_len, body_cap;
	char err[FETCH_ERR_LEN]; /* "" = success */
	char tls_err[FETCH_ERR_LEN];
};

static struct hean_fetch *pending; /* every request not yet delivered */

unsigned hean_fetch_pending(const struct hean_ws_ctx *ctx)
{
	unsigned n = 0;

	for (const struct hean_fetch *f = pending; f; f = f->next) {
		n += f->ctx == ctx;
	}
	return n;
}

static bool is_pending(const struct hean_fetch *f)
{
	for (const struct hean_fetch *p = pending; p; p = p->next) {
		if (p == f) {
			return true;
		}
	}
	return false;
}

static void unlink_req(struct hean_fetch *f)
{
	if (f->prev) {
		f->prev->next = f->next;
	} else {
		pending = f->next;
	}
	if (f->next) {
		f->next->prev = f->prev;
	}
	f->prev = f->next = NULL;
}

static void free_req(struct hean_fetch *f)
{
	free(f->url);
	free(f->body);
	free(f);
}

/* Detaches the wsi from us and makes lws close it (from inside its own
 * callbacks too: the kill happens on lws' next timeout check). */
static void drop_wsi(struct hean_fetch *f)
{
	struct lws *wsi = f->wsi;

	f->wsi = NULL;
	hean_resolve_cancel(f->dns);
	f->dns = NULL;
	if (wsi) {
		lws_set_opaque_user_data(wsi, NULL);
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
}

/* The one end of a request: result set, connection dropped, delivery
 * scheduled on the loop. why NULL = success. */
static void finish(struct hean_fetch *f, const char *why)
{
	struct ev_loop *loop = f->ctx->loop;

	if (f->done) {
		return;
	}
	f->done = true;
	snprintf(f->err, sizeof(f->err), "%s", why ? why : "");
	drop_wsi(f);
	ev_timer_stop(loop, &f->t);
	ev_timer_set(&f->t, 0., 0.);
	ev_timer_start(loop, &f->t);
}

static void deliver(struct hean_fetch *f)
{
	struct hean_fetch_result r;

	unlink_req(f);
	memset(&r, 0, sizeof(r));
	r.status = f->status;
	r.error = f->err[0] ? f->err : NULL;
	r.body = f->body ? f->body : "";
	r.body_len = f->body_len;
	r.elapsed_us = hean_time_mono_us() - f->t0_us;
	if (r.error) {
		log_warn("event=fetch_failed peer=%s:%d status=%d elapsed_ms=%lld reason=\"%s\"",
			 f->u.host, f->u.port, f->status, (long long)(r.elapsed_us / 1000), f->err);
	}
	f->cb(&r, f->data);
	free_req(f);
}

static void on_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct hean_fetch *f = w->data;
	char why[64];

	(void)loop;
	(void)revents;
	if (!f->done) {
		snprintf(why, sizeof(why), "timeout after %u ms", f->timeout_ms);
		finish(f, why);
		ev_timer_stop(f->ctx->loop, &f->t); /* deliver now */
	}
	deliver(f);
}

/* ===================== connect ===================== */

static void connect_addr(struct hean_fetch *f, const char *addr)
{
	struct lws_client_connect_info i;
	struct lws *wsi;
	char host_hdr[300];

	if ((f->u.tls && f->u.port == 443) || (!f->u.tls && f->u.port == 80)) {
		snprintf(host_hdr, sizeof(host_hdr), "%s", f->u.host);
	} else {
		snprintf(host_hdr, sizeof(host_hdr), "%s:%d", f->u.host, f->u.port);
	}
	memset(&i, 0, sizeof(i));
	i.context = f->ctx->lws;
	i.address = addr; /* numeric: lws' getaddrinfo does no lookup */
	i.port = f->u.port;
	i.path = f->u.path[0] ? f->u.path : "/";
	/* lws takes SNI and the name it verifies from host (without port) */
	i.host = host_hdr;
	i.origin = host_hdr;
	i.method = "GET";
	i.alpn = "http/1.1";
	i.local_protocol_name = "hean-fetch";
	i.opaque_user_data = f;
	/* a redirect would reconnect inside lws, resolving with getaddrinfo */
	i.ssl_connection = LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
	if (f->u.tls) {
		i.ssl_connection |= LCCSCF_USE_SSL;
		if (hean_net_tls_insecure()) {
			i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED |
					    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
					    LCCSCF_ALLOW_INSECURE;
		}
	}
	/* failures inside this call return NULL without CONNECTION_ERROR;
	 * callbacks run inside it see f->wsi == NULL and are ignored */
	wsi = lws_client_connect_via_info(&i);
	if (!wsi) {
		finish(f, "connect failed (socket)");
		return;
	}
	f->wsi = wsi;
}

static void on_resolved(int status, const char *addr, const char *err, void *data)
{
	struct hean_fetch *f = data;
	char why[FETCH_ERR_LEN];

	f->dns = NULL;
	if (status < 0) {
		snprintf(why, sizeof(why), "name lookup failed: %s", err);
		finish(f, why);
		return;
	}
	connect_addr(f, addr);
}

struct hean_fetch *hean_fetch_get(struct hean_ws_ctx *ctx, const char *url, uint32_t timeout_ms,
				  size_t max_body, hean_fetch_fn *cb, void *data)
{
	static bool insecure_said;
	struct hean_fetch *f;
	char err[128];

	if (!ctx || !ctx->lws || !url || !cb) {
		errno = EINVAL;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		errno = ENOMEM;
		return NULL;
	}
	if (hean_url_parse(url, &f->u, err, sizeof(err)) < 0 ||
	    (strcmp(f->u.scheme, "http") != 0 && strcmp(f->u.scheme, "https") != 0)) {
		log_warn("event=fetch_bad_url url=%s reason=\"%s\"", url,
			 f->u.scheme[0] && strcmp(f->u.scheme, "http") && strcmp(f->u.scheme, "https")
				 ? "not http:// or https://"
				 : err);
		free(f);
		errno = EINVAL;
		return NULL;
	}
	f->url = strdup(url);
	if (!f->url) {
		free(f);
		errno = ENOMEM;
		return NULL;
	}
	if (f->u.tls && hean_net_tls_insecure() && !insecure_said) {
		insecure_said = true;
		log_warn("event=fetch_tls_insecure peer=%s detail=\"TLS certificate and host name "
			 "NOT verified (HEAN_TLS_INSECURE=1)\"",
			 f->u.host);
	}
	f->ctx = ctx;
	f->cb = cb;
	f->data = data;
	f->timeout_ms = timeout_ms ? timeout_ms : HEAN_FETCH_DEFAULT_TIMEOUT_MS;
	f->max_body = max_body ? max_body : HEAN_FETCH_DEFAULT_MAX_BODY;
	f->t0_us = hean_time_mono_us();
	ev_timer_init(&f->t, on_timer, (double)f->timeout_ms / 1000., 0.);
	f->t.data = f;
	ev_timer_start(ctx->loop, &f->t);
	f->next = pending;
	if (pending) {
		pending->prev = f;
	}
	pending = f;

	if (hean_resolve_is_numeric(f->u.host)) {
		connect_addr(f, f->u.host);
	} else {
		f->dns = hean_resolve_start(ctx->loop, f->u.host, on_resolved, f);
		if (!f->dns) {
			finish(f, "name lookup could not start");
		}
	}
	return f;
}

void hean_fetch_cancel(struct hean_fetch *f)
{
	if (!f) {
		return;
	}
	drop_wsi(f);
	ev_timer_stop(f->ctx->loop, &f->t);
	unlink_req(f);
	free_req(f);
}

void hean_fetch_abort_all(struct hean_ws_ctx *ctx)
{
	struct hean_fetch *f = pending, *next;

	for (; f; f = next) {
		next = f->next;
		if (f->ctx == ctx) {
			hean_fetch_cancel(f);
		}
	}
}

/* ===================== lws callback ===================== */

static int body_append(struct hean_fetch *f, const void *in, size_t len)
{
	return hws_buf_append(&f->body, &f->body_len, &f->body_cap, f->max_body, in, len);
}

static void on_established(struct hean_fetch *f, struct lws *wsi)
{
	char v[32];
	char why[FETCH_ERR_LEN];

	f->status = (int)lws_http_client_http_response(wsi);
	if (lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
		unsigned long long n = strtoull(v, NULL, 10);

		f->len_given = true;
		if (n > f->max_body) {
			snprintf(why, sizeof(why), "body over %zu bytes (Content-Length %llu)",
				 f->max_body, n);
			finish(f, why);
			return;
		}
	}
	if (lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
		f->chunked = true;
	}
	/* an empty body: lws may complete without a read */
	if (body_append(f, "", 0) < 0) {
		finish(f, "out of memory for the body");
	}
}

static void on_body(struct hean_fetch *f, const void *in, size_t len)
{
	char why[FETCH_ERR_LEN];
	int rc = body_append(f, in, len);

	if (rc == -EMSGSIZE) {
		snprintf(why, sizeof(why), "body over %zu bytes", f->max_body);
		finish(f, why);
	} else if (rc < 0) {
		finish(f, "out of memory for the body");
	}
}

int hean_fetch_lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			    void *in, size_t len)
{
	struct hean_fetch *f = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	char why[FETCH_ERR_LEN];

	if (!f || !is_pending(f) || f->wsi != wsi || f->done) {
		return 0; /* not ours, or a request already ended */
	}
	switch (reason) {
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
		if (!len && user) {
			hws_cert_refusal(user, f->tls_err, sizeof(f->tls_err));
		}
		return 0;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (f->tls_err[0]) {
			finish(f, f->tls_err);
		} else {
			snprintf(why, sizeof(why), "%s", in ? (const char *)in : "connection error");
			finish(f, why);
		}
		return 0;

	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		on_established(f, wsi);
		return 0;

	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
		char buf[LWS_PRE + FETCH_RX_CHUNK];
		char *p = buf + LWS_PRE;
		int n = (int)sizeof(buf) - LWS_PRE;

		/* drains into RECEIVE_CLIENT_HTTP_READ (chunking removed) */
		if (lws_http_client_read(wsi, &p, &n) < 0 && !f->done) {
			finish(f, "response could not be read");
		}
		return 0;
	}

	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		on_body(f, in, len);
		return 0;

	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		finish(f, NULL);
		return 0;

	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		/* without Content-Length or chunking the body ends at close */
		if (f->status && f->body && !f->len_given && !f->chunked) {
			finish(f, NULL);
		} else {
			finish(f, "connection closed before the response ended");
		}
		return 0;

	case LWS_CALLBACK_WSI_DESTROY:
		finish(f, "connection destroyed");
		return 0;

	default:
		break;
	}
	return 0;
}
