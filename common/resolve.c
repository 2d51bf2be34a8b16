/* common/resolve: c-ares on the libev loop (see resolve.h).
 *
 * One c-ares channel per process, created on the first lookup. c-ares
 * tells us which sockets to watch (ARES_OPT_SOCK_STATE_CB); one ev_io per
 * socket and one ev_timer for c-ares' retransmit/timeout deadlines
 * (ares_timeout) drive it with ares_process_fd. A lookup's result is
 * delivered from its own 0-s ev_timer, so the owner's callback never runs
 * inside hean_resolve_start (c-ares may answer /etc/hosts at once) nor
 * inside c-ares. */
#include "common/resolve.h"

#include "common/config.h"
#include "common/log.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define RESOLVE_TIMEOUT_MS 2000 /* per try and server */
#define RESOLVE_TRIES 2
#define NET_STR 1024

static char net_ca_file[NET_STR];
static char net_dns_server[NET_STR];
static bool net_insecure;

void hean_net_set(const char *ca_file, const char *dns_server, bool tls_insecure)
{
	net_insecure = tls_insecure;
	snprintf(net_ca_file, sizeof(net_ca_file), "%s", ca_file ? ca_file : "");
	snprintf(net_dns_server, sizeof(net_dns_server), "%s", dns_server ? dns_server : "");
}

void hean_net_set_from_config(const struct hean_config *cfg)
{
	hean_net_set(cfg->tls_ca_file, cfg->dns_server, cfg->tls_insecure);
}

bool hean_net_tls_insecure(void)
{
	return net_insecure;
}

const char *hean_net_ca_file(void)
{
	return net_ca_file;
}

const char *hean_net_dns_server(void)
{
	return net_dns_server;
}

bool hean_resolve_is_numeric(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return host && (inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1);
}

/* ===================== the channel ===================== */

struct rsock {
	ares_socket_t fd;
	struct ev_io io;
	struct rsock *next;
};

struct resolver {
	struct ev_loop *loop;
	ares_channel ch;
	struct ev_timer tmo;
	struct rsock *socks;
	struct hean_resolve *reqs; /* every request not yet freed */
	unsigned pending;
	unsigned in_ares;           /* c-ares has not answered yet */
	unsigned in_ares_cancelled; /* ... of which the owner cancelled */
};

struct hean_resolve {
	struct resolver *rv;
	hean_resolve_fn *cb;
	void *data;
	char host[256];
	bool cancelled;
	bool done;      /* c-ares answered; done_t delivers */
	int status;
	char addr[INET6_ADDRSTRLEN];
	char err[400];
	struct ev_timer done_t;
	struct hean_resolve *prev, *next;
};

static struct resolver *rv_global;

static void rearm_timeout(struct resolver *rv)
{
	struct timeval tv, *t;

	ev_timer_stop(rv->loop, &rv->tmo);
	t = ares_timeout(rv->ch, NULL, &tv);
	if (t) {
		ev_timer_set(&rv->tmo, (double)t->tv_sec + (double)t->tv_usec / 1e6, 0.);
		ev_timer_start(rv->loop, &rv->tmo);
	}
}

static void on_rv_io(struct ev_loop *loop, struct ev_io *w, int revents)
{
	struct rsock *s = w->data;
	struct resolver *rv = rv_global;
	ares_socket_t fd = s->fd;

	ares_process_fd(rv->ch, (revents & EV_READ) ? fd : ARES_SOCKET_BAD,
			(revents & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	if (rv_global) {
		rearm_timeout(rv_global);
	}
}

static void on_rv_timeout(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct resolver *rv = w->data;

	ares_process_fd(rv->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	rearm_timeout(rv);
}

static void sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolver *rv = data;
	struct rsock **pp = &rv->socks, *s;
	int ev = (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);

	while (*pp && (*pp)->fd != fd) {
		pp = &(*pp)->next;
	}
	s = *pp;
	if (!ev) {
		if (s) {
			ev_io_stop(rv->loop, &s->io);
			*pp = s->next;
			free(s);
		}
		return;
	}
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s) {
			log_error("event=resolve_error reason=\"out of memory for a socket\"");
			return; /* c-ares times the query out */
		}
		s->fd = fd;
		s->next = rv->socks;
		rv->socks = s;
	}
	ev_io_stop(rv->loop, &s->io);
	ev_io_init(&s->io, on_rv_io, fd, ev);
	s->io.data = s;
	ev_io_start(rv->loop, &s->io);
}

