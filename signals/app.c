/* signals/app: wires the publisher and the session to the app. See app.h. */
#include "signals/app.h"

#include "common/log.h"
#include "signals/publish.h"
#include "signals/session.h"

#include <stdlib.h>

struct signals_app {
	struct signals_publish *pub;     /* owned */
	struct signals_session *session; /* owned */
};

/* SIGINT/SIGTERM: the connection closes (1000), the publisher stops
 * reading; the app then closes Redis and the loop runs dry. */
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

struct signals_app *signals_app_start(struct hean_app *app)
{
	struct signals_app *sa = calloc(1, sizeof(*sa));

	if (!sa) {
		log_error("event=start_failed what=app err=\"out of memory\"");
		return NULL;
	}
	sa->pub = signals_publish_create(app);
	if (!sa->pub) {
		log_error("event=start_failed what=publish err=\"out of memory\"");
		goto fail;
	}
	sa->session = signals_session_create(app, sa->pub);
	if (!sa->session) {
		goto fail;
	}
	hean_app_hook(app, on_stop, on_redis, sa);
	if (signals_session_start(sa->session) < 0) {
		log_error("event=start_failed what=session");
		goto fail;
	}
	return sa;
fail:
	hean_app_unhook(app);
	signals_app_close(sa);
	signals_app_destroy(sa);
	return NULL;
}

void signals_app_close(struct signals_app *sa)
{
	if (sa) {
		signals_session_destroy(sa->session);
		sa->session = NULL;
	}
}

void signals_app_destroy(struct signals_app *sa)
{
	if (!sa) {
		return;
	}
	signals_session_destroy(sa->session); /* when close was skipped */
	signals_publish_destroy(sa->pub);
	free(sa);
}
