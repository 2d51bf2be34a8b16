/* exsim WebSocket connections: the one lws callback (HTTP is routed to
 * exsim_http.c), reassembly, the write loop (many writes per WRITEABLE
 * while the pipe is not choked), and the connection fault actions. */
#include "tests/sim/exsim.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static struct exsim_app *app_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

void exsim_conn_id(struct exsim_app *app, char out[40])
{
	uint64_t a = exsim_rand(app), b = exsim_rand(app);
	snprintf(out, 40, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
		 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xffff, (unsigned)(b >> 48),
		 (unsigned long long)(b & 0xffffffffffffULL));
}

/* ===== out queue ===== */

static void outq_push(struct exsim_conn *c, struct exsim_msg *m)
{
	if (c->outq_len >= EXSIM_OUTQ_MAX) {
		free(m);
		return;
	}
	m->next = NULL;
	if (c->outq_tail) {
		c->outq_tail->next = m;
	} else {
		c->outq_head = m;
	}
	c->outq_tail = m;
	c->outq_len++;
	lws_callback_on_writable(c->wsi);
}

static struct exsim_msg *msg_new(size_t len)
{
	struct exsim_msg *m = malloc(sizeof(*m) + LWS_PRE + len + 1);
	if (m) {
		m->len = len;
		m->binary = 0;
	}
	return m;
}

void exsim_conn_send(struct exsim_conn *c, const char *s, size_t len)
{
	struct exsim_msg *m;

	if (c->closing) {
		return;
	}
	m = msg_new(len);
	if (!m) {
		return;
	}
	memcpy(m->buf + LWS_PRE, s, len);
	outq_push(c, m);
}

void exsim_conn_send_json(struct exsim_conn *c, json_t *o)
{
	char *s = exsim_worst_dumps(c->app, o);
	if (s) {
		exsim_conn_send(c, s, strlen(s));
		free(s);
	}
}

static void outq_clear(struct exsim_conn *c)
{
	while (c->outq_head) {
		struct exsim_msg *m = c->outq_head;
		c->outq_head = m->next;
		free(m);
	}
	c->outq_tail = NULL;
	c->outq_len = 0;
}

void exsim_ws_queue_snapshot(struct exsim_conn *c, int i)
{
	size_t len;
	char *snap = exsim_market_snapshot(c->app, i, &len);
	if (snap) {
		exsim_conn_send(c, snap, len);
		free(snap);
		c->app->syms[i].delivered++;
	}
	c->cursor[i] = c->app->syms[i].head;
}

/* ===== write loop ===== */

static bool is_silent(const struct exsim_conn *c, int64_t now)
{
	return c->silent_until_ms < 0 || (c->silent_until_ms > 0 && now < c->silent_until_ms);
}

static bool pending(const struct exsim_conn *c)
{
	struct exsim_app *app = c->app;

	if (c->outq_head) {
		return true;
	}
	for (int i = 0; i < app->nsyms; i++) {
		if (exsim_mask_has(&c->subs, i) &&
		    (c->cursor[i] < app->syms[i].head || app->rate <= 0)) {
			return true;
		}
	}
	return false;
}

/* One ring frame (or a resync snapshot) for some subscribed symbol, or a
 * fresh market step in rate-0 mode. Returns false when nothing is due. */
/* Writes ring frame number cursor[i] of symbol i. */
static bool write_frame(struct exsim_conn *c, struct exsim_sym *s, int i, int *sent)
{
	struct exsim_frame *f = &s->ring[c->cursor[i] % (uint64_t)c->app->ring_n];

	if (lws_write(c->wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT) < (int)f->len) {
		return false;
	}
	c->cursor[i]++;
	s->delivered++;
	(*sent)++;
	return true;
}

