/* executor/rest: Bybit v5 REST client on common/http. See rest.h. */
#include "executor/rest.h"

#include "common/http.h"
#include "common/log.h"
#include "common/sign.h"
#include "common/timeutil.h"

#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 5000u
#define CONNECT_TIMEOUT_MS 2000u
#define MAX_BODY (8u << 20)
#define MAX_RATE_RETRIES 20
#define MAX_UNKNOWN_RETRIES 6
#define MAX_SYNC_WAITERS 8
#define FAILING_AFTER 3

static const uint32_t unknown_backoff_ms[] = {100, 250, 500, 1000, 2000, 4000};

struct call {
	struct exec_rest *r; /* borrowed */
	char method[8];
	char *path, *payload; /* owned */
	unsigned flags;
	exec_rest_fn *cb;
	void *data;
	int attempts, clock_retries, rate_retries, unknown_retries;
	ev_timer retry;
	bool in_http, waiting_sync;
	struct call *prev, *next;
};

struct sync_waiter {
	exec_rest_sync_fn *cb;
	void *data;
};

struct exec_rest {
	struct ev_loop *loop;   /* borrowed */
	struct hean_http *http; /* owned */
	char base[512];
	char api_key[256];
	char api_secret[256]; /* wiped at destroy */
	int recv_window_ms;
	uint32_t timeout_ms;
	struct call *calls; /* owned list */
	int64_t offset_ms;
	bool synced, syncing;
	int64_t sync_t0;
	struct sync_waiter waiters[MAX_SYNC_WAITERS];
	int n_waiters;
	uint64_t retries;
	int consecutive_fail;
	int64_t ban_ms;          /* pause after an HTTP 403 (IP ban) */
	int64_t banned_until_ms; /* local ms; 0: not banned */
};

/* ===================== pure ===================== */

enum exec_rest_class exec_rest_classify(long http_status, int curl_code, int ret_code)
{
	if (http_status == 0 || curl_code != 0) {
		return EXEC_REST_UNKNOWN;
	}
	if (http_status == 429) {
		return EXEC_REST_RATE;
	}
	if (http_status >= 500) {
		return EXEC_REST_UNKNOWN;
	}
	if (http_status != 200) {
		return EXEC_REST_REJECTED;
	}
	switch (ret_code) {
	case 0:
		return EXEC_REST_OK;
	case 10006:
		return EXEC_REST_RATE;
	case 10002:
		return EXEC_REST_CLOCK;
	case 10000:
	case 10016:
		return EXEC_REST_UNKNOWN;
	default:
		return EXEC_REST_REJECTED;
	}
}

enum exec_rest_class exec_rest_parse(long http_status, int curl_code, const char *curl_err,
				     const char *body, size_t len, struct exec_rest_result *out,
				     json_t **root)
{
	json_t *doc = NULL, *v;

	memset(out, 0, sizeof(*out));
	*root = NULL;
	out->http_status = http_status;
	out->curl_code = curl_code;
	out->ret_code = -1;
	if (curl_code != 0 || http_status == 0) {
		snprintf(out->ret_msg, sizeof(out->ret_msg), "transport: %s",
			 curl_err ? curl_err : "no answer");
		out->cls = EXEC_REST_UNKNOWN;
		return out->cls;
	}
	if (http_status != 200) {
		out->ret_code = -(int)http_status;
		snprintf(out->ret_msg, sizeof(out->ret_msg), "HTTP %ld", http_status);
	}
	if (body && len) {
		doc = json_loadb(body, len, 0, NULL);
	}
	/* A retCode outside int is not Bybit's: it is treated as an unparsable
	 * answer (outcome unknown), never truncated into 0 (success) or 10006. */
	if (json_is_object(doc) && json_is_integer(json_object_get(doc, "retCode")) &&
	    json_integer_value(json_object_get(doc, "retCode")) >= INT_MIN &&
	    json_integer_value(json_object_get(doc, "retCode")) <= INT_MAX) {
		out->ret_code = (int)json_integer_value(json_object_get(doc, "retCode"));
		v = json_object_get(doc, "retMsg");
		snprintf(out->ret_msg, sizeof(out->ret_msg), "%s",
			 json_is_string(v) ? json_string_value(v) : "");
		v = json_object_get(doc, "time");
		if (json_is_integer(v)) {
			out->server_ms = json_integer_value(v);
		}
		v = json_object_get(doc, "result");
		out->result = json_is_object(v) ? v : NULL;
		out->cls = exec_rest_classify(http_status, 0, out->ret_code);
		*root = doc;
		return out->cls;
	}
	json_decref(doc);
	if (http_status == 200) {
		/* 200 without an envelope: whatever answered, we cannot tell
		 * whether the request was applied */
		snprintf(out->ret_msg, sizeof(out->ret_msg), "unparsable answer");
		out->cls = EXEC_REST_UNKNOWN;
		return out->cls;
	}
	out->cls = exec_rest_classify(http_status, 0, out->ret_code);
	return out->cls;
}

