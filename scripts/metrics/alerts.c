/* hean-metrics alerts: see alerts.h. */
#include "scripts/metrics/alerts.h"

#include "common/http.h"
#include "common/log.h"
#include "common/timeutil.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CONDS 128
#define MAX_QUEUE 64
#define MAX_ATTEMPTS 5
#define EVENT_SHOW_MS 60000 /* an event condition stays in the firing list this long */

struct cond {
	bool used, is_event, seen, active, firing, notified;
	char what[32], proc[64], severity[16], detail[256];
	int64_t since_ms, last_sent_ms, show_until_ms;
};

struct msg {
	struct mx_alerts *a;
	char *body;
	int attempt;
	ev_timer retry;
	bool in_flight;
	struct msg *next;
};

struct mx_alerts {
	struct ev_loop *loop;
	struct hean_http *http;
	char url[1024];
	int repeat_s;
	struct mx_state *st;
	struct cond c[MAX_CONDS];
	struct msg *q;
	unsigned n_q;
};

struct mx_alerts *mx_alerts_create(struct ev_loop *loop, const char *url, int repeat_s,
				   struct mx_state *st)
{
	struct mx_alerts *a = calloc(1, sizeof(*a));

	if (!a) {
		return NULL;
	}
	a->loop = loop;
	a->repeat_s = repeat_s > 0 ? repeat_s : 600;
	a->st = st;
	snprintf(a->url, sizeof(a->url), "%s", url ? url : "");
	if (a->url[0]) {
		a->http = hean_http_create(loop);
		if (!a->http) {
			free(a);
			return NULL;
		}
		st->webhook_configured = true;
	}
	return a;
}

static void msg_free(struct msg *m)
{
	struct mx_alerts *a = m->a;
	struct msg **pp;

	ev_timer_stop(a->loop, &m->retry);
	for (pp = &a->q; *pp; pp = &(*pp)->next) {
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	}
	a->n_q--;
	free(m->body);
	free(m);
}

void mx_alerts_destroy(struct mx_alerts *a)
{
	if (!a) {
		return;
	}
	hean_http_destroy(a->http); /* aborts without callbacks */
	while (a->q) {
		msg_free(a->q);
	}
	free(a);
}

static void iso(int64_t ms, char *buf, size_t len)
{
	hean_time_format_utc(ms, 1, buf, len);
}

static uint64_t fnv1a(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *a; a++) {
		h = (h ^ (uint8_t)*a) * 1099511628211ULL;
	}
	h = (h ^ 0xff) * 1099511628211ULL;
	for (; *b; b++) {
		h = (h ^ (uint8_t)*b) * 1099511628211ULL;
	}
	return h;
}

char *mx_alerts_payload(const char *status, const char *what, const char *proc,
			const char *severity, const char *detail, int64_t since_ms, int64_t now_ms)
{
	char ts[48], starts[48], ends[48], fp[24], text[700], gk[128];
	bool firing = strcmp(status, "firing") == 0;
	json_t *labels, *ann, *alert, *root;
	char *out;

	iso(now_ms, ts, sizeof(ts));
	iso(since_ms, starts, sizeof(starts));
	if (firing) {
		snprintf(ends, sizeof(ends), "0001-01-01T00:00:00Z");
	} else {
		iso(now_ms, ends, sizeof(ends));
	}
	snprintf(fp, sizeof(fp), "%016" PRIx64, fnv1a(what, proc));
	snprintf(text, sizeof(text), "[%s] hean %s (%s): %s at %s", firing ? "FIRING" : "RESOLVED",
		 what, proc, detail, ts);
	snprintf(gk, sizeof(gk), "{}:{alertname=\"%s\"}", what);
	labels = json_pack("{s:s, s:s, s:s}", "alertname", what, "severity", severity, "process",
			   proc);
	ann = json_pack("{s:s, s:s}", "summary", text, "description", detail);
	alert = json_pack("{s:s, s:O, s:O, s:s, s:s, s:s, s:s}", "status", status, "labels", labels,
			  "annotations", ann, "startsAt", starts, "endsAt", ends, "fingerprint", fp,
			  "generatorURL", "");
	root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[o], s:{s:s}, s:O, s:O,"
			 " s:s, s:s, s:i}",
			 "what", what, "proc", proc, "ts", ts, "detail", detail, "status", status,
			 "severity", severity, "text", text, "version", "4", "receiver", "hean",
			 "alerts", alert, "groupLabels", "alertname", what, "commonLabels", labels,
			 "commonAnnotations", ann, "externalURL", "", "groupKey", gk,
			 "truncatedAlerts", 0);
	json_decref(labels);
	json_decref(ann);
	if (!root) {
		return NULL;
	}
	out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return out;
}

static void post(struct msg *m);

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	post(w->data);
}

static void on_done(const struct hean_http_response *resp, void *data)
{
	struct msg *m = data;
	struct mx_alerts *a = m->a;

	m->in_flight = false;
	if (resp->curl_code == 0 && resp->status >= 200 && resp->status < 300) {
		a->st->wh_sent++;
		msg_free(m);
		return;
	}
	if (m->attempt >= MAX_ATTEMPTS) {
		a->st->wh_failed++;
		log_warn("event=webhook_failed attempts=%d status=%ld err=\"%s\" (message dropped)",
			 m->attempt, resp->status, resp->error ? resp->error : "");
		msg_free(m);
		return;
	}
	a->st->wh_retries++;
	log_info("event=webhook_retry attempt=%d status=%ld err=\"%s\" delay_s=%d", m->attempt,
		 resp->status, resp->error ? resp->error : "", 1 << (m->attempt - 1));
	ev_timer_set(&m->retry, (double)(1 << (m->attempt - 1)), 0);
	ev_timer_start(a->loop, &m->retry);
}

