/* exsim HTTP: request lifecycle on lws (URI, query, headers, body),
 * deferred answers (latency, hold, lost), envelope and header writing. */
#include "tests/sim/exsim.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void http_reset(struct exsim_conn *c)
{
	if (c->delay_active) {
		ev_timer_stop(c->app->loop, &c->delay);
		c->delay_active = false;
	}
	free(c->query);
	free(c->body);
	free(c->resp);
	c->query = c->body = c->resp = NULL;
	c->body_len = c->resp_len = 0;
	c->body_overflow = false;
	c->resp_ready = c->hold = c->drop_answer = c->has_limit_hdr = false;
	c->status = 0;
	c->api_key[0] = c->sign[0] = c->ts_hdr[0] = c->recv_hdr[0] = '\0';
}

/* lws decodes %XX in the URI arguments before we see them; re-encode
 * (RFC 3986 unreserved kept, uppercase hex) so the result equals the raw
 * query of any client that encodes canonically. */
static size_t encode_into(char *out, const char *in, bool keep_eq)
{
	static const char hexd[] = "0123456789ABCDEF";
	size_t n = 0;
	bool eq = false;

	for (; *in; in++) {
		unsigned char ch = (unsigned char)*in;
		if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~' ||
		    (ch == '=' && keep_eq && !eq)) {
			if (ch == '=') {
				eq = true;
			}
			out[n++] = (char)ch;
		} else {
			out[n++] = '%';
			out[n++] = hexd[ch >> 4];
			out[n++] = hexd[ch & 15];
		}
	}
	return n;
}

static char *collect_query(struct lws *wsi)
{
	char frag[1024];
	size_t cap = 4096, n = 0;
	char *q = malloc(cap);

	if (!q) {
		return NULL;
	}
	q[0] = '\0';
	for (int i = 0; i < 64; i++) {
		int l = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
		if (l < 0) {
			break;
		}
		if (n + 3 * (size_t)l + 2 >= cap) {
			break;
		}
		if (i > 0) {
			q[n++] = '&';
		}
		n += encode_into(q + n, frag, true);
		q[n] = '\0';
	}
	/* lws reports the empty query of "path?" (ccxt's GET without
	 * parameters) as the fragment "/": the client signed "" */
	if (!strcmp(q, "%2F")) {
		q[0] = '\0';
	}
	return q;
}

/* True when a and b are the same text once %XX escapes are decoded. */
static bool same_decoded(const char *a, const char *b)
{
	for (;;) {
		int ca, cb;
		unsigned v;

		if (a[0] == '%' && sscanf(a + 1, "%2x", &v) == 1 && isxdigit((unsigned char)a[1]) &&
		    isxdigit((unsigned char)a[2])) {
			ca = (int)v;
			a += 3;
		} else {
			ca = (unsigned char)*a;
			a += *a ? 1 : 0;
		}
		if (b[0] == '%' && sscanf(b + 1, "%2x", &v) == 1 && isxdigit((unsigned char)b[1]) &&
		    isxdigit((unsigned char)b[2])) {
			cb = (int)v;
			b += 3;
		} else {
			cb = (unsigned char)*b;
			b += *b ? 1 : 0;
		}
		if (ca != cb) {
			return false;
		}
		if (ca == 0) {
			return true;
		}
	}
}

bool exsim_query_get(const struct exsim_conn *c, const char *name, char *out, size_t outlen)
{
	const char *p = c->query;
	size_t nl = strlen(name);

	while (p && *p) {
		const char *e = strchr(p, '&');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l > nl && p[nl] == '=' && !strncmp(p, name, nl)) {
			size_t o = 0;
			for (size_t i = nl + 1; i < l && o + 1 < outlen; i++) {
				if (p[i] == '%' && i + 2 < l && isxdigit((unsigned char)p[i + 1]) &&
				    isxdigit((unsigned char)p[i + 2])) {
					char hx[3] = {p[i + 1], p[i + 2], 0};
					out[o++] = (char)strtol(hx, NULL, 16);
					i += 2;
				} else {
					out[o++] = p[i];
				}
			}
			out[o] = '\0';
			return true;
		}
		p = e ? e + 1 : NULL;
	}
	return false;
}

