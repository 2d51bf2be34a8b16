/* hean-signals: the signal-server client. Connects, authenticates, takes
 * every buffer and push, validates each signal and publishes every id once
 * to hean:signals. See session.h (the connection) and publish.h (Redis).
 *
 * Usage: hean-signals [--config FILE] [--log FILE]; settings from HEAN_*.
 *
 * The shape every daemon's main.c shares (common/app.h). */
#include "common/app.h"
#include "signals/app.h"

#include <string.h>

int main(int argc, char **argv)
{
	struct hean_app app;
	struct signals_app *sa = NULL;
	int rc;

	memset(&app, 0, sizeof(app));
	rc = hean_app_init(&app, "signals", argc, argv);
	if (rc == 0) {
		sa = signals_app_start(&app);
		rc = sa ? hean_app_run(&app) : 2;
	} else {
		rc = rc == 1 ? 0 : 2; /* 1: printed (--help, --dump-config...) */
	}
	signals_app_close(sa);
	hean_app_finish(&app);
	signals_app_destroy(sa);
	return rc;
}
