/* rt_redis MODE URL: drives common/redis against a real redis-server.
 *   basic  commands, argv/raw/fmt, errors, -ENOTCONN before up, -EINVAL,
 *          destroy from inside a reply callback, graceful close ends ev_run
 *   cap    max_in_flight -> -ENOBUFS, then room again after the replies
 *   cas    hean_redis_cas_max semantics
 *   fault  XADD every 2 ms until SIGTERM; prints up/down transitions and a
 *          summary (ok, null = unknown outcome, enotconn, enobufs)
 *   auth   EXPECT(up|never) SECONDS: AUTH/SELECT over redis:// TCP
 *   bench  N WINDOW: N pipelined XADDs, at most WINDOW in flight
 * Exit 0 when every check passed. */
#include "common/redis.h"
#include "rt_common.h"

#include <errno.h>
#include <ev.h>
#include <signal.h>

static struct ev_loop *loop;

/* ============================ basic ============================ */

struct basic {
	struct hean_redis *r;
	struct hean_redis *r3; /* destroyed from inside its own callback */
	const char *url;
	int step;
	int r3_replies, r3_nulls;
	bool r3_destroyed;
	bool closed;
};

static void basic_next(struct basic *b);

static void basic_reply(struct hean_redis *r, redisReply *rep, void *priv)
{
	struct basic *b = priv;

	RT_CHECK(rep != NULL);
	if (!rep) {
		b->step = 100;
		basic_next(b);
		return;
	}
	switch (b->step) {
	case 1: /* SET via fmt */
		RT_CHECK(rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "OK") == 0);
		break;
	case 2: /* GET via argv (binary-safe lengths) */
		RT_CHECK(rep->type == REDIS_REPLY_STRING && rep->len == 5 &&
			 memcmp(rep->str, "v\0a b", 5) == 0);
		break;
	case 3: /* INCR via raw */
		RT_CHECK(rep->type == REDIS_REPLY_INTEGER && rep->integer == 1);
		break;
	case 4: /* HGET on a string -> WRONGTYPE */
		RT_CHECK(hean_redis_reply_is_error(rep, "WRONGTYPE"));
		RT_CHECK(hean_redis_reply_is_error(rep, NULL));
		RT_CHECK(!hean_redis_reply_is_error(rep, "NOGROUP"));
		break;
	case 5: /* the fire-and-forget SET landed before this GET (FIFO) */
		RT_CHECK(rep->type == REDIS_REPLY_STRING && strcmp(rep->str, "1") == 0);
		break;
	case 6: /* deadline variant */
		RT_CHECK(rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "PONG") == 0);
		break;
	case 7: /* HSET built with hean_redis_args: two new fields */
		RT_CHECK(rep->type == REDIS_REPLY_INTEGER && rep->integer == 2);
		break;
	case 8: /* read back: the value, then NULL sent as "" */
		RT_CHECK(rep->type == REDIS_REPLY_ARRAY && rep->elements == 2);
		RT_CHECK(rep->elements == 2 && rep->element[0]->type == REDIS_REPLY_STRING &&
			 strcmp(rep->element[0]->str, "v1") == 0);
		RT_CHECK(rep->elements == 2 && rep->element[1]->type == REDIS_REPLY_STRING &&
			 rep->element[1]->len == 0);
		break;
	default:
		break;
	}
	basic_next(b);
}

static void r3_reply(struct hean_redis *r, redisReply *rep, void *priv)
{
	struct basic *b = priv;

	if (rep) {
		b->r3_replies++;
	} else {
		b->r3_nulls++;
	}
	if (!b->r3_destroyed) {
		b->r3_destroyed = true;
		/* Destroy from inside its own reply callback: must be safe; the
		 * other two pending commands then get NULL. */
		hean_redis_destroy(r);
		RT_SAY("r3 destroyed inside callback");
	}
}