static bool next_ring(struct exsim_conn *c, int *sent)
{
	struct exsim_app *app = c->app;
	int n = app->nsyms;

	/* from where this connection stopped: every symbol gets its turn and
	 * a write does not rescan hundreds of idle symbols; no scan at all
	 * when no frame was made since the last scan found nothing */
	for (int k = 0; c->clean_gen != app->gen && k < n; k++) {
		int i = (c->rr + k) % n;
		struct exsim_sym *s = &app->syms[i];

		if (!exsim_mask_has(&c->subs, i) || c->cursor[i] >= s->head) {
			continue;
		}
		c->rr = (i + 1) % n;
		if (s->head - c->cursor[i] > (uint64_t)app->ring_n - 8) {
			s->skipped += (long)(s->head - c->cursor[i]);
			exsim_ws_queue_snapshot(c, i); /* fell behind: Bybit may resend a snapshot */
			return true;
		}
		return write_frame(c, s, i, sent);
	}
	c->clean_gen = app->gen;
	if (app->rate <= 0 && exsim_mask_any(&c->subs)) {
		for (int k = 0; k < n; k++) {
			int i = (app->rr + k) % n;
			uint64_t gen = app->gen;

			if (exsim_mask_has(&c->subs, i) && exsim_market_step(app, i)) {
				app->rr = (i + 1) % n;
				if (app->gen == gen + 1 && c->cursor[i] + 1 == app->syms[i].head) {
					/* the one new frame is ours: sent, still clean */
					bool ok = write_frame(c, &app->syms[i], i, sent);
					if (ok) {
						c->clean_gen = app->gen;
					}
					return ok;
				}
				return true;
			}
		}
	}
	return false;
}

static int on_writeable(struct exsim_conn *c)
{
	int sent = 0, budget = 512;
	int64_t now = hean_time_now_ms();

	if (c->closing) {
		return -1;
	}
	if (c->close_code > 0) {
		c->closing = true;
		lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
				 (unsigned char *)"sim", 3);
		return -1;
	}
	if (is_silent(c, now)) {
		return 0;
	}
	while (budget-- > 0 && !lws_send_pipe_choked(c->wsi)) {
		struct exsim_msg *m = c->outq_head;
		if (m) {
			c->outq_head = m->next;
			if (!c->outq_head) {
				c->outq_tail = NULL;
			}
			c->outq_len--;
			int r = lws_write(c->wsi, m->buf + LWS_PRE, m->len,
					  m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
			free(m);
			if (r < 0) {
				return -1;
			}
			sent++;
			continue;
		}
		if (c->kind != EXSIM_PUB || !next_ring(c, &sent)) {
			break;
		}
	}
	c->app->st.frames_sent += sent;
	if (pending(c)) {
		lws_callback_on_writable(c->wsi);
	}
	return 0;
}

void exsim_ws_notify_symbol(struct exsim_app *app, int i)
{
	for (struct exsim_conn *c = app->conns; c; c = c->next) {
		if (c->kind == EXSIM_PUB && exsim_mask_has(&c->subs, i)) {
			lws_callback_on_writable(c->wsi);
		}
	}
}

/* ===== faults ===== */

static bool path_match(const struct exsim_conn *c, int mask)
{
	return (c->kind == EXSIM_PUB && (mask & EXSIM_PATH_PUB)) ||
	       (c->kind == EXSIM_PRIV && (mask & EXSIM_PATH_PRIV));
}

int exsim_ws_close_all(struct exsim_app *app, int mask, int code)
{
	int n = 0;
	for (struct exsim_conn *c = app->conns; c; c = c->next) {
		if (path_match(c, mask) && !c->closing) {
			c->close_code = code;
			c->silent_until_ms = 0;
			lws_rx_flow_control(c->wsi, 1);
			lws_callback_on_writable(c->wsi);
			n++;
		}
	}
	return n;
}

static void drop_conn(struct exsim_conn *c)
{
	c->closing = true;
	outq_clear(c);
	sim_drop_socket(c->wsi, false);
}

