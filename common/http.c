/* common/http: libcurl multi driven by libev (socket and timer callbacks,
 * CURLOPT_NOSIGNAL; never a blocking curl call on the loop). One CURLM per hean_http; per-socket ev_io via
 * curl_multi_assign; one ev_timer for CURLMOPT_TIMERFUNCTION. curl is only
 * called from our watchers, never from inside its own callbacks. */
#include "common/http.h"

#include "common/log.h"
#include "common/resolve.h"
#include "common/timeutil.h"
#include "common/url.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define HTTP_DEFAULT_TIMEOUT_MS 10000u
#define HTTP_DEFAULT_CONNECT_TIMEOUT_MS 3000u
#define HTTP_DEFAULT_MAX_BODY (4u << 20)
#define HTTP_MAX_HEADERS (64u << 10)

struct http_sock {
	struct hean_http *h; /* borrowed */
	curl_socket_t fd;
	struct ev_io io;
	struct http_sock *prev, *next;
};

struct buf {
	char *p;
	size_t len, cap, max;
	bool over;
};

struct http_req {
	struct hean_http *h; /* borrowed */
	CURL *easy;          /* owned */
	struct curl_slist *hdrs; /* owned */
	struct curl_slist *resolve; /* owned: CURLOPT_RESOLVE "host:port:addr" */
	struct hean_resolve *dns;   /* name lookup in flight (not yet added to curl) */
	struct ev_timer dns_t;      /* the request's deadline while dns is in flight */
	uint32_t timeout_ms;
	char peer[300];             /* host:port, for logs */
	hean_http_done_fn *cb;
	void *data;
	struct buf body;
	struct buf head;
	char errbuf[CURL_ERROR_SIZE];
	int64_t t0_us;
	struct http_req *prev, *next;
};

struct hean_http {
	struct ev_loop *loop; /* borrowed */
	CURLM *multi;         /* owned */
	struct ev_timer timer;
	struct http_req *reqs;   /* owned list */
	struct http_sock *socks; /* owned list */
	unsigned in_flight;
	int dispatching;   /* > 0 while completion callbacks run */
	bool destroy_pending;
	bool insecure_logged;
};

/* ===================== buffers ===================== */