static struct resolver *resolver_get(struct ev_loop *loop, char *err, size_t errlen)
{
	static bool lib_init;
	struct ares_options o;
	struct resolver *rv;
	int rc;

	if (rv_global) {
		return rv_global;
	}
	if (!lib_init) {
		rc = ares_library_init(ARES_LIB_INIT_ALL);
		if (rc != ARES_SUCCESS) {
			snprintf(err, errlen, "ares_library_init: %s", ares_strerror(rc));
			return NULL;
		}
		lib_init = true;
	}
	rv = calloc(1, sizeof(*rv));
	if (!rv) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rv->loop = loop;
	memset(&o, 0, sizeof(o));
	o.timeout = RESOLVE_TIMEOUT_MS;
	o.tries = RESOLVE_TRIES;
	o.sock_state_cb = sock_state_cb;
	o.sock_state_cb_data = rv;
	rc = ares_init_options(&rv->ch, &o,
			       ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "ares_init_options: %s", ares_strerror(rc));
		free(rv);
		return NULL;
	}
	if (net_dns_server[0]) {
		rc = ares_set_servers_ports_csv(rv->ch, net_dns_server);
		if (rc != ARES_SUCCESS) {
			snprintf(err, errlen, "HEAN_DNS_SERVER=%.80s: %s", net_dns_server,
				 ares_strerror(rc));
			ares_destroy(rv->ch);
			free(rv);
			return NULL;
		}
		log_info("event=resolve_servers servers=%s", net_dns_server);
	}
	ev_timer_init(&rv->tmo, on_rv_timeout, 0., 0.);
	rv->tmo.data = rv;
	rv_global = rv;
	return rv;
}

/* ===================== lookups ===================== */

static void req_free(struct hean_resolve *r)
{
	struct resolver *rv = r->rv;

	if (r->prev) {
		r->prev->next = r->next;
	} else {
		rv->reqs = r->next;
	}
	if (r->next) {
		r->next->prev = r->prev;
	}
	rv->pending--;
	free(r);
}

static void on_done_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct hean_resolve *r = w->data;

	ev_timer_stop(loop, w);
	if (!r->cancelled && r->cb) {
		r->cb(r->status, r->status == 0 ? r->addr : NULL, r->err, r->data);
	}
	req_free(r);
}

static void pick_addr(struct hean_resolve *r, const struct ares_addrinfo *ai)
{
	const struct ares_addrinfo_node *n, *best = NULL;

	for (n = ai ? ai->nodes : NULL; n; n = n->ai_next) {
		if (n->ai_family == AF_INET) {
			best = n;
			break;
		}
		if (!best && n->ai_family == AF_INET6) {
			best = n;
		}
	}
	if (!best) {
		r->status = -ENOENT;
		snprintf(r->err, sizeof(r->err), "no address for %s", r->host);
		return;
	}
	if (best->ai_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)best->ai_addr)->sin_addr, r->addr,
			  sizeof(r->addr));
	} else {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)best->ai_addr)->sin6_addr,
			  r->addr, sizeof(r->addr));
	}
	r->status = 0;
}