int exec_rest_offset_from_time(const json_t *root, int64_t t0_ms, int64_t t1_ms,
			       int64_t *offset_ms)
{
	const json_t *res = json_object_get(root, "result"), *v;
	int64_t server = 0;

	v = json_object_get(res, "timeNano");
	if (json_is_string(v)) {
		server = strtoll(json_string_value(v), NULL, 10) / 1000000;
	}
	if (server <= 0) {
		v = json_object_get(root, "time");
		server = json_is_integer(v) ? json_integer_value(v) : 0;
	}
	if (server <= 0 || t1_ms < t0_ms) {
		return -EINVAL;
	}
	*offset_ms = server - (t0_ms + t1_ms) / 2;
	return 0;
}

/* ===================== calls ===================== */

static void submit(struct call *c);

static void call_free(struct call *c)
{
	struct exec_rest *r = c->r;

	ev_timer_stop(r->loop, &c->retry);
	if (c->prev) {
		c->prev->next = c->next;
	} else {
		r->calls = c->next;
	}
	if (c->next) {
		c->next->prev = c->prev;
	}
	free(c->path);
	free(c->payload);
	free(c);
}

/* HTTP 403 is Bybit's IP ban ("access too frequent"): every REST call is
 * refused for 10 minutes, and calling on may prolong it. No call goes out
 * until the pause (HEAN_REST_BAN_S) is over. */
static void ban_start(struct exec_rest *r, const char *path)
{
	int64_t now = hean_time_now_ms();

	if (r->banned_until_ms > now) {
		return;
	}
	r->banned_until_ms = now + r->ban_ms;
	log_error("event=rest_ip_ban http=403 path=%s pause_s=%lld action=\"no REST call until the "
		  "pause is over (HEAN_REST_BAN_S)\"",
		  path, (long long)(r->ban_ms / 1000));
}

bool exec_rest_banned(const struct exec_rest *r)
{
	return r->banned_until_ms > hean_time_now_ms();
}

int64_t exec_rest_ban_left_ms(const struct exec_rest *r)
{
	int64_t left = r->banned_until_ms - hean_time_now_ms();

	return left > 0 ? left : 0;
}

static void finish(struct call *c, const struct exec_rest_result *res)
{
	exec_rest_fn *cb = c->cb;
	void *data = c->data;

	call_free(c);
	cb(res, data);
}

static void finish_error(struct call *c, const char *why)
{
	struct exec_rest_result res;

	memset(&res, 0, sizeof(res));
	res.cls = EXEC_REST_UNKNOWN;
	res.ret_code = -1;
	res.attempts = c->attempts;
	snprintf(res.ret_msg, sizeof(res.ret_msg), "%s", why);
	finish(c, &res);
}

/* A call during an IP ban: not sent, so not applied (class RATE, the
 * pause's end as the reset time). */
static void finish_banned(struct call *c)
{
	struct exec_rest_result res;

	memset(&res, 0, sizeof(res));
	res.cls = EXEC_REST_RATE;
	res.ret_code = -403;
	res.attempts = c->attempts;
	res.reset_ms = c->r->banned_until_ms + c->r->offset_ms;
	snprintf(res.ret_msg, sizeof(res.ret_msg), "IP ban: not sent (REST paused %lld ms more)",
		 (long long)exec_rest_ban_left_ms(c->r));
	finish(c, &res);
}

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	submit(w->data);
}

static void retry_in(struct call *c, uint32_t ms)
{
	c->r->retries++;
	ev_timer_stop(c->r->loop, &c->retry);
	ev_timer_set(&c->retry, ms / 1000.0, 0.);
	ev_timer_start(c->r->loop, &c->retry);
}

