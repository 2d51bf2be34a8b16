/* hean-metrics: the pipeline's Prometheus scrape target
 * (HEAN_METRICS_LISTEN, GET /metrics) and its webhook alerts
 * (HEAN_ALERT_WEBHOOK_URL). Every second it reads Redis (collect.c),
 * evaluates the alert conditions (below, alerts.c) and renders the text
 * served to scrapers (render.c). It writes only its own health hash
 * (hean:health:metrics: state, alerts_firing, detail = the firing list).
 *
 * Usage: hean-metrics [--config FILE] [--log FILE]; settings from HEAN_*. */
#include "common/app.h"
#include "common/keys.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "scripts/metrics/alerts.h"
#include "scripts/metrics/collect.h"
#include "scripts/metrics/httpd.h"
#include "scripts/metrics/metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#ifndef HEAN_METRICS_VERSION
#define HEAN_METRICS_VERSION "0"
#endif

#define TICK_S 1.0
#define NAKED_HOLD_S 5      /* a naked position for longer than this */
#define REDIS_DOWN_HOLD_S 5
#define LAG_HOLD_MS 30000   /* consumer lag > 0 and not shrinking for this long */
#define MAX_LAGS 64
#define MAX_WAVE_STEPS 100
#define MISSED_MARGIN_S 5
#define LISTEN_RETRY_S 5.0

struct lagtrack {
	char key[140];
	long long prev;
	int64_t since_ms;
};

