/* tests/sim/sigsim: hean-sigsim, the signal server simulator.
 * One lws server context on the libev default loop (foreign loop): WS at
 * "/" (the signal server protocol: auth, get_signals, pushed waves, pings)
 * and HTTP /sim/ controls on one port,
 * bound to 127.0.0.1. All timing runs on our own libev watchers. */
#include "tests/sim/sigsim.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/timeutil.h"
#include "common/wave.h"

#define RX_MAX (64 * 1024)
#define FRAME_MAX ((size_t)256 << 20)

/* ---- frames ---- */

void sigsim_frame_buf(struct sim_buf *b)
{
	sim_buf_init(b, LWS_PRE, FRAME_MAX);
}

/* The production server's encoder is Python's json.dumps with its default
 * separators: ", " between items and ": " after keys. Re-spaces compact
 * JSON text (outside strings) into a new buffer; false when out of memory. */
static bool py_spacing(struct sim_buf *b)
{
	struct sim_buf o;
	const char *t = sim_buf_text(b);
	bool in_str = false, esc = false;
	size_t extra = 0;

	for (size_t i = 0; t && i < b->len; i++) {
		extra += !in_str && (t[i] == ',' || t[i] == ':');
		if (in_str) {
			in_str = esc || t[i] != '"';
			esc = !esc && t[i] == '\\';
		} else {
			in_str = t[i] == '"';
		}
	}
	if (!t || !extra)
		return t != NULL;
	sim_buf_init(&o, b->headroom, b->max + extra);
	in_str = esc = false;
	for (size_t i = 0, s = 0; i <= b->len; i++) {
		bool sep = i < b->len && !in_str && (t[i] == ',' || t[i] == ':');
		if (i < b->len) {
			if (in_str) {
				in_str = esc || t[i] != '"';
				esc = !esc && t[i] == '\\';
			} else {
				in_str = t[i] == '"';
			}
		}
		if (sep || i == b->len) {
			sim_buf_add(&o, t + s, i - s + (sep ? 1 : 0));
			if (sep)
				sim_buf_add(&o, " ", 1);
			s = i + 1;
		}
	}
	if (o.err || !sim_buf_text(&o)) {
		sim_buf_finish(&o);
		return false;
	}
	sim_buf_finish(b);
	*b = o;
	return true;
}

bool sigsim_compact_json; /* --compact-json: frames as written, no spacing */

struct sigsim_frame *sigsim_frame_take(struct sim_buf *b)
{
	struct sigsim_frame *f;

	if (!b->err && !sigsim_compact_json && !py_spacing(b))
		b->err = true;
	if (b->err || !sim_buf_text(b) || !(f = calloc(1, sizeof(*f)))) {
		log_error("event=frame_alloc_failed len=%zu", b->len);
		sim_buf_finish(b);
		return NULL;
	}
	f->refs = 1;
	f->len = b->len;
	f->mem = b->mem;
	b->mem = NULL;
	sim_buf_finish(b);
	return f;
}

void sigsim_frame_unref(struct sigsim_frame *f)
{
	if (f && --f->refs == 0) {
		free(f->mem);
		free(f);
	}
}

static struct sigsim_frame *frame_text(const char *text)
{
	struct sim_buf b;

	sigsim_frame_buf(&b);
	sim_buf_puts(&b, text);
	return sigsim_frame_take(&b);
}

static void enqueue(struct sigsim_conn *c, struct sigsim_frame *f)
{
	struct sigsim_outq *q;

	if (!f || c->dropped || c->closing || !(q = calloc(1, sizeof(*q))))
		return;
	q->f = f;
	f->refs++;
	if (c->qtail)
		c->qtail->next = q;
	else
		c->qhead = q;
	c->qtail = q;
	lws_callback_on_writable(c->wsi);
}

/* Queues f and drops the caller's ref. */
static void send_take(struct sigsim_conn *c, struct sigsim_frame *f)
{
	enqueue(c, f);
	sigsim_frame_unref(f);
}

static void queue_free(struct sigsim_conn *c)
{
	while (c->qhead) {
		struct sigsim_outq *q = c->qhead;
		c->qhead = q->next;
		sigsim_frame_unref(q->f);
		free(q);
	}
	c->qtail = NULL;
}