/* Appends; returns false (and sets over) past max. Always NUL-terminated. */
static bool buf_add(struct buf *b, const char *p, size_t n)
{
	if (b->over || b->len + n > b->max) {
		b->over = true;
		return false;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *q;

		while (cap < b->len + n + 1) {
			cap *= 2;
		}
		q = realloc(b->p, cap);
		if (!q) {
			b->over = true;
			return false;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return true;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_req *r = userdata;
	size_t n = size * nmemb;

	/* the cap is counted here; returning short aborts the transfer */
	return buf_add(&r->body, ptr, n) ? n : 0;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_req *r = userdata;
	size_t n = size * nmemb;

	/* a new status line (100 Continue, ...) starts a new block: keep the last */
	if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
		r->head.len = 0;
		r->head.over = false;
		if (r->head.p) {
			r->head.p[0] = '\0';
		}
	}
	(void)buf_add(&r->head, ptr, n); /* over the cap: extra headers ignored */
	return n;
}

/* ===================== requests ===================== */

static void req_unlink(struct hean_http *h, struct http_req *r)
{
	if (r->prev) {
		r->prev->next = r->next;
	} else {
		h->reqs = r->next;
	}
	if (r->next) {
		r->next->prev = r->prev;
	}
	r->prev = r->next = NULL;
	h->in_flight--;
}

/* Removes the easy handle from the multi and frees everything. */
static void req_free(struct hean_http *h, struct http_req *r)
{
	hean_resolve_cancel(r->dns);
	r->dns = NULL;
	ev_timer_stop(h->loop, &r->dns_t);
	if (r->easy) {
		curl_multi_remove_handle(h->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	curl_slist_free_all(r->hdrs);
	curl_slist_free_all(r->resolve);
	free(r->body.p);
	free(r->head.p);
	free(r);
}

static void finalize_destroy(struct hean_http *h);

static void complete(struct hean_http *h, struct http_req *r, CURLcode code)
{
	struct hean_http_response resp;
	long status = 0;

	memset(&resp, 0, sizeof(resp));
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	resp.status = status;
	resp.curl_code = (int)code;
	if (r->body.over && code != CURLE_OK) {
		resp.curl_code = CURLE_FILESIZE_EXCEEDED;
		snprintf(r->errbuf, sizeof(r->errbuf), "response body over max_body (%zu bytes)",
			 r->body.max);
	}
	if (resp.curl_code != 0) {
		resp.error = r->errbuf[0] ? r->errbuf : curl_easy_strerror(code);
	}
	if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CONNECT_ERROR ||
	    code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_CERTPROBLEM) {
		/* the owner retries with its backoff; never without verification */
		log_warn("event=http_tls_failed peer=%s curl_code=%d reason=\"%s\"", r->peer,
			 (int)code, resp.error);
	}
	resp.body = r->body.p ? r->body.p : "";
	resp.body_len = r->body.p ? r->body.len : 0;
	resp.headers = r->head.p ? r->head.p : "";
	resp.headers_len = r->head.p ? r->head.len : 0;
	resp.elapsed_us = hean_time_mono_us() - r->t0_us;

	req_unlink(h, r);
	if (r->cb) {
		r->cb(&resp, r->data);
	}
	req_free(h, r);
}

/* Drains finished transfers. Called only from our watchers, after
 * curl_multi_socket_action returned. */
static void check_done(struct hean_http *h)
{
	CURLMsg *msg;
	int left;

	h->dispatching++;
	while (!h->destroy_pending && (msg = curl_multi_info_read(h->multi, &left))) {
		struct http_req *r = NULL;

		if (msg->msg != CURLMSG_DONE) {
			continue;
		}
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (!r) {
			continue;
		}
		complete(h, r, msg->data.result);
	}
	h->dispatching--;
	if (h->destroy_pending && !h->dispatching) {
		finalize_destroy(h);
	}
}

/* ===================== name lookup (never on the loop) ===================== */

/* Completes a request that never reached curl (lookup failed). */
static void fail_unstarted(struct hean_http *h, struct http_req *r, CURLcode code,
			   const char *why)
{
	snprintf(r->errbuf, sizeof(r->errbuf), "%.*s", (int)sizeof(r->errbuf) - 1, why);
	h->dispatching++;
	complete(h, r, code);
	h->dispatching--;
	if (h->destroy_pending && !h->dispatching) {
		finalize_destroy(h);
	}
}

static void on_resolved(int status, const char *addr, const char *err, void *data)
{
	struct http_req *r = data;
	struct hean_http *h = r->h;
	struct curl_slist *n;
	char entry[600];
	const char *colon = strrchr(r->peer, ':');

	r->dns = NULL;
	ev_timer_stop(h->loop, &r->dns_t);
	if (status < 0) {
		log_warn("event=http_resolve_failed peer=%s reason=\"%s\"", r->peer, err);
		fail_unstarted(h, r, CURLE_COULDNT_RESOLVE_HOST, err);
		return;
	}
	/* "name:port:addr": curl connects to addr, Host/SNI/verification
	 * keep the name */
	snprintf(entry, sizeof(entry), strchr(addr, ':') ? "%.*s:[%s]" : "%.*s:%s",
		 (int)(colon ? strlen(r->peer) : 0), r->peer, addr);
	n = curl_slist_append(r->resolve, entry);
	if (!n) {
		fail_unstarted(h, r, CURLE_OUT_OF_MEMORY, "out of memory");
		return;
	}
	r->resolve = n;
	curl_easy_setopt(r->easy, CURLOPT_RESOLVE, r->resolve);
	{
		/* the lookup's time counts against the request's deadline */
		int64_t left = (int64_t)r->timeout_ms - (hean_time_mono_us() - r->t0_us) / 1000;

		curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)(left > 1 ? left : 1));
	}
	if (curl_multi_add_handle(h->multi, r->easy) != CURLM_OK) {
		fail_unstarted(h, r, CURLE_FAILED_INIT, "curl_multi_add_handle failed");
	}
}

static void on_dns_deadline(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct http_req *r = w->data;
	char why[360];

	snprintf(why, sizeof(why), "timeout after %u ms resolving %s", r->timeout_ms, r->peer);
	hean_resolve_cancel(r->dns);
	r->dns = NULL;
	log_warn("event=http_resolve_failed peer=%s reason=\"%s\"", r->peer, why);
	fail_unstarted(r->h, r, CURLE_OPERATION_TIMEDOUT, why);
}

/* ===================== curl <-> libev glue ===================== */

static void on_io(struct ev_loop *loop, struct ev_io *w, int revents)
{
	struct http_sock *s = w->data;
	struct hean_http *h = s->h;
	int running = 0;
	int flags = (revents & EV_READ ? CURL_CSELECT_IN : 0) |
		    (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);

	curl_multi_socket_action(h->multi, s->fd, flags, &running);
	check_done(h);
}

static void on_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct hean_http *h = w->data;
	int running = 0;

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(h);
}

