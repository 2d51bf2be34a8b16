/* ws_client_probe: drives one common/ws connection and prints every event
 * on stdout, one line each, so the bash tests can assert on them:
 *
 *   probe t=MS ev=open attempt=N
 *   probe t=MS ev=msg len=N [body=...]
 *   probe t=MS ev=close code=C reason="..." state=disconnected send_rc=-107
 *   probe t=MS ev=reconnecting delay_ms=D
 *   probe t=MS ev=send rc=R state=S            (only when rc changes)
 *   probe t=MS ev=exit opens=.. closes=.. ...
 *
 * Options: --url U [--ping S] [--ping-text T] [--liveness S] [--max-msg N]
 *   [--connect-timeout S] [--duration-ms N] [--send-on-open T] [--reset-on T]
 *   [--send-every-ms N] [--print-body] [--drop-on T] [--stop-after-opens N]
 *   [--ca-file PEM] [--dns-server IP:PORT] [--insecure 1]
 *   [--http-url U --http-every-ms N]   (a common/http GET on the same loop)
 *   [--shutdown-ms N]   (at the end: hean_ws_ctx_shutdown with that deadline)
 *   probe t=MS ev=http status=S curl=C err="..."   (only when S/C change)
 * The exit line also has max_gap_ms: the longest pause of a 10 ms timer on
 * the loop (a blocked loop shows here), and http_ok/http_fail counts.
 * The common log goes to stderr. */
#include "common/http.h"
#include "common/log.h"
#include "common/resolve.h"
#include "common/ws.h"

#include <errno.h>
#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct probe {
	struct ev_loop *loop;
	struct hean_ws *ws;
	const char *send_on_open;
	const char *reset_on;
	const char *drop_on;
	bool print_body;
	int stop_after_opens;
	unsigned opens, closes, msgs, reconnecting;
	unsigned sends_ok, sends_enotconn, sends_other, bad_close_state, bad_send_after_close;
	int last_send_rc;
	bool have_last_rc;
	struct ev_timer end_t, send_t;
	struct ev_timer gap_t, http_t;
	double gap_last, max_gap;
	struct hean_http *http;
	const char *http_url;
	bool http_busy;
	long http_last_status;
	int http_last_code;
	unsigned http_ok, http_fail;
	struct hean_ws_ctx *ctx;
	bool released;
	char state_at_release[16];
};

static double t0;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - t0) * 1000.0;
}

#define say(...)                                                                       \
	do {                                                                           \
		printf("probe t=%.0f ", now_ms());                                     \
		printf(__VA_ARGS__);                                                   \
		printf("\n");                                                          \
		fflush(stdout);                                                        \
	} while (0)

static void on_open(struct hean_ws *ws, void *data)
{
	struct probe *p = data;

	p->opens++;
	say("ev=open n=%u state=%s reconnects=%llu", p->opens,
	    hean_ws_state_name(hean_ws_get_state(ws)),
	    (unsigned long long)hean_ws_reconnects(ws));
	if (p->send_on_open) {
		int rc = hean_ws_send(ws, p->send_on_open, strlen(p->send_on_open));

		say("ev=sent_on_open rc=%d", rc);
	}
	if (p->stop_after_opens && (int)p->opens >= p->stop_after_opens) {
		say("ev=stopping");
		hean_ws_stop(ws);
	}
}

static void on_message(struct hean_ws *ws, const char *msg, size_t len, void *data)
{
	struct probe *p = data;

	p->msgs++;
	if (strlen(msg) != len) {
		say("ev=bad_msg reason=not_nul_terminated_or_embedded_nul");
	}
	if (p->print_body) {
		say("ev=msg len=%zu rx_us_ok=%d body=%.*s", len, hean_ws_rx_us(ws) > 0,
		    (int)(len > 200 ? 200 : len), msg);
	} else {
		say("ev=msg len=%zu", len);
	}
	if (p->reset_on && strcmp(msg, p->reset_on) == 0) {
		hean_ws_backoff_reset(ws);
		say("ev=backoff_reset");
	}
	if (p->drop_on && strcmp(msg, p->drop_on) == 0) {
		hean_ws_drop(ws, 4001, "probe drop");
		say("ev=dropped state=%s", hean_ws_state_name(hean_ws_get_state(ws)));
	}
}

