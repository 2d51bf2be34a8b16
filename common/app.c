/* common/app: config -> log -> loop -> Redis command link -> health, and
 * the shutdown order: daemon's on_stop, health stop, graceful Redis close;
 * ev_run then returns because nothing is left on the loop. */
#include "common/app.h"
#include "common/resolve.h"

#include "common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>

static void app_on_stop(struct hean_loop *l, void *data)
{
	struct hean_app *app = data;

	/* common/loop has logged event=stopping. */
	if (app->on_stop) {
		app->on_stop(app, app->data);
	}
	hean_health_stop(app->health);
	hean_lease_release(app->lease);
	hean_redis_close(app->redis);
}

static void app_on_redis(struct hean_redis *r, bool up, void *data)
{
	struct hean_app *app = data;

	hean_health_on_redis(app->health, up);
	hean_lease_on_redis(app->lease, up);
	if (app->on_redis) {
		app->on_redis(app, up, app->data);
	}
}

static void lease_acquired(struct hean_lease *l, void *data)
{
	struct hean_app *app = data;

	log_info("event=lease_acquired key=%s token=%s", hean_lease_key(l), hean_lease_token(l));
	hean_health_set_standby(app->health, false);
	hean_health_set_state(app->health, "starting", "lease acquired");
	hean_health_event(app->health, "lease_acquired", "token=%s", hean_lease_token(l));
	if (app->lease_waiting) {
		ev_break(app->loop.loop, EVBREAK_ONE);
	}
}

static void lease_standby(struct hean_lease *l, const char *holder, void *data)
{
	struct hean_app *app = data;
	char detail[256];

	log_warn("event=standby key=%s holder=%s: another copy is active; waiting to take over",
		 hean_lease_key(l), holder);
	snprintf(detail, sizeof(detail), "lease held by %.200s", holder);
	hean_health_set_state(app->health, "standby", detail);
}

/* Another copy may be active now: stop acting at once, never touch the
 * active hash again, exit non-zero (a supervisor restarts us as standby). */
static void lease_lost(struct hean_lease *l, const char *why, void *data)
{
	struct hean_app *app = data;

	log_error("event=lease_lost key=%s why=\"%s\": stopping", hean_lease_key(l), why);
	hean_health_fence(app->health);
	hean_health_event(app->health, "lease_lost", "%s", why);
	app->loop.exit_code = HEAN_EXIT_LEASE_LOST;
	hean_loop_stop(&app->loop);
}

/* Waits as standby until the lease is ours. Returns 0 (active) or 1 (a
 * stop signal came first). */
static int wait_for_lease(struct hean_app *app)
{
	static const struct hean_lease_ops ops = {
		.acquired = lease_acquired,
		.lost = lease_lost,
		.standby = lease_standby,
	};

	app->lease = hean_lease_create(app->loop.loop, app->redis, &app->cfg, &ops, app);
	if (!app->lease) {
		return -ENOMEM;
	}
	hean_health_set_standby(app->health, true);
	app->lease_waiting = true;
	hean_lease_start(app->lease);
	if (!hean_lease_held(app->lease)) {
		ev_run(app->loop.loop, 0);
	}
	app->lease_waiting = false;
	if (!hean_lease_held(app->lease)) {
		log_info("event=exit proc=%s code=0 (stopped before holding the lease)", app->cfg.proc_name);
		return 1;
	}
	return 0;
}

/* The effective configuration, secrets masked, one debug line per key. */
static void dump_config(const struct hean_config *cfg)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f;

	if (hean_log_get_level() > HEAN_LOG_DEBUG) {
		return;
	}
	f = open_memstream(&buf, &len);
	if (!f) {
		return;
	}
	hean_config_dump(cfg, f);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		log_debug("config %s", line);
	}
	free(buf);
}

/* Every daemon holds secrets (its environment carries the Redis password,
 * the executor's API secret, the signal token): no core dump may write
 * them to disk and no other process of the same user may ptrace it or read
 * its /proc/PID/environ or mem. Done before anything is read. */
int hean_app_harden(void)
{
	struct rlimit nocore = {0, 0};
	int rc = 0;

	if (setrlimit(RLIMIT_CORE, &nocore) < 0) {
		rc = -errno;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		rc = -errno;
	}
	return rc;
}

