/* exsim at its worst: the REST IP ban (HTTP 403 for every call, started
 * by a control or by going over the per-IP limit, every refused call
 * counted and journalled so a test can tell whether the client hammered)
 * and the ping-only fault (JSON pings unanswered while data flows). */
#include "tests/sim/exsim.h"

#include <stdlib.h>
#include <string.h>

#define IP_WINDOW_MS 5000

static bool ban_active(const struct exsim_app *app, int64_t now)
{
	int64_t u = app->w.ban_until_ms;
	return u < 0 || (u > 0 && now < u);
}

static void ban_start(struct exsim_app *app, int64_t until_ms, const char *why)
{
	app->w.ban_until_ms = until_ms;
	app->w.bans++;
	exsim_journal_add(app, "ban",
			  json_pack("{s:s,s:I}", "why", why, "until_ms", (json_int_t)until_ms));
	log_info("event=ip_ban why=%s until_ms=%lld", why, (long long)until_ms);
}

bool exsim_worst_banned(struct exsim_conn *c)
{
	static const char body[] = "<html><head><title>403 Forbidden</title></head><body>"
				   "<center><h1>403 Forbidden</h1></center>access too frequent"
				   "</body></html>";
	struct exsim_app *app = c->app;
	int64_t now = hean_time_now_ms();

	if (!ban_active(app, now) && app->w.ip_limit > 0) {
		if (now - app->w.ip_window_start >= IP_WINDOW_MS || now < app->w.ip_window_start) {
			app->w.ip_window_start = now;
			app->w.ip_count = 0;
		}
		if (++app->w.ip_count > app->w.ip_limit) {
			ban_start(app, now + (int64_t)app->w.ban_secs * 1000, "ip_limit");
		}
	}
	if (!ban_active(app, now)) {
		return false;
	}
	app->w.banned_calls++;
	exsim_journal_add(app, "banned_call",
			  json_pack("{s:s,s:s}", "method", c->method, "path", c->path));
	exsim_http_answer(c, 403, body, sizeof(body) - 1);
	return true;
}

bool exsim_worst_answer_ping(struct exsim_app *app, int kind)
{
	int64_t u = app->w.pingless_until_ms, now = hean_time_now_ms();
	int bit = kind == EXSIM_PUB ? EXSIM_PATH_PUB : EXSIM_PATH_PRIV;

	if (!(app->w.pingless_mask & bit) || (u > 0 && now >= u)) {
		return true;
	}
	app->w.pings_ignored++;
	return false;
}

void exsim_worst_pingless_sync(struct exsim_app *app)
{
	for (struct exsim_conn *c = app->conns; c; c = c->next) {
		int64_t u = app->w.pingless_until_ms;
		int bit = c->kind == EXSIM_PUB ? EXSIM_PATH_PUB : EXSIM_PATH_PRIV;
		bool on = (app->w.pingless_mask & bit) && !(u > 0 && hean_time_now_ms() >= u);

		exsim_tap_strip_pings(lws_get_socket_fd(c->wsi), on);
	}
}

void exsim_worst_stats(struct exsim_app *app, json_t *o)
{
	json_object_set_new(o, "bans", json_integer(app->w.bans));
	json_object_set_new(o, "banned_calls", json_integer(app->w.banned_calls));
	json_object_set_new(o, "banned", json_boolean(ban_active(app, hean_time_now_ms())));
	json_object_set_new(o, "pings_ignored", json_integer(app->w.pings_ignored));
	json_object_set_new(o, "ws_pings_dropped", json_integer(exsim_tap_pings_dropped()));
	json_object_set_new(o, "pushes_delayed", json_integer(app->w.pushes_delayed));
	json_object_set_new(o, "pushes_duplicated", json_integer(app->w.pushes_duplicated));
	json_object_set_new(o, "orders_held", json_integer(app->w.orders_held));
}

/* ===== private push faults ===== */

struct exsim_held {
	struct exsim_held *next;
	char topic[16];
	char id[40];
	json_t *data;
	int64_t due_ms;
	uint64_t seq;
	bool wait_position; /* an order push held until a position push went out */
};

static int topic_slot(const char *t)
{
	return !strncmp(t, "order", 5) ? 0 : !strncmp(t, "execution", 9) ? 1 : !strncmp(t, "position", 8) ? 2 : 3;
}

static void push_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);

static void push_timer_arm(struct exsim_app *app)
{
	if (!app->w.push_timer_init) {
		ev_timer_init(&app->w.push_timer, push_timer_cb, 0.005, 0.005);
		app->w.push_timer.data = app;
		app->w.push_timer_init = true;
	}
	if (!ev_is_active(&app->w.push_timer)) {
		ev_timer_start(app->loop, &app->w.push_timer);
	}
}

/* Sends every held push that is due, in queue order; a held order push
 * waits for a position push enqueued after it (1 s at most). */
