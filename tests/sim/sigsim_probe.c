/* tests/sim/sigsim_probe: minimal WS client for the sigsim conformance
 * tests. Connects to ws://127.0.0.1:PORT/, authenticates, and prints one
 * line per event on stdout:
 *   OPEN | FRAME <recv_ms> <len> <text> | SENT <text> | CLOSE <code>
 *   | CONNERR <reason> | TIMEOUT | DONE
 * CLOSE 1006 means the TCP ended without a close frame. Scripted --send
 * messages go out after --send-after frames were received; with --stdin
 * every line read from stdin is sent as one text frame. Exit 0 unless
 * the arguments are wrong (2). lws client on the libev foreign loop. */
#include <ev.h>
#include <getopt.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/timeutil.h"
#include "tests/sim/simlib.h"

#define MAX_OUT 256

struct probe {
	struct ev_loop *loop;
	struct lws_context *ctx;
	struct lws *wsi;
	int port;
	const char *token;
	bool no_auth, saw_close, done;
	const char *sends[32];
	int nsend, send_after;
	long frames, max_frames;
	char *out[MAX_OUT]; /* owned: FIFO of texts to send */
	int out_head, out_n;
	struct sim_buf rx;
	struct sim_buf in; /* stdin line assembly */
	ev_timer timeout;
	struct sim_kick kick;
	ev_io stdin_w;
};

static void finish(struct probe *p, const char *line)
{
	if (p->done)
		return;
	p->done = true;
	if (line)
		printf("%s\n", line);
	fflush(stdout);
	ev_break(p->loop, EVBREAK_ALL);
}

static void queue_text(struct probe *p, const char *text)
{
	if (p->out_n == MAX_OUT)
		return;
	p->out[(p->out_head + p->out_n++) % MAX_OUT] = strdup(text);
	if (p->wsi)
		lws_callback_on_writable(p->wsi);
}

static void queue_scripted(struct probe *p)
{
	for (int i = 0; i < p->nsend; i++)
		queue_text(p, p->sends[i]);
}

static int cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
	      size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	struct probe *p = ctx ? lws_context_user(ctx) : NULL;
	char line[256];

	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		p->wsi = wsi;
		printf("OPEN\n");
		fflush(stdout);
		if (!p->no_auth) {
			snprintf(line, sizeof(line), "{\"type\":\"auth\",\"token\":\"%s\"}", p->token);
			queue_text(p, line);
		}
		if (p->send_after == 0)
			queue_scripted(p);
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (!sim_rx_add(&p->rx, wsi, in, len))
			break;
		p->frames++;
		printf("FRAME %lld %zu ", (long long)hean_time_now_ms(), p->rx.len);
		if (p->rx.err)
			printf("(over the probe's cap)");
		else
			fwrite(sim_buf_text(&p->rx), 1, p->rx.len, stdout);
		printf("\n");
		fflush(stdout);
		if (p->frames == p->send_after)
			queue_scripted(p);
		if (p->max_frames && p->frames >= p->max_frames)
			finish(p, "DONE");
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (p->out_n) {
			char *t = p->out[p->out_head];
			size_t n = strlen(t);
			unsigned char *b = malloc(LWS_PRE + n);
			p->out_head = (p->out_head + 1) % MAX_OUT;
			p->out_n--;
			if (!b) {
				free(t);
				return -1;
			}
			memcpy(b + LWS_PRE, t, n);
			int m = lws_write(wsi, b + LWS_PRE, n, LWS_WRITE_TEXT);
			if (strstr(t, "\"auth\""))
				printf("SENT {\"type\":\"auth\",...}\n");
			else
				printf("SENT %s\n", t);
			fflush(stdout);
			free(b);
			free(t);
			if (m < (int)n)
				return -1;
			if (p->out_n)
				lws_callback_on_writable(wsi);
		}
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		p->saw_close = true;
		snprintf(line, sizeof(line), "CLOSE %d", sim_close_code(in, len, 1005));
		printf("%s\n", line);
		fflush(stdout);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		p->wsi = NULL;
		finish(p, p->saw_close ? "DONE" : "CLOSE 1006");
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		p->wsi = NULL;
		snprintf(line, sizeof(line), "CONNERR %s", in ? (const char *)in : "(null)");
		finish(p, line);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "sigsim-probe", cb, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	finish(w->data, "TIMEOUT");
}

static void stdin_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe *p = w->data;
	char buf[4096];
	ssize_t n = read(w->fd, buf, sizeof(buf));

	if (n <= 0) {
		ev_io_stop(loop, w);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			sim_buf_add(&p->in, &buf[i], 1);
			continue;
		}
		if (p->in.len)
			queue_text(p, sim_buf_text(&p->in));
		p->in.len = 0;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "token", required_argument, NULL, 't' },
		{ "no-auth", no_argument, NULL, 'n' },
		{ "send", required_argument, NULL, 's' },
		{ "send-after", required_argument, NULL, 'a' },
		{ "frames", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "stdin", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	static struct probe p;
	double timeout = 10;
	bool use_stdin = false;
	int o;

	p.token = "hean-sim-token";
	p.send_after = 2;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p': p.port = atoi(optarg); break;
		case 't': p.token = optarg; break;
		case 'n': p.no_auth = true; break;
		case 's':
			if (p.nsend < 32)
				p.sends[p.nsend++] = optarg;
			break;
		case 'a': p.send_after = atoi(optarg); break;
		case 'f': p.max_frames = atol(optarg); break;
		case 'T': timeout = atof(optarg); break;
		case 'i': use_stdin = true; break;
		default:
			fprintf(stderr, "usage: sigsim-probe --port P [--token T] [--no-auth] "
					"[--send JSON]... [--send-after N] [--frames N] "
					"[--timeout S] [--stdin]\n");
			return 2;
		}
	}
	if (p.port <= 0 || p.port > 65535)
		return 2;
	sim_buf_init(&p.rx, 0, (size_t)256 << 20);
	sim_buf_init(&p.in, 0, 1 << 20);
	p.loop = ev_default_loop(EVFLAG_AUTO);

	lws_set_log_level(LLL_ERR, NULL);
	p.ctx = sim_lws_context(p.loop, 0, protocols, &p, &p.ctx);
	if (!p.ctx) {
		printf("CONNERR no context\n");
		return 0;
	}
	ev_timer_init(&p.timeout, timeout_cb, timeout, 0.);
	p.timeout.data = &p;
	ev_timer_start(p.loop, &p.timeout);
	sim_kick_start(&p.kick, p.loop, &p.ctx);
	if (use_stdin) {
		ev_io_init(&p.stdin_w, stdin_cb, 0, EV_READ);
		p.stdin_w.data = &p;
		ev_io_start(p.loop, &p.stdin_w);
	}

	if (!sim_ws_connect(p.ctx, "127.0.0.1", p.port, "/", "sigsim-probe", NULL))
		finish(&p, "CONNERR connect failed");
	if (!p.done)
		ev_run(p.loop, 0);

	ev_timer_stop(p.loop, &p.timeout);
	sim_kick_stop(&p.kick, p.loop);
	ev_io_stop(p.loop, &p.stdin_w);
	sim_lws_destroy(&p.ctx);
	while (p.out_n) {
		free(p.out[p.out_head]);
		p.out_head = (p.out_head + 1) % MAX_OUT;
		p.out_n--;
	}
	sim_buf_finish(&p.rx);
	sim_buf_finish(&p.in);
	return 0;
}
