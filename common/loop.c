/* common/loop: the one libev loop of a process and its signals.
 *
 * SIGINT/SIGTERM: the first calls on_stop once (the app stops its timers
 * and closes its connections), the signal watchers are unref'd so they do
 * not keep the loop alive, and a 5 s force timer (also unref'd) breaks the
 * loop if shutdown hangs. A second SIGINT/SIGTERM breaks out at once.
 * SIGHUP re-opens the log. SIGPIPE is ignored (a dead peer is an EPIPE
 * write error, never a process kill).
 *
 * libev bookkeeping: ev_unref() on an active watcher must be balanced by
 * ev_ref() before that watcher stops, or the loop's active count goes
 * wrong (and ev_run may never return). Every stop path below does so. */
#include "common/loop.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "common/log.h"

#define FORCE_STOP_S 5.0

static void unref_signals(struct hean_loop *l)
{
	ev_unref(l->loop); /* sigint */
	ev_unref(l->loop); /* sigterm */
	ev_unref(l->loop); /* sighup */
}

static void on_force(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct hean_loop *l = w->data;

	/* the timer stopped itself (one-shot) while unref'd: rebalance */
	ev_ref(loop);
	log_error("event=stop_forced after_s=%.0f: shutdown did not finish, breaking the loop",
		  FORCE_STOP_S);
	(void)l;
	ev_break(loop, EVBREAK_ALL);
}

static void begin_stop(struct hean_loop *l, const char *why)
{
	if (l->stopping) {
		log_warn("event=stop_again reason=%s: breaking the loop now", why);
		ev_break(l->loop, EVBREAK_ALL);
		return;
	}
	l->stopping = true;
	log_info("event=stopping reason=%s", why);
	unref_signals(l);
	ev_timer_set(&l->force, FORCE_STOP_S, 0.);
	ev_timer_start(l->loop, &l->force);
	ev_unref(l->loop);
	if (l->on_stop) {
		l->on_stop(l, l->data);
	}
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct hean_loop *l = w->data;

	if (w->signum == SIGHUP) {
		int rc = hean_log_reopen();

		if (rc < 0) {
			log_error("event=log_reopen_failed error=%s", strerror(-rc));
		} else {
			log_info("event=log_reopened");
		}
		return;
	}
	begin_stop(l, w->signum == SIGINT ? "SIGINT" : "SIGTERM");
}

/* Initialises the default loop, the SIGINT/SIGTERM/SIGHUP watchers and
 * the (not yet started) force timer; ignores SIGPIPE. on_stop is called
 * once on the first stop request. Returns 0 or -ENOMEM/-errno. */
int hean_loop_init(struct hean_loop *l, hean_loop_stop_fn *on_stop, void *data)
{
	memset(l, 0, sizeof(*l));
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		return -errno;
	}
	l->loop = ev_default_loop(EVFLAG_AUTO);
	if (!l->loop) {
		return -ENOMEM;
	}
	l->on_stop = on_stop;
	l->data = data;
	ev_signal_init(&l->sigint, on_signal, SIGINT);
	ev_signal_init(&l->sigterm, on_signal, SIGTERM);
	ev_signal_init(&l->sighup, on_signal, SIGHUP);
	ev_init(&l->force, on_force);
	l->sigint.data = l->sigterm.data = l->sighup.data = l->force.data = l;
	ev_signal_start(l->loop, &l->sigint);
	ev_signal_start(l->loop, &l->sigterm);
	ev_signal_start(l->loop, &l->sighup);
	return 0;
}

/* Runs the loop until no (referenced) watcher is left or the force timer
 * breaks out. A pending force timer is stopped before returning. */
void hean_loop_run(struct hean_loop *l)
{
	ev_run(l->loop, 0);
	if (ev_is_active(&l->force)) {
		ev_ref(l->loop);
		ev_timer_stop(l->loop, &l->force);
	}
}

/* Requests a stop as if SIGTERM had arrived; exit_code is kept. */
void hean_loop_stop(struct hean_loop *l)
{
	if (!l->stopping) {
		begin_stop(l, "requested");
	}
}

/* Stops the signal watchers (rebalancing their unref) and the force timer,
 * then destroys the default loop. Safe after a failed or partial init. */
void hean_loop_finish(struct hean_loop *l)
{
	if (!l->loop) {
		return;
	}
	if (ev_is_active(&l->force)) {
		ev_ref(l->loop);
		ev_timer_stop(l->loop, &l->force);
	}
	if (l->stopping) {
		ev_ref(l->loop);
		ev_ref(l->loop);
		ev_ref(l->loop);
	}
	ev_signal_stop(l->loop, &l->sigint);
	ev_signal_stop(l->loop, &l->sigterm);
	ev_signal_stop(l->loop, &l->sighup);
	ev_loop_destroy(l->loop);
	l->loop = NULL;
}