int exsim_ws_drop_all(struct exsim_app *app, int mask)
{
	int n = 0;
	for (struct exsim_conn *c = app->conns; c; c = c->next) {
		if (path_match(c, mask) && !c->closing) {
			drop_conn(c);
			n++;
		}
	}
	return n;
}

int exsim_ws_drop_one(struct exsim_app *app, const char *id, int sym)
{
	for (struct exsim_conn *c = app->conns; c; c = c->next) {
		if (c->closing || (id ? strcmp(c->conn_id, id)
				      : c->kind != EXSIM_PUB || !exsim_mask_has(&c->subs, sym))) {
			continue;
		}
		log_info("event=drop_one conn=%s", c->conn_id);
		drop_conn(c);
		return 1;
	}
	return 0;
}

json_t *exsim_ws_conns(struct exsim_app *app)
{
	json_t *a = json_array();

	for (struct exsim_conn *c = app->conns; c; c = c->next) {
		json_t *topics = json_array();
		int n = 0;
		size_t chars = 2; /* [] */

		if (c->closing) {
			continue;
		}
		for (int i = 0; c->kind == EXSIM_PUB && i < app->nsyms; i++) {
			if (exsim_mask_has(&c->subs, i)) {
				char t[40];
				snprintf(t, sizeof(t), "tickers.%s", app->syms[i].in.symbol);
				json_array_append_new(topics, json_string(t));
				chars += strlen(t) + 2 + (n > 0); /* "t" and its comma */
				n++;
			}
		}
		json_array_append_new(a, json_pack("{s:s,s:s,s:i,s:I,s:o}", "id", c->conn_id, "path",
						   c->kind == EXSIM_PUB ? "public" : "private",
						   "symbols", n, "args_chars", (json_int_t)chars,
						   "topics", topics));
	}
	return a;
}

int exsim_ws_silent_all(struct exsim_app *app, int mask, int64_t until_ms)
{
	int n = 0;
	for (struct exsim_conn *c = app->conns; c; c = c->next) {
		if (path_match(c, mask) && !c->closing) {
			c->silent_until_ms = until_ms;
			outq_clear(c);
			lws_rx_flow_control(c->wsi, 0); /* no reads: no pongs either */
			n++;
		}
	}
	return n;
}

static void resume_conn(struct exsim_conn *c)
{
	c->silent_until_ms = 0;
	c->last_rx_ms = hean_time_now_ms();
	lws_rx_flow_control(c->wsi, 1);
	if (c->kind == EXSIM_PUB) {
		for (int i = 0; i < c->app->nsyms; i++) {
			if (exsim_mask_has(&c->subs, i)) {
				exsim_ws_queue_snapshot(c, i);
			}
		}
	}
	lws_callback_on_writable(c->wsi);
}

void exsim_ws_resume_all(struct exsim_app *app)
{
	for (struct exsim_conn *c = app->conns; c; c = c->next) {
		if (c->silent_until_ms != 0 && !c->closing) {
			resume_conn(c);
		}
	}
}