struct mx {
	struct hean_app *app;
	struct mx_state st;
	struct mx_snap cur;
	bool have_cur;
	struct mx_collect *col;
	struct mx_alerts *al;
	struct mx_httpd *httpd;
	ev_timer tick;
	ev_timer relisten; /* the address was taken: retry every LISTEN_RETRY_S */
	int listen_err;
	char *text;
	size_t text_len;
	int64_t wave_checked;
	bool wave_checked_set;
	struct lagtrack lag[MAX_LAGS];
	size_t n_lag;
	int64_t cycle_start_us;
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void iso_s(int64_t s, char *buf, size_t len)
{
	hean_time_format_utc(s * 1000, 0, buf, len);
}

static void render_text(struct mx *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct mx_snap empty;

	if (!f) {
		return;
	}
	memset(&empty, 0, sizeof(empty));
	empty.now_ms = hean_time_now_ms();
	mx_render(f, m->have_cur ? &m->cur : &empty, &m->st);
	fclose(f);
	free(m->text);
	m->text = buf;
	m->text_len = len;
}

static const char *body_fn(size_t *len, void *data)
{
	struct mx *m = data;

	if (!m->text) {
		render_text(m);
	}
	*len = m->text ? m->text_len : 0;
	return m->text ? m->text : "";
}

static const char *first_word(const char *s, char *buf, size_t len)
{
	size_t n = strcspn(s, " ");

	if (n >= len) {
		n = len - 1;
	}
	memcpy(buf, s, n);
	buf[n] = 0;
	return buf[0] ? buf : "unknown";
}

static const char *waves_proc(const struct mx_snap *s)
{
	for (size_t i = 0; i < s->n_procs; i++) {
		if (mx_get(&s->procs[i], HEAN_FIELD_WAVES_NEXT_WAVE) ||
		    mx_get(&s->procs[i], HEAN_FIELD_WAVES_LAST_EMITTED)) {
			return s->procs[i].name;
		}
	}
	return "waves";
}

/* Waves whose due time + grace passed while hean:wave:last stayed below
 * them: counted and alerted once each. */
static void eval_waves(struct mx *m, const struct mx_snap *s, int64_t now)
{
	int64_t iv = m->st.wave_interval_s, dl = m->st.wave_delay_s, gr = m->st.wave_grace_s;
	int64_t latest, w, next, due;
	char t1[40], t2[40], t3[40];
	int steps = 0;

	m->st.wave_overdue_s = 0;
	if (!s->has_wave_last) {
		return;
	}
	/* the newest wave whose due + grace has passed */
	latest = floor_div(floor_div(now, 1000) - iv - dl - gr, iv) * iv;
	if (!m->wave_checked_set) {
		m->wave_checked = latest - iv;
		if (s->wave_last > m->wave_checked) {
			m->wave_checked = s->wave_last;
		}
		m->wave_checked_set = true;
	}
	for (w = m->wave_checked + iv; w <= latest && steps < MAX_WAVE_STEPS; w += iv, steps++) {
		if (s->wave_last < w) {
			m->st.waves_missed++;
			iso_s(w, t1, sizeof(t1));
			iso_s(w + iv + dl, t2, sizeof(t2));
			iso_s(s->wave_last, t3, sizeof(t3));
			mx_alerts_event(m->al, now, "wave_missed", waves_proc(s), "critical",
					"wave %s (due %s) not recorded %d s after its deadline"
					" (due + %" PRId64 " s); last wave emitted: %s",
					t1, t2, MISSED_MARGIN_S, gr - MISSED_MARGIN_S, t3);
		}
		m->wave_checked = w;
	}
	if (latest > m->wave_checked) { /* more than MAX_WAVE_STEPS behind */
		m->wave_checked = latest;
	}
	next = (floor_div(s->wave_last, iv) + 1) * iv;
	due = (next + iv + dl) * 1000;
	if (now > due) {
		m->st.wave_overdue_s = (double)(now - due) / 1000.0;
	}
}

static struct lagtrack *lag_find(struct mx *m, const char *key)
{
	for (size_t i = 0; i < m->n_lag; i++) {
		if (strcmp(m->lag[i].key, key) == 0) {
			return &m->lag[i];
		}
	}
	if (m->n_lag == MAX_LAGS) {
		return NULL;
	}
	memset(&m->lag[m->n_lag], 0, sizeof(m->lag[0]));
	snprintf(m->lag[m->n_lag].key, sizeof(m->lag[0].key), "%s", key);
	return &m->lag[m->n_lag++];
}

static void eval_lag(struct mx *m, const struct mx_snap *s, int64_t now)
{
	for (int i = 0; i < MX_N_STREAMS; i++) {
		for (size_t g = 0; g < s->streams[i].n_groups; g++) {
			const struct mx_group *gr = &s->streams[i].groups[g];
			struct lagtrack *t;
			char key[140];

			if (!gr->has_lag) {
				continue;
			}
			snprintf(key, sizeof(key), "%s/%s", mx_stream_names[i], gr->name);
			t = lag_find(m, key);
			if (!t) {
				continue;
			}
			if (gr->lag <= 0 || gr->lag < t->prev) {
				t->since_ms = gr->lag > 0 ? now : 0;
			} else if (t->since_ms == 0) {
				t->since_ms = now;
			}
			t->prev = gr->lag;
			if (t->since_ms && now - t->since_ms >= LAG_HOLD_MS) {
				mx_alerts_state(m->al, now, "consumer_lag", key, 0, "warning",
						"consumer group %s of stream %s: %lld entries not delivered,"
						" not shrinking for %" PRId64 " s (pending %lld, consumers %lld)",
						gr->name, mx_stream_names[i], gr->lag,
						(now - t->since_ms) / 1000, gr->pending, gr->consumers);
			}
		}
	}
}

static void eval_snapshot(struct mx *m, const struct mx_snap *s, int64_t now)
{
	const struct hean_config *cfg = &m->app->cfg;
	const char *limit;
	int64_t v, naked = 0, upd;
	bool have_naked = false;
	const char *xproc = "executor";
	char w[64];

	for (size_t i = 0; i < s->n_events; i++) {
		const struct mx_event *e = &s->events[i];

		mx_state_count_event(&m->st, e->proc, e->event);
		if (strcmp(e->event, "stopped") == 0 && e->proc[0]) {
			mx_state_note_stop(&m->st, e->proc, now);
		} else if (strcmp(e->event, "restarted") == 0) {
			mx_state_count_restart(&m->st, first_word(e->detail, w, sizeof(w)));
		} else if (strcmp(e->event, "restart_storm") == 0) {
			mx_alerts_event(m->al, now, "restart_storm", first_word(e->detail, w, sizeof(w)),
					"critical", "%s", e->detail);
		} else if (strcmp(e->event, "wave_expired") == 0) {
			mx_alerts_event(m->al, now, "wave_expired", e->proc[0] ? e->proc : "waves",
					"critical", "wave recorded after its deadline, not traded: %s",
					e->detail);
		}
	}
	for (size_t i = 0; i < s->n_procs; i++) {
		const struct mx_hash *p = &s->procs[i];
		const char *state = mx_get(p, HEAN_FIELD_STATE);

		if (strcmp(p->name, cfg->proc_name) != 0 && mx_get_i64(p, HEAN_FIELD_UPDATED_MS, &upd) &&
		    !mx_proc_stopped(&m->st, p) && now - upd > (int64_t)m->st.stale_s * 1000) {
			mx_alerts_state(m->al, now, "process_down", p->name, 0, "critical",
					"health hash not updated for %" PRId64 " s (last state %s)",
					(now - upd) / 1000, state ? state : "?");
		}
		if (mx_get_i64(p, HEAN_FIELD_FEED_STALE_SYMBOLS, &v) && v > 0) {
			char list[200] = "";
			size_t off = 0;

			for (size_t k = 0; k < s->n_tickers && off < sizeof(list) - 24; k++) {
				int64_t age = now - s->tickers[k].recv_us / 1000;

				if (s->tickers[k].recv_us > 0 && age > (int64_t)cfg->stale_s * 1000) {
					off += (size_t)snprintf(list + off, sizeof(list) - off, " %s",
								s->tickers[k].sym);
				}
			}
			mx_alerts_state(m->al, now, "feed_stale", p->name, 0, "warning",
					"%" PRId64 " stale symbol(s) (no tick for %d s):%s", v,
					cfg->stale_s, list[0] ? list : " (see hean_feed_tick_age_seconds)");
		}
		if (mx_get_i64(p, HEAN_FIELD_NAKED_POSITIONS, &v)) {
			naked = v;
			have_naked = true;
			xproc = p->name;
		}
	}
	if (s->has_pnl && mx_get_i64(&s->pnl, HEAN_FIELD_NAKED_POSITIONS, &v)) {
		naked = v;
		have_naked = true;
	}
	if (have_naked && naked > 0) {
		mx_alerts_state(m->al, now, "naked_position", xproc, NAKED_HOLD_S, "critical",
				"%" PRId64 " open position(s) without a confirmed stop-loss for more"
				" than %d s", naked, NAKED_HOLD_S);
	}
	if (s->halted) {
		mx_alerts_state(m->al, now, "halted", "pipeline", 0, "warning",
				"new waves are not traded: %s", s->halt);
	}
	limit = s->has_pnl ? mx_get(&s->pnl, HEAN_FIELD_LIMIT) : NULL;
	if (limit && *limit) {
		mx_alerts_state(m->al, now, "risk_limit", xproc, 0, "warning",
				"risk limit %s reached: new orders stop, open positions stay protected",
				limit);
	}
	eval_lag(m, s, now);
	eval_waves(m, s, now);
}

static void publish_self(struct mx *m)
{
	char detail[512] = "";
	size_t off = 0;

	for (size_t i = 0; i < m->st.n_firing && off < sizeof(detail) - 1; i++) {
		int n = snprintf(detail + off, sizeof(detail) - off, "%s%s/%s", i ? " " : "firing: ",
				 m->st.firing[i][0], m->st.firing[i][1]);

		if (n < 0) {
			break;
		}
		off += (size_t)n;
		if (off >= sizeof(detail)) {
			off = sizeof(detail) - 1;
		}
	}
	hean_health_set_int(m->app->health, "alerts_firing", (int64_t)m->st.n_firing);
	hean_health_set_int(m->app->health, "waves_missed", (int64_t)m->st.waves_missed);
	if (!m->httpd && off < sizeof(detail) - 80) {
		snprintf(detail + off, sizeof(detail) - off, "%snot serving %s: %s (retrying)",
			 off ? "; " : "", m->app->cfg.metrics_listen, strerror(-m->listen_err));
		off = strlen(detail);
	}
	hean_health_set_state(m->app->health, m->st.redis_up ? "running" : "redis_down",
			      detail[0] ? detail : "no alert");
}

/* No snapshot this cycle: the alerts held so far stay, redis_down fires
 * after its hold time, and the page says so. */
static void redis_down(struct mx *m, int64_t now, const char *why)
{
	m->st.redis_up = false;
	m->st.collect_errors++;
	mx_alerts_begin(m->al);
	mx_alerts_keep(m->al);
	mx_alerts_state(m->al, now, "redis_down", "redis", REDIS_DOWN_HOLD_S, "critical", "%s", why);
	mx_alerts_end(m->al, now);
	render_text(m);
}

static void on_collected(struct mx_snap *snap, bool ok, void *data)
{
	struct mx *m = data;
	int64_t now = hean_time_now_ms();

	m->st.collect_seconds = (double)(hean_time_now_us() - m->cycle_start_us) / 1e6;
	if (!ok) {
		mx_snap_free(snap);
		free(snap);
		redis_down(m, now, "the exporter cannot read Redis (collection failed)");
		return;
	}
	m->st.collections++;
	m->st.redis_up = true;
	if (m->have_cur) {
		mx_snap_free(&m->cur);
	}
	m->cur = *snap;
	m->have_cur = true;
	free(snap);
	mx_alerts_begin(m->al);
	eval_snapshot(m, &m->cur, now);
	mx_alerts_end(m->al, now);
	/* events are counted once: drop them from the kept snapshot */
	free(m->cur.events);
	m->cur.events = NULL;
	m->cur.n_events = 0;
	render_text(m);
	publish_self(m);
}

static void on_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct mx *m = t->data;
	int64_t now = hean_time_now_ms();
	int rc;

