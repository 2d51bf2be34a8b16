/* signals/publish: idempotent publication to hean:signals. See publish.h. */
#include "signals/publish.h"
#include "common/keys.h"

#include "common/health.h"
#include "common/num.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "signals/dedupe.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REBUILD_PAGE 500

/* KEYS[1] marker, KEYS[2] stream; ARGV[1] ttl s, ARGV[2] MINID,
 * ARGV[3..] field/value pairs. Returns the entry id, or 0 when the marker
 * exists (already published). Atomic: no other command runs in between. */
static const char publish_lua[] =
	"if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
	"local id = redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[2], '*', unpack(ARGV, 3))\n"
	"redis.call('SET', KEYS[1], id, 'EX', ARGV[1])\n"
	"return id\n";

struct req {
	struct signals_publish *p; /* borrowed */
	struct signals_signal sig; /* owned */
};

struct signals_publish {
	struct hean_app *app;            /* borrowed: outlives us */
	struct signals_dedupe *done;     /* owned: ids known published */
	struct signals_dedupe *pending;  /* owned: ids queued or in flight */
	struct signals_signal *q;        /* owned ring of SIGNALS_QUEUE_CAP */
	size_t q_head;
	size_t q_len;
	uint32_t in_flight;
	uint64_t q_dropped;
	bool ready;       /* the rebuild from the stream is done */
	bool rebuilding;  /* an XREVRANGE page is in flight */
	bool stopping;
	bool flushing;    /* shutdown: send everything queued at once */
	char stream_key[128];
	char seen_prefix[128];
	int64_t rebuild_since_ms;
	size_t rebuild_count;
	int64_t rebuild_started_ms;
};

static void drain(struct signals_publish *p);
static void rebuild_page(struct signals_publish *p, const char *end_id);

/* ===================== queue ===================== */

static void gauges(struct signals_publish *p)
{
	if (p->stopping) {
		return;
	}
	hean_health_set_int(p->app->health, "queued", (int64_t)p->q_len);
	hean_health_set_int(p->app->health, "dedupe_ids", (int64_t)signals_dedupe_count(p->done));
}

static void push_back(struct signals_publish *p, struct signals_signal *s)
{
	if (p->q_len == SIGNALS_QUEUE_CAP) {
		struct signals_signal *old = &p->q[p->q_head];

		/* forget it: the server's next buffer brings it again */
		signals_dedupe_remove(p->pending, old->id);
		if (p->q_dropped++ % 1000 == 0) {
			log_warn("event=signal_queue_full dropped_id=%" PRId64 " dropped_total=%" PRIu64
				 " cap=%d note=\"the server re-sends them\"",
				 old->id, p->q_dropped, SIGNALS_QUEUE_CAP);
		}
		signals_signal_finish(old);
		p->q_head = (p->q_head + 1) % SIGNALS_QUEUE_CAP;
		p->q_len--;
		hean_health_add_int(p->app->health, "queue_dropped", 1);
	}
	p->q[(p->q_head + p->q_len) % SIGNALS_QUEUE_CAP] = *s;
	p->q_len++;
	memset(s, 0, sizeof(*s));
}

/* Puts a signal whose outcome is unknown back at the head. */
static void push_front(struct signals_publish *p, struct signals_signal *s)
{
	if (p->q_len == SIGNALS_QUEUE_CAP) {
		/* the newest waiting one makes room (it comes again) */
		struct signals_signal *last = &p->q[(p->q_head + p->q_len - 1) % SIGNALS_QUEUE_CAP];

		signals_dedupe_remove(p->pending, last->id);
		signals_signal_finish(last);
		p->q_len--;
		hean_health_add_int(p->app->health, "queue_dropped", 1);
	}
	p->q_head = (p->q_head + SIGNALS_QUEUE_CAP - 1) % SIGNALS_QUEUE_CAP;
	p->q[p->q_head] = *s;
	p->q_len++;
	memset(s, 0, sizeof(*s));
}

static bool pop_front(struct signals_publish *p, struct signals_signal *out)
{
	if (p->q_len == 0) {
		return false;
	}
	*out = p->q[p->q_head];
	memset(&p->q[p->q_head], 0, sizeof(*out));
	p->q_head = (p->q_head + 1) % SIGNALS_QUEUE_CAP;
	p->q_len--;
	return true;
}

