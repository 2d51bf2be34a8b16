/* ws_testsrv: an lws WebSocket server on libev for the common/ws tests.
 *
 *   ws_testsrv --port P
 *
 * Binds 127.0.0.1 only. The behaviour of each connection is chosen by the
 * path the client connects to (so reconnects get the same behaviour):
 *
 *   /echo                 echo every message
 *   /close_open           close 1000 right after open
 *   /close_nth?n=N        close 1000 when the Nth message arrives
 *   /drop_nth?n=N         kill TCP (no close frame) on the Nth message (0 = at open)
 *   /silent_nth?n=N       after echoing N-1 messages, on the Nth: stop reading and
 *                         writing, keep TCP open (0 = at open)
 *   /huge                 send one 2 MiB text message at open, then echo
 *   /frag                 send "frag-one|frag-two|frag-three" as 3 fragments, then echo
 *   any path + hello=1    send "hello" first
 *
 * Prints one line per event on stdout: "srv t=MS ev=... conn=K ...". */
#include <errno.h>
#include <ev.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

enum mode { M_ECHO, M_CLOSE_OPEN, M_CLOSE_NTH, M_DROP_NTH, M_SILENT_NTH, M_HUGE, M_FRAG };

#define QMAX 64
#define HUGE_LEN (2u << 20)

struct pss {
	int conn;
	enum mode mode;
	int n;
	int rx_count;
	bool close_pending;
	bool silent;
	int frag_step;
	unsigned char *q[QMAX]; /* LWS_PRE + len each */
	size_t qlen[QMAX];
	int qh, qt;
	char *rx;
	size_t rx_len, rx_cap;
};

static double t0;
static int conns;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define say(...)                                                                       \
	do {                                                                           \
		printf("srv t=%.0f ", (now_s() - t0) * 1000.0);                         \
		printf(__VA_ARGS__);                                                   \
		printf("\n");                                                          \
		fflush(stdout);                                                        \
	} while (0)

static void q_push(struct pss *p, const char *s, size_t len)
{
	unsigned char *b;

	if ((p->qt + 1) % QMAX == p->qh) {
		return; /* full: drop (test fixture) */
	}
	b = malloc(LWS_PRE + len + 1);
	if (!b) {
		return;
	}
	memcpy(b + LWS_PRE, s, len);
	p->q[p->qt] = b;
	p->qlen[p->qt] = len;
	p->qt = (p->qt + 1) % QMAX;
}

static void q_free(struct pss *p)
{
	while (p->qh != p->qt) {
		free(p->q[p->qh]);
		p->qh = (p->qh + 1) % QMAX;
	}
	free(p->rx);
	p->rx = NULL;
}

static void kill_tcp(struct lws *wsi)
{
	int fd = lws_get_socket_fd(wsi);

	/* nothing more reaches the peer, not even a close frame */
	if (fd >= 0) {
		shutdown(fd, SHUT_RDWR);
	}
}

static void go_silent(struct pss *p, struct lws *wsi)
{
	p->silent = true;
	lws_rx_flow_control(wsi, 0);
	say("ev=silent conn=%d", p->conn);
}

static void parse_mode(struct pss *p, struct lws *wsi)
{
	char uri[256] = "", arg[64];
	int hello = 0;

	lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI);
	p->mode = M_ECHO;
	if (!strncmp(uri, "/close_open", 11)) {
		p->mode = M_CLOSE_OPEN;
	} else if (!strncmp(uri, "/close_nth", 10)) {
		p->mode = M_CLOSE_NTH;
	} else if (!strncmp(uri, "/drop_nth", 9)) {
		p->mode = M_DROP_NTH;
	} else if (!strncmp(uri, "/silent_nth", 11)) {
		p->mode = M_SILENT_NTH;
	} else if (!strncmp(uri, "/huge", 5)) {
		p->mode = M_HUGE;
	} else if (!strncmp(uri, "/frag", 5)) {
		p->mode = M_FRAG;
	}
	const char *v;

	v = lws_get_urlarg_by_name(wsi, "n=", arg, sizeof(arg));
	if (v) {
		p->n = atoi(v);
	}
	v = lws_get_urlarg_by_name(wsi, "hello=", arg, sizeof(arg));
	if (v) {
		hello = atoi(v);
	}
	say("ev=open conn=%d path=%s n=%d hello=%d", p->conn, uri, p->n, hello);
	if (hello) {
		q_push(p, "hello", 5);
	}
}

static int on_message(struct pss *p, struct lws *wsi)
{
	p->rx_count++;
	say("ev=rx conn=%d count=%d len=%zu", p->conn, p->rx_count, p->rx_len);
	switch (p->mode) {
	case M_CLOSE_NTH:
		if (p->rx_count == p->n) {
			p->close_pending = true;
			lws_callback_on_writable(wsi);
			return 0;
		}
		break;
	case M_DROP_NTH:
		if (p->rx_count == p->n) {
			say("ev=drop conn=%d", p->conn);
			kill_tcp(wsi);
			return -1;
		}
		break;
	case M_SILENT_NTH:
		if (p->rx_count == p->n) {
			go_silent(p, wsi);
			return 0;
		}
		break;
	default:
		break;
	}
	if (!p->close_pending) {
		q_push(p, p->rx ? p->rx : "", p->rx_len);
		lws_callback_on_writable(wsi);
	}
	return 0;
}