static void sync_done(struct exec_rest *r, bool ok)
{
	struct sync_waiter w[MAX_SYNC_WAITERS];
	int n = r->n_waiters;
	struct call *c, *next;

	r->syncing = false;
	memcpy(w, r->waiters, sizeof(w));
	r->n_waiters = 0;
	for (c = r->calls; c; c = next) {
		next = c->next;
		if (c->waiting_sync) {
			c->waiting_sync = false;
			retry_in(c, 0);
		}
	}
	for (int i = 0; i < n; i++) {
		w[i].cb(ok, w[i].data);
	}
}

static void on_time(const struct hean_http_response *resp, void *data)
{
	struct exec_rest *r = data;
	struct exec_rest_result res;
	json_t *root;
	int64_t t1 = hean_time_now_ms(), off;
	bool ok = false;

	exec_rest_parse(resp->status, resp->curl_code, resp->error, resp->body, resp->body_len,
			&res, &root);
	if (resp->status == 403) {
		ban_start(r, "/v5/market/time");
	}
	if (res.cls == EXEC_REST_OK && exec_rest_offset_from_time(root, r->sync_t0, t1, &off) == 0) {
		if (!r->synced || off != r->offset_ms) {
			log_info("event=clock_sync offset_ms=%lld rtt_ms=%lld", (long long)off,
				 (long long)(t1 - r->sync_t0));
		}
		r->offset_ms = off;
		r->synced = true;
		ok = true;
	} else {
		log_warn("event=clock_sync_failed ret_code=%d msg=\"%s\"", res.ret_code, res.ret_msg);
	}
	json_decref(root);
	sync_done(r, ok);
}

void exec_rest_sync_clock(struct exec_rest *r, exec_rest_sync_fn *cb, void *data)
{
	struct hean_http_request req;
	char url[600];

	if (cb && r->n_waiters < MAX_SYNC_WAITERS) {
		r->waiters[r->n_waiters].cb = cb;
		r->waiters[r->n_waiters].data = data;
		r->n_waiters++;
	}
	if (r->syncing || exec_rest_banned(r)) {
		return; /* waiters stay until the next sync attempt */
	}
	snprintf(url, sizeof(url), "%s/v5/market/time", r->base);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.timeout_ms = r->timeout_ms;
	req.connect_timeout_ms = CONNECT_TIMEOUT_MS;
	req.max_body = 64 * 1024;
	r->sync_t0 = hean_time_now_ms();
	r->syncing = true;
	if (hean_http_submit(r->http, &req, on_time, r) < 0) {
		log_warn("event=clock_sync_failed reason=submit");
		r->syncing = false;
		/* waiters stay until the next sync attempt */
	}
}

/* Error texts may quote the signed pre-image, which holds the API key
 * (10004 "error sign! origin_string[...]"): mask it before anyone logs or
 * stores the message. */
static void redact_key(const struct exec_rest *r, char *msg)
{
	size_t kl = strlen(r->api_key);
	char *p;

	if (kl < 4) {
		return;
	}
	while ((p = strstr(msg, r->api_key)) != NULL) {
		memset(p, '*', kl);
		memcpy(p, r->api_key, 2);
	}
}