static void r3_state(struct hean_redis *r, bool up, void *data)
{
	struct basic *b = data;
	const char *av[1] = { "PING" };

	if (!up) {
		return;
	}
	RT_CHECK(hean_redis_command_argv(r, r3_reply, b, 1, av, NULL) == 0);
	RT_CHECK(hean_redis_command_argv(r, r3_reply, b, 1, av, NULL) == 0);
	RT_CHECK(hean_redis_command_argv(r, r3_reply, b, 1, av, NULL) == 0);
}

static void r3_check(int revents, void *arg)
{
	struct basic *b = arg;

	RT_SAY("r3 replies=%d nulls=%d", b->r3_replies, b->r3_nulls);
	RT_CHECK(b->r3_replies == 1);
	RT_CHECK(b->r3_nulls == 2);
	b->closed = true;
	hean_redis_close(b->r); /* ev_run must return after this */
}

static void basic_next(struct basic *b)
{
	struct hean_redis *r = b->r;
	char *raw = NULL;
	int len;

	b->step++;
	switch (b->step) {
	case 1:
		RT_CHECK(hean_redis_command(r, basic_reply, b, "SET rt:basic %b", "v\0a b",
					    (size_t)5) == 0);
		RT_CHECK(hean_redis_in_flight(r) == 1);
		break;
	case 2: {
		const char *av[2] = { "GET", "rt:basic" };

		RT_CHECK(hean_redis_command_argv(r, basic_reply, b, 2, av, NULL) == 0);
		break;
	}
	case 3:
		len = redisFormatCommand(&raw, "INCR rt:n");
		RT_CHECK(len > 0);
		RT_CHECK(hean_redis_command_raw(r, basic_reply, b, raw, (size_t)len) == 0);
		free(raw);
		break;
	case 4:
		RT_CHECK(hean_redis_command(r, basic_reply, b, "HGET rt:basic x") == 0);
		break;
	case 5:
		RT_CHECK(hean_redis_command(r, NULL, NULL, "SET rt:ff 1") == 0);
		RT_CHECK(hean_redis_command(r, basic_reply, b, "GET rt:ff") == 0);
		RT_CHECK(hean_redis_in_flight(r) == 2);
		break;
	case 6: {
		const char *av[1] = { "PING" };
		const char *empty[1] = { "" };

		RT_CHECK(hean_redis_command_argv(r, NULL, NULL, 0, av, NULL) == -EINVAL);
		RT_CHECK(hean_redis_command(r, NULL, NULL, "SUBSCRIBE x") == -EINVAL);
		RT_CHECK(hean_redis_command(r, NULL, NULL, "") == -EINVAL);
		RT_CHECK(hean_redis_command_raw(r, NULL, NULL, "garbage\r\n", 9) == -EINVAL);
		RT_CHECK(hean_redis_command_argv(r, NULL, NULL, 1, empty, NULL) == -EINVAL);
		RT_CHECK(hean_redis_command_argv_deadline(r, 5000, basic_reply, b, 1, av, NULL) ==
			 0);
		break;
	}
	case 7: {
		struct hean_redis_args a;

		hean_redis_args_init(&a, "HSET", "rt:args");
		hean_redis_args_field(&a, "f1", "v1");
		hean_redis_args_field(&a, "f2", NULL);
		RT_CHECK(hean_redis_send_args(r, basic_reply, b, &a) == 0);
		/* an overfull builder is refused, never sent cut short */
		hean_redis_args_init(&a, "HSET", "rt:args");
		for (int i = 0; i < HEAN_REDIS_ARGS_MAX; i++) {
			hean_redis_args_add(&a, "x");
		}
		RT_CHECK(a.overflow && hean_redis_send_args(r, NULL, NULL, &a) == -E2BIG);
		break;
	}
	case 8: {
		struct hean_redis_args a;

		hean_redis_args_init(&a, "HMGET", "rt:args");
		hean_redis_args_add(&a, "f1");
		hean_redis_args_add(&a, "f2");
		RT_CHECK(hean_redis_send_args(r, basic_reply, b, &a) == 0);
		break;
	}
	case 9: {
		struct hean_redis_options o;

		RT_SAY("basic commands done");
		memset(&o, 0, sizeof(o));
		o.url = b->url;
		o.name = "r3";
		o.on_state = r3_state;
		o.data = b;
		b->r3 = hean_redis_create(loop, &o);
		RT_CHECK(b->r3 != NULL);
		/* 300 ms later: the deferred free has run, counts are final. */
		ev_once(loop, -1, 0, 0.3, r3_check, b);
		break;
	}
	default:
		b->closed = true;
		hean_redis_close(r);
		break;
	}
}

