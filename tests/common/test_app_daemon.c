/* test_app_daemon: the smallest daemon built on common/app. Writes health
 * ("running" once Redis is up), counts work ticks, exits 0 on SIGTERM.
 * main() has exactly the shape every daemon's main.c has. */
#include "common/app.h"
#include "common/log.h"

#include <ev.h>

struct daemon {
	ev_timer work;
	int64_t ticks;
};

static void on_work(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct hean_app *app = w->data;
	struct daemon *d = app->data;

	d->ticks++;
	hean_health_msg(app->health);
	hean_health_set_int(app->health, "work_ticks", d->ticks);
}

static void on_redis(struct hean_app *app, bool up, void *data)
{
	if (up) {
		hean_health_set_state(app->health, "running", "test daemon");
	}
}

static void on_stop(struct hean_app *app, void *data)
{
	struct daemon *d = data;

	ev_timer_stop(app->loop.loop, &d->work);
}

int main(int argc, char **argv)
{
	static struct hean_app app; /* large (config): not on the stack */
	struct daemon d = { 0 };
	char key[128];
	int rc;

	rc = hean_app_init(&app, "apptest", argc, argv);
	if (rc != 0) {
		hean_app_finish(&app);
		return rc == 1 ? 0 : 2;
	}
	app.on_stop = on_stop;
	app.on_redis = on_redis;
	app.data = &d;
	log_info("event=ready key=%s", hean_app_key(&app, key, sizeof(key), "health:%s",
						    app.cfg.proc_name));
	ev_timer_init(&d.work, on_work, 0.1, 0.1);
	d.work.data = &app;
	ev_timer_start(app.loop.loop, &d.work);
	rc = hean_app_run(&app);
	hean_app_finish(&app);
	return rc;
}