static void on_done(const struct hean_http_response *resp, void *data)
{
	struct call *c = data;
	struct exec_rest *r = c->r;
	struct exec_rest_result res;
	json_t *root;
	char reset[32];

	c->in_http = false;
	exec_rest_parse(resp->status, resp->curl_code, resp->error, resp->body, resp->body_len,
			&res, &root);
	res.attempts = c->attempts;
	redact_key(r, res.ret_msg);
	if (resp->status == 403) {
		ban_start(r, c->path);
	}
	if (hean_http_header(resp, "X-Bapi-Limit-Reset-Timestamp", reset, sizeof(reset)) == 0) {
		res.reset_ms = strtoll(reset, NULL, 10);
	}
	if (root || (resp->status > 0 && resp->status < 500)) {
		r->consecutive_fail = 0;
	} else {
		r->consecutive_fail++;
	}
	if (res.cls != EXEC_REST_OK) {
		log_info("event=rest_answer path=%s attempt=%d class=%d ret_code=%d http=%ld "
			 "msg=\"%.120s\" ms=%lld",
			 c->path, c->attempts, (int)res.cls, res.ret_code, resp->status, res.ret_msg,
			 (long long)(resp->elapsed_us / 1000));
	}
	switch (res.cls) {
	case EXEC_REST_RATE:
		if (!(c->flags & EXEC_REST_NO_RETRY) && c->rate_retries++ < MAX_RATE_RETRIES) {
			int64_t wait = res.reset_ms > 0 ? res.reset_ms - exec_rest_now_ms(r) : 1000;
			json_decref(root);
			retry_in(c, (uint32_t)(wait < 20 ? 20 : wait > 5000 ? 5000 : wait));
			return;
		}
		break;
	case EXEC_REST_CLOCK:
		if (c->flags & EXEC_REST_NO_RETRY) {
			exec_rest_sync_clock(r, NULL, NULL); /* the caller re-signs later */
			break;
		}
		if (c->clock_retries++ < 1) {
			json_decref(root);
			r->retries++;
			c->waiting_sync = true;
			exec_rest_sync_clock(r, NULL, NULL);
			if (!r->syncing) {
				c->waiting_sync = false;
				retry_in(c, 500);
			}
			return;
		}
		break;
	case EXEC_REST_UNKNOWN:
		if ((c->flags & EXEC_REST_IDEMPOTENT) && c->unknown_retries < MAX_UNKNOWN_RETRIES) {
			json_decref(root);
			retry_in(c, unknown_backoff_ms[c->unknown_retries++]);
			return;
		}
		break;
	default:
		break;
	}
	finish(c, &res);
	json_decref(root);
}

static void submit(struct call *c)
{
	struct exec_rest *r = c->r;
	struct hean_http_request req;
	const char *hdrs[7];
	char url[2048], h_key[300], h_ts[64], h_rw[64], h_sign[96];
	char sig[HEAN_SIGN_HEX_LEN];
	bool post = !strcmp(c->method, "POST");
	const char *payload = c->payload ? c->payload : "";
	int n = 0;

	if (exec_rest_banned(r)) {
		finish_banned(c);
		return;
	}

	if (post || !payload[0]) {
		snprintf(url, sizeof(url), "%s%s", r->base, c->path);
	} else {
		snprintf(url, sizeof(url), "%s%s?%s", r->base, c->path, payload);
	}
	if (c->flags & EXEC_REST_SIGNED) {
		int64_t ts = exec_rest_now_ms(r);
		if (hean_sign_rest(r->api_secret, ts, r->api_key, r->recv_window_ms, payload,
				   strlen(payload), sig) < 0) {
			finish_error(c, "signing failed");
			return;
		}
		snprintf(h_key, sizeof(h_key), "X-BAPI-API-KEY: %s", r->api_key);
		snprintf(h_ts, sizeof(h_ts), "X-BAPI-TIMESTAMP: %lld", (long long)ts);
		snprintf(h_rw, sizeof(h_rw), "X-BAPI-RECV-WINDOW: %d", r->recv_window_ms);
		snprintf(h_sign, sizeof(h_sign), "X-BAPI-SIGN: %s", sig);
		hdrs[n++] = h_key;
		hdrs[n++] = h_ts;
		hdrs[n++] = h_rw;
		hdrs[n++] = h_sign;
	}
	if (post) {
		hdrs[n++] = "Content-Type: application/json";
	}
	hdrs[n] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = c->method;
	req.url = url;
	req.body = post ? payload : NULL;
	req.body_len = post ? strlen(payload) : 0;
	req.headers = hdrs;
	req.timeout_ms = r->timeout_ms;
	req.connect_timeout_ms = CONNECT_TIMEOUT_MS;
	req.max_body = MAX_BODY;
	c->attempts++;
	if (hean_http_submit(r->http, &req, on_done, c) < 0) {
		OPENSSL_cleanse(h_sign, sizeof(h_sign));
		finish_error(c, "submit failed");
		return;
	}
	OPENSSL_cleanse(h_sign, sizeof(h_sign));
	OPENSSL_cleanse(sig, sizeof(sig));
	c->in_http = true;
}