static void basic_state(struct hean_redis *r, bool up, void *data)
{
	struct basic *b = data;

	RT_SAY("state %s", up ? "up" : "down");
	if (up && b->step == 0) {
		RT_CHECK(hean_redis_is_up(r));
		basic_next(b);
	}
	if (!up) {
		RT_CHECK(b->closed); /* only the graceful close may take it down */
	}
}

static int run_basic(const char *url)
{
	struct basic b;
	struct hean_redis_options o;
	struct hean_redis_options bad;

	memset(&b, 0, sizeof(b));
	b.url = url;
	memset(&bad, 0, sizeof(bad));
	bad.url = "http://127.0.0.1:1/";
	RT_CHECK(hean_redis_create(loop, &bad) == NULL);
	bad.url = "not a url";
	RT_CHECK(hean_redis_create(loop, &bad) == NULL);

	memset(&o, 0, sizeof(o));
	o.url = url;
	o.name = "basic";
	o.on_state = basic_state;
	o.data = &b;
	b.r = hean_redis_create(loop, &o);
	RT_CHECK(b.r != NULL);
	if (!b.r) {
		return 1;
	}
	/* Not up before the PING reply: refused, callback never called. */
	RT_CHECK(!hean_redis_is_up(b.r));
	RT_CHECK(hean_redis_command(b.r, basic_reply, &b, "PING") == -ENOTCONN);
	ev_run(loop, 0); /* returns only if close() left nothing behind */
	RT_SAY("ev_run returned step=%d", b.step);
	RT_CHECK(b.step >= 9);
	RT_CHECK(b.closed);
	hean_redis_destroy(b.r);
	return 0;
}

/* ============================ cap ============================ */

struct cap {
	struct hean_redis *r;
	int replies;
	bool done;
};

static void cap_reply(struct hean_redis *r, redisReply *rep, void *priv)
{
	struct cap *c = priv;

	RT_CHECK(rep != NULL);
	c->replies++;
	if (c->replies == 10) {
		RT_CHECK(hean_redis_in_flight(r) == 0);
		/* Room again. */
		RT_CHECK(hean_redis_command(r, NULL, NULL, "PING") == 0);
		c->done = true;
		hean_redis_close(r);
	}
}

static void cap_state(struct hean_redis *r, bool up, void *data)
{
	struct cap *c = data;

	if (!up || c->replies) {
		return;
	}
	for (int i = 0; i < 10; i++) {
		RT_CHECK(hean_redis_command(r, cap_reply, c, "INCR rt:cap") == 0);
	}
	RT_CHECK(hean_redis_in_flight(r) == 10);
	RT_CHECK(hean_redis_command(r, cap_reply, c, "INCR rt:cap") == -ENOBUFS);
	RT_CHECK(hean_redis_command(r, NULL, NULL, "INCR rt:cap") == -ENOBUFS);
	RT_SAY("cap reached: in_flight=%u", hean_redis_in_flight(r));
}

static int run_cap(const char *url)
{
	struct cap c;
	struct hean_redis_options o;

	memset(&c, 0, sizeof(c));
	memset(&o, 0, sizeof(o));
	o.url = url;
	o.name = "cap";
	o.max_in_flight = 10;
	o.on_state = cap_state;
	o.data = &c;
	c.r = hean_redis_create(loop, &o);
	RT_CHECK(c.r != NULL);
	ev_run(loop, 0);
	RT_CHECK(c.done);
	RT_CHECK(c.replies == 10);
	hean_redis_destroy(c.r);
	return 0;
}