void sigsim_broadcast(struct sigsim *sim, struct sigsim_frame *f)
{
	if (!f || sim->silent)
		return;
	for (struct sigsim_conn *c = sim->conns; c; c = c->next)
		if (c->authed)
			enqueue(c, f);
}

/* ---- signals: buffer and ground truth ---- */

static int sigs_push(struct sigsim_sigs *a, const struct sigsim_sig *s)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 1024;
		struct sigsim_sig *v = realloc(a->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = *s;
	return 0;
}

static void buffer_prune(struct sigsim *sim)
{
	struct sigsim_sigs *b = &sim->buffer;
	size_t j = 0;

	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].wave > sim->last_wave - SIGSIM_DAY_S)
			b->v[j++] = b->v[i];
	b->n = j;
	if (b->n > sim->buffer_cap) {
		size_t drop = b->n - sim->buffer_cap;
		memmove(b->v, b->v + drop, (b->n - drop) * sizeof(*b->v));
		b->n -= drop;
	}
}

void sigsim_record(struct sigsim *sim, const struct sigsim_sig *s)
{
	bool in_buffer = false;

	if (sigsim_idset_add(&sim->truth_ids, s->id) == 1 && sigs_push(&sim->truth, s) < 0)
		log_error("event=truth_alloc_failed id=%lld", (long long)s->id);
	for (size_t i = 0; i < sim->buffer.n && !in_buffer; i++)
		in_buffer = sim->buffer.v[i].id == s->id;
	if (!in_buffer && sigs_push(&sim->buffer, s) < 0)
		log_error("event=buffer_alloc_failed id=%lld", (long long)s->id);
	buffer_prune(sim);
}

static struct sigsim_frame *buffer_frame(struct sigsim *sim)
{
	struct sim_buf b;

	sigsim_frame_buf(&b);
	sim_buf_puts(&b, "{\"type\":\"signals\",\"data\":[");
	for (size_t i = 0; i < sim->buffer.n; i++) {
		if (i)
			sim_buf_puts(&b, ",");
		sigsim_render_sig(&b, &sim->buffer.v[i], NULL);
	}
	sim_buf_puts(&b, "]}");
	return sigsim_frame_take(&b);
}

void sigsim_push_wave(struct sigsim *sim, int64_t wave)
{
	struct sim_buf b;
	struct sigsim_sig s;
	char ts[40];

	sigsim_frame_buf(&b);
	sim_buf_puts(&b, "{\"type\":\"signals\",\"data\":[");
	for (int i = 0; i < sim->gen.per_wave; i++) {
		sigsim_gen_signal(&sim->gen, wave, i, &s);
		sigsim_record(sim, &s);
		if (i)
			sim_buf_puts(&b, ",");
		sigsim_render_sig(&b, &s, NULL);
	}
	sim_buf_puts(&b, "]}");
	struct sigsim_frame *f = sigsim_frame_take(&b);
	sigsim_broadcast(sim, f);
	sigsim_frame_unref(f);
	sim->st.waves_pushed++;
	sigsim_iso(wave, 0, ts, sizeof(ts));
	log_info("event=wave_pushed wave_ts=%s signals=%d clients=%d silent=%d", ts,
		   sim->gen.per_wave, sim->nconns, sim->silent);
}

/* Newest wave W with W + interval + push_delay <= now. */
static int64_t latest_due(const struct sigsim *sim, int64_t now)
{
	return hean_wave_latest_due(now, sim->gen.interval_s, sim->gen.push_delay_s);
}

static void clock_cb(struct ev_loop *loop, ev_periodic *w, int revents)
{
	struct sigsim *sim = w->data;
	int64_t latest = latest_due(sim, (int64_t)floor(ev_now(loop)));
	int64_t i = sim->gen.interval_s;
	int64_t from = sim->last_wave + i;

	if (latest < from)
		return;
	if (from < latest - SIGSIM_DAY_S + i)
		from = latest - SIGSIM_DAY_S + i;
	for (int64_t wv = from; wv <= latest; wv += i) {
		sim->last_wave = wv;
		sigsim_push_wave(sim, wv);
	}
}