int exsim_ws_inject(struct exsim_app *app, const char *kind)
{
	static const char *const kinds[] = {"malformed", "huge",     "unknown",
					    "nan",	 "negative", "snapshot"};
	int k, n = 0;

	for (k = 0; k < 6 && strcmp(kinds[k], kind); k++) {
	}
	if (k == 6) {
		return -1;
	}
	for (struct exsim_conn *c = app->conns; c; c = c->next) {
		int i = 0;
		char b[512], px[40];
		const struct exsim_sym *s;

		if (c->kind != EXSIM_PUB || c->closing) {
			continue;
		}
		while (i < app->nsyms - 1 && exsim_mask_any(&c->subs) && !exsim_mask_has(&c->subs, i)) {
			i++;
		}
		s = &app->syms[i];
		n++;
		switch (k) {
		case 0:
			snprintf(b, sizeof(b),
				 "{\"topic\":\"tickers.%s\",\"type\":\"delta\",\"data\":{\"symbol\":"
				 "\"%s\",\"lastPrice\":\"1",
				 s->in.symbol, s->in.symbol);
			exsim_conn_send(c, b, strlen(b));
			break;
		case 1: {
			size_t len = 2u << 20, hl;
			char *h = malloc(len + 1);
			if (!h) {
				break;
			}
			hl = (size_t)snprintf(h, len,
					      "{\"topic\":\"tickers.%s\",\"type\":\"delta\",\"data\":"
					      "{\"symbol\":\"%s\",\"pad\":\"",
					      s->in.symbol, s->in.symbol);
			memset(h + hl, 'x', len - hl);
			{
				static const char tail[] = "\"},\"cs\":1,\"ts\":1}";
				memcpy(h + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
			}
			exsim_conn_send(c, h, len);
			free(h);
			break;
		}
		case 2:
		case 3:
		case 4:
			snprintf(b, sizeof(b),
				 "{\"topic\":\"tickers.%s\",\"type\":\"%s\",\"data\":{\"symbol\":\"%s\","
				 "\"lastPrice\":\"%s\"},\"cs\":%lld,\"ts\":%lld}",
				 s->in.symbol, k == 2 ? "unknown" : "delta", s->in.symbol,
				 k == 3	  ? "NaN"
				 : k == 4 ? exsim_fixed_str(px, -s->t.last, s->in.pscale)
					  : exsim_fixed_str(px, s->t.last, s->in.pscale),
				 (long long)s->t.cs, (long long)exsim_now_ms(app));
			exsim_conn_send(c, b, strlen(b));
			break;
		default:
			for (int j = 0; j < app->nsyms; j++) {
				if (exsim_mask_has(&c->subs, j)) {
					exsim_ws_queue_snapshot(c, j);
				}
			}
		}
	}
	return n;
}

void exsim_ws_housekeeping(struct exsim_app *app, int64_t now)
{
	for (struct exsim_conn *c = app->conns; c; c = c->next) {
		if (c->closing) {
			continue;
		}
		if (c->silent_until_ms > 0 && now >= c->silent_until_ms) {
			resume_conn(c);
		}
		if (c->silent_until_ms != 0) {
			continue;
		}
		if (c->kind == EXSIM_PUB && app->idle_close_s > 0 &&
		    now - c->last_rx_ms > (int64_t)app->idle_close_s * 1000) {
			log_info("event=idle_close conn=%s", c->conn_id);
			drop_conn(c);
		} else if (c->kind == EXSIM_PRIV && c->max_active_ms > 0 &&
			   now - c->last_rx_ms > c->max_active_ms) {
			log_info("event=max_active_close conn=%s", c->conn_id);
			drop_conn(c);
		}
	}
}

/* ===== lws callback ===== */

static int filter(struct exsim_conn *c, struct lws *wsi)
{
	struct exsim_app *app = app_of(wsi);
	char uri[256], arg[64];
	int64_t now = hean_time_now_ms();
	int n = lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI);

	if (n <= 0) {
		return 1;
	}
	if (app->refuse_until_ms < 0 || (app->refuse_until_ms > 0 && now < app->refuse_until_ms)) {
		static const char r503[] = "HTTP/1.1 503 Service Unavailable\r\n"
					   "Content-Type: text/plain\r\nContent-Length: 8\r\n"
					   "Connection: close\r\n\r\nrefused\n";
		static const char r403[] = "HTTP/1.1 403 Forbidden\r\n"
					   "Content-Type: text/plain\r\nContent-Length: 8\r\n"
					   "Connection: close\r\n\r\nrefused\n";
		static const char r429[] = "HTTP/1.1 429 Too Many Requests\r\n"
					   "Content-Type: text/plain\r\nContent-Length: 8\r\n"
					   "Connection: close\r\n\r\nrefused\n";
		const char *r = app->w.refuse_status == 403   ? r403
				: app->w.refuse_status == 429 ? r429
							      : r503;
		int fd = lws_get_socket_fd(wsi);
		if (fd >= 0 && send(fd, r, strlen(r), MSG_NOSIGNAL) < 0) {
			log_warn("event=refuse_send_failed");
		}
		log_info("event=refused uri=%s", uri);
		return 1;
	}
	if (!strcmp(uri, "/v5/public/linear")) {
		c->kind = EXSIM_PUB;
	} else if (!strcmp(uri, "/v5/private")) {
		c->kind = EXSIM_PRIV;
		c->max_active_ms = 600000;
		if (lws_get_urlarg_by_name(wsi, "max_active_time=", arg, sizeof(arg))) {
			const char *v = arg + strlen("max_active_time=");
			long x = strtol(v, NULL, 10);
			if (strchr(v, 'm')) {
				x *= 60;
			}
			if (x >= 30 && x <= 600) {
				c->max_active_ms = x * 1000;
			}
		}
	} else {
		log_info("event=ws_unknown_path uri=%s", uri);
		return 1;
	}
	return 0;
}

