/* exsim WebSocket operations: op dispatch for the public and private
 * streams (subscribe, unsubscribe, ping, auth) with Bybit's reply shapes,
 * and the private pushes. */
#include "tests/sim/exsim.h"

#include <stdlib.h>
#include <string.h>

static const char *const priv_topics[] = {
	"order", "execution", "position", "wallet", "order.linear", "execution.linear",
	"position.linear",
};
#define NPRIV_TOPICS 7

static json_t *req_id_of(json_t *m)
{
	json_t *r = m ? json_object_get(m, "req_id") : NULL;
	return r ? json_incref(r) : json_string("");
}

/* {"success","ret_msg","conn_id","req_id","op"} */
static void reply(struct exsim_conn *c, json_t *m, bool ok, const char *msg, const char *op)
{
	json_t *o = json_object();

	json_object_set_new(o, "success", json_boolean(ok));
	json_object_set_new(o, "ret_msg", json_string(msg));
	json_object_set_new(o, "conn_id", json_string(c->conn_id));
	json_object_set_new(o, "req_id", req_id_of(m));
	json_object_set_new(o, "op", json_string(op));
	exsim_conn_send_json(c, o);
	json_decref(o);
}

static json_t *decode(struct exsim_conn *c, const char *in, size_t len, const char **op)
{
	json_error_t e;
	json_t *m = json_loadb(in, len, 0, &e), *jop;
	char msg[300];

	if (!m || !json_is_object(m)) {
		snprintf(msg, sizeof(msg), "Failed to decode incoming data: %s", m ? "not an object" : e.text);
		json_decref(m);
		reply(c, NULL, false, msg, "");
		return NULL;
	}
	jop = json_object_get(m, "op");
	*op = json_is_string(jop) ? json_string_value(jop) : "";
	return m;
}

/* ===== public ===== */

/* Any listed symbol's topic (unsubscribe may name a delisted one). */
static int topic_symbol_any(struct exsim_app *app, const char *topic)
{
	if (strncmp(topic, "tickers.", 8)) {
		return -1;
	}
	return exsim_market_find(app, topic + 8);
}

/* A subscribable topic: the symbol is Trading. A PreLaunch or delisted
 * (Closed) one is answered as Bybit answers an unknown topic. */
static int topic_symbol(struct exsim_app *app, const char *topic)
{
	int i = topic_symbol_any(app, topic);
	return i >= 0 && app->syms[i].status == EXSIM_ST_TRADING ? i : -1;
}

static int priv_topic(struct exsim_app *app, const char *topic)
{
	for (int i = 0; i < NPRIV_TOPICS; i++) {
		if (!strcmp(topic, priv_topics[i])) {
			return i;
		}
	}
	return -1;
}

/* (Un)subscribes every topic of the op's args on *mask (bit = find's
 * index), answers with Bybit's first error, and returns the bits added.
 * strict: unsubscribing a topic that is not subscribed is an error. */
static void subscribe(struct exsim_conn *c, json_t *m, const char *op, bool sub,
		      exsim_mask *mask, int (*find)(struct exsim_app *, const char *), bool strict,
		      exsim_mask *added)
{
	json_t *args = json_object_get(m, "args"), *a;
	char err[200] = "";
	size_t k;

	memset(added, 0, sizeof(*added));
	if (!json_is_array(args) || json_array_size(args) == 0) {
		reply(c, m, false, "error:args invalid", op);
		return;
	}
	json_array_foreach(args, k, a) {
		const char *t = json_is_string(a) ? json_string_value(a) : "";
		int i = find(c->app, t);
		bool have = i >= 0 && exsim_mask_has(mask, i);
		const char *why = i < 0			    ? "handler not found"
				  : sub && have		    ? "already subscribed"
				  : strict && !sub && !have ? "not subscribed"
							    : NULL;

		if (why) {
			if (!err[0]) {
				snprintf(err, sizeof(err), "error:%s,topic:%s", why, t);
			}
		} else if (sub) {
			exsim_mask_set(added, i);
			exsim_mask_set(mask, i);
		} else {
			exsim_mask_clr(mask, i);
		}
	}
	if (sub) {
		c->app->st.subscribes++;
	}
	if (err[0]) {
		c->app->st.sub_errors++;
	}
	reply(c, m, err[0] == '\0', err, op);
}

