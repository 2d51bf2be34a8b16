/* feed/sources: see sources.h. */
#include "feed/sources.h"

#include "common/log.h"
#include "common/timeutil.h"
#include "common/want.h"
#include "feed/instruments.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BACKOFF_MIN_S 5
#define BACKOFF_MAX_S 300

/* ======================= wants =========================================== */

static void on_wants(struct hean_redis *r, redisReply *reply, void *data)
{
	struct feed_sources *s = data;
	const char *names[HEAN_WANT_MAX * 2];
	size_t n = 0;
	int rc;

	s->want_inflight = false;
	if (s->stopped) {
		return;
	}
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
		s->want_errors++; /* keep the last set */
		return;
	}
	for (size_t i = 0; i < reply->elements && n < sizeof(names) / sizeof(names[0]); i++) {
		if (reply->element[i]->type == REDIS_REPLY_STRING) {
			names[n++] = reply->element[i]->str;
		}
	}
	rc = feed_uni_set(s->uni, FEED_UNI_WANTED, names, n);
	if (rc != 0 && s->want_polls % 240 == 0) {
		log_warn("event=wants_partial names=%zu result=%d (invalid names skipped or the "
			 "symbol table is full)",
			 n, rc);
	}
	s->n_wanted = n;
}

void feed_sources_poll(struct feed_sources *s)
{
	const char *av[8];
	char keys[8][128];
	int ac = 0;

	if (s->stopped || s->want_inflight || !hean_redis_is_up(s->app->redis)) {
		return;
	}
	av[ac++] = "SUNION";
	for (size_t i = 0; hean_want_roles[i] != NULL && ac < 8; i++) {
		char suffix[64];
		snprintf(suffix, sizeof(suffix), HEAN_WANT_KEY, hean_want_roles[i]);
		av[ac] = hean_config_key(&s->app->cfg, keys[ac], sizeof(keys[ac]), suffix);
		ac++;
	}
	if (hean_redis_command_argv(s->app->redis, on_wants, s, ac, av, NULL) == 0) {
		s->want_inflight = true;
		s->want_polls++;
	}
}

/* ======================= instruments ===================================== */

static void instr_request(struct feed_sources *s);

/* A failed read: the next one after the backoff (5 s doubling to 300 s),
 * or after HEAN_REST_BAN_S when the exchange answered 403 (Bybit's IP
 * ban: a call made during it is refused again, so none is made). */
static void instr_retry(struct feed_sources *s, const char *why, bool banned)
{
	int retry_s;

	s->instr_errors++;
	s->instr_inflight = false;
	s->backoff_s = s->backoff_s ? s->backoff_s * 2 : BACKOFF_MIN_S;
	if (s->backoff_s > BACKOFF_MAX_S) {
		s->backoff_s = BACKOFF_MAX_S;
	}
	retry_s = banned && s->app->cfg.rest_ban_s > s->backoff_s ? s->app->cfg.rest_ban_s
								   : s->backoff_s;
	log_warn("event=instruments_failed page=%d why=\"%s\" retry_s=%d listed=%zu%s",
		 s->pages + 1, why, retry_s, s->listed, banned ? " (IP ban: no call until it lapses)" : "");
	hean_health_event(s->app->health, banned ? "rest_banned" : "instruments_failed",
			  "why=%s retry_s=%d", why, retry_s);
	ev_timer_stop(s->app->loop.loop, &s->instr_timer);
	ev_timer_set(&s->instr_timer, retry_s, 0);
	ev_timer_start(s->app->loop.loop, &s->instr_timer);
}

static void instr_complete(struct feed_sources *s)
{
	const char *names[FEED_INSTR_MAX];
	int rc;

	for (size_t i = 0; i < s->acc_n; i++) {
		names[i] = s->acc[i];
	}
	rc = feed_uni_set(s->uni, FEED_UNI_LISTED, names, s->acc_n);
	if (rc == -ENOSPC) {
		log_warn("event=instruments_truncated listed=%zu (symbol table full)", s->acc_n);
	}
	if (s->listed != s->acc_n || s->listed_ms == 0) {
		log_info("event=instruments_read listed=%zu pages=%d previous=%zu", s->acc_n,
			 s->pages, s->listed);
	}
	s->listed = s->acc_n;
	s->listed_ms = hean_time_now_ms();
	s->instr_reads++;
	s->instr_inflight = false;
	s->backoff_s = 0;
	ev_timer_stop(s->app->loop.loop, &s->instr_timer);
	ev_timer_set(&s->instr_timer, s->app->cfg.feed_instruments_refresh_s, 0);
	ev_timer_start(s->app->loop.loop, &s->instr_timer);
}