static void established(struct exsim_conn *c, struct lws *wsi)
{
	struct exsim_app *app = app_of(wsi);

	c->app = app;
	c->wsi = wsi;
	exsim_tap_ws(lws_get_socket_fd(wsi));
	sim_buf_init(&c->rx, 0, EXSIM_RX_MAX);
	exsim_conn_id(app, c->conn_id);
	c->last_rx_ms = hean_time_now_ms();
	c->next = app->conns;
	c->prev = NULL;
	if (app->conns) {
		app->conns->prev = c;
	}
	app->conns = c;
	app->st.ws_connects++;
	if (c->kind == EXSIM_PUB) {
		app->st.public_conns++;
	} else {
		app->st.private_conns++;
	}
	log_info("event=ws_open path=%s conn=%s",
		c->kind == EXSIM_PUB ? "public" : "private", c->conn_id);
	if (app->close_on_connect) {
		c->close_code = 1000;
		lws_callback_on_writable(wsi);
	}
}

static void closed(struct exsim_conn *c)
{
	struct exsim_app *app = c->app;

	if (!app) {
		return;
	}
	if (c->prev) {
		c->prev->next = c->next;
	} else {
		app->conns = c->next;
	}
	if (c->next) {
		c->next->prev = c->prev;
	}
	if (c->kind == EXSIM_PUB) {
		app->st.public_conns--;
	} else {
		app->st.private_conns--;
	}
	log_info("event=ws_closed conn=%s", c->conn_id);
	exsim_tap_forget(lws_get_socket_fd(c->wsi));
	outq_clear(c);
	sim_buf_finish(&c->rx);
	c->app = NULL;
}

static void receive(struct exsim_conn *c, struct lws *wsi, const char *in, size_t len)
{
	if (!sim_rx_add(&c->rx, wsi, in, len)) {
		return;
	}
	c->last_rx_ms = hean_time_now_ms();
	if (c->closing || is_silent(c, c->last_rx_ms) || c->rx.err) {
		return;
	}
	if (c->kind == EXSIM_PUB) {
		exsim_pub_rx(c, sim_buf_text(&c->rx), c->rx.len);
	} else {
		exsim_priv_rx(c, sim_buf_text(&c->rx), c->rx.len);
	}
}

int exsim_lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len)
{
	struct exsim_conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		exsim_tap_forget(lws_get_socket_fd(wsi));
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return filter(c, wsi);
	case LWS_CALLBACK_ESTABLISHED:
		established(c, wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		receive(c, wsi, in, len);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return c->app ? on_writeable(c) : 0;
	case LWS_CALLBACK_CLOSED:
		closed(c);
		return 0;
	case LWS_CALLBACK_HTTP:
	case LWS_CALLBACK_HTTP_BODY:
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
	case LWS_CALLBACK_HTTP_WRITEABLE:
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		/* no session data on a TLS link that ends before binding */
		return c ? exsim_http_callback(c, wsi, reason, in, len) : 0;
	default:
		return 0;
	}
}