static void push_flush(struct exsim_app *app, int64_t now)
{
	struct exsim_held **pp = &app->w.held, *h;

	app->w.held_tail = NULL;
	while ((h = *pp)) {
		bool ready = h->due_ms <= now &&
			     (!h->wait_position || app->w.pos_sent_seq > h->seq || now - h->due_ms > 1000);
		if (!ready) {
			app->w.held_tail = h;
			pp = &h->next;
			continue;
		}
		*pp = h->next;
		if (topic_slot(h->topic) == 2) {
			app->w.pos_sent_seq = h->seq;
		}
		exsim_priv_send(app, h->topic, h->data, h->id);
		free(h);
		/* a position push may release order pushes already passed: rescan */
		pp = &app->w.held;
		app->w.held_tail = NULL;
	}
	for (h = app->w.held; h && h->next; h = h->next) {
	}
	app->w.held_tail = app->w.held ? h : NULL;
	if (!app->w.held && app->w.push_timer_init) {
		ev_timer_stop(app->loop, &app->w.push_timer);
	}
}

static void push_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	push_flush(w->data, hean_time_now_ms());
}

static void hold(struct exsim_app *app, const char *topic, json_t *data, const char *id,
		 int64_t due, bool wait_position)
{
	struct exsim_held *h = calloc(1, sizeof(*h));

	if (!h) {
		exsim_priv_send(app, topic, data, id);
		return;
	}
	snprintf(h->topic, sizeof(h->topic), "%s", topic);
	snprintf(h->id, sizeof(h->id), "%s", id);
	h->data = data;
	h->due_ms = due;
	h->seq = ++app->w.held_seq;
	h->wait_position = wait_position;
	if (app->w.held_tail) {
		app->w.held_tail->next = h;
	} else {
		app->w.held = h;
	}
	app->w.held_tail = h;
	push_timer_arm(app);
}

bool exsim_worst_push(struct exsim_app *app, const char *topic, json_t *data)
{
	int64_t now = hean_time_now_ms(), due = now;
	int slot = topic_slot(topic);
	bool wait = app->w.order_after_position && slot == 0;
	char id[40];

	if (!app->w.push_delay_ms && !app->w.push_dup_pct && !app->w.order_after_position &&
	    !app->w.held) {
		return false;
	}
	if (app->w.push_delay_ms > 0) {
		due = now + (int64_t)exsim_rand_n(app, (uint32_t)app->w.push_delay_ms + 1);
		app->w.pushes_delayed++;
	}
	/* one topic stays in order; across topics anything goes */
	if (due < app->w.topic_due[slot]) {
		due = app->w.topic_due[slot];
	}
	app->w.topic_due[slot] = due;
	if (wait) {
		app->w.orders_held++;
	}
	exsim_conn_id(app, id);
	if (app->w.push_dup_pct > 0 && (int)exsim_rand_n(app, 100) < app->w.push_dup_pct) {
		app->w.pushes_duplicated++;
		hold(app, topic, json_incref(data), id, due, wait);
	}
	hold(app, topic, data, id, due, wait);
	push_flush(app, now);
	return true;
}

void exsim_worst_finish(struct exsim_app *app)
{
	while (app->w.held) {
		struct exsim_held *h = app->w.held;
		app->w.held = h->next;
		json_decref(h->data);
		free(h);
	}
	if (app->w.push_timer_init) {
		ev_timer_stop(app->loop, &app->w.push_timer);
	}
}

/* ===== key order ===== */

/* A copy of v with every object's keys inserted in a random order. */
static json_t *shuffled(struct exsim_app *app, json_t *v)
{
	if (json_is_object(v)) {
		size_t n = json_object_size(v), k = 0;
		const char **keys = calloc(n ? n : 1, sizeof(*keys));
		const char *key;
		json_t *val, *o = json_object();

		if (!keys) {
			json_decref(o);
			return json_incref(v);
		}
		json_object_foreach(v, key, val) {
			keys[k++] = key;
		}
		for (size_t i = n; i > 1; i--) {
			size_t j = exsim_rand_n(app, (uint32_t)i);
			const char *t = keys[i - 1];
			keys[i - 1] = keys[j];
			keys[j] = t;
		}
		for (size_t i = 0; i < n; i++) {
			json_object_set_new(o, keys[i], shuffled(app, json_object_get(v, keys[i])));
		}
		free(keys);
		return o;
	}
	if (json_is_array(v)) {
		json_t *a = json_array(), *e;
		size_t i;
		json_array_foreach(v, i, e) {
			json_array_append_new(a, shuffled(app, e));
		}
		return a;
	}
	return json_incref(v);
}

char *exsim_worst_dumps(struct exsim_app *app, json_t *o)
{
	char *s;
	json_t *r;

	if (!app->w.shuffle_keys) {
		return json_dumps(o, JSON_COMPACT);
	}
	r = shuffled(app, o);
	s = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(r);
	return s;
}

/* ===== controls ===== */

static void answer(struct exsim_conn *c, int status, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s) {
		exsim_http_answer(c, status, s, strlen(s));
		free(s);
	}
}

static bool qint(struct exsim_conn *c, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
	char b[40];
	return exsim_query_get(c, name, b, sizeof(b)) && sim_parse_int(b, lo, hi, out) == 0;
}