/* ============================ cas ============================ */

struct cas {
	struct hean_redis *r;
	int step;
};

static void cas_next(struct cas *c);

static void cas_reply(struct hean_redis *r, redisReply *rep, void *priv)
{
	struct cas *c = priv;
	/* expected reply per step */
	static const long long want[] = { 0, 1, 0, 0, 1, -1 };

	RT_CHECK(rep != NULL);
	if (rep && c->step <= 4) {
		RT_CHECK(rep->type == REDIS_REPLY_INTEGER);
		RT_CHECK(rep->integer == want[c->step]);
		RT_SAY("cas step=%d reply=%lld", c->step, rep->integer);
	} else if (rep && c->step == 5) {
		RT_CHECK(rep->type == REDIS_REPLY_STRING && strcmp(rep->str, "2000") == 0);
	} else if (rep && c->step == 7) {
		RT_CHECK(hean_redis_reply_is_error(rep, "ERR"));
		RT_SAY("cas on non-number: %s", rep->str);
	}
	cas_next(c);
}

static void cas_next(struct cas *c)
{
	struct hean_redis *r = c->r;

	c->step++;
	switch (c->step) {
	case 1: /* absent -> set */
		RT_CHECK(hean_redis_cas_max(r, "rt:cas", 1000, cas_reply, c) == 0);
		break;
	case 2: /* lower -> not set */
		RT_CHECK(hean_redis_cas_max(r, "rt:cas", 999, cas_reply, c) == 0);
		break;
	case 3: /* equal -> not set */
		RT_CHECK(hean_redis_cas_max(r, "rt:cas", 1000, cas_reply, c) == 0);
		break;
	case 4: /* higher -> set */
		RT_CHECK(hean_redis_cas_max(r, "rt:cas", 2000, cas_reply, c) == 0);
		break;
	case 5:
		RT_CHECK(hean_redis_command(r, cas_reply, c, "GET rt:cas") == 0);
		break;
	case 6:
		RT_CHECK(hean_redis_command(r, cas_reply, c, "SET rt:casbad abc") == 0);
		break;
	case 7:
		RT_CHECK(hean_redis_cas_max(r, "rt:casbad", 5, cas_reply, c) == 0);
		break;
	default:
		RT_CHECK(hean_redis_cas_max(r, "", 5, cas_reply, c) == -EINVAL);
		hean_redis_close(r);
		break;
	}
}

static void cas_state(struct hean_redis *r, bool up, void *data)
{
	struct cas *c = data;

	if (up && c->step == 0) {
		cas_next(c);
	}
}

static int run_cas(const char *url)
{
	struct cas c;
	struct hean_redis_options o;

	memset(&c, 0, sizeof(c));
	memset(&o, 0, sizeof(o));
	o.url = url;
	o.name = "cas";
	o.on_state = cas_state;
	o.data = &c;
	c.r = hean_redis_create(loop, &o);
	ev_run(loop, 0);
	RT_CHECK(c.step == 8);
	hean_redis_destroy(c.r);
	return 0;
}

/* ============================ fault ============================ */

struct fault {
	struct hean_redis *r;
	ev_timer tick;
	ev_signal term;
	unsigned long long sent, ok, nulls, errors, enotconn, enobufs;
	unsigned long long seq;
	int ups, downs;
};

static void fault_reply(struct hean_redis *r, redisReply *rep, void *priv)
{
	struct fault *f = priv;

	if (!rep) {
		if (f->nulls == 0) {
			RT_SAY("first_null");
		}
		f->nulls++;
	} else if (rep->type == REDIS_REPLY_ERROR) {
		f->errors++;
	} else {
		f->ok++;
	}
}

