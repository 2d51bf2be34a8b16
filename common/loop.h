/* common/loop: one libev loop per process; SIGINT/SIGTERM graceful stop,
 * SIGHUP reopens the log. */
#ifndef HEAN_COMMON_LOOP_H
#define HEAN_COMMON_LOOP_H

#include <ev.h>
#include <stdbool.h>

struct hean_loop;
/* Called once on the first SIGINT/SIGTERM: the app stops its timers,
 * closes its connections; ev_run then returns once no watcher is left. */
typedef void hean_loop_stop_fn(struct hean_loop *l, void *data);

struct hean_loop {
	struct ev_loop *loop;
	ev_signal sigint, sigterm, sighup;
	ev_timer force; /* 5 s fallback: ev_break if shutdown hangs */
	hean_loop_stop_fn *on_stop;
	void *data;
	bool stopping;
	int exit_code;
};

/* Initialises the default loop and the signal watchers (SIGPIPE ignored).
 * Returns 0 or -errno. */
int hean_loop_init(struct hean_loop *l, hean_loop_stop_fn *on_stop, void *data);

/* Runs until every watcher is gone or the force timer breaks out. */
void hean_loop_run(struct hean_loop *l);

/* Requests a stop as if SIGTERM had arrived (exit_code kept). */
void hean_loop_stop(struct hean_loop *l);

/* Stops the signal watchers and destroys the loop. */
void hean_loop_finish(struct hean_loop *l);

#endif
