/* common/fetch: a small asynchronous HTTP(S) GET client on the process'
 * libwebsockets context (common/ws), for processes that need one REST read
 * now and then and should not load libcurl for it (the feed's
 * instruments-info pages). common/http (libcurl) stays the client for
 * everything else (POST, headers, signed requests).
 *
 * - Never blocks: names are resolved by common/resolve on the loop, the
 *   connection is made to the address while Host, SNI and the certificate
 *   check keep the name (as common/ws does).
 * - TLS: HEAN_TLS_CA_FILE (else the system store) set on the context by
 *   common/ws; HEAN_TLS_INSECURE=1 (hean_net_tls_insecure) accepts any
 *   certificate, said loudly in the log.
 * - Every request has a deadline (ev_timer, covering lookup, connect, TLS
 *   and the whole body) and a body cap.
 * - The callback is called exactly once per accepted request, always from
 *   the loop (never from inside hean_fetch_get, never from inside an lws
 *   callback), unless the request was cancelled first. */
#ifndef HEAN_COMMON_FETCH_H
#define HEAN_COMMON_FETCH_H

#include <stddef.h>
#include <stdint.h>

struct hean_ws_ctx;
struct hean_fetch;

struct hean_fetch_result {
	int status;        /* HTTP status; 0 when no response line arrived */
	const char *error; /* NULL: the response was read whole; else why not */
	const char *body;  /* NUL-terminated ("" when none); valid during the call */
	size_t body_len;
	int64_t elapsed_us;
};

typedef void hean_fetch_fn(const struct hean_fetch_result *res, void *data);

#define HEAN_FETCH_DEFAULT_TIMEOUT_MS 10000u
#define HEAN_FETCH_DEFAULT_MAX_BODY (4u << 20)

/* Starts GET url (http:// or https://) on ctx. timeout_ms 0 / max_body 0:
 * the defaults above. Returns a handle (for hean_fetch_cancel; it is gone
 * once cb has been called) or NULL with errno set (EINVAL bad URL, ENOMEM):
 * then cb is never called. */
struct hean_fetch *hean_fetch_get(struct hean_ws_ctx *ctx, const char *url, uint32_t timeout_ms,
				  size_t max_body, hean_fetch_fn *cb, void *data);

/* The callback will not be called; the connection is dropped. NULL is a
 * no-op. Not with a handle whose callback already ran. */
void hean_fetch_cancel(struct hean_fetch *f);

/* Cancels every pending request of ctx (shutdown): no callbacks.
 * hean_ws_ctx_destroy calls it. */
void hean_fetch_abort_all(struct hean_ws_ctx *ctx);

/* Requests of ctx not yet completed. */
unsigned hean_fetch_pending(const struct hean_ws_ctx *ctx);

#if defined(LWS_LIBRARY_VERSION_MAJOR) /* <libwebsockets.h> included before */
/* The lws protocol callback, "hean-fetch" in common/ws_lws.c's list. */
int hean_fetch_lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			    void *in, size_t len);
#endif

#endif
