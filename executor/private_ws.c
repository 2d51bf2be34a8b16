/* executor/private_ws: /v5/private session. See private_ws.h. */
#include "executor/private_ws.h"

#include "common/json.h"
#include "common/log.h"
#include "executor/rest.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUBSCRIBE "{\"req_id\":\"psub\",\"op\":\"subscribe\",\"args\":[\"order\",\"execution\"," \
		  "\"position\",\"wallet\"]}"

struct exec_pws {
	struct exec_app *x; /* borrowed */
	struct hean_ws *ws; /* owned */
	bool authed, up;
	int auth_failures;
};

static void set_up(struct exec_pws *p, bool up, const char *why)
{
	if (p->up == up) {
		return;
	}
	p->up = up;
	hean_health_event(p->x->app->health, up ? "private_up" : "private_down", "%s", why);
	if (p->x->on_change) {
		p->x->on_change(p->x);
	}
}

static void on_open(struct hean_ws *ws, void *data)
{
	struct exec_pws *p = data;
	char frame[1024];

	p->authed = false;
	if (exec_rest_ws_auth_frame(p->x->rest, frame, sizeof(frame)) < 0) {
		hean_ws_drop(ws, 4000, "auth frame");
		return;
	}
	log_info("event=private_auth_sent"); /* the frame itself is never logged */
	if (hean_ws_send(ws, frame, strlen(frame)) < 0) {
		log_warn("event=private_auth_send_failed");
	}
	OPENSSL_cleanse(frame, sizeof(frame));
}

/* Rows go to app.c, which hands them to orders / positions. */
static void on_topic(struct exec_pws *p, const char *topic, const json_t *data)
{
	const json_t *row;
	size_t i;
	enum exec_push kind;

	if (!json_is_array(data) || !p->x->on_push) {
		return;
	}
	if (!strcmp(topic, "order") || !strncmp(topic, "order.", 6)) {
		kind = EXEC_PUSH_ORDER;
	} else if (!strcmp(topic, "position") || !strncmp(topic, "position.", 9)) {
		kind = EXEC_PUSH_POSITION;
	} else if (!strcmp(topic, "execution") || !strncmp(topic, "execution.", 10)) {
		kind = EXEC_PUSH_EXECUTION;
	} else {
		return;
	}
	json_array_foreach(data, i, row) {
		p->x->on_push(p->x, kind, row);
	}
}

static void on_message(struct hean_ws *ws, const char *msg, size_t len, void *data)
{
	struct exec_pws *p = data;
	json_t *j = json_loadb(msg, len, 0, NULL);
	const char *op = NULL, *topic = NULL, *rmsg = "";
	json_t *ok;

	if (!json_is_object(j)) {
		log_warn("event=private_bad_frame len=%zu", len);
		json_decref(j);
		return;
	}
	hean_health_msg(p->x->app->health);
	hean_json_get_str(j, "op", &op, NULL, 0);
	hean_json_get_str(j, "topic", &topic, NULL, 0);
	hean_json_get_str(j, "ret_msg", &rmsg, NULL, 0);
	ok = json_object_get(j, "success");
	if (op && !strcmp(op, "auth")) {
		if (json_is_true(ok)) {
			p->authed = true;
			p->auth_failures = 0;
			hean_ws_backoff_reset(ws);
			log_info("event=private_authenticated");
			hean_ws_send(ws, SUBSCRIBE, strlen(SUBSCRIBE));
		} else {
			p->auth_failures++;
			log_warn("event=private_auth_failed msg=\"%.80s\" failures=%d", rmsg,
				 p->auth_failures);
			exec_rest_sync_clock(p->x->rest, NULL, NULL); /* skew is the usual cause */
			if (p->auth_failures >= 3) {
				hean_ws_backoff_slow(ws);
			}
			hean_ws_drop(ws, 4001, "auth failed");
		}
	} else if (op && !strcmp(op, "subscribe")) {
		if (json_is_true(ok)) {
			log_info("event=private_subscribed");
			set_up(p, true, "subscribed");
			if (p->x->on_private_up) {
				p->x->on_private_up(p->x); /* no snapshots: reconcile */
			}
		} else {
			log_warn("event=private_subscribe_failed msg=\"%.120s\"", rmsg);
			hean_ws_drop(ws, 4002, "subscribe failed");
		}
	} else if (topic) {
		on_topic(p, topic, json_object_get(j, "data"));
	}
	json_decref(j);
}

static void on_close(struct hean_ws *ws, int code, const char *reason, void *data)
{
	struct exec_pws *p = data;
	char why[96];

	p->authed = false;
	snprintf(why, sizeof(why), "code=%d", code);
	set_up(p, false, why);
	hean_health_inc_reconnects(p->x->app->health);
}

static const struct hean_ws_ops ops = {
	.on_open = on_open,
	.on_message = on_message,
	.on_close = on_close,
};

struct exec_pws *exec_pws_create(struct exec_app *x)
{
	struct exec_pws *p = calloc(1, sizeof(*p));
	struct hean_ws_config wc;

	if (!p) {
		return NULL;
	}
	p->x = x;
	memset(&wc, 0, sizeof(wc));
	wc.url = x->cfg->ws_private;
	wc.name = "private";
	wc.ping_interval_s = x->cfg->ping_interval_s;
	wc.ping_text = "{\"op\":\"ping\"}";
	wc.liveness_s = x->cfg->liveness_timeout_s;
	wc.tls_insecure = x->cfg->tls_insecure;
	p->ws = hean_ws_create(x->ws_ctx, &wc, &ops, p);
	if (!p->ws) {
		free(p);
		return NULL;
	}
	return p;
}

int exec_pws_start(struct exec_pws *p)
{
	return hean_ws_start(p->ws);
}

void exec_pws_stop(struct exec_pws *p)
{
	if (p) {
		p->up = false;
		hean_ws_stop(p->ws);
	}
}

void exec_pws_destroy(struct exec_pws *p)
{
	if (!p) {
		return;
	}
	hean_ws_destroy(p->ws);
	free(p);
}

bool exec_pws_up(const struct exec_pws *p)
{
	return p && p->up;
}

uint64_t exec_pws_reconnects(const struct exec_pws *p)
{
	return p ? hean_ws_reconnects(p->ws) : 0;
}

bool exec_pws_closed(const struct exec_pws *p)
{
	return !p || hean_ws_get_state(p->ws) == HEAN_WS_DISCONNECTED;
}
