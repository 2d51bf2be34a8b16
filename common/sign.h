/* common/sign: HMAC-SHA256 lowercase hex for Bybit v5.
 * REST: timestamp + api_key + recv_window + (query | body)
 * WS auth: "GET/realtime" + expires */
#ifndef HEAN_COMMON_SIGN_H
#define HEAN_COMMON_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define HEAN_SIGN_HEX_LEN 65 /* 64 hex chars + NUL */

/* out = hex(HMAC_SHA256(key, msg)). Returns 0 or -EINVAL. */
int hean_sign_hmac_hex(const char *key, size_t keylen, const char *msg, size_t msglen,
		       char out[HEAN_SIGN_HEX_LEN]);

/* REST signature over the exact payload sent (query without '?' or raw
 * JSON body; payload may be NULL/empty). Returns 0 or -EINVAL/-ENOMEM. */
int hean_sign_rest(const char *secret, int64_t ts_ms, const char *api_key, int64_t recv_window_ms,
		   const char *payload, size_t payload_len, char out[HEAN_SIGN_HEX_LEN]);

/* WebSocket auth signature. Returns 0 or -EINVAL. */
int hean_sign_ws_auth(const char *secret, int64_t expires_ms, char out[HEAN_SIGN_HEX_LEN]);

/* Constant-time comparison of two hex signatures (simulator side). */
int hean_sign_equal(const char *a, const char *b);

#endif