/* ===================== publication ===================== */

/* Shortest "%.*g" that reads back as the same double. */
static void fmt_double(char *buf, size_t len, double v)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v) {
			return;
		}
	}
}

static void on_publish_reply(struct hean_redis *r, redisReply *reply, void *priv)
{
	struct req *q = priv;
	struct signals_publish *p = q->p;
	int64_t id = q->sig.id;

	p->in_flight--;
	if (p->stopping) {
		signals_signal_finish(&q->sig);
		free(q);
		return;
	}
	if (!reply) {
		/* outcome unknown: send again later; the script makes it safe */
		push_front(p, &q->sig);
	} else if (reply->type == REDIS_REPLY_STRING) {
		signals_dedupe_remove(p->pending, id);
		signals_dedupe_add(p->done, id);
		hean_health_add_int(p->app->health, HEAN_FIELD_SIGNALS_PUBLISHED, 1);
		log_info("event=signal_published id=%" PRId64 " symbol=%s side=%s wave_ts=%s entry=%s",
			 id, q->sig.symbol, q->sig.side, q->sig.wave_ts, reply->str);
		signals_signal_finish(&q->sig);
	} else if (reply->type == REDIS_REPLY_INTEGER) {
		signals_dedupe_remove(p->pending, id);
		signals_dedupe_add(p->done, id);
		hean_health_add_int(p->app->health, HEAN_FIELD_SIGNALS_DUPLICATE, 1);
		log_debug("event=signal_duplicate id=%" PRId64 " where=redis", id);
		signals_signal_finish(&q->sig);
	} else {
		/* not retried on the spot (a permanent error would spin); the
		 * id is forgotten so the server's next buffer retries it */
		signals_dedupe_remove(p->pending, id);
		hean_health_add_int(p->app->health, "publish_errors", 1);
		log_error("event=signal_publish_failed id=%" PRId64 " err=\"%.160s\"", id,
			  reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply type");
		signals_signal_finish(&q->sig);
	}
	free(q);
	gauges(p);
	drain(p);
}

/* Sends one EVAL. 0, or -errno with the signal left untouched. */
static int send_one(struct signals_publish *p, struct req *q)
{
	const struct signals_signal *s = &q->sig;
	char seen[192], ttl[16], minid[32], id[24], sw[32], sm[32];
	const char *argv[24];
	size_t lens[24];
	int n = 0;

	snprintf(seen, sizeof(seen), "%s%" PRId64, p->seen_prefix, s->id);
	snprintf(ttl, sizeof(ttl), "%d", SIGNALS_SEEN_TTL_S);
	snprintf(minid, sizeof(minid), "%" PRId64 "-0",
		 hean_time_now_ms() - (int64_t)HEAN_STREAM_KEEP_MS);
	snprintf(id, sizeof(id), "%" PRId64, s->id);
	fmt_double(sw, sizeof(sw), s->score_week);
	fmt_double(sm, sizeof(sm), s->score_month);

#define ARG(str, l)                                                                            \
	do {                                                                                   \
		argv[n] = (str);                                                               \
		lens[n] = (l);                                                                 \
		n++;                                                                           \
	} while (0)
#define SARG(str) ARG(str, strlen(str))
	SARG("EVAL");
	ARG(publish_lua, sizeof(publish_lua) - 1);
	SARG("2");
	SARG(seen);
	SARG(p->stream_key);
	SARG(ttl);
	SARG(minid);
	SARG(HEAN_FIELD_ID);
	SARG(id);
	SARG(HEAN_FIELD_SYMBOL);
	SARG(s->symbol);
	SARG(HEAN_FIELD_SIDE);
	SARG(s->side);
	SARG(HEAN_FIELD_WAVE_TS);
	SARG(s->wave_ts);
	SARG(HEAN_FIELD_SCORE_WEEK);
	SARG(sw);
	SARG(HEAN_FIELD_SCORE_MONTH);
	SARG(sm);
	SARG(HEAN_FIELD_RAW);
	ARG(s->raw, s->raw_len);
#undef SARG
#undef ARG
	return hean_redis_command_argv(p->app->redis, on_publish_reply, q, n, argv, lens);
}

/* Sends queued signals while the link is up and the window allows. */
static void drain(struct signals_publish *p)
{
	struct signals_signal s;

	uint32_t window = p->flushing ? UINT32_MAX : SIGNALS_MAX_IN_FLIGHT;

	while (!p->stopping && (p->ready || p->flushing) && p->in_flight < window &&
	       hean_redis_is_up(p->app->redis) && pop_front(p, &s)) {
		struct req *q;
		int rc;

		if (signals_dedupe_contains(p->done, s.id)) {
			/* published before the rebuild finished */
			signals_dedupe_remove(p->pending, s.id);
			hean_health_add_int(p->app->health, HEAN_FIELD_SIGNALS_DUPLICATE, 1);
			signals_signal_finish(&s);
			continue;
		}
		q = malloc(sizeof(*q));
		if (!q) {
			push_front(p, &s);
			break;
		}
		q->p = p;
		q->sig = s;
		rc = send_one(p, q);
		if (rc < 0) {
			push_front(p, &q->sig);
			free(q);
			break; /* -ENOTCONN: wait for up; -ENOBUFS: wait for replies */
		}
		p->in_flight++;
	}
	gauges(p);
}

/* Offers a validated signal; see publish.h. */
bool signals_publish_offer(struct signals_publish *p, struct signals_signal *s)
{
	if (signals_dedupe_contains(p->done, s->id) || signals_dedupe_contains(p->pending, s->id)) {
		hean_health_add_int(p->app->health, HEAN_FIELD_SIGNALS_DUPLICATE, 1);
		signals_signal_finish(s);
		return false;
	}
	signals_dedupe_add(p->pending, s->id);
	push_back(p, s);
	drain(p);
	return true;
}

/* ===================== rebuild from the stream ===================== */

/* An entry's "id" field: [entry-id, [f1, v1, f2, v2, ...]]. */
static void rebuild_entry(struct signals_publish *p, const redisReply *e, int64_t *entry_ms)
{
	const redisReply *fields;
	int64_t id;

	*entry_ms = -1;
	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING) {
		return;
	}
	*entry_ms = strtoll(e->element[0]->str, NULL, 10);
	fields = e->element[1];
	if (fields->type != REDIS_REPLY_ARRAY) {
		return;
	}
	for (size_t i = 0; i + 1 < fields->elements; i += 2) {
		const redisReply *k = fields->element[i], *v = fields->element[i + 1];

		if (k->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING &&
		    k->len == 2 && memcmp(k->str, "id", 2) == 0 &&
		    hean_parse_int64(v->str, v->len, &id) == 0) {
			signals_dedupe_add(p->done, id);
			p->rebuild_count++;
			return;
		}
	}
}

