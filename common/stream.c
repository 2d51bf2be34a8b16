/* common/stream: consumer-group reader on its own blocking connection.
 *
 * Phases, restarted from CREATE on every (re)connect of the block link:
 *   CREATE   XGROUP CREATE key group start_id MKSTREAM (BUSYGROUP = fine)
 *   PENDING  XREADGROUP GROUP g c COUNT n STREAMS key <id>, id = "0" then
 *            the last id delivered, until an empty batch (the backlog first)
 *   NEW      XREADGROUP GROUP g c COUNT n BLOCK ms STREAMS key >
 * Exactly one command is in flight on the block link at any time, so the
 * entries reach the owner in stream order. NOGROUP (stream deleted or lost)
 * goes back to CREATE. Other error replies retry after 1 s. While the
 * owner's command link is down no read is issued (nothing could be acked),
 * checked every 100 ms. */
#include "common/stream.h"

#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_COUNT 100
#define DEFAULT_BLOCK_MS 1000
#define BLOCK_MARGIN_MS 2000
#define ERROR_RETRY_S 1.0
#define CMD_POLL_S 0.1

enum phase {
	PH_CREATE = 0,
	PH_PENDING,
	PH_NEW,
};

struct hean_stream {
	struct ev_loop *loop;     /* borrowed */
	struct hean_redis *block; /* owned: the blocking connection */
	struct hean_redis *cmd;   /* borrowed: XACK */
	char *key, *group, *consumer, *start_id; /* owned copies */
	char count_s[16], block_s[16];
	uint32_t block_ms;
	hean_stream_entry_fn *on_entry;
	hean_redis_state_fn *on_state;
	void *data;

	enum phase phase;
	char pending_from[64];
	uint64_t pending_seen;
	bool reading; /* a command is in flight on block */
	bool paused;
	bool waiting_cmd; /* the command link is down: reads held */
	bool destroyed;
	int busy; /* depth of owner callbacks running */
	ev_timer retry;

	const char **fields; /* owned scratch for one entry */
	size_t *lens;
	size_t fields_cap;
};

static void step(struct hean_stream *s);

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	step(w->data);
}

static void retry_later(struct hean_stream *s)
{
	ev_timer_stop(s->loop, &s->retry);
	ev_timer_set(&s->retry, ERROR_RETRY_S, 0.);
	ev_timer_start(s->loop, &s->retry);
}

static void ack_id(struct hean_stream *s, const char *id)
{
	int rc = hean_stream_ack(s, id);

	if (rc < 0) {
		log_warn("event=stream_ack_failed key=%s id=%s err=%d (stays pending)", s->key, id,
			 rc);
	}
}

static bool grow_fields(struct hean_stream *s, size_t n)
{
	const char **f;
	size_t *l;

	if (n <= s->fields_cap) {
		return true;
	}
	f = realloc(s->fields, n * sizeof(*f));
	if (!f) {
		return false;
	}
	s->fields = f;
	l = realloc(s->lens, n * sizeof(*l));
	if (!l) {
		return false;
	}
	s->lens = l;
	s->fields_cap = n;
	return true;
}

/* One [id, [f, v, ...] | nil] element. Returns false to stop (destroyed). */
static bool deliver(struct hean_stream *s, const redisReply *e)
{
	struct hean_stream_entry ent;
	const redisReply *body;

	if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING) {
		log_warn("event=stream_bad_entry key=%s", s->key);
		return true;
	}
	memset(&ent, 0, sizeof(ent));
	ent.id = e->element[0]->str;
	ent.pending = s->phase == PH_PENDING;
	body = e->element[1];
	if (ent.pending) {
		snprintf(s->pending_from, sizeof(s->pending_from), "%s", ent.id);
		s->pending_seen++;
	}
	if (body->type == REDIS_REPLY_ARRAY) {
		size_t n = body->elements & ~(size_t)1;

		if (!grow_fields(s, n ? n : 1)) {
			log_error("event=stream_oom key=%s id=%s", s->key, ent.id);
			return true; /* stays pending: re-read on the next start */
		}
		for (size_t i = 0; i < n; i++) {
			const redisReply *f = body->element[i];

			if (f->type == REDIS_REPLY_STRING || f->type == REDIS_REPLY_STATUS) {
				s->fields[i] = f->str;
				s->lens[i] = f->len;
			} else {
				s->fields[i] = "";
				s->lens[i] = 0;
			}
		}
		ent.fields = s->fields;
		ent.lens = s->lens;
		ent.n_fields = n;
	} else {
		/* Trimmed while pending: Redis returns the id with a nil body;
		 * ack it, or it stays pending forever. */
		log_warn("event=stream_trimmed_entry key=%s group=%s id=%s (acked)", s->key,
			 s->group, ent.id);
		ack_id(s, ent.id);
	}
	s->busy++;
	s->on_entry(s, &ent, s->data);
	s->busy--;
	return !s->destroyed;
}

