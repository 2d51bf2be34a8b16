/* hean-signals: the signal-server client. Connects, authenticates, takes
 * every buffer and push, validates each signal and publishes every id once
 * to hean:signals. See session.h (the connection) and publish.h (Redis).
 *
 * Usage: hean-signals [--config FILE] [--log FILE]; settings from HEAN_*. */
#include "common/app.h"
#include "common/log.h"
#include "signals/publish.h"
#include "signals/session.h"

#include <string.h>

struct signals_app {
	struct signals_publish *pub;     /* owned */
	struct signals_session *session; /* owned */
};

static void on_stop(struct hean_app *app, void *data)
{
	struct signals_app *sa = data;

	signals_session_stop(sa->session);
	signals_publish_stop(sa->pub);
}

static void on_redis(struct hean_app *app, bool up, void *data)
{
	struct signals_app *sa = data;

	signals_publish_redis(sa->pub, up);
}

int main(int argc, char **argv)
{
	struct hean_app app;
	struct signals_app sa;
	int rc;

	memset(&app, 0, sizeof(app));
	memset(&sa, 0, sizeof(sa));
	rc = hean_app_init(&app, "signals", argc, argv);
	if (rc != 0) {
		hean_app_finish(&app);
		return rc == 1 ? 0 : 2;
	}
	sa.pub = signals_publish_create(&app);
	if (!sa.pub) {
		log_error("event=start_failed what=publish err=\"out of memory\"");
		goto fail;
	}
	sa.session = signals_session_create(&app, sa.pub);
	if (!sa.session) {
		goto fail;
	}
	app.on_stop = on_stop;
	app.on_redis = on_redis;
	app.data = &sa;
	if (signals_session_start(sa.session) < 0) {
		log_error("event=start_failed what=session");
		goto fail;
	}
	rc = hean_app_run(&app);

	/* the connection first; then the app (Redis: replies still due run
	 * into pub, which is stopping); pub last */
	signals_session_destroy(sa.session);
	hean_app_finish(&app);
	signals_publish_destroy(sa.pub);
	return rc;
fail:
	signals_session_destroy(sa.session);
	hean_app_finish(&app);
	signals_publish_destroy(sa.pub);
	return 2;
}