static int qmask(struct exsim_conn *c)
{
	char b[16];
	if (!exsim_query_get(c, "path", b, sizeof(b)) || !strcmp(b, "all")) {
		return EXSIM_PATH_ALL;
	}
	return !strcmp(b, "public") ? EXSIM_PATH_PUB : !strcmp(b, "private") ? EXSIM_PATH_PRIV : -1;
}

bool exsim_worst_ctl(struct exsim_conn *c, const char *name)
{
	struct exsim_app *app = c->app;
	int64_t v = 0;

	if (!strcmp(name, "ban")) {
		/* secs: ban length (default the configured 600 s); secs=0 lifts it */
		if (!qint(c, "secs", 0, 86400, &v)) {
			v = app->w.ban_secs;
		}
		if (v == 0) {
			app->w.ban_until_ms = 0;
		} else {
			ban_start(app, hean_time_now_ms() + v * 1000, "control");
		}
		answer(c, 200, json_pack("{s:b,s:I}", "ok", 1, "secs", (json_int_t)v));
	} else if (!strcmp(name, "ip_limit")) {
		/* n: /v5 calls per 5 s before a ban; 0 off; ban_secs optional */
		if (!qint(c, "n", 0, 1000000, &v)) {
			answer(c, 400, json_pack("{s:b,s:s}", "ok", 0, "error", "need n"));
			return true;
		}
		app->w.ip_limit = (int)v;
		app->w.ip_window_start = hean_time_now_ms();
		app->w.ip_count = 0;
		if (qint(c, "ban_secs", 1, 86400, &v)) {
			app->w.ban_secs = (int)v;
		}
		answer(c, 200, json_pack("{s:b}", "ok", 1));
	} else if (!strcmp(name, "fills")) {
		/* parts: fills per order from now on (1 = one fill); part_ms */
		if (!qint(c, "parts", 1, 100, &v)) {
			answer(c, 400, json_pack("{s:b,s:s}", "ok", 0, "error", "need parts 1..100"));
			return true;
		}
		app->fill_parts = (int)v;
		if (qint(c, "part_ms", 0, 60000, &v)) {
			app->fill_part_ms = (int)v;
		}
		answer(c, 200, json_pack("{s:b}", "ok", 1));
	} else if (!strcmp(name, "push_faults")) {
		/* delay_ms=N dup_pct=P order_after_position=0|1 (absent: 0) */
		int64_t d = 0, p = 0, o = 0;
		char b[8];
		if ((exsim_query_get(c, "delay_ms", b, sizeof(b)) && !qint(c, "delay_ms", 0, 60000, &d)) ||
		    (exsim_query_get(c, "dup_pct", b, sizeof(b)) && !qint(c, "dup_pct", 0, 100, &p)) ||
		    (exsim_query_get(c, "order_after_position", b, sizeof(b)) &&
		     !qint(c, "order_after_position", 0, 1, &o))) {
			answer(c, 400, json_pack("{s:b,s:s}", "ok", 0, "error",
						 "delay_ms 0..60000, dup_pct 0..100, order_after_position 0|1"));
			return true;
		}
		app->w.push_delay_ms = (int)d;
		app->w.push_dup_pct = (int)p;
		app->w.order_after_position = o != 0;
		answer(c, 200, json_pack("{s:b}", "ok", 1));
	} else if (!strcmp(name, "positions")) {
		/* page=N rows per position/list page (0 = one page); hedge=0|1 */
		if (qint(c, "page", 0, 1000, &v)) {
			app->w.pos_page = (int)v;
		}
		if (qint(c, "hedge", 0, 1, &v)) {
			app->w.hedge = v != 0;
		}
		answer(c, 200, json_pack("{s:b,s:i,s:b,s:I,s:I,s:I}", "ok", 1, "page", app->w.pos_page,
					 "hedge", app->w.hedge, "pages_served",
					 (json_int_t)app->w.pos_pages, "next_pages_served",
					 (json_int_t)app->w.pos_next_pages, "bad_cursors",
					 (json_int_t)app->w.pos_bad_cursors));
	} else if (!strcmp(name, "shuffle_keys")) {
		if (!qint(c, "on", 0, 1, &v)) {
			answer(c, 400, json_pack("{s:b,s:s}", "ok", 0, "error", "on must be 0|1"));
			return true;
		}
		app->w.shuffle_keys = v != 0;
		answer(c, 200, json_pack("{s:b}", "ok", 1));
	} else if (!strcmp(name, "pingless")) {
		int m = qmask(c);
		if (m < 0) {
			answer(c, 400, json_pack("{s:b,s:s}", "ok", 0, "error",
						 "path must be public|private|all"));
			return true;
		}
		app->w.pingless_mask = m;
		app->w.pingless_until_ms =
			qint(c, "secs", 1, 86400, &v) ? hean_time_now_ms() + v * 1000 : -1;
		exsim_worst_pingless_sync(app);
		answer(c, 200, json_pack("{s:b}", "ok", 1));
	} else {
		return false;
	}
	return true;
}
