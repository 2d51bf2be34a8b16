/* exsim tap: the raw bytes of each request as the client sent them.
 * lws decodes %XX in the query before the HTTP callback sees it, and the
 * decoded text cannot tell "%2C" from ",": a signature checked over a
 * re-encoding passes or fails by how the client happened to encode. Bybit
 * checks the bytes as sent, so the sim keeps the last bytes read from each
 * socket (recv() is interposed: lws reads plain sockets with it) and takes
 * the query from the request line itself. TLS sockets are read through
 * OpenSSL, so their tap holds ciphertext and the caller falls back. */
#include "tests/sim/exsim.h"

#include <dlfcn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#define TAP_FDS 1024
#define TAP_BYTES 8192

struct tap {
	size_t len;
	char buf[TAP_BYTES];
};

static struct tap *taps[TAP_FDS];

ssize_t recv(int fd, void *buf, size_t len, int flags);

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	static ssize_t (*real)(int, void *, size_t, int);
	ssize_t n;

	if (!real) {
		real = (ssize_t(*)(int, void *, size_t, int))dlsym(RTLD_NEXT, "recv");
	}
	n = real(fd, buf, len, flags);
	if (n > 0 && fd >= 0 && fd < TAP_FDS && !(flags & MSG_PEEK)) {
		struct tap *t = taps[fd];
		size_t k = (size_t)n;

		if (!t && !(t = taps[fd] = calloc(1, sizeof(*t)))) {
			return n;
		}
		if (k >= TAP_BYTES) {
			memcpy(t->buf, (char *)buf + k - TAP_BYTES, TAP_BYTES);
			t->len = TAP_BYTES;
		} else {
			if (t->len + k > TAP_BYTES) {
				size_t drop = t->len + k - TAP_BYTES;
				memmove(t->buf, t->buf + drop, t->len - drop);
				t->len -= drop;
			}
			memcpy(t->buf + t->len, buf, k);
			t->len += k;
		}
	}
	return n;
}

char *exsim_tap_query(int fd, const char *method, const char *path)
{
	const struct tap *t = fd >= 0 && fd < TAP_FDS ? taps[fd] : NULL;
	char line[160];
	size_t ll;
	const char *hit = NULL, *q, *end;
	char *out;

	if (!t || !t->len) {
		return NULL;
	}
	ll = (size_t)snprintf(line, sizeof(line), "%s %s", method, path);
	if (ll >= sizeof(line)) {
		return NULL;
	}
	/* the newest request line for this method and path */
	for (const char *p = t->buf; (p = memmem(p, t->len - (size_t)(p - t->buf), line, ll));
	     p++) {
		if ((p == t->buf || p[-1] == '\n') && (p[ll] == '?' || p[ll] == ' ')) {
			hit = p;
		}
		if ((size_t)(p - t->buf) + ll >= t->len) {
			break;
		}
	}
	if (!hit) {
		return NULL;
	}
	q = hit + ll;
	end = memchr(q, ' ', t->len - (size_t)(q - t->buf));
	if (!end) {
		return NULL;
	}
	if (*q == '?') {
		q++;
	}
	out = malloc((size_t)(end - q) + 1);
	if (out) {
		memcpy(out, q, (size_t)(end - q));
		out[end - q] = '\0';
	}
	return out;
}

void exsim_tap_forget(int fd)
{
	if (fd >= 0 && fd < TAP_FDS && taps[fd]) {
		taps[fd]->len = 0;
	}
}
