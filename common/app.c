/* common/app: config -> log -> loop -> Redis command link -> health, and
 * the shutdown order: daemon's on_stop, health stop, graceful Redis close;
 * ev_run then returns because nothing is left on the loop. */
#include "common/app.h"

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
	hean_redis_close(app->redis);
}

static void app_on_redis(struct hean_redis *r, bool up, void *data)
{
	struct hean_app *app = data;

	hean_health_on_redis(app->health, up);
	if (app->on_redis) {
		app->on_redis(app, up, app->data);
	}
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
	hean_log_route_lws();
	log_info("event=start proc=%s role=%s version=%s pid=%ld", app->cfg.proc_name, role,
		 hean_version(), (long)getpid());
	if (hrc < 0) {
		log_warn("event=harden_failed err=%d (core dumps or ptrace may expose secrets)", hrc);
	}
	dump_config(&app->cfg);

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
	return 0;
}

int hean_app_run(struct hean_app *app)
{
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