static void initial_buffer(struct sigsim *sim, int64_t now)
{
	int64_t i = sim->gen.interval_s;
	int64_t latest = latest_due(sim, now);
	int64_t nwaves = SIGSIM_DAY_S / i;
	struct sigsim_sig s;

	if (nwaves < 1)
		nwaves = 1;
	if (nwaves * sim->gen.per_wave > (int64_t)sim->buffer_cap)
		nwaves = (int64_t)sim->buffer_cap / sim->gen.per_wave;
	sim->last_wave = latest;
	for (int64_t wv = latest - (nwaves - 1) * i; wv <= latest; wv += i)
		for (int k = 0; k < sim->gen.per_wave; k++) {
			sigsim_gen_signal(&sim->gen, wv, k, &s);
			sigsim_record(sim, &s);
		}
}

/* ---- WS sessions ---- */

static void request_close(struct sigsim_conn *c, int code, const char *reason)
{
	if (c->close_code || c->dropped)
		return;
	c->close_code = code;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason);
	lws_callback_on_writable(c->wsi);
}

void sigsim_close_all(struct sigsim *sim, int code, const char *reason)
{
	for (struct sigsim_conn *c = sim->conns; c; c = c->next)
		request_close(c, code, reason);
}

void sigsim_drop_all(struct sigsim *sim)
{
	for (struct sigsim_conn *c = sim->conns; c; c = c->next) {
		if (c->dropped)
			continue;
		/* RST on close, and no close frame can leave any more. */
		sim_drop_socket(c->wsi, true);
		c->dropped = true;
		sim->st.drops++;
	}
}

static void silent_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	sigsim_set_silent(w->data, false, 0);
}

void sigsim_set_silent(struct sigsim *sim, bool on, double secs)
{
	ev_timer_stop(sim->loop, &sim->silent_timer);
	if (on && secs > 0) {
		ev_timer_set(&sim->silent_timer, secs, 0.);
		ev_timer_start(sim->loop, &sim->silent_timer);
	}
	if (sim->silent == on)
		return;
	sim->silent = on;
	log_info("event=%s secs=%.0f", on ? "silent" : "resume", secs);
	/* Half-open: stop reading (so not even WS pings are answered), stop
	 * writing; TCP stays up. */
	for (struct sigsim_conn *c = sim->conns; c; c = c->next) {
		if (c->dropped)
			continue;
		lws_rx_flow_control(c->wsi, on ? 0 : 1);
		if (!on)
			lws_callback_on_writable(c->wsi);
	}
}

static void auth_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sigsim_conn *c = w->data;

	if (c->authed)
		return;
	if (c->sim->silent) {
		ev_timer_set(w, 1., 0.);
		ev_timer_start(loop, w);
		return;
	}
	log_info("event=auth_timeout");
	request_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "auth timeout");
}

static void conn_open(struct sigsim *sim, struct sigsim_conn *c, struct lws *wsi)
{
	memset(c, 0, sizeof(*c));
	c->sim = sim;
	c->wsi = wsi;
	sim_buf_init(&c->rx, 0, RX_MAX);
	c->next = sim->conns;
	if (sim->conns)
		sim->conns->prev = c;
	sim->conns = c;
	c->listed = true;
	sim->nconns++;
	sim->st.connects++;
	ev_timer_init(&c->auth_timer, auth_timer_cb, sim->auth_timeout_s, 0.);
	c->auth_timer.data = c;
	ev_timer_start(sim->loop, &c->auth_timer);
	if (sim->silent)
		lws_rx_flow_control(wsi, 0);
	log_info("event=ws_open clients=%d", sim->nconns);
}

static void conn_closed(struct sigsim *sim, struct sigsim_conn *c)
{
	if (!c->listed)
		return;
	ev_timer_stop(sim->loop, &c->auth_timer);
	queue_free(c);
	sim_buf_finish(&c->rx);
	if (c->prev)
		c->prev->next = c->next;
	else
		sim->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->listed = false;
	sim->nconns--;
	sim->st.closes++;
	log_info("event=ws_closed clients=%d", sim->nconns);
}

