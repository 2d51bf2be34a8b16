/* exsim-wsc: a small lws WebSocket client for the exsim conformance tests
 * and the throughput bench. Prints one line per event on stdout:
 *   OPEN | RX <frame> | BIG len=N | WSPONG | CLOSE code=N | CLOSED |
 *   CONNERR <reason> | TIMEOUT | FRAMES n secs s rate r/s
 * Usage: exsim-wsc --url ws://127.0.0.1:P/path [--send JSON]... [--auth]
 *   [--key K --secret S] [--expires-offset-ms N] [--expires-string]
 *   [--ping-json-ms N] [--wsping-ms N] [--secs S] [--count N]
 *   [--until STR] [--quiet] [--max-print N] */
#include <ev.h>
#include <getopt.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sign.h"
#include "common/timeutil.h"
#include "tests/sim/simlib.h"

#define MAX_SEND 32
#define RX_CAP (8u << 20)

struct wsc {
	struct ev_loop *loop;
	struct lws_context *ctx;
	struct lws *wsi;
	char host[64], path[256];
	int port;
	const char *sends[MAX_SEND];
	int nsend, sent;
	bool auth, auth_sent, exp_string, quiet, want_ping, want_wsping, done;
	const char *key, *secret, *until;
	long exp_off;
	double ping_ms, wsping_ms, secs;
	long count, frames, max_print;
	int ping_n;
	struct sim_buf rx;
	double t0, t_first;
	ev_timer stop, ping, wsping;
	struct sim_kick kick;
};

static double now_s(void)
{
	return (double)hean_time_now_us() / 1e6;
}

static void finish(struct wsc *w, const char *why)
{
	if (w->done) {
		return;
	}
	w->done = true;
	if (why) {
		printf("%s\n", why);
	}
	if (w->quiet) {
		double dt = now_s() - (w->t_first > 0 ? w->t_first : w->t0);
		printf("FRAMES %ld secs %.3f rate %.0f/s\n", w->frames, dt,
		       dt > 0 ? w->frames / dt : 0);
	}
	fflush(stdout);
	ev_break(w->loop, EVBREAK_ALL);
}

static void on_rx_complete(struct wsc *w)
{
	const char *rx = w->rx.err ? "" : sim_buf_text(&w->rx);
	size_t rx_len = w->rx.err ? 0 : w->rx.len;

	w->frames++;
	if (w->t_first == 0) {
		w->t_first = now_s();
	}
	if (!w->quiet) {
		if (w->rx.err) {
			printf("BIG len>%zu\n", (size_t)RX_CAP);
		} else if (rx_len > 100000) {
			printf("BIG len=%zu\n", rx_len);
		} else if ((long)rx_len > w->max_print) {
			printf("RX %.*s...len=%zu\n", (int)w->max_print, rx, rx_len);
		} else {
			printf("RX %.*s\n", (int)rx_len, rx);
		}
		fflush(stdout);
	}
	if (w->until && rx_len < 100000 && memmem(rx, rx_len, w->until, strlen(w->until))) {
		finish(w, "UNTIL");
	}
	if (w->count > 0 && w->frames >= w->count) {
		finish(w, "COUNT");
	}
}

static int write_next(struct wsc *w, struct lws *wsi)
{
	static unsigned char buf[LWS_PRE + 32768]; /* a subscribe of 600+ topics */
	char *p = (char *)buf + LWS_PRE;
	size_t n;

	if (w->auth && !w->auth_sent) {
		char exp[32], hex[HEAN_SIGN_HEX_LEN];
		int64_t e = hean_time_now_ms() + w->exp_off;

		snprintf(exp, sizeof(exp), "%lld", (long long)e);
		if (hean_sign_ws_auth(w->secret, e, hex) < 0) {
			return -1;
		}
		n = (size_t)snprintf(p, 4096, "{\"req_id\":\"auth-1\",\"op\":\"auth\",\"args\":[\"%s\",%s%s%s,\"%s\"]}",
				     w->key, w->exp_string ? "\"" : "", exp, w->exp_string ? "\"" : "", hex);
		w->auth_sent = true;
	} else if (w->sent < w->nsend) {
		n = strlen(w->sends[w->sent]);
		if (n > 32768) {
			n = 32768;
		}
		memcpy(p, w->sends[w->sent++], n);
	} else if (w->want_ping) {
		w->want_ping = false;
		n = (size_t)snprintf(p, 4096, "{\"req_id\":\"p%d\",\"op\":\"ping\"}", ++w->ping_n);
	} else if (w->want_wsping) {
		w->want_wsping = false;
		return lws_write(wsi, buf + LWS_PRE, 0, LWS_WRITE_PING) < 0 ? -1 : 0;
	} else {
		return 0;
	}
	if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n) {
		return -1;
	}
	lws_callback_on_writable(wsi);
	return 0;
}

