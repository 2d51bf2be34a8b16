/* hean-metrics httpd: see httpd.h. */
#include "scripts/metrics/httpd.h"

#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_MAX 8192
#define MAX_CONNS 64
#define CONN_TIMEOUT_S 10.0

struct conn {
	struct mx_httpd *h;
	int fd;
	ev_io io;
	ev_timer timer;
	char in[HEAD_MAX + 1];
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	struct conn *next;
};

struct mx_httpd {
	struct ev_loop *loop;
	int fd;
	ev_io accept_io;
	mx_httpd_body_fn *fn;
	void *data;
	struct conn *conns;
	unsigned n_conns;
};

static void conn_close(struct conn *c)
{
	struct mx_httpd *h = c->h;
	struct conn **pp;

	ev_io_stop(h->loop, &c->io);
	ev_timer_stop(h->loop, &c->timer);
	close(c->fd);
	for (pp = &h->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	h->n_conns--;
	free(c->out);
	free(c);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	conn_close(w->data);
}

static void on_write(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;

	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				return;
			}
			if (errno == EINTR) {
				continue;
			}
			break;
		}
		c->out_off += (size_t)n;
	}
	conn_close(c);
}

static void respond(struct conn *c, int status, const char *reason, const char *ctype,
		    const char *body, size_t len, bool head_only)
{
	char hdr[256];
	int hl = snprintf(hdr, sizeof(hdr),
			  "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			  "Connection: close\r\nCache-Control: no-store\r\n\r\n",
			  status, reason, ctype, len);

	if (head_only) {
		len = 0;
	}
	c->out = malloc((size_t)hl + len);
	if (!c->out) {
		conn_close(c);
		return;
	}
	memcpy(c->out, hdr, (size_t)hl);
	if (len) {
		memcpy(c->out + hl, body, len);
	}
	c->out_len = (size_t)hl + len;
	c->out_off = 0;
	ev_io_stop(c->h->loop, &c->io);
	ev_io_init(&c->io, on_write, c->fd, EV_WRITE);
	c->io.data = c;
	ev_io_start(c->h->loop, &c->io);
}

static void handle(struct conn *c)
{
	static const char idx[] = "hean-metrics: Prometheus metrics at /metrics\n";
	char method[8], path[256];
	const char *body;
	size_t len = 0;
	char *q;

	if (sscanf(c->in, "%7s %255s", method, path) != 2) {
		respond(c, 400, "Bad Request", "text/plain", "bad request\n", 12, false);
		return;
	}
	q = strchr(path, '?');
	if (q) {
		*q = 0;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		respond(c, 405, "Method Not Allowed", "text/plain", "GET only\n", 9, false);
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		body = c->h->fn(&len, c->h->data);
		respond(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", body, len,
			method[0] == 'H');
	} else if (strcmp(path, "/") == 0) {
		respond(c, 200, "OK", "text/plain", idx, sizeof(idx) - 1, method[0] == 'H');
	} else {
		respond(c, 404, "Not Found", "text/plain", "not found\n", 10, false);
	}
}

static void on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;
	ssize_t n;

	n = recv(c->fd, c->in + c->in_len, HEAD_MAX - c->in_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		return;
	}
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->in_len += (size_t)n;
	c->in[c->in_len] = 0;
	if (strstr(c->in, "\r\n\r\n") || strstr(c->in, "\n\n")) {
		handle(c);
	} else if (c->in_len >= HEAD_MAX) {
		respond(c, 431, "Request Header Fields Too Large", "text/plain", "too large\n", 10,
			false);
	}
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct mx_httpd *h = w->data;

	for (;;) {
		struct conn *c;
		int fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				log_warn("event=accept_failed err=\"%s\"", strerror(errno));
			}
			return;
		}
		if (h->n_conns >= MAX_CONNS || !(c = calloc(1, sizeof(*c)))) {
			close(fd);
			continue;
		}
		c->h = h;
		c->fd = fd;
		c->next = h->conns;
		h->conns = c;
		h->n_conns++;
		ev_io_init(&c->io, on_read, fd, EV_READ);
		c->io.data = c;
		ev_io_start(loop, &c->io);
		ev_timer_init(&c->timer, on_timeout, CONN_TIMEOUT_S, 0);
		c->timer.data = c;
		ev_timer_start(loop, &c->timer);
	}
}

struct mx_httpd *mx_httpd_create(struct ev_loop *loop, const char *listen_addr,
				 mx_httpd_body_fn *fn, void *data, int *err)
{
	struct sockaddr_in sa;
	struct mx_httpd *h;
	char host[64];
	const char *colon = strrchr(listen_addr, ':');
	char *end;
	long port;
	int one = 1;

	*err = -EINVAL;
	if (!colon || (size_t)(colon - listen_addr) >= sizeof(host) || colon == listen_addr) {
		return NULL;
	}
	memcpy(host, listen_addr, (size_t)(colon - listen_addr));
	host[colon - listen_addr] = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535) {
		return NULL;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (strcmp(host, "localhost") == 0) {
		snprintf(host, sizeof(host), "127.0.0.1");
	}
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		*err = -ENOMEM;
		return NULL;
	}
	h->loop = loop;
	h->fn = fn;
	h->data = data;
	h->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0) {
		*err = -errno;
		free(h);
		return NULL;
	}
	setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(h->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(h->fd, 64) < 0) {
		*err = -errno;
		close(h->fd);
		free(h);
		return NULL;
	}
	ev_io_init(&h->accept_io, on_accept, h->fd, EV_READ);
	h->accept_io.data = h;
	ev_io_start(loop, &h->accept_io);
	*err = 0;
	return h;
}

void mx_httpd_destroy(struct mx_httpd *h)
{
	if (!h) {
		return;
	}
	while (h->conns) {
		conn_close(h->conns);
	}
	ev_io_stop(h->loop, &h->accept_io);
	close(h->fd);
	free(h);
}