int64_t exsim_query_int(const struct exsim_conn *c, const char *name, int64_t lo, int64_t hi,
			int64_t dflt)
{
	char b[32];
	int64_t v;

	return exsim_query_get(c, name, b, sizeof(b)) && sim_parse_int(b, lo, hi, &v) == 0 ? v : dflt;
}

static void get_hdr(struct lws *wsi, const char *lower, const char *upper, char *out, size_t n)
{
	out[0] = '\0';
	if (lws_hdr_custom_copy(wsi, out, (int)n, lower, (int)strlen(lower)) < 0 &&
	    lws_hdr_custom_copy(wsi, out, (int)n, upper, (int)strlen(upper)) < 0) {
		out[0] = '\0';
	}
}

void exsim_http_answer(struct exsim_conn *c, int status, const char *body, size_t len)
{
	free(c->resp);
	c->resp = malloc(LWS_PRE + len + 1);
	if (!c->resp) {
		c->resp_len = 0;
		return;
	}
	memcpy(c->resp + LWS_PRE, body, len);
	c->resp[LWS_PRE + len] = '\0';
	c->resp_len = len;
	c->status = status;
	c->resp_ready = true;
}

void exsim_http_envelope(struct exsim_conn *c, int code, const char *msg, json_t *result)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "retCode", json_integer(code));
	json_object_set_new(o, "retMsg", json_string(msg));
	json_object_set_new(o, "result", result ? result : json_object());
	json_object_set_new(o, "retExtInfo", json_object());
	json_object_set_new(o, "time", json_integer(exsim_now_ms(c->app)));
	s = exsim_worst_dumps(c->app, o);
	json_decref(o);
	if (s) {
		exsim_http_answer(c, 200, s, strlen(s));
		free(s);
	}
}

static void on_delay(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct exsim_conn *c = w->data;
	c->delay_active = false;
	lws_callback_on_writable(c->wsi);
}

/* After a handler ran: schedule, hold or drop the answer. */
static int dispatch_answer(struct exsim_conn *c)
{
	struct exsim_app *app = c->app;

	if (c->drop_answer) {
		log_info("event=rest_lost path=%s", c->path);
		return -1;
	}
	if (c->hold) {
		lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
		log_info("event=rest_hold path=%s", c->path);
		return 0;
	}
	if (!c->resp_ready) {
		exsim_http_envelope(c, 10016, "System error. Please try again later.", NULL);
	}
	if (app->latency_ms > 0 && strncmp(c->path, "/sim/", 5)) {
		ev_timer_init(&c->delay, on_delay, app->latency_ms / 1000.0, 0.);
		c->delay.data = c;
		ev_timer_start(app->loop, &c->delay);
		c->delay_active = true;
		lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
		return 0;
	}
	lws_callback_on_writable(c->wsi);
	return 0;
}

static int handle(struct exsim_conn *c)
{
	if (!strncmp(c->path, "/sim/", 5)) {
		exsim_ctl_handle(c);
	} else if (!strncmp(c->path, "/v5/", 4)) {
		c->app->st.rest_calls++;
		if (!exsim_worst_banned(c)) {
			exsim_rest_handle(c);
		}
	} else {
		const char nf[] = "{\"error\":\"not found\"}";
		exsim_http_answer(c, 404, nf, sizeof(nf) - 1);
	}
	return dispatch_answer(c);
}