static void fault_tick(struct ev_loop *l, ev_timer *w, int revents)
{
	struct fault *f = w->data;
	char seq[24];
	const char *av[5] = { "XADD", "rt:fault", "*", "seq", seq };
	int rc;

	snprintf(seq, sizeof(seq), "%llu", ++f->seq);
	rc = hean_redis_command_argv(f->r, fault_reply, f, 5, av, NULL);
	if (rc == 0) {
		f->sent++;
	} else if (rc == -ENOTCONN) {
		f->enotconn++;
	} else if (rc == -ENOBUFS) {
		f->enobufs++;
	} else {
		RT_CHECK(0);
	}
}

static void fault_state(struct hean_redis *r, bool up, void *data)
{
	struct fault *f = data;

	if (up) {
		f->ups++;
	} else {
		f->downs++;
	}
	RT_SAY("%s n=%d reconnects=%llu", up ? "up" : "down", up ? f->ups : f->downs,
	       (unsigned long long)hean_redis_reconnects(r));
}

static void fault_term(struct ev_loop *l, ev_signal *w, int revents)
{
	struct fault *f = w->data;

	ev_timer_stop(l, &f->tick);
	ev_signal_stop(l, &f->term);
	hean_redis_close(f->r);
}

static int run_fault(const char *url)
{
	struct fault f;
	struct hean_redis_options o;

	memset(&f, 0, sizeof(f));
	memset(&o, 0, sizeof(o));
	o.url = url;
	o.name = "fault";
	o.reply_timeout_ms = rt_env_u("RT_REPLY_MS", 1000);
	o.connect_timeout_ms = rt_env_u("RT_CONNECT_MS", 1000);
	o.on_state = fault_state;
	o.data = &f;
	f.r = hean_redis_create(loop, &o);
	RT_CHECK(f.r != NULL);
	ev_timer_init(&f.tick, fault_tick, 0.002, 0.002);
	f.tick.data = &f;
	ev_timer_start(loop, &f.tick);
	ev_signal_init(&f.term, fault_term, SIGTERM);
	f.term.data = &f;
	ev_signal_start(loop, &f.term);
	ev_run(loop, 0);
	RT_SAY("summary sent=%llu ok=%llu null=%llu err=%llu enotconn=%llu enobufs=%llu "
	       "reconnects=%llu in_flight=%u",
	       f.sent, f.ok, f.nulls, f.errors, f.enotconn, f.enobufs,
	       (unsigned long long)hean_redis_reconnects(f.r), hean_redis_in_flight(f.r));
	/* Exactly one callback per accepted command. */
	RT_CHECK(f.sent == f.ok + f.nulls + f.errors);
	RT_CHECK(hean_redis_in_flight(f.r) == 0);
	hean_redis_destroy(f.r);
	return 0;
}

/* ============================ auth ============================ */

struct auth {
	struct hean_redis *r;
	ev_timer deadline;
	bool expect_up;
	bool was_up;
	bool got;
};

static void auth_reply(struct hean_redis *r, redisReply *rep, void *priv)
{
	struct auth *a = priv;

	RT_CHECK(rep && rep->type == REDIS_REPLY_STATUS);
	a->got = true;
	ev_timer_stop(loop, &a->deadline);
	hean_redis_close(r);
}

static void auth_state(struct hean_redis *r, bool up, void *data)
{
	struct auth *a = data;

	if (!up) {
		return;
	}
	a->was_up = true;
	RT_SAY("auth up");
	RT_CHECK(a->expect_up);
	RT_CHECK(hean_redis_command(r, auth_reply, a, "SET rt:auth yes") == 0);
}

static void auth_deadline(struct ev_loop *l, ev_timer *w, int revents)
{
	struct auth *a = w->data;

	RT_SAY("auth deadline was_up=%d", a->was_up);
	hean_redis_close(a->r);
}