static void on_group_reply(struct hean_redis *r, redisReply *reply, void *priv)
{
	struct hean_stream *s = priv;

	s->reading = false;
	if (s->destroyed || !reply) {
		return; /* link lost: restarted from CREATE when it is up again */
	}
	if (reply->type == REDIS_REPLY_ERROR && !hean_redis_reply_is_error(reply, "BUSYGROUP")) {
		log_warn("event=stream_group_error key=%s group=%s err=\"%.200s\"", s->key,
			 s->group, reply->str);
		retry_later(s);
		return;
	}
	if (reply->type != REDIS_REPLY_ERROR) {
		log_info("event=stream_group_created key=%s group=%s start=%s", s->key, s->group,
			 s->start_id);
	}
	s->phase = PH_PENDING;
	snprintf(s->pending_from, sizeof(s->pending_from), "0");
	s->pending_seen = 0;
	step(s);
}

static void on_read_reply(struct hean_redis *r, redisReply *reply, void *priv)
{
	struct hean_stream *s = priv;
	const redisReply *entries = NULL;

	/* s->reading stays true while the batch is delivered, so a resume()
	 * from on_entry cannot start a read in the middle of it. */
	if (s->destroyed || !reply) {
		s->reading = false;
		return;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		s->reading = false;
		/* NOGROUP: stream or group gone. UNBLOCKED: redis 7 wakes a
		 * blocked XREADGROUP with it when the key is deleted. */
		if (hean_redis_reply_is_error(reply, "NOGROUP") ||
		    hean_redis_reply_is_error(reply, "UNBLOCKED")) {
			log_warn("event=stream_group_recreate key=%s group=%s reason=\"%.160s\"",
				 s->key, s->group, reply->str);
			s->phase = PH_CREATE;
			step(s);
		} else {
			log_warn("event=stream_read_error key=%s group=%s err=\"%.200s\"", s->key,
				 s->group, reply->str);
			retry_later(s);
		}
		return;
	}
	if (reply->type == REDIS_REPLY_ARRAY) {
		for (size_t i = 0; i < reply->elements; i++) {
			const redisReply *st = reply->element[i];

			if (st->type == REDIS_REPLY_ARRAY && st->elements == 2 &&
			    st->element[1]->type == REDIS_REPLY_ARRAY) {
				entries = st->element[1];
				break;
			}
		}
	}
	/* nil = BLOCK timed out with nothing new. */
	if (!entries || entries->elements == 0) {
		s->reading = false;
		if (s->phase == PH_PENDING) {
			log_info("event=stream_pending_done key=%s group=%s consumer=%s replayed=%llu",
				 s->key, s->group, s->consumer,
				 (unsigned long long)s->pending_seen);
			s->phase = PH_NEW;
		}
		step(s);
		return;
	}
	for (size_t i = 0; i < entries->elements; i++) {
		if (!deliver(s, entries->element[i])) {
			return; /* destroyed from on_entry */
		}
	}
	s->reading = false;
	step(s);
}

/* Issues the next command if nothing is in flight and reading is allowed. */
/* XREADGROUP GROUP g c COUNT n [BLOCK ms] STREAMS key from: argc. */
static int xreadgroup_argv(const struct hean_stream *s, const char **av, bool block,
			   const char *from)
{
	int n = 0;

	av[n++] = "XREADGROUP";
	av[n++] = "GROUP";
	av[n++] = s->group;
	av[n++] = s->consumer;
	av[n++] = "COUNT";
	av[n++] = s->count_s;
	if (block) {
		av[n++] = "BLOCK";
		av[n++] = s->block_s;
	}
	av[n++] = "STREAMS";
	av[n++] = s->key;
	av[n++] = from;
	return n;
}

static void step(struct hean_stream *s)
{
	const char *av[12];
	int rc, n = 0;

	if (s->destroyed || s->reading || s->paused || !hean_redis_is_up(s->block)) {
		return;
	}
	ev_timer_stop(s->loop, &s->retry);
	if (s->cmd && !hean_redis_is_up(s->cmd)) {
		/* Entries read now could not be acked (nor their effects written):
		 * wait for the command link. Polled, as its state callback is the
		 * owner's. */
		if (!s->waiting_cmd) {
			log_info("event=stream_wait_cmd key=%s group=%s", s->key, s->group);
			s->waiting_cmd = true;
		}
		ev_timer_set(&s->retry, CMD_POLL_S, 0.);
		ev_timer_start(s->loop, &s->retry);
		return;
	}
	s->waiting_cmd = false;
	switch (s->phase) {
	case PH_CREATE:
		av[n++] = "XGROUP";
		av[n++] = "CREATE";
		av[n++] = s->key;
		av[n++] = s->group;
		av[n++] = s->start_id;
		av[n++] = "MKSTREAM";
		rc = hean_redis_command_argv(s->block, on_group_reply, s, n, av, NULL);
		break;
	case PH_PENDING:
		n = xreadgroup_argv(s, av, false, s->pending_from);
		rc = hean_redis_command_argv(s->block, on_read_reply, s, n, av, NULL);
		break;
	case PH_NEW:
	default:
		n = xreadgroup_argv(s, av, true, ">");
		rc = hean_redis_command_argv_deadline(s->block, s->block_ms + BLOCK_MARGIN_MS,
						      on_read_reply, s, n, av, NULL);
		break;
	}
	if (rc == 0) {
		s->reading = true;
	} else if (rc != -ENOTCONN) {
		log_warn("event=stream_submit_failed key=%s err=%d", s->key, rc);
		retry_later(s);
	}
	/* -ENOTCONN: the up transition restarts us. */
}