int exec_rest_call(struct exec_rest *r, const char *method, const char *path,
		   const char *payload, unsigned flags, exec_rest_fn *cb, void *data)
{
	struct call *c;

	if (!r || !method || !path || !cb || strlen(method) >= sizeof(c->method)) {
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		return -ENOMEM;
	}
	c->r = r;
	snprintf(c->method, sizeof(c->method), "%s", method);
	c->path = strdup(path);
	c->payload = payload ? strdup(payload) : NULL;
	if (!c->path || (payload && !c->payload)) {
		free(c->path);
		free(c->payload);
		free(c);
		return -ENOMEM;
	}
	c->flags = flags;
	c->cb = cb;
	c->data = data;
	ev_timer_init(&c->retry, on_retry, 0., 0.);
	c->retry.data = c;
	c->next = r->calls;
	if (r->calls) {
		r->calls->prev = c;
	}
	r->calls = c;
	/* submitted from the loop, so cb can never run inside this call */
	ev_timer_start(r->loop, &c->retry);
	return 0;
}

/* ===================== lifecycle and views ===================== */

struct exec_rest *exec_rest_create(struct ev_loop *loop, const struct exec_rest_opts *o)
{
	struct exec_rest *r = calloc(1, sizeof(*r));

	if (!r) {
		return NULL;
	}
	r->loop = loop;
	r->http = hean_http_create(loop);
	if (!r->http) {
		free(r);
		return NULL;
	}
	snprintf(r->base, sizeof(r->base), "%s", o->base);
	while (r->base[0] && r->base[strlen(r->base) - 1] == '/') {
		r->base[strlen(r->base) - 1] = '\0';
	}
	snprintf(r->api_key, sizeof(r->api_key), "%s", o->api_key ? o->api_key : "");
	snprintf(r->api_secret, sizeof(r->api_secret), "%s", o->api_secret ? o->api_secret : "");
	r->recv_window_ms = o->recv_window_ms > 0 ? o->recv_window_ms : 5000;
	r->timeout_ms = o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	r->ban_ms = (int64_t)(o->ban_s > 0 ? o->ban_s : 600) * 1000;
	return r;
}

void exec_rest_destroy(struct exec_rest *r)
{
	if (!r) {
		return;
	}
	hean_http_destroy(r->http); /* aborts transfers: no callbacks */
	r->http = NULL;
	while (r->calls) {
		struct exec_rest_result res;

		memset(&res, 0, sizeof(res));
		res.cls = EXEC_REST_UNKNOWN;
		res.ret_code = -1;
		res.aborted = true;
		snprintf(res.ret_msg, sizeof(res.ret_msg), "aborted");
		finish(r->calls, &res);
	}
	OPENSSL_cleanse(r->api_secret, sizeof(r->api_secret));
	free(r);
}

bool exec_rest_clock_synced(const struct exec_rest *r)
{
	return r->synced;
}

int64_t exec_rest_offset_ms(const struct exec_rest *r)
{
	return r->offset_ms;
}

int64_t exec_rest_now_ms(const struct exec_rest *r)
{
	return hean_time_now_ms() + r->offset_ms;
}

const char *exec_rest_api_key(const struct exec_rest *r)
{
	return r->api_key;
}

int exec_rest_ws_auth_frame(const struct exec_rest *r, char *out, size_t len)
{
	char sig[HEAN_SIGN_HEX_LEN];
	int64_t expires = exec_rest_now_ms(r) + r->recv_window_ms;
	json_t *o;
	char *s;
	int rc = -EINVAL;

	if (hean_sign_ws_auth(r->api_secret, expires, sig) < 0) {
		return -EINVAL;
	}
	o = json_pack("{s:s,s:s,s:[s,I,s]}", "req_id", "auth", "op", "auth", "args", r->api_key,
		      (json_int_t)expires, sig);
	s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (s && strlen(s) < len) {
		memcpy(out, s, strlen(s) + 1);
		rc = 0;
	}
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
	json_decref(o);
	OPENSSL_cleanse(sig, sizeof(sig));
	return rc;
}

uint64_t exec_rest_retries(const struct exec_rest *r)
{
	return r->retries;
}

unsigned exec_rest_in_flight(const struct exec_rest *r)
{
	unsigned n = 0;

	for (const struct call *c = r->calls; c; c = c->next) {
		n++;
	}
	return n;
}

bool exec_rest_failing(const struct exec_rest *r)
{
	return r->consecutive_fail >= FAILING_AFTER;
}