static void pub_sub(struct exsim_conn *c, json_t *m, const char *op, bool sub)
{
	exsim_mask added;
	json_t *args = json_object_get(m, "args"), *a;
	size_t k;

	/* per-symbol request counts (/sim/symbols), valid or not */
	json_array_foreach(args, k, a) {
		int i = json_is_string(a) ? topic_symbol_any(c->app, json_string_value(a)) : -1;
		if (i >= 0) {
			(*(sub ? &c->app->syms[i].subs_n : &c->app->syms[i].unsubs_n))++;
		}
	}
	if (!sub) {
		c->app->st.unsubscribes++;
	}
	subscribe(c, m, op, sub, &c->subs, sub ? topic_symbol : topic_symbol_any, true, &added);
	for (int i = 0; i < c->app->nsyms; i++) {
		if (exsim_mask_has(&added, i)) {
			exsim_ws_queue_snapshot(c, i);
		}
	}
}

void exsim_pub_rx(struct exsim_conn *c, const char *in, size_t len)
{
	const char *op = "";
	json_t *m = decode(c, in, len, &op);

	if (!m) {
		return;
	}
	if (!strcmp(op, "subscribe")) {
		pub_sub(c, m, op, true);
	} else if (!strcmp(op, "unsubscribe")) {
		pub_sub(c, m, op, false);
	} else if (!strcmp(op, "ping")) {
		c->app->st.pings++;
		if (exsim_worst_answer_ping(c->app, c->kind)) {
			reply(c, m, true, "pong", "ping");
		}
	} else {
		reply(c, m, false, "error:invalid op", op);
	}
	json_decref(m);
}

/* ===== private ===== */

static bool expires_str(json_t *v, char *out, size_t n)
{
	if (json_is_integer(v)) {
		snprintf(out, n, "%lld", (long long)json_integer_value(v));
		return true;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d != (double)(long long)d) {
			return false;
		}
		snprintf(out, n, "%lld", (long long)d);
		return true;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (!*s || strlen(s) >= n || strspn(s, "0123456789") != strlen(s)) {
			return false;
		}
		snprintf(out, n, "%s", s);
		return true;
	}
	return false;
}

static void auth(struct exsim_conn *c, json_t *m)
{
	struct exsim_app *app = c->app;
	json_t *args = json_object_get(m, "args");
	const char *key, *sig, *msg = "Params Error";
	char exp[32], want[HEAN_SIGN_HEX_LEN];
	int64_t expires = 0;
	bool ok = false;

	if (!json_is_array(args) || json_array_size(args) != 3 ||
	    !json_is_string(json_array_get(args, 0)) || !json_is_string(json_array_get(args, 2)) ||
	    !expires_str(json_array_get(args, 1), exp, sizeof(exp)) ||
	    hean_parse_int64(exp, strlen(exp), &expires) < 0) {
		goto out;
	}
	key = json_string_value(json_array_get(args, 0));
	sig = json_string_value(json_array_get(args, 2));
	if (expires <= exsim_now_ms(app)) {
		goto out; /* expired: "Params Error" */
	}
	if (strcmp(key, app->api_key)) {
		msg = "Invalid apikey";
		goto out;
	}
	if (hean_sign_ws_auth(app->api_secret, expires, want) < 0 || !hean_sign_equal(sig, want)) {
		msg = "Invalid sign";
		goto out;
	}
	ok = true;
	msg = "";
	c->authed = true;
out:
	{
		json_t *o = json_object();
		json_object_set_new(o, "req_id", req_id_of(m));
		json_object_set_new(o, "success", json_boolean(ok));
		json_object_set_new(o, "ret_msg", json_string(msg));
		json_object_set_new(o, "op", json_string("auth"));
		json_object_set_new(o, "conn_id", json_string(c->conn_id));
		exsim_conn_send_json(c, o);
		json_decref(o);
	}
	log_info("event=auth ok=%d conn=%s", ok, c->conn_id);
}