static void post(struct msg *m)
{
	static const char *const headers[] = {"Content-Type: application/json", NULL};
	struct hean_http_request req = {
		.method = "POST",
		.url = m->a->url,
		.body = m->body,
		.body_len = strlen(m->body),
		.headers = headers,
		.timeout_ms = 5000,
		.connect_timeout_ms = 2000,
		.max_body = 65536,
	};

	m->attempt++;
	if (hean_http_submit(m->a->http, &req, on_done, m) != 0) {
		struct hean_http_response r = {.curl_code = -1, .error = "submit failed"};

		on_done(&r, m);
		return;
	}
	m->in_flight = true;
}

static void send_msg(struct mx_alerts *a, const struct cond *c, const char *status, int64_t now)
{
	struct msg *m;
	char *body;

	log_info("event=alert status=%s what=%s proc=%s detail=\"%s\"", status, c->what, c->proc,
		 c->detail);
	if (!a->http) {
		return;
	}
	if (a->n_q >= MAX_QUEUE) {
		a->st->wh_dropped++;
		log_warn("event=webhook_dropped what=%s proc=%s (%u messages waiting)", c->what,
			 c->proc, a->n_q);
		return;
	}
	body = mx_alerts_payload(status, c->what, c->proc, c->severity, c->detail,
				 c->since_ms ? c->since_ms : now, now);
	m = calloc(1, sizeof(*m));
	if (!body || !m) {
		free(body);
		free(m);
		return;
	}
	m->a = a;
	m->body = body;
	ev_timer_init(&m->retry, on_retry, 1, 0);
	m->retry.data = m;
	m->next = a->q;
	a->q = m;
	a->n_q++;
	post(m);
}

static struct cond *find(struct mx_alerts *a, const char *what, const char *proc)
{
	struct cond *free_slot = NULL;

	for (int i = 0; i < MAX_CONDS; i++) {
		struct cond *c = &a->c[i];

		if (c->used && strcmp(c->what, what) == 0 && strcmp(c->proc, proc) == 0) {
			return c;
		}
		if (!c->used && !free_slot) {
			free_slot = c;
		}
	}
	if (free_slot) {
		memset(free_slot, 0, sizeof(*free_slot));
		free_slot->used = true;
		snprintf(free_slot->what, sizeof(free_slot->what), "%s", what);
		snprintf(free_slot->proc, sizeof(free_slot->proc), "%s", proc);
	}
	return free_slot;
}

static bool may_send(const struct mx_alerts *a, const struct cond *c, int64_t now)
{
	return c->last_sent_ms == 0 || now - c->last_sent_ms >= (int64_t)a->repeat_s * 1000;
}

void mx_alerts_begin(struct mx_alerts *a)
{
	for (int i = 0; i < MAX_CONDS; i++) {
		a->c[i].seen = false;
	}
}

void mx_alerts_keep(struct mx_alerts *a)
{
	for (int i = 0; i < MAX_CONDS; i++) {
		if (a->c[i].active) {
			a->c[i].seen = true;
		}
	}
}

void mx_alerts_state(struct mx_alerts *a, int64_t now_ms, const char *what, const char *proc,
		     int hold_s, const char *severity, const char *fmt, ...)
{
	struct cond *c = find(a, what, proc);
	va_list ap;

	if (!c) {
		return;
	}
	c->seen = true;
	snprintf(c->severity, sizeof(c->severity), "%s", severity);
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	if (!c->active) {
		c->active = true;
		c->since_ms = now_ms;
	}
	if (!c->firing && now_ms - c->since_ms >= (int64_t)hold_s * 1000) {
		c->firing = true;
		c->notified = false;
		if (!may_send(a, c, now_ms)) {
			a->st->wh_suppressed += a->http ? 1 : 0;
		}
	}
	if (c->firing && may_send(a, c, now_ms)) {
		send_msg(a, c, "firing", now_ms);
		c->last_sent_ms = now_ms;
		c->notified = true;
	}
}

void mx_alerts_event(struct mx_alerts *a, int64_t now_ms, const char *what, const char *proc,
		     const char *severity, const char *fmt, ...)
{
	struct cond *c = find(a, what, proc);
	va_list ap;

	if (!c) {
		return;
	}
	c->is_event = true;
	snprintf(c->severity, sizeof(c->severity), "%s", severity);
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	c->since_ms = now_ms;
	c->show_until_ms = now_ms + EVENT_SHOW_MS;
	if (may_send(a, c, now_ms)) {
		send_msg(a, c, "firing", now_ms);
		c->last_sent_ms = now_ms;
	} else {
		log_info("event=alert_suppressed what=%s proc=%s detail=\"%s\" repeat_s=%d", what,
			 proc, c->detail, a->repeat_s);
		a->st->wh_suppressed += a->http ? 1 : 0;
	}
}

void mx_alerts_end(struct mx_alerts *a, int64_t now_ms)
{
	struct mx_state *st = a->st;

	st->n_firing = 0;
	for (int i = 0; i < MAX_CONDS; i++) {
		struct cond *c = &a->c[i];

		if (!c->used) {
			continue;
		}
		if (!c->is_event && c->active && !c->seen) {
			if (c->firing && c->notified) {
				send_msg(a, c, "resolved", now_ms);
			}
			c->active = c->firing = c->notified = false;
		}
		if ((c->is_event && now_ms < c->show_until_ms) || (!c->is_event && c->firing)) {
			if (st->n_firing < sizeof(st->firing) / sizeof(st->firing[0])) {
				snprintf(st->firing[st->n_firing][0], 64, "%s", c->what);
				snprintf(st->firing[st->n_firing][1], 64, "%s", c->proc);
				st->n_firing++;
			}
		}
	}
}