static void auth_reject(struct sigsim *sim, struct sigsim_conn *c, const char *why)
{
	char msg[160];

	sim->st.auth_rejects++;
	snprintf(msg, sizeof(msg),
		 "{\"type\":\"auth_response\",\"status\":\"error\",\"message\":\"%s\"}", why);
	send_take(c, frame_text(msg));
	request_close(c, 4001, why);
	log_info("event=auth_rejected reason=\"%s\"", why);
}

static void on_message(struct sigsim *sim, struct sigsim_conn *c, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);
	const char *type = root ? json_string_value(json_object_get(root, "type")) : NULL;
	char out[512];

	if (!type) {
		log_warn("event=bad_frame len=%zu reason=\"%s\"", len,
			   root ? "no type" : jerr.text);
		goto done;
	}
	if (!c->authed) {
		if (strcmp(type, "auth") != 0) {
			log_warn("event=before_auth type=%.32s", type);
			goto done;
		}
		const char *token = json_string_value(json_object_get(root, "token"));
		if (sim->reject_auth > 0) {
			sim->reject_auth--;
			auth_reject(sim, c, "rejected by sim");
		} else if (!token || strcmp(token, sim->token) != 0) {
			auth_reject(sim, c, "invalid token");
		} else {
			c->authed = true;
			sim->st.auths++;
			ev_timer_stop(sim->loop, &c->auth_timer);
			send_take(c, frame_text("{\"type\":\"auth_response\",\"status\":\"success\"}"));
			send_take(c, buffer_frame(sim));
			log_info("event=authenticated buffer=%zu", sim->buffer.n);
		}
		goto done;
	}
	if (!strcmp(type, "get_signals")) {
		sim->st.get_signals++;
		if (sim->close_on_get) {
			log_info("event=close_on_get_signals");
			request_close(c, LWS_CLOSE_STATUS_NORMAL, "");
		} else {
			send_take(c, buffer_frame(sim));
		}
	} else if (!strcmp(type, "ping")) {
		sim->st.pings++;
		snprintf(out, sizeof(out), "{\"type\":\"pong\",\"ts\":%lld}",
			 (long long)hean_time_now_ms());
		send_take(c, frame_text(out));
	} else if (!strcmp(type, "get_stats")) {
		char lw[40];
		sigsim_iso(sim->last_wave, 0, lw, sizeof(lw));
		snprintf(out, sizeof(out),
			 "{\"type\":\"stats\",\"data\":{\"clients\":%d,\"buffer\":%zu,"
			 "\"last_wave\":\"%s\",\"interval\":%lld,\"uptime_s\":%.0f}}",
			 sim->nconns, sim->buffer.n, lw, (long long)sim->gen.interval_s,
			 ev_now(sim->loop) - sim->started);
		send_take(c, frame_text(out));
	} else if (strcmp(type, "auth") != 0) {
		sim->st.unknown++;
		log_warn("event=unknown_type type=%.32s", type);
	}
done:
	json_decref(root);
}

static int conn_rx(struct sigsim *sim, struct sigsim_conn *c, const void *in, size_t len)
{
	if (!sim_rx_add(&c->rx, c->wsi, in, len))
		return 0;
	if (c->rx.err) {
		log_warn("event=frame_too_big");
		return 0;
	}
	if (sim->silent || c->dropped || c->close_code)
		return 0; /* half-open ignores requests */
	on_message(sim, c, sim_buf_text(&c->rx), c->rx.len);
	return 0;
}