static void priv_sub(struct exsim_conn *c, json_t *m, const char *op, bool sub)
{
	if (!c->authed) {
		reply(c, m, false, "Request not authorized", op);
		return;
	}
	exsim_mask added;

	subscribe(c, m, op, sub, &c->psubs, priv_topic, false, &added);
}

void exsim_priv_rx(struct exsim_conn *c, const char *in, size_t len)
{
	const char *op = "";
	json_t *m = decode(c, in, len, &op);

	if (!m) {
		return;
	}
	if (!strcmp(op, "auth")) {
		auth(c, m);
	} else if (!strcmp(op, "subscribe")) {
		priv_sub(c, m, op, true);
	} else if (!strcmp(op, "unsubscribe")) {
		priv_sub(c, m, op, false);
	} else if (!strcmp(op, "ping") && !exsim_worst_answer_ping(c->app, c->kind)) {
		c->app->st.pings++;
	} else if (!strcmp(op, "ping")) {
		char ms[32];
		json_t *o = json_object();
		c->app->st.pings++;
		snprintf(ms, sizeof(ms), "%lld", (long long)exsim_now_ms(c->app));
		json_object_set_new(o, "req_id", req_id_of(m));
		json_object_set_new(o, "op", json_string("pong"));
		json_object_set_new(o, "args", json_pack("[s]", ms));
		json_object_set_new(o, "conn_id", json_string(c->conn_id));
		exsim_conn_send_json(c, o);
		json_decref(o);
	} else {
		reply(c, m, false, "error:invalid op", op);
	}
	json_decref(m);
}

void exsim_priv_push(struct exsim_app *app, const char *topic, json_t *data)
{
	if (!exsim_worst_push(app, topic, data)) {
		exsim_priv_send(app, topic, data, NULL);
	}
}

void exsim_priv_send(struct exsim_app *app, const char *topic, json_t *data, const char *msg_id)
{
	int base = -1, lin = -1;
	char id[40];

	for (int i = 0; i < NPRIV_TOPICS; i++) {
		if (!strcmp(priv_topics[i], topic)) {
			base = i;
		}
	}
	for (int i = 0; i < NPRIV_TOPICS && base >= 0; i++) {
		if (!strncmp(priv_topics[i], topic, strlen(topic)) &&
		    !strcmp(priv_topics[i] + strlen(topic), ".linear")) {
			lin = i;
		}
	}
	if (msg_id) {
		snprintf(id, sizeof(id), "%s", msg_id);
	} else {
		exsim_conn_id(app, id);
	}
	for (struct exsim_conn *c = app->conns; c; c = c->next) {
		const char *name = NULL;
		json_t *o;

		if (c->kind != EXSIM_PRIV || !c->authed || c->closing || c->silent_until_ms != 0) {
			continue;
		}
		if (base >= 0 && exsim_mask_has(&c->psubs, base)) {
			name = priv_topics[base];
		} else if (lin >= 0 && exsim_mask_has(&c->psubs, lin)) {
			name = priv_topics[lin];
		}
		if (!name) {
			continue;
		}
		o = json_object();
		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "topic", json_string(name));
		json_object_set_new(o, "creationTime", json_integer(exsim_now_ms(app)));
		json_object_set_new(o, "data", json_incref(data));
		exsim_conn_send_json(c, o);
		json_decref(o);
	}
	json_decref(data);
}
