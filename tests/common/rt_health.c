/* rt_health URL PROC: common/health on a common/redis command link.
 * State "running" once the link is up; every 200 ms an event "tick" with
 * detail "i=N" (printed as "T=... emit i=N up=0|1"), last_msg_ms and a
 * counter. SIGTERM: health stop, graceful close, exit 0. */
#include "common/config.h"
#include "common/health.h"
#include "rt_common.h"

#include <ev.h>
#include <signal.h>

struct app {
	struct ev_loop *loop;
	struct hean_redis *r;
	struct hean_health *h;
	ev_timer tick;
	ev_signal term;
	unsigned i;
};

static void on_state(struct hean_redis *r, bool up, void *data)
{
	struct app *a = data;

	RT_SAY("redis %s", up ? "up" : "down");
	hean_health_on_redis(a->h, up);
	if (up) {
		hean_health_set_state(a->h, "running", "test");
	}
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct app *a = w->data;

	a->i++;
	hean_health_msg(a->h);
	hean_health_add_int(a->h, "ticks", 1);
	hean_health_event(a->h, "tick", "i=%u", a->i);
	if (a->i <= 5) {
		hean_health_attempt(a->h); /* "connects" during the first second, then stops */
	}
	RT_SAY("emit i=%u up=%d", a->i, hean_redis_is_up(a->r) ? 1 : 0);
}

static void on_term(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct app *a = w->data;

	ev_signal_stop(loop, w);
	ev_timer_stop(loop, &a->tick);
	hean_health_stop(a->h);
	hean_redis_close(a->r);
}

int main(int argc, char **argv)
{
	static struct hean_config cfg; /* large: not on the stack */
	struct app a;
	struct hean_redis_options ro;

	if (argc < 3) {
		fprintf(stderr, "usage: rt_health URL PROC\n");
		return 2;
	}
	rt_log_init("rt_health");
	signal(SIGPIPE, SIG_IGN);
	memset(&a, 0, sizeof(a));
	a.loop = ev_default_loop(0);
	snprintf(cfg.prefix, sizeof(cfg.prefix), "hean:");
	snprintf(cfg.role, sizeof(cfg.role), "rt");
	snprintf(cfg.proc_name, sizeof(cfg.proc_name), "%s", argv[2]);

	memset(&ro, 0, sizeof(ro));
	ro.url = argv[1];
	ro.name = "cmd";
	ro.on_state = on_state;
	ro.data = &a;
	a.r = hean_redis_create(a.loop, &ro);
	RT_CHECK(a.r != NULL);
	a.h = hean_health_create(a.loop, a.r, &cfg);
	RT_CHECK(a.h != NULL);
	if (!a.r || !a.h) {
		return 1;
	}
	RT_CHECK(strcmp(hean_health_state(a.h), "starting") == 0);
	hean_health_set_str(a.h, "mode", "test");
	hean_health_set_int(a.h, "ticks", 0);
	ev_timer_init(&a.tick, on_tick, 0.2, 0.2);
	a.tick.data = &a;
	ev_timer_start(a.loop, &a.tick);
	ev_signal_init(&a.term, on_term, SIGTERM);
	a.term.data = &a;
	ev_signal_start(a.loop, &a.term);
	ev_run(a.loop, 0);
	hean_health_destroy(a.h);
	hean_redis_destroy(a.r);
	ev_loop_destroy(a.loop);
	RT_SAY("exit failures=%d", rt_failures);
	hean_log_finish();
	return rt_failures ? 1 : 0;
}