static int conn_writeable(struct sigsim *sim, struct sigsim_conn *c)
{
	if (c->dropped || c->closing)
		return -1;
	if (c->ping_due && !sim->silent && !c->close_code) {
		unsigned char pb[LWS_PRE + 8];
		c->ping_due = false;
		memcpy(pb + LWS_PRE, "sigsim", 6);
		if (lws_write(c->wsi, pb + LWS_PRE, 6, LWS_WRITE_PING) < 0)
			return -1;
		c->ping_sent = ev_now(sim->loop);
		sim->st.ws_pings++;
		if (c->qhead || c->close_code)
			lws_callback_on_writable(c->wsi);
		return 0;
	}
	if (c->qhead && !sim->silent) {
		struct sigsim_outq *q = c->qhead;
		int n = lws_write(c->wsi, (unsigned char *)q->f->mem + LWS_PRE, q->f->len,
				  LWS_WRITE_TEXT);
		c->qhead = q->next;
		if (!c->qhead)
			c->qtail = NULL;
		sigsim_frame_unref(q->f);
		free(q);
		if (n < 0)
			return -1;
		sim->st.frames_sent++;
		if (c->qhead || c->close_code)
			lws_callback_on_writable(c->wsi);
		return 0;
	}
	if (c->close_code && (!c->qhead || sim->silent)) {
		c->closing = true;
		sim->st.server_closes++;
		log_info("event=server_close code=%d reason=\"%s\"", c->close_code,
			   c->close_reason);
		lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
				 (unsigned char *)c->close_reason, strlen(c->close_reason));
		return -1;
	}
	return 0;
}

/* ---- HTTP ---- */