int hean_app_init(struct hean_app *app, const char *role, int argc, char **argv)
{
	struct hean_redis_options ro;
	enum hean_log_level level = HEAN_LOG_INFO;
	char err[512];
	int rc;

	memset(app, 0, sizeof(*app));
	err[0] = 0;
	int hrc = hean_app_harden();

	rc = hean_config_load(&app->cfg, role, argc, argv, err, sizeof(err));
	if (rc == 1) {
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "hean-%s: %s\n", role, err[0] ? err : "invalid configuration");
		return -EINVAL;
	}
	if (hean_log_level_parse(app->cfg.log_level, &level) < 0) {
		level = HEAN_LOG_INFO;
	}
	rc = hean_log_init(app->cfg.proc_name, app->cfg.log_file[0] ? app->cfg.log_file : NULL,
			   level);
	if (rc < 0) {
		log_warn("event=log_open_failed path=%s err=%d (using stderr)", app->cfg.log_file,
			 rc);
	}
	hean_log_set_json(!strcmp(app->cfg.log_format, "json"));
	hean_log_route_lws();
	log_info("event=start proc=%s role=%s version=%s pid=%ld", app->cfg.proc_name, role,
		 hean_version(), (long)getpid());
	if (hrc < 0) {
		log_warn("event=harden_failed err=%d (core dumps or ptrace may expose secrets)", hrc);
	}
	dump_config(&app->cfg);
	hean_net_set_from_config(&app->cfg); /* CA bundle + DNS for ws/http */

	rc = hean_loop_init(&app->loop, app_on_stop, app);
	if (rc < 0) {
		log_error("event=loop_init_failed err=%d", rc);
		return rc;
	}
	memset(&ro, 0, sizeof(ro));
	ro.url = app->cfg.redis_url;
	ro.name = "cmd";
	ro.on_state = app_on_redis;
	ro.data = app;
	app->redis = hean_redis_create(app->loop.loop, &ro);
	if (!app->redis) {
		log_error("event=redis_create_failed");
		return -EINVAL;
	}
	app->health = hean_health_create(app->loop.loop, app->redis, &app->cfg);
	if (!app->health) {
		log_error("event=health_create_failed");
		return -ENOMEM;
	}
	if (app->cfg.lease_ttl_ms > 0) {
		rc = wait_for_lease(app);
		if (rc < 0) {
			log_error("event=lease_create_failed err=%d", rc);
		}
		return rc;
	}
	return 0;
}

int hean_app_run(struct hean_app *app)
{
	/* The command link came up while this copy waited for its lease,
	 * before the daemon set on_redis: tell it now, as on a reconnect. */
	if (app->lease && app->on_redis && hean_redis_is_up(app->redis)) {
		app->on_redis(app, true, app->data);
	}
	hean_loop_run(&app->loop);
	log_info("event=exit proc=%s code=%d", app->cfg.proc_name, app->loop.exit_code);
	return app->loop.exit_code;
}

void hean_app_finish(struct hean_app *app)
{
	if (!app) {
		return;
	}
	hean_health_destroy(app->health);
	app->health = NULL;
	hean_redis_destroy(app->redis);
	app->redis = NULL;
	hean_lease_destroy(app->lease); /* after the link: its replies use it */
	app->lease = NULL;
	if (app->loop.loop) {
		hean_loop_finish(&app->loop);
	}
	hean_config_finish(&app->cfg);
	hean_log_finish();
}

const char *hean_app_key(const struct hean_app *app, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!buf || len == 0) {
		return buf;
	}
	n = snprintf(buf, len, "%s", app->cfg.prefix);
	if (n < 0 || (size_t)n >= len) {
		return buf;
	}
	va_start(ap, fmt);
	vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	return buf;
}

void hean_app_hook(struct hean_app *app, hean_app_stop_fn *on_stop, hean_app_redis_fn *on_redis,
		   void *data)
{
	app->on_stop = on_stop;
	app->on_redis = on_redis;
	app->data = data;
}

void hean_app_unhook(struct hean_app *app)
{
	hean_app_hook(app, NULL, NULL, NULL);
}