static void on_instr(const struct hean_fetch_result *res, void *data)
{
	struct feed_sources *s = data;
	struct feed_instr_page p;
	char why[200];
	int rc;

	s->req = NULL; /* delivered: the handle is gone */
	if (res->error != NULL || res->status != 200) {
		snprintf(why, sizeof(why), "http status=%d %s", res->status,
			 res->error ? res->error : "");
		instr_retry(s, why, res->error == NULL && res->status == 403);
		return;
	}
	memset(&p, 0, sizeof(p));
	p.syms = s->acc + s->acc_n;
	p.cap = FEED_INSTR_MAX - s->acc_n;
	rc = feed_instr_parse(res->body, res->body_len, &p);
	if (rc == -EPROTO) {
		instr_retry(s, p.why, false);
		return;
	}
	if (rc == -ENOSPC) {
		log_warn("event=instruments_over_cap cap=%d", FEED_INSTR_MAX);
	}
	if (p.bad > 0) {
		log_warn("event=instruments_bad_rows rows=%zu field=symbol", p.bad);
	}
	s->acc_n += p.n;
	s->pages++;
	if (p.cursor[0] == '\0' || p.seen == 0) {
		instr_complete(s);
		return;
	}
	if (s->pages >= FEED_INSTR_PAGES) {
		instr_retry(s, "nextPageCursor: more pages than a read may follow", false);
		return;
	}
	snprintf(s->cursor, sizeof(s->cursor), "%s", p.cursor);
	instr_request(s);
}

/* The cursor is opaque text from the server: percent-encode it. */
static void url_encode(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in && o + 4 < cap; in++) {
		unsigned char c = (unsigned char)*in;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

static void instr_request(struct feed_sources *s)
{
	char url[1400], cur[800];

	url_encode(s->cursor, cur, sizeof(cur));
	snprintf(url, sizeof(url), "%s/v5/market/instruments-info?category=linear&limit=1000%s%s",
		 s->app->cfg.rest, cur[0] ? "&cursor=" : "", cur);
	s->req = hean_fetch_get(s->wsctx, url, 10000, 8u << 20, on_instr, s);
	if (s->req == NULL) {
		char why[64];
		snprintf(why, sizeof(why), "submit: %s", strerror(errno));
		instr_retry(s, why, false);
	}
}

static void on_instr_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct feed_sources *s = w->data;

	if (s->stopped || s->instr_inflight) {
		return;
	}
	s->instr_inflight = true;
	s->acc_n = 0;
	s->pages = 0;
	s->cursor[0] = '\0';
	instr_request(s);
}

/* ======================= lifecycle ======================================= */

int feed_sources_start(struct feed_sources *s, struct hean_app *app, struct feed_universe *uni,
		       struct hean_ws_ctx *wsctx, bool all)
{
	memset(s, 0, sizeof(*s));
	s->app = app;
	s->uni = uni;
	s->all = all;
	s->wsctx = wsctx;
	ev_timer_init(&s->instr_timer, on_instr_timer, 0, 0);
	s->instr_timer.data = s;
	if (!all) {
		return 0;
	}
	s->acc = calloc(FEED_INSTR_MAX, sizeof(*s->acc));
	if (s->acc == NULL) {
		return -ENOMEM;
	}
	ev_timer_start(app->loop.loop, &s->instr_timer); /* at once */
	return 0;
}

void feed_sources_stop(struct feed_sources *s)
{
	s->stopped = true;
	if (s->app != NULL) {
		ev_timer_stop(s->app->loop.loop, &s->instr_timer);
	}
	hean_fetch_cancel(s->req);
	s->req = NULL;
}

void feed_sources_finish(struct feed_sources *s)
{
	feed_sources_stop(s);
	free(s->acc);
	s->acc = NULL;
}