static int write_answer(struct exsim_conn *c, struct lws *wsi)
{
	unsigned char hb[LWS_PRE + 1024], *start = hb + LWS_PRE, *p = start,
					  *end = hb + sizeof(hb) - 1;
	static const char *const names[3] = {"X-Bapi-Limit:", "X-Bapi-Limit-Status:",
					     "X-Bapi-Limit-Reset-Timestamp:"};

	if (!c->resp_ready || c->delay_active || c->hold) {
		return 0;
	}
	if (lws_add_http_common_headers(wsi, (unsigned)c->status,
					c->resp_len && c->resp[LWS_PRE] == '<' ? "text/html"
										 : "application/json",
					c->resp_len, &p, end)) {
		return -1;
	}
	if (c->has_limit_hdr) {
		for (int i = 0; i < 3; i++) {
			if (lws_add_http_header_by_name(wsi, (const unsigned char *)names[i],
							(const unsigned char *)c->limit_hdr[i],
							(int)strlen(c->limit_hdr[i]), &p, end)) {
				return -1;
			}
		}
	}
	if (lws_finalize_write_http_header(wsi, start, &p, end)) {
		return -1;
	}
	if (lws_write(wsi, (unsigned char *)c->resp + LWS_PRE, c->resp_len, LWS_WRITE_HTTP_FINAL) <
	    (int)c->resp_len) {
		return -1;
	}
	c->resp_ready = false;
	if (lws_http_transaction_completed(wsi)) {
		return -1;
	}
	return 0;
}

int exsim_http_callback(struct exsim_conn *c, struct lws *wsi, enum lws_callback_reasons reason,
			void *in, size_t len)
{
	struct exsim_app *app = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		c->app = app;
		c->wsi = wsi;
		c->kind = EXSIM_HTTP;
		http_reset(c);
		snprintf(c->path, sizeof(c->path), "%s", (const char *)in);
		snprintf(c->method, sizeof(c->method), "%s",
			 lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) ? "POST" : "GET");
		/* the query as sent (signatures are over these bytes); lws'
		 * decoded fragments re-encoded only when the bytes are not at
		 * hand (TLS) */
		c->query = exsim_tap_query(lws_get_socket_fd(wsi), c->method, c->path);
		{
			/* the tapped bytes are taken only when they say what lws
			 * parsed: under concurrent connections a socket's tap was
			 * seen holding another request's line (a BTCUSDT ticker
			 * answered for ETHUSDT) */
			char *parsed = collect_query(wsi);

			if (c->query && (!parsed || !same_decoded(c->query, parsed))) {
				free(c->query);
				c->query = NULL;
			}
			if (!c->query) {
				c->query = parsed;
			} else {
				free(parsed);
			}
		}
		get_hdr(wsi, "x-bapi-api-key:", "X-BAPI-API-KEY:", c->api_key, sizeof(c->api_key));
		get_hdr(wsi, "x-bapi-sign:", "X-BAPI-SIGN:", c->sign, sizeof(c->sign));
		get_hdr(wsi, "x-bapi-timestamp:", "X-BAPI-TIMESTAMP:", c->ts_hdr,
			sizeof(c->ts_hdr));
		get_hdr(wsi, "x-bapi-recv-window:", "X-BAPI-RECV-WINDOW:", c->recv_hdr,
			sizeof(c->recv_hdr));
		if (!strcmp(c->method, "POST") && !strncmp(c->path, "/v5/", 4) &&
		    lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
			return 0; /* wait for the body */
		}
		return handle(c);
	case LWS_CALLBACK_HTTP_BODY:
		if (!c->app || !len) {
			return 0;
		}
		if (c->body_len + len > EXSIM_BODY_MAX) {
			c->body_overflow = true;
			return 0;
		}
		{
			char *nb = realloc(c->body, c->body_len + len + 1);
			if (!nb) {
				return -1;
			}
			c->body = nb;
			memcpy(c->body + c->body_len, in, len);
			c->body_len += len;
			c->body[c->body_len] = '\0';
		}
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!c->app) {
			return -1;
		}
		if (!c->body) {
			c->body = calloc(1, 1);
		}
		return handle(c);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return c->app ? write_answer(c, wsi) : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (c->app && c->kind == EXSIM_HTTP) {
			http_reset(c);
			c->app = NULL;
		}
		return 0;
	default:
		return 0;
	}
}