static int sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct hean_http *h = userp;
	struct http_sock *s = socketp;
	int events = 0;

	if (what == CURL_POLL_REMOVE) {
		if (s) {
			ev_io_stop(h->loop, &s->io);
			if (s->prev) {
				s->prev->next = s->next;
			} else {
				h->socks = s->next;
			}
			if (s->next) {
				s->next->prev = s->prev;
			}
			free(s);
			curl_multi_assign(h->multi, fd, NULL);
		}
		return 0;
	}
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s) {
			return -1; /* curl fails the transfer */
		}
		s->h = h;
		s->fd = fd;
		s->next = h->socks;
		if (h->socks) {
			h->socks->prev = s;
		}
		h->socks = s;
		curl_multi_assign(h->multi, fd, s);
	}
	if (what & CURL_POLL_IN) {
		events |= EV_READ;
	}
	if (what & CURL_POLL_OUT) {
		events |= EV_WRITE;
	}
	ev_io_stop(h->loop, &s->io);
	ev_io_init(&s->io, on_io, fd, events);
	s->io.data = s;
	if (events) {
		ev_io_start(h->loop, &s->io);
	}
	return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct hean_http *h = userp;

	/* never call curl from here: just (re)arm our timer */
	ev_timer_stop(h->loop, &h->timer);
	if (timeout_ms >= 0) {
		ev_timer_set(&h->timer, timeout_ms / 1000.0, 0.);
		ev_timer_start(h->loop, &h->timer);
	}
	return 0;
}

/* ===================== public ===================== */

struct hean_http *hean_http_create(struct ev_loop *loop)
{
	struct hean_http *h;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("event=http_init_failed reason=\"curl_global_init\"");
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		goto fail_global;
	}
	h->loop = loop;
	h->multi = curl_multi_init();
	if (!h->multi) {
		goto fail_h;
	}
	ev_timer_init(&h->timer, on_timer, 0., 0.);
	h->timer.data = h;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return h;

fail_h:
	free(h);
fail_global:
	curl_global_cleanup();
	log_error("event=http_init_failed reason=\"out of memory\"");
	return NULL;
}

static void finalize_destroy(struct hean_http *h)
{
	struct http_sock *s;

	while (h->reqs) {
		struct http_req *r = h->reqs;

		req_unlink(h, r);
		req_free(h, r); /* no callback: aborted */
	}
	ev_timer_stop(h->loop, &h->timer);
	curl_multi_cleanup(h->multi); /* may call sock_cb with REMOVE */
	ev_timer_stop(h->loop, &h->timer);
	s = h->socks;
	while (s) {
		struct http_sock *next = s->next;

		ev_io_stop(h->loop, &s->io);
		free(s);
		s = next;
	}
	free(h);
	curl_global_cleanup();
	hean_resolve_shutdown(); /* no-op while another user waits */
}

void hean_http_destroy(struct hean_http *h)
{
	if (!h) {
		return;
	}
	if (h->dispatching) {
		/* inside a completion callback: finish when it returns */
		h->destroy_pending = true;
		return;
	}
	finalize_destroy(h);
}

/* A request record with its limits; no curl handle yet. */
static struct http_req *req_new(struct hean_http *h, const struct hean_http_request *req,
				hean_http_done_fn *cb, void *data)
{
	struct http_req *r = calloc(1, sizeof(*r));

	if (!r) {
		return NULL;
	}
	r->h = h;
	r->cb = cb;
	r->data = data;
	r->body.max = req->max_body ? req->max_body : HTTP_DEFAULT_MAX_BODY;
	r->timeout_ms = req->timeout_ms ? req->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
	ev_timer_init(&r->dns_t, on_dns_deadline, r->timeout_ms / 1000.0, 0.);
	r->dns_t.data = r;
	r->head.max = HTTP_MAX_HEADERS;
	return r;
}

/* The request's headers, plus an empty "Expect:" with a body. -ENOMEM. */
static int req_headers(struct http_req *r, const struct hean_http_request *req)
{
	for (size_t i = 0; req->headers && req->headers[i]; i++) {
		struct curl_slist *n = curl_slist_append(r->hdrs, req->headers[i]);

		if (!n) {
			return -ENOMEM;
		}
		r->hdrs = n;
	}
	if (req->body) {
		/* no "Expect: 100-continue" round trip for larger bodies */
		struct curl_slist *n = curl_slist_append(r->hdrs, "Expect:");

		if (!n) {
			return -ENOMEM;
		}
		r->hdrs = n;
	}
	return 0;
}

static void req_set_method(CURL *e, const struct hean_http_request *req)
{
	const char *method = req->method ? req->method : "GET";

	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		/* copies the body (strings in req are copied) */
		curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body ? req->body : "");
	} else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
		if (req->body) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
			curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body);
		}
	}
}

/* The easy handle's options. -EINVAL: curl refuses the URL. */
static int req_setopt(struct http_req *r, const struct hean_http_request *req)
{
	CURL *e = r->easy;

	if (curl_easy_setopt(e, CURLOPT_URL, req->url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK) {
		return -EINVAL;
	}
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)r->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(req->connect_timeout_ms ? req->connect_timeout_ms
							: HTTP_DEFAULT_CONNECT_TIMEOUT_MS));
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)r);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->body.max);
	if (r->hdrs) {
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	}
	req_set_method(e, req);
	return 0;
}

