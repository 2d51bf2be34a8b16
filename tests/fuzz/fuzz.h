/* tests/fuzz: what every libFuzzer target shares. Each fuzz_<name>.c
 * defines LLVMFuzzerTestOneInput; it is linked either with libFuzzer
 * (clang, fuzz-<name>) or with replay_main.c (any compiler, the corpus
 * replay registered as a test).
 *
 * FUZZ_CHECK is an invariant: it prints and aborts whatever NDEBUG says,
 * so libFuzzer records a crash and the replay test fails.
 *
 * The seed-known-* inputs of each corpus are the defects these targets
 * found (password in a URL error, password in the config dump, retCode
 * truncated to success, ISO round trip outside 4-digit years, mismatched
 * brackets in the signal span scanner): they stay as regression tests. */
#ifndef HEAN_TESTS_FUZZ_FUZZ_H
#define HEAN_TESTS_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                                     \
	do {                                                                                      \
		if (!(cond)) {                                                                    \
			fprintf(stderr, "fuzz invariant failed at %s:%d: %s: ", __FILE__, __LINE__, \
				#cond);                                                           \
			fprintf(stderr, __VA_ARGS__);                                             \
			fputc('\n', stderr);                                                      \
			abort();                                                                  \
		}                                                                                 \
	} while (0)

/* A heap copy of exactly n bytes (so ASan sees any read past the end)
 * and, if nul, one more byte holding NUL. */
static inline char *fuzz_dup(const uint8_t *data, size_t n, bool nul)
{
	char *p = malloc(n + (nul ? 1 : 0) + (n == 0 && !nul ? 1 : 0));

	if (!p) {
		abort();
	}
	if (n) {
		memcpy(p, data, n);
	}
	if (nul) {
		p[n] = '\0';
	}
	return p;
}

/* Rotates the letters g..y / G..Y of s[0..n) by one: same length, still
 * printable, never a hex digit, never a URL or JSON delimiter. A secret
 * perturbed like this must not change any error text or dump. Returns the
 * number of bytes changed. */
static inline size_t fuzz_perturb(char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if ((s[i] >= 'g' && s[i] <= 'y') || (s[i] >= 'G' && s[i] <= 'Y')) {
			s[i]++;
			k++;
		}
	}
	return k;
}

/* The password of a redis:// URL exactly as common/url.c delimits it
 * (authority = up to the first '/', user info = up to its last '@',
 * password = after the first ':' of the user info). Returns false when
 * there is none. */
static inline bool fuzz_redis_pass(const char *url, size_t *off, size_t *len)
{
	const char *sep = strstr(url, "://");
	const char *rest, *slash, *at = NULL, *colon;
	size_t alen;

	if (!sep || sep - url != 5 || strncasecmp(url, "redis", 5) != 0) {
		return false;
	}
	rest = sep + 3;
	slash = strchr(rest, '/');
	alen = slash ? (size_t)(slash - rest) : strlen(rest);
	for (const char *p = rest; p < rest + alen; p++) {
		if (*p == '@') {
			at = p;
		}
	}
	if (!at) {
		return false;
	}
	colon = memchr(rest, ':', (size_t)(at - rest));
	if (!colon) {
		return false;
	}
	*off = (size_t)(colon + 1 - url);
	*len = (size_t)(at - colon - 1);
	return true;
}

#endif