	m->cycle_start_us = hean_time_now_us();
	rc = mx_collect_start(m->col, now);
	if (rc == -EBUSY) {
		return; /* the previous cycle is still waiting for Redis */
	}
	if (rc != 0) {
		redis_down(m, now, "the exporter's Redis link is down");
	}
}

/* Binding HEAN_METRICS_LISTEN failed (address in use): the alerts go on,
 * the health detail says so, and the bind is retried. */
static void on_relisten(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct mx *m = t->data;
	int err = 0;

	m->httpd = mx_httpd_create(loop, m->app->cfg.metrics_listen, body_fn, m, &err);
	if (m->httpd) {
		ev_timer_stop(loop, t);
		log_info("event=listening url=http://%s/metrics", m->app->cfg.metrics_listen);
	} else if (err != m->listen_err) {
		log_error("event=listen_failed listen=%s err=\"%s\" retry_s=%.0f",
			  m->app->cfg.metrics_listen, strerror(-err), LISTEN_RETRY_S);
	}
	m->listen_err = err;
}

static void on_stop(struct hean_app *app, void *data)
{
	struct mx *m = data;

	ev_timer_stop(app->loop.loop, &m->tick);
	ev_timer_stop(app->loop.loop, &m->relisten);
	mx_httpd_destroy(m->httpd);
	m->httpd = NULL;
	mx_alerts_destroy(m->al);
	m->al = NULL;
}