/* Sets r->peer (host:port, for logs). true: host (cap bytes) is a name to
 * look up off the loop before curl gets the handle. */
static bool req_peer(struct http_req *r, const char *url, char *host, size_t cap)
{
	struct hean_url u;
	char uerr[64];

	if (hean_url_parse(url, &u, uerr, sizeof(uerr)) < 0) {
		/* longer than our parser takes: curl's threaded resolver (also
		 * off the loop) handles the name */
		snprintf(r->peer, sizeof(r->peer), "%.200s", url);
		return false;
	}
	snprintf(r->peer, sizeof(r->peer), "%s:%d", u.host, u.port);
	snprintf(host, cap, "%s", u.host);
	return !hean_resolve_is_numeric(u.host);
}

static void req_tls(struct hean_http *h, struct http_req *r, const char *url)
{
	CURL *e = r->easy;

	if (hean_net_ca_file()[0]) {
		/* the bundle replaces the system store (as for WebSockets) */
		curl_easy_setopt(e, CURLOPT_CAINFO, hean_net_ca_file());
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	}
	if (hean_net_tls_insecure() && strncmp(url, "https://", 8) == 0) {
		/* explicit opt-in only: HEAN_TLS_INSECURE=1 */
		if (!h->insecure_logged) {
			log_warn("event=http_tls_insecure peer=%s detail=\"TLS certificate and host "
				 "name are NOT verified (HEAN_TLS_INSECURE=1)\"",
				 r->peer);
			h->insecure_logged = true;
		}
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

static void req_link(struct hean_http *h, struct http_req *r)
{
	r->t0_us = hean_time_mono_us();
	r->next = h->reqs;
	if (h->reqs) {
		h->reqs->prev = r;
	}
	h->reqs = r;
	h->in_flight++;
}

int hean_http_submit(struct hean_http *h, const struct hean_http_request *req,
		     hean_http_done_fn *cb, void *data)
{
	struct http_req *r;
	bool need_lookup;
	char host[256] = "";
	int rc;

	if (!h || !req || !req->url || !cb || h->destroy_pending) {
		return -EINVAL;
	}
	if (strncmp(req->url, "http://", 7) != 0 && strncmp(req->url, "https://", 8) != 0) {
		return -EINVAL;
	}
	r = req_new(h, req, cb, data);
	if (!r) {
		return -ENOMEM;
	}
	rc = -ENOMEM;
	r->easy = curl_easy_init();
	if (!r->easy || req_headers(r, req) < 0) {
		goto fail;
	}
	rc = req_setopt(r, req);
	if (rc < 0) {
		goto fail;
	}
	need_lookup = req_peer(r, req->url, host, sizeof(host));
	req_tls(h, r, req->url);
	req_link(h, r);
	rc = -EIO;
	if (need_lookup) {
		/* curl gets the handle once the name is resolved (on_resolved) */
		r->dns = hean_resolve_start(h->loop, host, on_resolved, r);
		if (!r->dns) {
			goto fail_linked;
		}
		ev_timer_start(h->loop, &r->dns_t);
		return 0;
	}
	if (curl_multi_add_handle(h->multi, r->easy) != CURLM_OK) {
		goto fail_linked;
	}
	return 0;

fail_linked:
	req_unlink(h, r);
fail:
	if (r->easy) {
		curl_easy_cleanup(r->easy);
	}
	curl_slist_free_all(r->hdrs);
	free(r);
	return rc;
}

unsigned hean_http_in_flight(const struct hean_http *h)
{
	return h ? h->in_flight : 0;
}

int hean_http_header(const struct hean_http_response *resp, const char *name, char *buf,
		     size_t len)
{
	const char *p, *end;
	size_t nlen;

	if (!resp || !resp->headers || !name || !buf || !len) {
		return -EINVAL;
	}
	nlen = strlen(name);
	p = resp->headers;
	end = p + resp->headers_len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = eol ? eol : end;

		if ((size_t)(line_end - p) > nlen && p[nlen] == ':' &&
		    strncasecmp(p, name, nlen) == 0) {
			const char *v = p + nlen + 1;
			const char *ve = line_end;
			size_t n;

			while (v < ve && (*v == ' ' || *v == '\t')) {
				v++;
			}
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) {
				ve--;
			}
			n = (size_t)(ve - v);
			if (n >= len) {
				n = len - 1;
				memcpy(buf, v, n);
				buf[n] = '\0';
				return -ENOSPC;
			}
			memcpy(buf, v, n);
			buf[n] = '\0';
			return 0;
		}
		p = eol ? eol + 1 : end;
	}
	buf[0] = '\0';
	return -ENOENT;
}