static void on_ares_done(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct hean_resolve *r = arg;

	r->rv->in_ares--;
	if (r->cancelled) {
		r->rv->in_ares_cancelled--;
	}
	if (status == ARES_SUCCESS) {
		pick_addr(r, ai);
	} else {
		switch (status) {
		case ARES_ENOTFOUND:
		case ARES_ENODATA:
			r->status = -ENOENT;
			snprintf(r->err, sizeof(r->err), "no such host %s", r->host);
			break;
		case ARES_ETIMEOUT:
			r->status = -ETIMEDOUT;
			snprintf(r->err, sizeof(r->err),
				 "DNS timeout for %s (no answer after %d tries)", r->host, timeouts);
			break;
		case ARES_ECONNREFUSED:
			r->status = -ECONNREFUSED;
			snprintf(r->err, sizeof(r->err), "DNS server refused (%s)", r->host);
			break;
		default:
			r->status = -EIO;
			snprintf(r->err, sizeof(r->err), "DNS error for %s: %s", r->host,
				 ares_strerror(status));
		}
	}
	if (ai) {
		ares_freeaddrinfo(ai);
	}
	if (status == ARES_EDESTRUCTION || r->cancelled || !rv_global) {
		/* channel going away or owner gone: nobody to tell */
		req_free(r);
		return;
	}
	r->done = true;
	ev_timer_set(&r->done_t, 0., 0.);
	ev_timer_start(r->rv->loop, &r->done_t);
}

struct hean_resolve *hean_resolve_start(struct ev_loop *loop, const char *host,
					hean_resolve_fn *cb, void *data)
{
	struct ares_addrinfo_hints hints;
	struct hean_resolve *r;
	struct resolver *rv;
	char err[160];

	if (!host || !cb || strlen(host) >= sizeof(r->host)) {
		log_error("event=resolve_error host=%s reason=\"bad host name\"", host ? host : "");
		return NULL;
	}
	err[0] = '\0';
	rv = resolver_get(loop, err, sizeof(err));
	if (!rv) {
		log_error("event=resolve_error host=%s reason=\"%s\"", host, err);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		log_error("event=resolve_error host=%s reason=\"out of memory\"", host);
		return NULL;
	}
	r->rv = rv;
	r->cb = cb;
	r->data = data;
	snprintf(r->host, sizeof(r->host), "%s", host);
	ev_timer_init(&r->done_t, on_done_timer, 0., 0.);
	r->done_t.data = r;
	rv->pending++;
	r->next = rv->reqs;
	if (rv->reqs) {
		rv->reqs->prev = r;
	}
	rv->reqs = r;
	rv->in_ares++;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/* may call on_ares_done at once (hosts file): delivered via done_t */
	ares_getaddrinfo(rv->ch, host, NULL, &hints, on_ares_done, r);
	rearm_timeout(rv);
	return r;
}

void hean_resolve_cancel(struct hean_resolve *r)
{
	struct resolver *rv;

	if (!r) {
		return;
	}
	if (r->done) {
		/* answered, not yet delivered */
		ev_timer_stop(r->rv->loop, &r->done_t);
		req_free(r);
		return;
	}
	rv = r->rv;
	r->cancelled = true; /* c-ares still owns it: freed in on_ares_done */
	rv->in_ares_cancelled++;
	if (rv->in_ares_cancelled == rv->in_ares) {
		/* nobody waits for any query: stop them all now, so no socket
		 * or timer keeps the loop busy (frees them, r too, via
		 * on_ares_done) */
		ares_cancel(rv->ch);
		rearm_timeout(rv);
	}
}

unsigned hean_resolve_pending(void)
{
	return rv_global ? rv_global->pending : 0;
}

void hean_resolve_shutdown(void)
{
	struct resolver *rv = rv_global;
	struct rsock *s;

	if (!rv || rv->pending) {
		return; /* another user still waits for an answer */
	}
	rv_global = NULL; /* on_ares_done frees every request (EDESTRUCTION) */
	ares_destroy(rv->ch);
	while (rv->reqs) {
		/* answered, delivery pending: dropped */
		ev_timer_stop(rv->loop, &rv->reqs->done_t);
		req_free(rv->reqs);
	}
	ev_timer_stop(rv->loop, &rv->tmo);
	s = rv->socks;
	while (s) {
		struct rsock *next = s->next;

		ev_io_stop(rv->loop, &s->io);
		free(s);
		s = next;
	}
	free(rv);
}
