/* rt_want URL ROLE: common/want on a common/redis link, driven by lines on
 * stdin (for tests/common/want.sh):
 *   set SYM...   clear, add each, flush: prints "flush rc=N n=N"
 *   flush        flush the current set again: prints "flush rc=N n=N"
 *   stats        prints "stats writes=N errors=N written=0|1"
 *   freeze       later flushes pass the time of now as now_ms (so the
 *                refresh never falls due: only a change or a failed
 *                write can make them write)
 * and prints "redis up|down" on link changes. EOF or SIGTERM: graceful
 * close, exit 0 (1 if a check failed). */
#include "common/config.h"
#include "common/want.h"
#include "rt_common.h"

#include <ev.h>
#include <signal.h>
#include <unistd.h>

struct app {
	struct ev_loop *loop;
	struct hean_redis *r;
	struct hean_want w;
	ev_io in;
	ev_signal term;
	char buf[8192];
	size_t len;
	int64_t frozen_ms; /* 0: the wall clock */
};

static void on_state(struct hean_redis *r, bool up, void *data)
{
	(void)r;
	(void)data;
	RT_SAY("redis %s", up ? "up" : "down");
}

static void finish(struct app *a)
{
	ev_io_stop(a->loop, &a->in);
	ev_signal_stop(a->loop, &a->term);
	hean_redis_close(a->r);
}

static void line(struct app *a, char *l)
{
	char *tok, *save = NULL;

	tok = strtok_r(l, " \t", &save);
	if (!tok) {
		return;
	}
	if (strcmp(tok, "set") == 0) {
		hean_want_clear(&a->w);
		while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
			RT_CHECK(hean_want_add(&a->w, tok));
		}
	}
	if (strcmp(l, "set") == 0 || strcmp(l, "flush") == 0) {
		int64_t now = a->frozen_ms ? a->frozen_ms : hean_time_now_ms();

		RT_SAY("flush rc=%d n=%zu", hean_want_flush(&a->w, now), a->w.n);
	} else if (strcmp(l, "freeze") == 0) {
		a->frozen_ms = hean_time_now_ms();
	} else if (strcmp(l, "stats") == 0) {
		RT_SAY("stats writes=%llu errors=%llu written=%d", (unsigned long long)a->w.writes,
		       (unsigned long long)a->w.write_errors, a->w.written_ms != 0);
	}
}

static void on_in(struct ev_loop *loop, ev_io *io, int revents)
{
	struct app *a = io->data;
	ssize_t n = read(io->fd, a->buf + a->len, sizeof(a->buf) - 1 - a->len);
	char *nl;

	(void)loop;
	(void)revents;
	if (n <= 0) {
		finish(a);
		return;
	}
	a->len += (size_t)n;
	a->buf[a->len] = '\0';
	while ((nl = strchr(a->buf, '\n')) != NULL) {
		*nl = '\0';
		line(a, a->buf);
		a->len -= (size_t)(nl + 1 - a->buf);
		memmove(a->buf, nl + 1, a->len + 1);
	}
}

static void on_term(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	finish(w->data);
}

int main(int argc, char **argv)
{
	static struct hean_config cfg; /* large: not on the stack */
	static struct app a;
	struct hean_redis_options ro;

	if (argc < 3) {
		fprintf(stderr, "usage: rt_want URL ROLE\n");
		return 2;
	}
	rt_log_init("rt_want");
	signal(SIGPIPE, SIG_IGN);
	a.loop = ev_default_loop(0);
	snprintf(cfg.prefix, sizeof(cfg.prefix), "hean:");
	memset(&ro, 0, sizeof(ro));
	ro.url = argv[1];
	ro.name = "cmd";
	ro.reply_timeout_ms = 500;
	ro.on_state = on_state;
	ro.data = &a;
	a.r = hean_redis_create(a.loop, &ro);
	RT_CHECK(a.r != NULL);
	if (!a.r || hean_want_init(&a.w, &cfg, a.r, argv[2]) < 0) {
		return 1;
	}
	ev_io_init(&a.in, on_in, 0, EV_READ);
	a.in.data = &a;
	ev_io_start(a.loop, &a.in);
	ev_signal_init(&a.term, on_term, SIGTERM);
	a.term.data = &a;
	ev_signal_start(a.loop, &a.term);
	ev_run(a.loop, 0);
	hean_redis_destroy(a.r);
	hean_want_finish(&a.w);
	ev_loop_destroy(a.loop);
	RT_SAY("exit failures=%d", rt_failures);
	hean_log_finish();
	return rt_failures ? 1 : 0;
}