static int cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct pss *p = user;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		memset(p, 0, sizeof(*p));
		p->conn = ++conns;
		parse_mode(p, wsi);
		switch (p->mode) {
		case M_CLOSE_OPEN:
			p->close_pending = true;
			break;
		case M_DROP_NTH:
			if (p->n == 0) {
				say("ev=drop conn=%d", p->conn);
				kill_tcp(wsi);
				return -1;
			}
			break;
		case M_SILENT_NTH:
			if (p->n == 0) {
				go_silent(p, wsi);
				return 0;
			}
			break;
		case M_HUGE: {
			char *big = malloc(HUGE_LEN);

			if (big) {
				memset(big, 'x', HUGE_LEN);
				big[0] = '"';
				big[HUGE_LEN - 1] = '"';
				q_push(p, big, HUGE_LEN);
				free(big);
			}
			break;
		}
		case M_FRAG:
			p->frag_step = 1;
			break;
		default:
			break;
		}
		lws_callback_on_writable(wsi);
		return 0;

	case LWS_CALLBACK_RECEIVE:
		if (p->silent) {
			return 0;
		}
		if (lws_is_first_fragment(wsi)) {
			p->rx_len = 0;
		}
		if (p->rx_len + len + 1 > p->rx_cap) {
			size_t cap = (p->rx_len + len + 1) * 2;
			char *np = realloc(p->rx, cap);

			if (!np) {
				return -1;
			}
			p->rx = np;
			p->rx_cap = cap;
		}
		memcpy(p->rx + p->rx_len, in, len);
		p->rx_len += len;
		p->rx[p->rx_len] = '\0';
		if (lws_is_final_fragment(wsi)) {
			return on_message(p, wsi);
		}
		return 0;

	case LWS_CALLBACK_SERVER_WRITEABLE: {
		static const char *frags[] = {"frag-one|", "frag-two|", "frag-three"};

		if (p->silent) {
			return 0;
		}
		if (p->frag_step >= 1 && p->frag_step <= 3) {
			unsigned char b[LWS_PRE + 32];
			int i = p->frag_step - 1;
			size_t n = strlen(frags[i]);
			int flags = lws_write_ws_flags(LWS_WRITE_TEXT, i == 0, i == 2);

			memcpy(b + LWS_PRE, frags[i], n);
			if (lws_write(wsi, b + LWS_PRE, n, (enum lws_write_protocol)flags) < (int)n) {
				return -1;
			}
			p->frag_step++;
			lws_callback_on_writable(wsi);
			return 0;
		}
		while (p->qh != p->qt) {
			unsigned char *b = p->q[p->qh];
			size_t n = p->qlen[p->qh];

			if (lws_write(wsi, b + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n) {
				return -1;
			}
			free(b);
			p->qh = (p->qh + 1) % QMAX;
			if (lws_send_pipe_choked(wsi)) {
				lws_callback_on_writable(wsi);
				return 0;
			}
		}
		if (p->close_pending) {
			say("ev=close_sent conn=%d code=1000", p->conn);
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"bye", 3);
			p->close_pending = false;
			p->silent = true; /* lws may call WRITEABLE once more after -1 */
			return -1;
		}
		return 0;
	}

	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
		int code = (in && len >= 2)
				   ? (((unsigned char *)in)[0] << 8 | ((unsigned char *)in)[1])
				   : 1005;

		say("ev=peer_close conn=%d code=%d", p->conn, code);
		return 0;
	}

	case LWS_CALLBACK_CLOSED:
		say("ev=closed conn=%d", p->conn);
		q_free(p);
		return 0;

	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{"testsrv", cb, sizeof(struct pss), 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static void on_signal(struct ev_loop *loop, struct ev_signal *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *ctx;
	struct ev_loop *loop = ev_default_loop(0);
	struct ev_signal sig_int, sig_term;
	void *loops[1] = {loop};
	int port = 0, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc) {
			port = atoi(argv[++i]);
		}
	}
	if (port <= 0) {
		fprintf(stderr, "usage: ws_testsrv --port P\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	t0 = now_s();
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_LIBEV;
	info.foreign_loops = loops;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	ctx = lws_create_context(&info);
	if (!ctx) {
		fprintf(stderr, "ws_testsrv: lws_create_context failed\n");
		return 1;
	}
	ev_signal_init(&sig_int, on_signal, SIGINT);
	ev_signal_init(&sig_term, on_signal, SIGTERM);
	ev_signal_start(loop, &sig_int);
	ev_signal_start(loop, &sig_term);
	say("ev=listening port=%d", port);
	ev_run(loop, 0);
	ev_signal_stop(loop, &sig_int);
	ev_signal_stop(loop, &sig_term);
	lws_context_destroy(ctx);
	say("ev=exit");
	return 0;
}
