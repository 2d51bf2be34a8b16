/* common/http: libcurl multi on the libev loop (CURLMOPT_SOCKETFUNCTION /
 * TIMERFUNCTION). Never blocks. Every request has its own deadline and a
 * body cap; the completion callback gets status, headers and body. */
#ifndef HEAN_COMMON_HTTP_H
#define HEAN_COMMON_HTTP_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>

struct hean_http;

struct hean_http_response {
	long status;          /* HTTP status, 0 if no response */
	int curl_code;        /* CURLcode; 0 = transfer completed */
	const char *error;    /* curl error text when curl_code != 0 */
	const char *body;     /* NUL-terminated */
	size_t body_len;
	const char *headers;  /* raw header block, NUL-terminated */
	size_t headers_len;
	int64_t elapsed_us;
};

/* Called exactly once per submitted request (also with curl_code set on
 * timeout / connect failure / body over the cap). The response memory is
 * valid only during the call. */
typedef void hean_http_done_fn(const struct hean_http_response *resp, void *data);

struct hean_http_request {
	const char *method;              /* "GET" | "POST" */
	const char *url;
	const char *body;                /* POST body, may be NULL */
	size_t body_len;
	const char *const *headers;      /* NULL-terminated "Name: value" list, may be NULL */
	uint32_t timeout_ms;             /* default 10000 */
	uint32_t connect_timeout_ms;     /* default 3000 */
	size_t max_body;                 /* default 4 MiB */
};

struct hean_http *hean_http_create(struct ev_loop *loop);

/* Aborts in-flight requests without calling their callbacks and frees.
 * May be called from a completion callback (the free then happens when
 * that callback returns). NULL is a no-op. */
void hean_http_destroy(struct hean_http *h);

/* Submits a request. Returns 0 (cb will be called once) or -errno (cb is
 * never called). Strings in req are copied. */
int hean_http_submit(struct hean_http *h, const struct hean_http_request *req,
		     hean_http_done_fn *cb, void *data);

unsigned hean_http_in_flight(const struct hean_http *h);

/* Finds a header value (case-insensitive name) in a response's raw block;
 * copies it into buf. Returns 0 or -ENOENT (buf set to ""); -ENOSPC if
 * the value was truncated to fit len (buf still NUL-terminated). */
int hean_http_header(const struct hean_http_response *resp, const char *name, char *buf,
		     size_t len);

#endif