int main(int argc, char **argv)
{
	static struct mx m;
	struct hean_app app;
	int rc, err = 0;

	memset(&app, 0, sizeof(app));
	rc = hean_app_init(&app, "metrics", argc, argv);
	if (rc != 0) {
		hean_app_finish(&app);
		return rc == 1 ? 0 : 2;
	}
	m.app = &app;
	m.st.version = HEAN_METRICS_VERSION;
	m.st.wave_interval_s = app.cfg.wave_interval_s;
	m.st.wave_delay_s = app.cfg.wave_delay_s;
	/* waves may legitimately wait for signals until a wave's deadline
	 * (due + HEAN_WAVE_MAX_LATE_S), where it records the wave (as expired
	 * if need be): a wave still not recorded 5 s after that is missed */
	m.st.wave_grace_s = app.cfg.wave_max_late_s + MISSED_MARGIN_S;
	m.st.stale_s = app.cfg.watchdog_stale_s;
	if (app.cfg.alert_webhook_url[0] && strncmp(app.cfg.alert_webhook_url, "http://", 7) != 0 &&
	    strncmp(app.cfg.alert_webhook_url, "https://", 8) != 0) {
		log_error("event=bad_config var=HEAN_ALERT_WEBHOOK_URL err=\"must start with http:// or https://\"");
		goto fail;
	}
	m.col = mx_collect_create(app.redis, app.cfg.prefix, on_collected, &m);
	m.al = mx_alerts_create(app.loop.loop, app.cfg.alert_webhook_url, app.cfg.alert_repeat_s,
				&m.st);
	if (!m.col || !m.al) {
		log_error("event=start_failed err=\"out of memory\"");
		goto fail;
	}
	m.httpd = mx_httpd_create(app.loop.loop, app.cfg.metrics_listen, body_fn, &m, &err);
	ev_timer_init(&m.relisten, on_relisten, LISTEN_RETRY_S, LISTEN_RETRY_S);
	m.relisten.data = &m;
	if (!m.httpd && err == -EINVAL) {
		log_error("event=listen_failed listen=%s (HEAN_METRICS_LISTEN must be IPv4:PORT)",
			  app.cfg.metrics_listen);
		goto fail;
	}
	if (!m.httpd) {
		m.listen_err = err;
		log_error("event=listen_failed listen=%s err=\"%s\" retry_s=%.0f (alerts go on)",
			  app.cfg.metrics_listen, strerror(-err), LISTEN_RETRY_S);
		ev_timer_start(app.loop.loop, &m.relisten);
	}
	log_info("event=listening url=http://%s/metrics webhook=%s repeat_s=%d grace_s=%d",
		 app.cfg.metrics_listen, app.cfg.alert_webhook_url[0] ? "set" : "none",
		 app.cfg.alert_repeat_s, m.st.wave_grace_s);
	hean_app_hook(&app, on_stop, NULL, &m);
	ev_timer_init(&m.tick, on_tick, 0.2, TICK_S);
	m.tick.data = &m;
	ev_timer_start(app.loop.loop, &m.tick);
	hean_health_set_state(app.health, "running", "no alert");
	rc = hean_app_run(&app);
	hean_app_finish(&app);
	mx_collect_destroy(m.col);
	if (m.have_cur) {
		mx_snap_free(&m.cur);
	}
	free(m.text);
	return rc;
fail:
	mx_httpd_destroy(m.httpd);
	mx_alerts_destroy(m.al);
	hean_app_finish(&app);
	mx_collect_destroy(m.col);
	return 2;
}
