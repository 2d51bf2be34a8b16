/* common/sign: HMAC-SHA256 lowercase hex for Bybit v5 (REST and WS auth).
 * Uses the one-shot HMAC() of OpenSSL 3, which is not deprecated. The
 * signed bytes are exactly the bytes sent: callers never re-serialise. */
#include "common/sign.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define PREFIX_MAX 64 /* two int64 decimals */

static void to_hex(const unsigned char *md, unsigned n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* out = lowercase hex of HMAC_SHA256(key, msg). msg may be empty (NULL
 * only with msglen 0). Returns 0 or -EINVAL. */
int hean_sign_hmac_hex(const char *key, size_t keylen, const char *msg, size_t msglen,
		       char out[HEAN_SIGN_HEX_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	static const unsigned char empty[1];

	if (!key || !out || (!msg && msglen > 0) || keylen > INT32_MAX) {
		return -EINVAL;
	}
	if (!HMAC(EVP_sha256(), key, (int)keylen, msg ? (const unsigned char *)msg : empty,
		  msglen, md, &n) ||
	    n != 32) {
		OPENSSL_cleanse(md, sizeof(md));
		return -EINVAL;
	}
	to_hex(md, n, out);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

/* REST: hex(HMAC(secret, ts + api_key + recv_window + payload)). The
 * pre-image is built in a temporary buffer that is wiped afterwards.
 * Returns 0, -EINVAL or -ENOMEM. */
int hean_sign_rest(const char *secret, int64_t ts_ms, const char *api_key, int64_t recv_window_ms,
		   const char *payload, size_t payload_len, char out[HEAN_SIGN_HEX_LEN])
{
	char nums[PREFIX_MAX];
	size_t keylen, total;
	char *pre;
	int n, m, rc;

	if (!secret || !api_key || !out || (!payload && payload_len > 0)) {
		return -EINVAL;
	}
	keylen = strlen(api_key);
	n = snprintf(nums, sizeof(nums), "%" PRId64, ts_ms);
	m = snprintf(nums + n + 1, sizeof(nums) - (size_t)n - 1, "%" PRId64, recv_window_ms);
	if (n <= 0 || m <= 0) {
		return -EINVAL;
	}
	total = (size_t)n + keylen + (size_t)m + payload_len;
	pre = malloc(total + 1);
	if (!pre) {
		return -ENOMEM;
	}
	memcpy(pre, nums, (size_t)n);
	memcpy(pre + n, api_key, keylen);
	memcpy(pre + (size_t)n + keylen, nums + n + 1, (size_t)m);
	if (payload_len > 0) {
		memcpy(pre + (size_t)n + keylen + (size_t)m, payload, payload_len);
	}
	pre[total] = '\0';
	rc = hean_sign_hmac_hex(secret, strlen(secret), pre, total, out);
	OPENSSL_cleanse(pre, total);
	free(pre);
	return rc;
}

/* WS auth: hex(HMAC(secret, "GET/realtime" + expires)). 0 or -EINVAL. */
int hean_sign_ws_auth(const char *secret, int64_t expires_ms, char out[HEAN_SIGN_HEX_LEN])
{
	char msg[PREFIX_MAX];
	int n;

	if (!secret || !out) {
		return -EINVAL;
	}
	n = snprintf(msg, sizeof(msg), "GET/realtime%" PRId64, expires_ms);
	if (n <= 0 || (size_t)n >= sizeof(msg)) {
		return -EINVAL;
	}
	return hean_sign_hmac_hex(secret, strlen(secret), msg, (size_t)n, out);
}

/* Constant-time equality of two hex signatures of equal length: returns 1
 * when equal, 0 otherwise (also for NULL or length mismatch; lengths are
 * not secret). */
int hean_sign_equal(const char *a, const char *b)
{
	size_t la, lb;

	if (!a || !b) {
		return 0;
	}
	la = strlen(a);
	lb = strlen(b);
	if (la != lb || la == 0) {
		return 0;
	}
	return CRYPTO_memcmp(a, b, la) == 0;
}