static int run_auth(const char *url, const char *expect, double secs)
{
	struct auth a;
	struct hean_redis_options o;

	memset(&a, 0, sizeof(a));
	a.expect_up = strcmp(expect, "up") == 0;
	memset(&o, 0, sizeof(o));
	o.url = url;
	o.name = "auth";
	o.connect_timeout_ms = 1000;
	o.on_state = auth_state;
	o.data = &a;
	a.r = hean_redis_create(loop, &o);
	RT_CHECK(a.r != NULL);
	if (!a.r) {
		return 1;
	}
	ev_timer_init(&a.deadline, auth_deadline, secs, 0.);
	a.deadline.data = &a;
	ev_timer_start(loop, &a.deadline);
	ev_run(loop, 0);
	RT_CHECK(a.was_up == a.expect_up);
	if (a.expect_up) {
		RT_CHECK(a.got);
	}
	hean_redis_destroy(a.r);
	return 0;
}

/* ============================ bench ============================ */

struct bench {
	struct hean_redis *r;
	unsigned long long n, sent, done;
	unsigned window;
	double t0;
};

static void bench_fill(struct bench *b);

static void bench_reply(struct hean_redis *r, redisReply *rep, void *priv)
{
	struct bench *b = priv;

	RT_CHECK(rep != NULL);
	b->done++;
	if (b->done == b->n) {
		double s = ev_time() - b->t0;

		RT_SAY("bench n=%llu window=%u secs=%.3f cmds_per_s=%.0f", b->n, b->window, s,
		       b->n / s);
		hean_redis_close(r);
		return;
	}
	if (b->sent - b->done < b->window / 2) {
		bench_fill(b);
	}
}

static void bench_fill(struct bench *b)
{
	static const char *av[] = { "XADD", "rt:bench", "MAXLEN", "~", "100000", "*", "symbol",
				    "BTCUSDT", "last", "69079.8", "bid", "69079.7", "ask",
				    "69079.9", "ts", "1700000000000" };

	while (b->sent < b->n && b->sent - b->done < b->window) {
		if (hean_redis_command_argv(b->r, bench_reply, b, 16, av, NULL) != 0) {
			RT_CHECK(0);
			return;
		}
		b->sent++;
	}
}

static void bench_state(struct hean_redis *r, bool up, void *data)
{
	struct bench *b = data;

	if (up && b->sent == 0) {
		b->t0 = ev_time();
		bench_fill(b);
	}
}

static int run_bench(const char *url, unsigned long long n, unsigned window)
{
	struct bench b;
	struct hean_redis_options o;

	memset(&b, 0, sizeof(b));
	b.n = n;
	b.window = window;
	memset(&o, 0, sizeof(o));
	o.url = url;
	o.name = "bench";
	o.max_in_flight = window;
	o.on_state = bench_state;
	o.data = &b;
	b.r = hean_redis_create(loop, &o);
	ev_run(loop, 0);
	RT_CHECK(b.done == n);
	hean_redis_destroy(b.r);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode, *url;
	int rc = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: rt_redis basic|cap|cas|fault|auth URL [args]\n");
		return 2;
	}
	rt_log_init("rt_redis");
	signal(SIGPIPE, SIG_IGN);
	loop = ev_default_loop(0);
	mode = argv[1];
	url = argv[2];
	if (strcmp(mode, "basic") == 0) {
		rc = run_basic(url);
	} else if (strcmp(mode, "cap") == 0) {
		rc = run_cap(url);
	} else if (strcmp(mode, "cas") == 0) {
		rc = run_cas(url);
	} else if (strcmp(mode, "fault") == 0) {
		rc = run_fault(url);
	} else if (strcmp(mode, "bench") == 0 && argc >= 5) {
		rc = run_bench(url, strtoull(argv[3], NULL, 10), (unsigned)atoi(argv[4]));
	} else if (strcmp(mode, "auth") == 0 && argc >= 5) {
		rc = run_auth(url, argv[3], atof(argv[4]));
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	ev_loop_destroy(loop);
	hean_log_finish();
	if (rc != 0 || rt_failures) {
		fprintf(stdout, "FAILED (%d checks)\n", rt_failures);
		return 1;
	}
	fprintf(stdout, "PASS %s\n", mode);
	return 0;
}