static void on_close(struct hean_ws *ws, int code, const char *reason, void *data)
{
	struct probe *p = data;
	enum hean_ws_state st = hean_ws_get_state(ws);
	int rc = hean_ws_send(ws, "get_signals", 11);

	p->closes++;
	if (st != HEAN_WS_DISCONNECTED) {
		p->bad_close_state++;
	}
	if (rc != -ENOTCONN) {
		p->bad_send_after_close++;
	}
	say("ev=close code=%d reason=\"%s\" state=%s send_rc=%d", code, reason,
	    hean_ws_state_name(st), rc);
}

static void on_reconnecting(struct hean_ws *ws, uint32_t delay_ms, void *data)
{
	struct probe *p = data;

	p->reconnecting++;
	say("ev=reconnecting delay_ms=%u", delay_ms);
}

static void on_send_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct probe *p = w->data;
	int rc = hean_ws_send(p->ws, "tick", 4);

	if (rc == 0) {
		p->sends_ok++;
	} else if (rc == -ENOTCONN) {
		p->sends_enotconn++;
	} else {
		p->sends_other++;
	}
	if (!p->have_last_rc || rc != p->last_send_rc) {
		say("ev=send rc=%d state=%s", rc, hean_ws_state_name(hean_ws_get_state(p->ws)));
		p->last_send_rc = rc;
		p->have_last_rc = true;
	}
}

static void on_gap_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct probe *p = w->data;
	double t = now_ms();

	if (p->gap_last > 0 && t - p->gap_last > p->max_gap) {
		p->max_gap = t - p->gap_last;
	}
	p->gap_last = t;
}

static void on_http_done(const struct hean_http_response *r, void *data)
{
	struct probe *p = data;

	p->http_busy = false;
	if (r->curl_code == 0 && r->status == 200) {
		p->http_ok++;
	} else {
		p->http_fail++;
	}
	if (r->status != p->http_last_status || r->curl_code != p->http_last_code ||
	    p->http_ok + p->http_fail == 1) {
		say("ev=http status=%ld curl=%d err=\"%s\"", r->status, r->curl_code,
		    r->error ? r->error : "");
		p->http_last_status = r->status;
		p->http_last_code = r->curl_code;
	}
}

static void on_http_timer(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	struct probe *p = w->data;
	struct hean_http_request req = {0};

	if (p->http_busy) {
		return;
	}
	req.url = p->http_url;
	req.timeout_ms = 3000;
	if (hean_http_submit(p->http, &req, on_http_done, p) == 0) {
		p->http_busy = true;
	} else {
		p->http_fail++;
	}
}

/* hean_ws_ctx_shutdown's release: the connection goes, the context is
 * destroyed right after. */
static void on_release(void *data)
{
	struct probe *p = data;

	snprintf(p->state_at_release, sizeof(p->state_at_release), "%s",
		 hean_ws_state_name(hean_ws_get_state(p->ws)));
	hean_ws_destroy(p->ws);
	p->ws = NULL;
	p->ctx = NULL;
	p->released = true;
}

