/* fuzz target: URL grammar (common/url.c). The input (up to its first NUL)
 * is one URL.
 *
 * Invariants:
 *   - success: every field NUL-terminated, scheme one of the six, tls and
 *     the default port follow the scheme, port 0..65535 (0 only for
 *     unix), db 0..65535, user/pass only for redis, host non-empty unless
 *     unix, ws/http paths start with '/';
 *   - failure: err is set and the password buffer is wiped;
 *   - the password never shows in err: rotating its letters (same length,
 *     same class) gives the same result and the same err text. The
 *     password is delimited as the parser does (user info ends at the
 *     last '@' before the first '/'). The naive reading (password to the last .@.) is also
 *     checked for a raw password that holds '/' ("redis://u:pa/ss@h"),
 *     known to leak today (see README.md). */
#include "tests/fuzz/fuzz.h"

#include "common/url.h"

#include <errno.h>

static bool terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static void check_ok(const char *url, const struct hean_url *u)
{
	static const char *const schemes[] = {"ws", "wss", "http", "https", "redis", "unix"};
	size_t k;

	FUZZ_CHECK(terminated(u->scheme, sizeof(u->scheme)) && terminated(u->user, sizeof(u->user)) &&
			   terminated(u->pass, sizeof(u->pass)) && terminated(u->host, sizeof(u->host)) &&
			   terminated(u->path, sizeof(u->path)),
		   "field not terminated for '%s'", url);
	for (k = 0; k < 6 && strcmp(u->scheme, schemes[k]); k++) {
	}
	FUZZ_CHECK(k < 6, "scheme '%s'", u->scheme);
	FUZZ_CHECK(u->tls == (!strcmp(u->scheme, "wss") || !strcmp(u->scheme, "https")), "tls");
	FUZZ_CHECK(u->db >= 0 && u->db <= 65535, "db %d", u->db);
	if (!strcmp(u->scheme, "unix")) {
		FUZZ_CHECK(u->port == 0 && u->host[0] == '\0' && u->path[0] != '\0', "unix: '%s'", url);
	} else {
		FUZZ_CHECK(u->port >= 1 && u->port <= 65535, "port %d", u->port);
		FUZZ_CHECK(u->host[0] != '\0', "empty host in '%s'", url);
		for (const char *p = u->host; *p; p++) {
			FUZZ_CHECK(*p > ' ' && *p != 0x7f && *p != '/' && *p != '@' && *p != '?',
				   "host '%s'", u->host);
		}
	}
	if (strcmp(u->scheme, "redis")) {
		FUZZ_CHECK(u->user[0] == '\0' && u->pass[0] == '\0', "user info outside redis");
	}
	if (strcmp(u->scheme, "redis") && strcmp(u->scheme, "unix")) {
		FUZZ_CHECK(u->path[0] == '/' && u->db == 0, "path '%s'", u->path);
	}
}

/* parse url, and again with the bytes [off, off+len) letter-rotated:
 * same rc, same err. */
static void check_no_leak(const char *url, size_t off, size_t len, int rc, const char *err)
{
	char *other = strdup(url);
	struct hean_url u;
	char err2[256];

	if (!other) {
		abort();
	}
	if (fuzz_perturb(other + off, len) > 0) {
		memset(err2, 0, sizeof(err2));
		int rc2 = hean_url_parse(other, &u, err2, sizeof(err2));
		FUZZ_CHECK(rc2 == rc, "password changed the verdict of '%s'", url);
		FUZZ_CHECK(rc == 0 || strcmp(err, err2) == 0,
			   "password shows in the error of '%s': '%s' vs '%s'", url, err, err2);
	}
	free(other);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = fuzz_dup(data, size, true);
	struct hean_url u;
	char err[256];
	size_t off, len;

	memset(err, 0, sizeof(err));
	int rc = hean_url_parse(url, &u, err, sizeof(err));

	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "rc %d", rc);
	if (rc == 0) {
		check_ok(url, &u);
	} else {
		FUZZ_CHECK(err[0] != '\0', "no reason for '%s'", url);
		for (size_t i = 0; i < sizeof(u.pass); i++) {
			FUZZ_CHECK(u.pass[i] == '\0', "password not wiped after an error");
		}
	}
	/* a short err buffer is always terminated and never overrun */
	char small[8];
	struct hean_url u2;
	memset(small, 'x', sizeof(small));
	hean_url_parse(url, &u2, small, sizeof(small));
	FUZZ_CHECK(rc == 0 || memchr(small, '\0', sizeof(small)), "short err not terminated");
	FUZZ_CHECK(hean_url_parse(url, &u2, NULL, 0) == rc, "err NULL changes the verdict");

	if (fuzz_redis_pass(url, &off, &len)) {
		check_no_leak(url, off, len, rc, err);
	} else if (strncasecmp(url, "redis://", 8) == 0) {
		/* the naive reading: the password runs to the last '@' */
		const char *colon = strchr(url + 8, ':'), *at = strrchr(url, '@');
		if (colon && at && colon < at) {
			check_no_leak(url, (size_t)(colon + 1 - url), (size_t)(at - colon - 1), rc, err);
		}
	}
	free(url);
	return 0;
}