static int http_request(struct sigsim *sim, struct sigsim_conn *c, struct lws *wsi,
			const char *path)
{
	unsigned char hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start,
		*end = hdr + sizeof(hdr) - 1;
	struct sim_buf b;
	int status;

	sim_buf_init(&b, 0, FRAME_MAX);
	status = sigsim_ctl_handle(sim, wsi, path, &b);
	if (b.err || !sim_buf_text(&b)) {
		sim_buf_finish(&b);
		return -1;
	}
	free(c->body);
	c->body = b.mem;
	c->body_len = b.len;
	c->body_off = 0;
	if (lws_add_http_common_headers(wsi, (unsigned int)status, "application/json",
					c->body_len, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return 1;
	lws_callback_on_writable(wsi);
	return 0;
}

static int http_writeable(struct sigsim_conn *c, struct lws *wsi)
{
	unsigned char chunk[LWS_PRE + 16384];
	size_t n;

	if (!c->body)
		return 0;
	n = c->body_len - c->body_off;
	if (n > sizeof(chunk) - LWS_PRE)
		n = sizeof(chunk) - LWS_PRE;
	memcpy(chunk + LWS_PRE, c->body + c->body_off, n);
	c->body_off += n;
	bool last = c->body_off >= c->body_len;
	if (lws_write(wsi, chunk + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
	    (int)n)
		return -1;
	if (!last) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	free(c->body);
	c->body = NULL;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct sigsim_conn *c = user;
	struct lws_context *ctx = lws_get_context(wsi);
	struct sigsim *sim = ctx ? lws_context_user(ctx) : NULL;

	switch (reason) {
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		if (ev_now(sim->loop) < sim->refuse_until) {
			sim->st.refused++;
			log_info("event=handshake_refused");
			lws_return_http_status(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE,
					       "refused by sim");
			return 1;
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		conn_open(sim, c, wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return conn_rx(sim, c, in, len);
	case LWS_CALLBACK_RECEIVE_PONG:
		if (c->listed && c->ping_sent > 0) {
			c->ping_sent = 0;
			sim->st.ws_pongs++;
		}
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return conn_writeable(sim, c);
	case LWS_CALLBACK_CLOSED:
		conn_closed(sim, c);
		return 0;
	case LWS_CALLBACK_HTTP:
		return http_request(sim, c, wsi, in);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return http_writeable(c, wsi);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (c) {
			free(c->body);
			c->body = NULL;
		}
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ "signal-server", callback, sizeof(struct sigsim_conn), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* ---- process ---- */

/* First SIGINT/SIGTERM (common/loop): stop our watchers, leave ev_run;
 * main then destroys lws outside its service. */
/* Every ping_interval_s: a protocol ping to each open session; one still
 * unanswered after ping_timeout_s closes the session with 1011, as the
 * websockets library does ("keepalive ping timeout"). */
static void ping_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sigsim *sim = w->data;
	double now = ev_now(loop);

	if (sim->silent)
		return;
	for (struct sigsim_conn *c = sim->conns; c; c = c->next) {
		if (c->dropped || c->closing || c->close_code)
			continue;
		if (c->ping_sent > 0) {
			if (now - c->ping_sent >= sim->ping_timeout_s) {
				sim->st.ping_timeouts++;
				log_info("event=ping_timeout");
				request_close(c, 1011, "keepalive ping timeout");
			}
			continue;
		}
		c->ping_due = true;
		lws_callback_on_writable(c->wsi);
	}
}

static void on_stop(struct hean_loop *l, void *data)
{
	struct sigsim *sim = data;

	ev_periodic_stop(sim->loop, &sim->clock);
	ev_timer_stop(sim->loop, &sim->ping_timer);
	sim_kick_stop(&sim->kick, sim->loop);
	ev_timer_stop(sim->loop, &sim->silent_timer);
	ev_break(sim->loop, EVBREAK_ALL);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hean-sigsim --port P [--token T] [--interval S] [--push-delay S]\n"
		   "       [--seed N] [--per-wave N] [--symbols A,B,...] [--buffer-cap N]\n"
		   "       [--auth-timeout S] [--ping-interval S] [--ping-timeout S]\n"
		   "       [--compact-json] [--tls-cert PEM --tls-key PEM] [--token-file FILE]\n"
		   "       [--version] [--help]\n"
		   "  --token-file FILE   take the token from a HEAN_SIGNAL_TOKEN=... line of FILE\n"
		   "                      (keeps it off the command line)\n"
		   "  --ping-interval S   protocol ping to every session each S s (default 20,\n"
		   "                      0 = none); --ping-timeout S (default 20): an\n"
		   "                      unanswered ping closes the session with 1011\n"
		   "  --compact-json      frames without json.dumps' \", \" / \": \" spacing\n");
}

/* Takes the token from a HEAN_SIGNAL_TOKEN=VALUE line of path (the file
 * scripts/hean writes, mode 0600), so it is not on the command line.
 * 0, or -EINVAL when unreadable or without that line. */
static int token_from_file(struct sigsim *sim, const char *path)
{
	static const char key[] = "HEAN_SIGNAL_TOKEN=";
	char line[512];
	int rc = -EINVAL;
	FILE *f = fopen(path, "r");

	if (!f)
		return -EINVAL;
	while (fgets(line, sizeof(line), f)) {
		size_t n;

		if (strncmp(line, key, sizeof(key) - 1) != 0)
			continue;
		n = strcspn(line + sizeof(key) - 1, "\r\n");
		line[sizeof(key) - 1 + n] = '\0';
		if (n >= sizeof(sim->token))
			break;
		memcpy(sim->token, line + sizeof(key) - 1, n + 1);
		rc = 0;
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	return rc;
}

static int parse_args(struct sigsim *sim, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "token", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'i' },
		{ "push-delay", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "per-wave", required_argument, NULL, 'w' },
		{ "symbols", required_argument, NULL, 'y' },
		{ "buffer-cap", required_argument, NULL, 'b' },
		{ "auth-timeout", required_argument, NULL, 'a' },
		{ "ping-interval", required_argument, NULL, 'I' },
		{ "ping-timeout", required_argument, NULL, 'T' },
		{ "compact-json", no_argument, NULL, 'c' },
		{ "tls-cert", required_argument, NULL, 1001 },
		{ "tls-key", required_argument, NULL, 1002 },
		{ "token-file", required_argument, NULL, 1003 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t v;
	int o;
	const char *tls_cert = NULL, *tls_key = NULL;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int bad = 0;
		switch (o) {
		case 'p': bad = sim_parse_int(optarg, 1, 65535, &v); sim->port = (int)v; break;
		case 't': snprintf(sim->token, sizeof(sim->token), "%s", optarg); break;
		case 'i': bad = sim_parse_int(optarg, 1, 86400, &sim->gen.interval_s); break;
		case 'd': bad = sim_parse_int(optarg, 0, 86400, &sim->gen.push_delay_s); break;
		case 's': bad = sim_parse_int(optarg, 0, INT64_MAX, &v); sim->gen.seed = (uint64_t)v; break;
		case 'w':
			bad = sim_parse_int(optarg, 1, SIGSIM_MAX_PER_WAVE, &v);
			sim->gen.per_wave = (int)v;
			break;
		case 'y': bad = sigsim_gen_set_symbols(&sim->gen, optarg); break;
		case 'b': bad = sim_parse_int(optarg, 1, 1000000, &v); sim->buffer_cap = (size_t)v; break;
		case 'a': bad = sim_parse_int(optarg, 1, 3600, &v); sim->auth_timeout_s = (double)v; break;
		case 'I': bad = sim_parse_int(optarg, 0, 3600, &v); sim->ping_interval_s = (double)v; break;
		case 'T': bad = sim_parse_int(optarg, 1, 3600, &v); sim->ping_timeout_s = (double)v; break;
		case 'c': sigsim_compact_json = true; break;
		case 1001: tls_cert = optarg; break;
		case 1002: tls_key = optarg; break;
		case 1003: bad = token_from_file(sim, optarg); break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("hean-sigsim %s\n", hean_version()); exit(0);
		default: usage(stderr); return -EINVAL;
		}
		if (bad) {
			for (const struct option *op = opts; op->name; op++)
				if (op->val == o)
					fprintf(stderr, "hean-sigsim: bad value for --%s: %s\n",
						op->name, optarg);
			return -EINVAL;
		}
	}
	if (optind != argc || sim->port == 0 || sim_tls_set(tls_cert, tls_key) < 0) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct sigsim sim; /* the one app struct */
	char lw[40];
	int rc = 1;

	snprintf(sim.token, sizeof(sim.token), "hean-sim-token");
	sim.gen.interval_s = 900;
	sim.gen.push_delay_s = 60;
	sim.gen.per_wave = 6;
	sim.buffer_cap = 3000;
	sim.auth_timeout_s = 5;
	sim.ping_interval_s = 20;
	sim.ping_timeout_s = 20;
	sigsim_gen_set_symbols(&sim.gen,
			       "BTCUSDT,ETHUSDT,SOLUSDT,XRPUSDT,DOGEUSDT,ADAUSDT,AVAXUSDT,LINKUSDT");
	if (parse_args(&sim, argc, argv) < 0)
		return 2;
	hean_log_init("sigsim", NULL, HEAN_LOG_INFO);
	hean_log_route_lws();
	if (hean_loop_init(&sim.hl, on_stop, &sim) < 0)
		return 1;
	sim.loop = sim.hl.loop;
	sim.started = ev_time();
	sim.inj_base = SIGSIM_INJ_ID_BASE + ((int64_t)sim.started % 1000000) * 1000000;
	initial_buffer(&sim, (int64_t)floor(sim.started));

	if (!sim_lws_context(sim.loop, sim.port, protocols, &sim, &sim.ctx)) {
		log_error("event=lws_create_context_failed port=%d", sim.port);
		goto out;
	}
	sim_kick_start(&sim.kick, sim.loop, &sim.ctx);
	ev_init(&sim.silent_timer, silent_timer_cb);
	sim.silent_timer.data = &sim;
	ev_periodic_init(&sim.clock, clock_cb,
			 (double)(sim.gen.push_delay_s % sim.gen.interval_s),
			 (double)sim.gen.interval_s, NULL);
	sim.clock.data = &sim;
	ev_periodic_start(sim.loop, &sim.clock);
	ev_timer_init(&sim.ping_timer, ping_timer_cb, sim.ping_interval_s, sim.ping_interval_s);
	sim.ping_timer.data = &sim;
	if (sim.ping_interval_s > 0)
		ev_timer_start(sim.loop, &sim.ping_timer);

	sigsim_iso(sim.last_wave, 0, lw, sizeof(lw));
	log_info("event=listening addr=127.0.0.1 port=%d interval=%lld push_delay=%lld "
		 "per_wave=%d seed=%llu buffer=%zu last_wave=%s version=%s",
		 sim.port, (long long)sim.gen.interval_s, (long long)sim.gen.push_delay_s,
		 sim.gen.per_wave, (unsigned long long)sim.gen.seed, sim.buffer.n, lw, hean_version());
	hean_loop_run(&sim.hl);
	rc = 0;
out:
	sim_lws_destroy(&sim.ctx);
	free(sim.buffer.v);
	free(sim.truth.v);
	sigsim_idset_finish(&sim.truth_ids);
	hean_loop_finish(&sim.hl);
	log_info("event=stopped rc=%d", rc);
	return rc;
}
