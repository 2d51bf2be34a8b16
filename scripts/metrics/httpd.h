/* hean-metrics httpd: a minimal non-blocking HTTP/1.0-style server on the
 * libev loop for GET /metrics. One request per connection (Connection:
 * close), request head capped at 8 KiB, 10 s per connection, at most 64
 * connections; the body is a copy of the text at the time of the request,
 * so a slow client never holds anything else up. */
#ifndef HEAN_METRICS_HTTPD_H
#define HEAN_METRICS_HTTPD_H

#include <ev.h>
#include <stddef.h>

struct mx_httpd;

/* Returns the current body for GET /metrics (not copied by the caller:
 * the server copies it at once). */
typedef const char *mx_httpd_body_fn(size_t *len, void *data);

/* listen: "IPv4:PORT" (e.g. 127.0.0.1:9464). Returns NULL with *err set
 * (-EINVAL bad address, -errno from socket/bind/listen). */
struct mx_httpd *mx_httpd_create(struct ev_loop *loop, const char *listen, mx_httpd_body_fn *fn,
				 void *data, int *err);
/* Stops listening and closes every connection. NULL is a no-op. */
void mx_httpd_destroy(struct mx_httpd *h);

#endif