static void rebuild_done(struct signals_publish *p, const char *how)
{
	p->rebuilding = false;
	p->ready = true;
	log_info("event=dedupe_rebuilt ids=%zu from=%s ms=%" PRId64 " how=%s", p->rebuild_count,
		 p->stream_key, hean_time_now_ms() - p->rebuild_started_ms, how);
	drain(p);
}

static void on_rebuild_reply(struct hean_redis *r, redisReply *reply, void *priv)
{
	struct signals_publish *p = priv;
	char next[64];
	int64_t ms = -1;

	p->rebuilding = false;
	if (p->stopping) {
		return;
	}
	if (!reply) {
		/* link lost: signals_publish_redis(up) restarts the rebuild */
		return;
	}
	if (reply->type != REDIS_REPLY_ARRAY) {
		log_error("event=dedupe_rebuild_failed key=%s err=\"%.160s\" "
			  "action=\"rely on the Redis-side markers\"",
			  p->stream_key, reply->type == REDIS_REPLY_ERROR ? reply->str : "not an array");
		rebuild_done(p, "error");
		return;
	}
	for (size_t i = 0; i < reply->elements; i++) {
		rebuild_entry(p, reply->element[i], &ms);
	}
	if (reply->elements < REBUILD_PAGE || ms < p->rebuild_since_ms ||
	    p->rebuild_count >= SIGNALS_DONE_CAP) {
		rebuild_done(p, reply->elements < REBUILD_PAGE ? "start_of_stream" : "window");
		return;
	}
	/* next page: strictly older than the last entry seen */
	const redisReply *last = reply->element[reply->elements - 1];
	if (last->type != REDIS_REPLY_ARRAY || last->elements < 1 ||
	    last->element[0]->type != REDIS_REPLY_STRING) {
		rebuild_done(p, "bad_entry");
		return;
	}
	snprintf(next, sizeof(next), "(%s", last->element[0]->str);
	rebuild_page(p, next);
}

