/* executor/rest: the Bybit v5 REST client on common/http (curl multi on
 * the loop; never blocks). Signs private calls with the corrected clock
 * (local + offset to /v5/market/time) and HEAN_RECV_WINDOW_MS, parses the
 * envelope and sorts every answer into a retry class (protocol doc §5):
 *
 *   OK        retCode 0
 *   REJECTED  a definitive answer (N class; 110072 and 34040 included:
 *             the caller decides what they mean)
 *   RATE      10006 / HTTP 429: not applied; wait for the limit reset
 *   CLOCK     10002: not applied; resync the clock, re-sign, retry once
 *   UNKNOWN   HTTP 5xx, 10000/10016, timeout, lost or unparsable answer:
 *             the request MAY have been applied
 *
 * RATE and CLOCK are retried here (the request was certainly not
 * applied). UNKNOWN is retried here only for calls flagged IDEMPOTENT;
 * order/create gets it back and checks by orderLinkId before re-sending.
 * Secrets and signatures are never logged. */
#ifndef HEAN_EXECUTOR_REST_H
#define HEAN_EXECUTOR_REST_H

#include <ev.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum exec_rest_class {
	EXEC_REST_OK = 0,
	EXEC_REST_REJECTED,
	EXEC_REST_RATE,
	EXEC_REST_CLOCK,
	EXEC_REST_UNKNOWN,
};

struct exec_rest_result {
	enum exec_rest_class cls;
	int ret_code;       /* retCode; -HTTP status or -1 (transport) without one */
	char ret_msg[200];
	json_t *result;     /* the envelope's result (borrowed, callback only) or NULL */
	long http_status;   /* 0: no answer */
	int curl_code;
	int64_t reset_ms;   /* X-Bapi-Limit-Reset-Timestamp (exchange ms), 0 none */
	int64_t server_ms;  /* envelope "time", 0 none */
	int attempts;       /* sends so far for this call */
	bool aborted;       /* exec_rest_destroy: free your data, touch nothing else */
};

typedef void exec_rest_fn(const struct exec_rest_result *res, void *data);

/* ===== pure (unit-tested) ===== */

/* Retry class of an answer (http_status 0 + curl_code != 0: no answer). */
enum exec_rest_class exec_rest_classify(long http_status, int curl_code, int ret_code);

/* Parses an answer into out (cls, ret_code, ret_msg, server_ms); *root
 * gets the parsed document (caller decrefs; NULL if unparsable) and
 * out->result points into it. Returns out->cls. */
enum exec_rest_class exec_rest_parse(long http_status, int curl_code, const char *curl_err,
				     const char *body, size_t len, struct exec_rest_result *out,
				     json_t **root);

/* Clock offset (exchange - local, ms) from a /v5/market/time answer sent
 * at t0 and received at t1 (local ms): server - (t0 + t1) / 2. Returns 0
 * or -EINVAL. */
int exec_rest_offset_from_time(const json_t *root, int64_t t0_ms, int64_t t1_ms,
			       int64_t *offset_ms);

/* ===== client ===== */

struct exec_rest;

struct exec_rest_opts {
	const char *base;        /* http(s)://host[:port] */
	const char *api_key;     /* copied; never logged */
	const char *api_secret;  /* copied; wiped at destroy; never logged */
	int recv_window_ms;
	uint32_t timeout_ms;     /* per request; default 5000 */
	int ban_s;               /* REST pause after an HTTP 403 (IP ban); default 600 */
};

enum {
	EXEC_REST_SIGNED = 1 << 0,     /* private endpoint */
	EXEC_REST_IDEMPOTENT = 1 << 1, /* retry UNKNOWN here too */
	EXEC_REST_NO_RETRY = 1 << 2,   /* RATE / CLOCK go back to the caller, not
					* retried here (order/create: the caller's gate
					* decides whether a retry may still go out) */
};

struct exec_rest *exec_rest_create(struct ev_loop *loop, const struct exec_rest_opts *o);
/* Aborts every call: each callback runs once with aborted set (free the
 * call's data only), then wipes the secret. NULL no-op. */
void exec_rest_destroy(struct exec_rest *r);

/* GET (payload = query string without '?', may be NULL) or POST (payload
 * = JSON body). Returns 0 (cb called exactly once, never from inside this
 * call) or -errno (cb never called). */
int exec_rest_call(struct exec_rest *r, const char *method, const char *path,
		   const char *payload, unsigned flags, exec_rest_fn *cb, void *data);

/* Starts a clock resync now (no-op if one is running). cb (may be NULL)
 * runs when it ends, ok says whether the offset was measured. */
typedef void exec_rest_sync_fn(bool ok, void *data);
void exec_rest_sync_clock(struct exec_rest *r, exec_rest_sync_fn *cb, void *data);

bool exec_rest_clock_synced(const struct exec_rest *r);
int64_t exec_rest_offset_ms(const struct exec_rest *r);
/* Local wall clock corrected to the exchange's. */
int64_t exec_rest_now_ms(const struct exec_rest *r);
const char *exec_rest_api_key(const struct exec_rest *r);
/* WS auth: {"op":"auth","args":[key, expires, sign]} with expires =
 * corrected now + recv_window. Returns 0 or -EINVAL. */
int exec_rest_ws_auth_frame(const struct exec_rest *r, char *out, size_t len);

/* Health: sends retried so far, in-flight requests, and whether REST is
 * failing (>= 3 consecutive calls without any answer or with 5xx). */
uint64_t exec_rest_retries(const struct exec_rest *r);
unsigned exec_rest_in_flight(const struct exec_rest *r);
bool exec_rest_failing(const struct exec_rest *r);
/* An HTTP 403 (IP ban) paused every REST call: calls made meanwhile are
 * not sent and end at once with class RATE, ret_code -403. */
bool exec_rest_banned(const struct exec_rest *r);
int64_t exec_rest_ban_left_ms(const struct exec_rest *r);

#endif