static void on_end(struct ev_loop *loop, struct ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void on_term(struct ev_loop *loop, struct ev_signal *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

int main(int argc, char **argv)
{
	struct hean_ws_config cfg = {0};
	struct hean_ws_ops ops = {
		.on_open = on_open,
		.on_message = on_message,
		.on_close = on_close,
		.on_reconnecting = on_reconnecting,
	};
	struct probe p = {0};
	struct hean_ws_ctx *ctx;
	struct ev_signal sig_term;
	double duration_ms = 5000, send_every_ms = 0, http_every_ms = 0, shutdown_ms = 0;
	const char *ca_file = NULL, *dns_server = NULL;
	int i, rc = 0;

	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		t0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	}
	cfg.name = "probe";
	cfg.ping_text = "{\"op\":\"ping\"}";
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--print-body")) {
			p.print_body = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "missing value for %s\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--url")) {
			cfg.url = v;
		} else if (!strcmp(a, "--ping")) {
			cfg.ping_interval_s = atoi(v);
		} else if (!strcmp(a, "--ping-text")) {
			cfg.ping_text = v;
		} else if (!strcmp(a, "--liveness")) {
			cfg.liveness_s = atoi(v);
		} else if (!strcmp(a, "--max-msg")) {
			cfg.max_msg = strtoul(v, NULL, 10);
		} else if (!strcmp(a, "--connect-timeout")) {
			cfg.connect_timeout_s = atoi(v);
		} else if (!strcmp(a, "--duration-ms")) {
			duration_ms = atof(v);
		} else if (!strcmp(a, "--send-on-open")) {
			p.send_on_open = v;
		} else if (!strcmp(a, "--reset-on")) {
			p.reset_on = v;
		} else if (!strcmp(a, "--drop-on")) {
			p.drop_on = v;
		} else if (!strcmp(a, "--send-every-ms")) {
			send_every_ms = atof(v);
		} else if (!strcmp(a, "--stop-after-opens")) {
			p.stop_after_opens = atoi(v);
		} else if (!strcmp(a, "--ca-file")) {
			ca_file = v;
		} else if (!strcmp(a, "--dns-server")) {
			dns_server = v;
		} else if (!strcmp(a, "--insecure")) {
			cfg.tls_insecure = atoi(v) != 0;
		} else if (!strcmp(a, "--http-url")) {
			p.http_url = v;
		} else if (!strcmp(a, "--http-every-ms")) {
			http_every_ms = atof(v);
		} else if (!strcmp(a, "--shutdown-ms")) {
			shutdown_ms = atof(v);
		} else {
			fprintf(stderr, "unknown option %s\n", a);
			return 2;
		}
	}
	if (!cfg.url) {
		fprintf(stderr, "usage: ws_client_probe --url ws://... [options]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	hean_log_init("probe", NULL, HEAN_LOG_INFO);

	hean_net_set(ca_file, dns_server, cfg.tls_insecure);
	p.loop = ev_default_loop(0);
	ctx = hean_ws_ctx_create(p.loop);
	if (!ctx) {
		return 1;
	}
	p.ws = hean_ws_create(ctx, &cfg, &ops, &p);
	if (!p.ws) {
		hean_ws_ctx_destroy(ctx);
		return 1;
	}
	rc = hean_ws_send(p.ws, "early", 5);
	say("ev=send_before_start rc=%d", rc);
	hean_ws_start(p.ws);

	ev_timer_init(&p.end_t, on_end, duration_ms / 1000.0, 0.);
	ev_timer_start(p.loop, &p.end_t);
	if (send_every_ms > 0) {
		ev_timer_init(&p.send_t, on_send_timer, send_every_ms / 1000.0,
			      send_every_ms / 1000.0);
		p.send_t.data = &p;
		ev_timer_start(p.loop, &p.send_t);
	}
	ev_signal_init(&sig_term, on_term, SIGTERM);
	ev_signal_start(p.loop, &sig_term);
	ev_timer_init(&p.gap_t, on_gap_timer, 0.01, 0.01);
	p.gap_t.data = &p;
	ev_timer_start(p.loop, &p.gap_t);
	if (p.http_url && http_every_ms > 0) {
		p.http = hean_http_create(p.loop);
		if (!p.http) {
			return 1;
		}
		ev_timer_init(&p.http_t, on_http_timer, 0., http_every_ms / 1000.0);
		p.http_t.data = &p;
		ev_timer_start(p.loop, &p.http_t);
	}

	ev_run(p.loop, 0);
	ev_timer_stop(p.loop, &p.gap_t);
	ev_timer_stop(p.loop, &p.http_t);
	hean_http_destroy(p.http);

	ev_timer_stop(p.loop, &p.end_t);
	ev_timer_stop(p.loop, &p.send_t);
	ev_signal_stop(p.loop, &sig_term);
	say("ev=exit opens=%u closes=%u msgs=%u reconnecting=%u reconnects=%llu sends_ok=%u "
	    "sends_enotconn=%u sends_other=%u bad_close_state=%u bad_send_after_close=%u "
	    "state=%s max_gap_ms=%.0f http_ok=%u http_fail=%u",
	    p.opens, p.closes, p.msgs, p.reconnecting,
	    (unsigned long long)hean_ws_reconnects(p.ws), p.sends_ok, p.sends_enotconn,
	    p.sends_other, p.bad_close_state, p.bad_send_after_close,
	    hean_ws_state_name(hean_ws_get_state(p.ws)), p.max_gap, p.http_ok, p.http_fail);
	if (shutdown_ms > 0) {
		/* the shutdown helper: close, wait (at most shutdown_ms), release */
		double t_sd = now_ms();

		p.ctx = ctx;
		hean_ws_ctx_shutdown(ctx, shutdown_ms / 1000.0, on_release, &p);
		ev_run(p.loop, 0); /* runs until the shutdown is done */
		say("ev=shutdown_done released=%d ms=%.0f state_at_release=%s", p.released ? 1 : 0,
		    now_ms() - t_sd, p.state_at_release);
		ctx = p.ctx;
	}
	hean_ws_destroy(p.ws);
	hean_ws_ctx_destroy(ctx);
	/* nothing of ours may be left on the loop */
	ev_run(p.loop, EVRUN_NOWAIT);
	ev_loop_destroy(p.loop);
	hean_log_finish();
	return 0;
}