static void on_block_state(struct hean_redis *r, bool up, void *data)
{
	struct hean_stream *s = data;

	if (s->destroyed) {
		return;
	}
	if (up) {
		s->phase = PH_CREATE;
		s->reading = false;
		step(s);
	} else {
		ev_timer_stop(s->loop, &s->retry);
	}
	if (s->on_state) {
		s->busy++;
		s->on_state(r, up, s->data);
		s->busy--;
	}
}

struct hean_stream *hean_stream_create(struct ev_loop *loop, struct hean_redis *cmd,
				       const struct hean_stream_options *opt)
{
	struct hean_stream *s;
	struct hean_redis_options ro;

	if (!loop || !opt || !opt->url || !opt->key || !opt->group || !opt->consumer ||
	    !opt->on_entry) {
		log_error("event=stream_bad_options");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		return NULL;
	}
	s->loop = loop;
	s->cmd = cmd;
	s->key = strdup(opt->key);
	s->group = strdup(opt->group);
	s->consumer = strdup(opt->consumer);
	s->start_id = strdup(opt->start_id ? opt->start_id : "$");
	if (!s->key || !s->group || !s->consumer || !s->start_id) {
		goto fail;
	}
	snprintf(s->count_s, sizeof(s->count_s), "%u", opt->count ? opt->count : DEFAULT_COUNT);
	s->block_ms = opt->block_ms ? opt->block_ms : DEFAULT_BLOCK_MS;
	snprintf(s->block_s, sizeof(s->block_s), "%u", s->block_ms);
	s->on_entry = opt->on_entry;
	s->on_state = opt->on_state;
	s->data = opt->data;
	ev_timer_init(&s->retry, on_retry, 0., 0.);
	s->retry.data = s;

	memset(&ro, 0, sizeof(ro));
	ro.url = opt->url;
	ro.name = "block";
	ro.reply_timeout_ms = s->block_ms + BLOCK_MARGIN_MS;
	ro.max_in_flight = 16;
	ro.on_state = on_block_state;
	ro.data = s;
	s->block = hean_redis_create(loop, &ro);
	if (!s->block) {
		goto fail;
	}
	return s;

fail:
	free(s->key);
	free(s->group);
	free(s->consumer);
	free(s->start_id);
	free(s);
	return NULL;
}

static void free_now(struct hean_stream *s)
{
	free(s->fields);
	free(s->lens);
	free(s->key);
	free(s->group);
	free(s->consumer);
	free(s->start_id);
	free(s);
}

static void free_deferred(int revents, void *arg)
{
	free_now(arg);
}

void hean_stream_destroy(struct hean_stream *s)
{
	if (!s || s->destroyed) {
		return;
	}
	s->destroyed = true;
	ev_timer_stop(s->loop, &s->retry);
	/* Pending read callbacks get NULL (now, or right after the running
	 * callback) and see destroyed. */
	hean_redis_destroy(s->block);
	s->block = NULL;
	if (s->busy > 0) {
		ev_once(s->loop, -1, 0, 0., free_deferred, s);
	} else {
		free_now(s);
	}
}

void hean_stream_pause(struct hean_stream *s)
{
	if (s) {
		s->paused = true;
	}
}

void hean_stream_resume(struct hean_stream *s)
{
	if (s && s->paused) {
		s->paused = false;
		step(s);
	}
}

int hean_stream_ack(struct hean_stream *s, const char *id)
{
	const char *av[4];

	if (!s || !id || !s->cmd) {
		return -EINVAL;
	}
	av[0] = "XACK";
	av[1] = s->key;
	av[2] = s->group;
	av[3] = id;
	return hean_redis_command_argv(s->cmd, NULL, NULL, 4, av, NULL);
}

const char *hean_stream_field(const struct hean_stream_entry *e, const char *name, size_t *len)
{
	size_t nl;

	if (!e || !e->fields || !name) {
		return NULL;
	}
	nl = strlen(name);
	for (size_t i = 0; i + 1 < e->n_fields; i += 2) {
		if (e->lens[i] == nl && memcmp(e->fields[i], name, nl) == 0) {
			if (len) {
				*len = e->lens[i + 1];
			}
			return e->fields[i + 1];
		}
	}
	return NULL;
}
