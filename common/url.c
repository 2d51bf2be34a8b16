/* common/url: the URL grammar hean needs, nothing more.
 *
 *   ws|wss|http|https://HOST[:PORT][/PATH[?QUERY]]   HOST: name, IPv4, [IPv6]
 *   redis://[[USER]:PASS@]HOST[:PORT][/DB]          USER/PASS %-decoded
 *   unix://PATH[?db=N]                              PATH kept as given
 *                                                   (absolute or relative)
 * Scheme is case-insensitive. Spaces, control bytes and '#' fragments are
 * rejected. Pure: no I/O, no allocation. Error texts never contain the
 * password. */
#include "common/err.h"
#include "common/url.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DB_MAX 65535


static int hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* Copies s[0..n) into out (cap bytes), %-decoding. 0 or -EINVAL. */
static int copy_decoded(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
				return -EINVAL;
			}
			c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			if (c == '\0') {
				return -EINVAL;
			}
			i += 2;
		}
		if (o + 1 >= cap) {
			return -EINVAL;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

static int copy_plain(const char *s, size_t n, char *out, size_t cap)
{
	if (n >= cap) {
		return -EINVAL;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* Decimal in [lo, hi] over exactly n bytes. */
static int parse_uint(const char *s, size_t n, long lo, long hi, int *out)
{
	long v = 0;

	if (n == 0 || n > 9) {
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return -EINVAL;
		}
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi) {
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

static bool host_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

/* HOST[:PORT] in s[0..n) (IPv6 in brackets). */
static int parse_hostport(const char *s, size_t n, struct hean_url *u, char *err,
			  unsigned long errlen)
{
	const char *colon = NULL;
	size_t hlen;

	if (n > 0 && s[0] == '[') {
		const char *rb = memchr(s, ']', n);

		if (!rb || rb == s + 1) {
			return hean_errf(err, errlen, "bad IPv6 host (expected [addr])");
		}
		for (const char *p = s + 1; p < rb; p++) {
			if (hexval(*p) < 0 && *p != ':' && *p != '.') {
				return hean_errf(err, errlen, "bad IPv6 host");
			}
		}
		if (copy_plain(s + 1, (size_t)(rb - s - 1), u->host, sizeof(u->host)) < 0) {
			return hean_errf(err, errlen, "host too long");
		}
		if (rb + 1 < s + n) {
			if (rb[1] != ':') {
				return hean_errf(err, errlen, "junk after IPv6 host");
			}
			colon = rb + 1;
		}
	} else {
		colon = memchr(s, ':', n);
		hlen = colon ? (size_t)(colon - s) : n;
		if (hlen == 0) {
			return hean_errf(err, errlen, "empty host");
		}
		for (size_t i = 0; i < hlen; i++) {
			if (!host_char_ok(s[i])) {
				return hean_errf(err, errlen, "bad character in host");
			}
		}
		if (copy_plain(s, hlen, u->host, sizeof(u->host)) < 0) {
			return hean_errf(err, errlen, "host too long");
		}
	}
	if (colon) {
		size_t plen = (size_t)(s + n - colon - 1);

		if (parse_uint(colon + 1, plen, 1, 65535, &u->port) < 0) {
			return hean_errf(err, errlen, "bad port '%.*s' (1..65535)", (int)(plen > 16 ? 16 : plen),
				    colon + 1);
		}
	}
	return 0;
}

static int parse_unix(const char *rest, struct hean_url *u, char *err, unsigned long errlen)
{
	const char *q = strchr(rest, '?');
	size_t plen = q ? (size_t)(q - rest) : strlen(rest);

	if (plen == 0) {
		return hean_errf(err, errlen, "unix:// needs a socket path");
	}
	if (copy_plain(rest, plen, u->path, sizeof(u->path)) < 0) {
		return hean_errf(err, errlen, "socket path too long");
	}
	if (q) {
		if (strncmp(q + 1, "db=", 3) != 0 ||
		    parse_uint(q + 4, strlen(q + 4), 0, DB_MAX, &u->db) < 0) {
			return hean_errf(err, errlen, "bad query '%.24s' (expected ?db=0..%d)", q + 1, DB_MAX);
		}
	}
	return 0;
}

/* The '@' that ends the user info of a URL: the LAST '@' after "://", so
 * that a password holding '/', '?' or '@' never leaks into the host, port or
 * path (nor into an error message quoting them). NULL when there is none. */
const char *hean_url_userinfo_at(const char *url)
{
	const char *auth = strstr(url, "://");

	return auth ? strrchr(auth + 3, '@') : NULL;
}

static int parse_redis(const char *rest, struct hean_url *u, char *err, unsigned long errlen)
{
	const char *at = strrchr(rest, '@');
	const char *slash = strchr(at ? at + 1 : rest, '/');
	size_t alen = slash ? (size_t)(slash - rest) : strlen(rest);

	if (at) {
		const char *c = memchr(rest, ':', (size_t)(at - rest));

		if (!c) {
			return hean_errf(err, errlen, "redis user info must be [USER]:PASS@");
		}
		if (copy_decoded(rest, (size_t)(c - rest), u->user, sizeof(u->user)) < 0) {
			return hean_errf(err, errlen, "bad or too long redis user");
		}
		if (copy_decoded(c + 1, (size_t)(at - c - 1), u->pass, sizeof(u->pass)) < 0) {
			return hean_errf(err, errlen, "bad or too long redis password");
		}
		alen -= (size_t)(at + 1 - rest);
		rest = at + 1;
	}
	if (parse_hostport(rest, alen, u, err, errlen) < 0) {
		return -EINVAL;
	}
	if (slash && slash[1] != '\0' &&
	    parse_uint(slash + 1, strlen(slash + 1), 0, DB_MAX, &u->db) < 0) {
		return hean_errf(err, errlen, "bad db '%.16s' (0..%d)", slash + 1, DB_MAX);
	}
	return 0;
}

static int parse_web(const char *rest, struct hean_url *u, char *err, unsigned long errlen)
{
	size_t alen = strcspn(rest, "/?");

	if (memchr(rest, '@', alen)) {
		return hean_errf(err, errlen, "user info is not allowed in %s:// URLs", u->scheme);
	}
	if (parse_hostport(rest, alen, u, err, errlen) < 0) {
		return -EINVAL;
	}
	if (rest[alen] == '\0') {
		strcpy(u->path, "/");
	} else if (rest[alen] == '?') {
		if (snprintf(u->path, sizeof(u->path), "/%s", rest + alen) >= (int)sizeof(u->path)) {
			return hean_errf(err, errlen, "path too long");
		}
	} else if (copy_plain(rest + alen, strlen(rest + alen), u->path, sizeof(u->path)) < 0) {
		return hean_errf(err, errlen, "path too long");
	}
	return 0;
}

/* Parses url into out (zeroed first). Returns 0 or -EINVAL with err
 * naming the problem (never the password). */
int hean_url_parse(const char *url, struct hean_url *out, char *err, unsigned long errlen)
{
	static const struct {
		const char *name;
		int port;
		bool tls;
	} schemes[] = {
		{"ws", 80, false},     {"wss", 443, true},   {"http", 80, false},
		{"https", 443, true},  {"redis", 6379, false}, {"unix", 0, false},
	};
	const char *sep;
	size_t slen, k;
	int rc;

	if (!url || !out) {
		return hean_errf(err, errlen, "no URL");
	}
	memset(out, 0, sizeof(*out));
	for (const char *p = url; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			return hean_errf(err, errlen, "space or control character in URL");
		}
		if (*p == '#') {
			return hean_errf(err, errlen, "fragment '#' not allowed");
		}
	}
	sep = strstr(url, "://");
	if (!sep) {
		return hean_errf(err, errlen, "missing scheme (expected scheme://)");
	}
	slen = (size_t)(sep - url);
	if (slen == 0 || slen >= sizeof(out->scheme)) {
		return hean_errf(err, errlen, "unsupported scheme");
	}
	for (k = 0; k < slen; k++) {
		char c = url[k];

		out->scheme[k] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out->scheme[slen] = '\0';
	for (k = 0; k < sizeof(schemes) / sizeof(schemes[0]); k++) {
		if (strcmp(out->scheme, schemes[k].name) == 0) {
			break;
		}
	}
	if (k == sizeof(schemes) / sizeof(schemes[0])) {
		return hean_errf(err, errlen, "unsupported scheme '%s' (ws, wss, http, https, redis, unix)",
			    out->scheme);
	}
	out->port = schemes[k].port;
	out->tls = schemes[k].tls;
	if (strcmp(out->scheme, "unix") == 0) {
		rc = parse_unix(sep + 3, out, err, errlen);
	} else if (strcmp(out->scheme, "redis") == 0) {
		rc = parse_redis(sep + 3, out, err, errlen);
	} else {
		rc = parse_web(sep + 3, out, err, errlen);
	}
	if (rc < 0) {
		memset(out->pass, 0, sizeof(out->pass));
	}
	return rc;
}
