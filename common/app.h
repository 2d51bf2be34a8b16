/* common/app: the part of every daemon's main that is the same for all
 * four: config -> log -> loop (signals) -> Redis command link -> health.
 *
 * The shape of every daemon's main.c (signals/main.c is the model):
 *
 *   struct hean_app app;
 *   struct <d>_app *d = NULL;
 *   int rc;
 *
 *   memset(&app, 0, sizeof(app));
 *   rc = hean_app_init(&app, "<role>", argc, argv);
 *   if (rc == 0) {
 *           d = <d>_app_start(&app);
 *           rc = d ? hean_app_run(&app) : 2;
 *   } else {
 *           rc = rc == 1 ? 0 : 2;
 *   }
 *   <d>_app_close(d);
 *   hean_app_finish(&app);
 *   <d>_app_destroy(d);
 *   return rc;
 *
 * 1. hean_app_init: config, log, loop, Redis, health, lease.
 * 2. <d>_app_start (in <d>/app.c, not main.c): creates the modules,
 *    registers its callbacks itself (hean_app_hook), starts them; NULL on
 *    failure with nothing left running (hean_app_unhook first).
 * 3. hean_app_run: until SIGINT/SIGTERM (or a lost lease).
 * 4. Finish, always this order, the same after a failed start:
 *    <d>_app_close: what borrows the loop and the lws context (WebSocket
 *      connections, timers);
 *    hean_app_finish: Redis goes; replies still due run now and must find
 *      the modules alive (they see "stopping");
 *    <d>_app_destroy: the rest (publishers, state) and d itself.
 *    Both take NULL.
 *
 * Shutdown: on SIGINT/SIGTERM the app calls the daemon's on_stop (which
 * stops its own watchers and connections: WebSockets through
 * hean_ws_ctx_shutdown), then stops health and closes Redis gracefully,
 * so ev_run returns with nothing left. */
#ifndef HEAN_COMMON_APP_H
#define HEAN_COMMON_APP_H

#include "common/config.h"
#include "common/health.h"
#include "common/lease.h"
#include "common/loop.h"
#include "common/redis.h"

struct hean_app;
typedef void hean_app_stop_fn(struct hean_app *app, void *data);
/* Optional: Redis command link up/down (daemons re-sync on up). */
typedef void hean_app_redis_fn(struct hean_app *app, bool up, void *data);

struct hean_app {
	struct hean_config cfg;
	struct hean_loop loop;
	struct hean_redis *redis;   /* owned: command connection */
	struct hean_health *health; /* owned */
	hean_app_stop_fn *on_stop;  /* set by the daemon before hean_app_run */
	hean_app_redis_fn *on_redis;
	void *data;                 /* the daemon's own state */
	struct hean_lease *lease;   /* owned; NULL with HEAN_LEASE_TTL_MS=0 */
	bool lease_waiting;         /* in hean_app_init, standby */
};

/* Exit status of a daemon that lost its lease (another copy is active). */
#define HEAN_EXIT_LEASE_LOST 3

/* Hardens the process (hean_app_harden), loads config (role names the
 * process; the command line may only ask for --help, --version,
 * --dump-config, --get KEY or --redis-target: printed, returns 1), opens
 * the log, inits the loop, creates the Redis command link and the health
 * writer (state "starting").
 * With HEAN_LEASE_TTL_MS > 0 it then runs the loop until this copy holds
 * the lease {prefix}lease:{proc} (common/lease.h): meanwhile it is a
 * standby (log event=standby, hash {prefix}health:{proc}:standby, state
 * "standby") and the daemon has not started. Losing the lease later stops
 * the process with HEAN_EXIT_LEASE_LOST.
 * Returns 0, 1 (exit 0: printed, or stopped while standby) or -errno
 * (logged; exit 2). */
int hean_app_init(struct hean_app *app, const char *role, int argc, char **argv);

/* Disables core dumps (RLIMIT_CORE 0) and ptrace attach / reading of
 * /proc/PID/{environ,mem} by other processes (PR_SET_DUMPABLE 0).
 * hean_app_init calls it first. Returns 0 or -errno. */
int hean_app_harden(void);

/* Runs the loop until a clean stop. Returns the process exit code. */
int hean_app_run(struct hean_app *app);

/* Frees everything hean_app_init created (safe after a failed init). */
void hean_app_finish(struct hean_app *app);

/* The daemon's callbacks and state (app->on_stop, on_redis, data), set
 * by its <d>_app_start; unhook clears them when a start fails. */
void hean_app_hook(struct hean_app *app, hean_app_stop_fn *on_stop, hean_app_redis_fn *on_redis,
		   void *data);
void hean_app_unhook(struct hean_app *app);

/* Prefixed key helper: "hean:" + fmt. Returns buf. */
const char *hean_app_key(const struct hean_app *app, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
