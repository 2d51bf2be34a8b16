/* exsim tap: the raw bytes of each request as the client sent them.
 * lws decodes %XX in the query before the HTTP callback sees it, and the
 * decoded text cannot tell "%2C" from ",": a signature checked over a
 * re-encoding passes or fails by how the client happened to encode. Bybit
 * checks the bytes as sent, so the sim keeps the last bytes read from each
 * socket (recv() is interposed: lws reads plain sockets with it) and takes
 * the query from the request line itself. TLS sockets are read through
 * OpenSSL, so their tap holds ciphertext and the caller falls back.
 * The same place lets the ping-only fault drop the client's RFC 6455
 * ping frames before lws (which answers them by itself) sees them. */
#include "tests/sim/exsim.h"

#include <dlfcn.h>
#include <errno.h>
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

/* Frame boundaries of a WebSocket connection's inbound stream. */
struct wsp {
	bool on;	 /* tracking (from the handshake on) */
	bool strip;	 /* ping frames are dropped */
	bool skip;	 /* the current frame is being dropped */
	int hlen, need;	 /* header bytes seen / needed */
	uint8_t hdr[14];
	uint64_t remain; /* payload bytes left in the current frame */
};

static struct wsp wsps[TAP_FDS];
static long pings_dropped;

/* Walks n received bytes through fd's frame parser, dropping ping frames
 * when asked; returns the bytes kept (compacted in place). */
static size_t ws_filter(struct wsp *w, unsigned char *b, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n;) {
		if (w->remain > 0) {
			size_t k = n - i < w->remain ? n - i : (size_t)w->remain;
			if (!w->skip) {
				memmove(b + out, b + i, k);
				out += k;
			}
			w->remain -= k;
			i += k;
			continue;
		}
		if (w->hlen == 0) {
			w->skip = w->strip && (b[i] & 0x0f) == 0x9;
			if (w->skip) {
				pings_dropped++;
			}
			w->need = 2;
		}
		w->hdr[w->hlen++] = b[i];
		if (!w->skip) {
			b[out++] = b[i];
		}
		i++;
		if (w->hlen == 2) {
			int l7 = w->hdr[1] & 0x7f;
			w->need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + ((w->hdr[1] & 0x80) ? 4 : 0);
		}
		if (w->hlen >= 2 && w->hlen == w->need) {
			int l7 = w->hdr[1] & 0x7f;
			uint64_t len = (uint64_t)l7;
			if (l7 == 126) {
				len = (uint64_t)w->hdr[2] << 8 | w->hdr[3];
			} else if (l7 == 127) {
				len = 0;
				for (int k = 2; k < 10; k++) {
					len = len << 8 | w->hdr[k];
				}
			}
			w->remain = len;
			w->hlen = 0;
		}
	}
	return out;
}

ssize_t recv(int fd, void *buf, size_t len, int flags);

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	static ssize_t (*real)(int, void *, size_t, int);
	ssize_t n;

	if (!real) {
		real = (ssize_t(*)(int, void *, size_t, int))dlsym(RTLD_NEXT, "recv");
	}
	n = real(fd, buf, len, flags);
	if (n > 0 && fd >= 0 && fd < TAP_FDS && !(flags & MSG_PEEK) && wsps[fd].on) {
		n = (ssize_t)ws_filter(&wsps[fd], buf, (size_t)n);
		if (n == 0) {
			errno = EAGAIN; /* all of it was dropped: nothing to read yet */
			return -1;
		}
		return n;
	}
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
	if (fd >= 0 && fd < TAP_FDS) {
		if (taps[fd]) {
			taps[fd]->len = 0;
		}
		memset(&wsps[fd], 0, sizeof(wsps[fd]));
	}
}

void exsim_tap_ws(int fd)
{
	if (fd >= 0 && fd < TAP_FDS) {
		memset(&wsps[fd], 0, sizeof(wsps[fd]));
		wsps[fd].on = true;
	}
}

void exsim_tap_strip_pings(int fd, bool strip)
{
	if (fd >= 0 && fd < TAP_FDS) {
		wsps[fd].strip = strip;
	}
}

long exsim_tap_pings_dropped(void)
{
	return pings_dropped;
}