static int cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct wsc *w = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("OPEN\n");
		fflush(stdout);
		w->t0 = now_s();
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return write_next(w, wsi);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (sim_rx_add(&w->rx, wsi, in, len)) {
			on_rx_complete(w);
		}
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		printf("WSPONG\n");
		fflush(stdout);
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		printf("CLOSE code=%d\n", sim_close_code(in, len, 0));
		fflush(stdout);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("CONNERR %s\n", in ? (const char *)in : "(null)");
		w->wsi = NULL;
		finish(w, NULL);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		w->wsi = NULL;
		finish(w, "CLOSED");
		break;
	default:
		break;
	}
	return 0;
}

static void on_stop(struct ev_loop *loop, ev_timer *t, int revents)
{
	finish(t->data, "TIMEOUT");
}

static void on_ping(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct wsc *w = t->data;
	if (w->wsi) {
		if (t == &w->ping) {
			w->want_ping = true;
		} else {
			w->want_wsping = true;
		}
		lws_callback_on_writable(w->wsi);
	}
}

static const struct lws_protocols protos[] = {
	{"wsc", cb, 0, 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"url", 1, NULL, 'u'},	    {"send", 1, NULL, 's'},	    {"auth", 0, NULL, 'a'},
		{"key", 1, NULL, 'k'},	    {"secret", 1, NULL, 'S'},	    {"expires-offset-ms", 1, NULL, 'e'},
		{"expires-string", 0, NULL, 'E'}, {"ping-json-ms", 1, NULL, 'p'}, {"wsping-ms", 1, NULL, 'P'},
		{"secs", 1, NULL, 't'},	    {"count", 1, NULL, 'c'},	    {"until", 1, NULL, 'U'},
		{"quiet", 0, NULL, 'q'},    {"max-print", 1, NULL, 'm'},   {NULL, 0, NULL, 0},
	};
	static struct wsc w;
	const char *url = NULL;
	int o;

	w.key = "hean-sim-key";
	w.secret = "hean-sim-secret";
	w.exp_off = 10000;
	w.secs = 10;
	w.max_print = 100000;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'u': url = optarg; break;
		case 's': if (w.nsend < MAX_SEND) { w.sends[w.nsend++] = optarg; } break;
		case 'a': w.auth = true; break;
		case 'k': w.key = optarg; break;
		case 'S': w.secret = optarg; break;
		case 'e': w.exp_off = atol(optarg); break;
		case 'E': w.exp_string = true; break;
		case 'p': w.ping_ms = atof(optarg); break;
		case 'P': w.wsping_ms = atof(optarg); break;
		case 't': w.secs = atof(optarg); break;
		case 'c': w.count = atol(optarg); break;
		case 'U': w.until = optarg; break;
		case 'q': w.quiet = true; break;
		case 'm': w.max_print = atol(optarg); break;
		default: return 2;
		}
	}
	if (!url || sscanf(url, "ws://%63[^:]:%d%255s", w.host, &w.port, w.path) != 3) {
		fprintf(stderr, "need --url ws://HOST:PORT/PATH\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sim_buf_init(&w.rx, 0, RX_CAP);
	w.loop = ev_default_loop(EVFLAG_AUTO);
	lws_set_log_level(LLL_ERR, NULL);
	w.ctx = sim_lws_context(w.loop, 0, protos, &w, &w.ctx);
	if (!w.ctx) {
		return 1;
	}
	w.t0 = now_s();
	if (!sim_ws_connect(w.ctx, w.host, w.port, w.path, "wsc", &w.wsi)) {
		printf("CONNERR connect failed\n");
		return 1;
	}
	ev_timer_init(&w.stop, on_stop, w.secs, 0);
	w.stop.data = &w;
	ev_timer_start(w.loop, &w.stop);
	sim_kick_start(&w.kick, w.loop, &w.ctx);
	if (w.ping_ms > 0) {
		ev_timer_init(&w.ping, on_ping, w.ping_ms / 1000, w.ping_ms / 1000);
		w.ping.data = &w;
		ev_timer_start(w.loop, &w.ping);
	}
	if (w.wsping_ms > 0) {
		ev_timer_init(&w.wsping, on_ping, w.wsping_ms / 1000, w.wsping_ms / 1000);
		w.wsping.data = &w;
		ev_timer_start(w.loop, &w.wsping);
	}
	ev_run(w.loop, 0);
	ev_timer_stop(w.loop, &w.stop);
	sim_kick_stop(&w.kick, w.loop);
	ev_timer_stop(w.loop, &w.ping);
	ev_timer_stop(w.loop, &w.wsping);
	sim_lws_destroy(&w.ctx);
	sim_buf_finish(&w.rx);
	return 0;
}