static void rebuild_page(struct signals_publish *p, const char *end_id)
{
	char count[16];
	int rc;

	snprintf(count, sizeof(count), "%d", REBUILD_PAGE);
	const char *argv[] = {"XREVRANGE", p->stream_key, end_id, "-", "COUNT", count};
	size_t lens[] = {9, strlen(p->stream_key), strlen(end_id), 1, 5, strlen(count)};

	rc = hean_redis_command_argv(p->app->redis, on_rebuild_reply, p, 6, argv, lens);
	if (rc == 0) {
		p->rebuilding = true;
	}
	/* else: the link is down; signals_publish_redis(up) starts over */
}

static void rebuild_start(struct signals_publish *p)
{
	if (p->ready || p->rebuilding || p->stopping) {
		return;
	}
	p->rebuild_started_ms = hean_time_now_ms();
	p->rebuild_since_ms = p->rebuild_started_ms - (int64_t)SIGNALS_REBUILD_WINDOW_S * 1000;
	p->rebuild_count = 0;
	rebuild_page(p, "+");
}

/* ===================== lifecycle ===================== */

/* See publish.h. */
void signals_publish_redis(struct signals_publish *p, bool up)
{
	if (!up || p->stopping) {
		return;
	}
	if (!p->ready) {
		rebuild_start(p);
	} else {
		drain(p);
	}
}

/* See publish.h. */
struct signals_publish *signals_publish_create(struct hean_app *app)
{
	struct signals_publish *p = calloc(1, sizeof(*p));

	if (!p) {
		return NULL;
	}
	p->app = app;
	p->done = signals_dedupe_create(SIGNALS_DONE_CAP);
	p->pending = signals_dedupe_create(SIGNALS_QUEUE_CAP + SIGNALS_MAX_IN_FLIGHT);
	p->q = calloc(SIGNALS_QUEUE_CAP, sizeof(*p->q));
	if (!p->done || !p->pending || !p->q) {
		signals_publish_destroy(p);
		return NULL;
	}
	hean_app_key(app, p->stream_key, sizeof(p->stream_key), HEAN_KEY_SIGNALS);
	hean_app_key(app, p->seen_prefix, sizeof(p->seen_prefix), HEAN_KEY_SIGNAL_SEEN_PREFIX);
	if (hean_redis_is_up(app->redis)) {
		rebuild_start(p);
	}
	return p;
}

/* See publish.h: what is queued goes out now (the app's graceful Redis
 * close then flushes it); the markers make sending before the rebuild safe. */
void signals_publish_stop(struct signals_publish *p)
{
	size_t queued = p->q_len;

	p->flushing = true;
	drain(p);
	log_info("event=publish_stop queued=%zu sent_now=%zu left=%zu in_flight=%u", queued,
		 queued - p->q_len, p->q_len, p->in_flight);
	if (p->q_len > 0) {
		log_warn("event=signals_unpublished count=%zu note=\"the server re-sends them\"",
			 p->q_len);
	}
	p->stopping = true;
}

/* See publish.h. */
void signals_publish_destroy(struct signals_publish *p)
{
	struct signals_signal s;

	if (!p) {
		return;
	}
	if (p->q) {
		while (pop_front(p, &s)) {
			signals_signal_finish(&s);
		}
	}
	free(p->q);
	signals_dedupe_destroy(p->done);
	signals_dedupe_destroy(p->pending);
	free(p);
}

size_t signals_publish_queued(const struct signals_publish *p)
{
	return p->q_len;
}
