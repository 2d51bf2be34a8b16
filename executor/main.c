/* hean-executor: opens positions from hean:waves, keeps every position
 * protected by a stop-loss (initial, then trailing), reconciles with the
 * exchange over REST and the private stream, and keeps doing so while
 * feed, signals and waves crash, hang or restart. See executor.h.
 *
 * Usage: hean-executor [--config FILE] [--log FILE]; settings from HEAN_*. */
#include "common/app.h"
#include "executor/executor.h"

#include <string.h>

int main(int argc, char **argv)
{
	struct hean_app app;
	struct exec_app *x = NULL;
	int rc;

	memset(&app, 0, sizeof(app));
	rc = hean_app_init(&app, "executor", argc, argv);
	if (rc == 0) {
		x = exec_app_start(&app);
		rc = x ? hean_app_run(&app) : 2;
	} else {
		rc = rc == 1 ? 0 : 2; /* 1: printed (--help, --dump-config...) */
	}
	exec_app_close(x);
	hean_app_finish(&app);
	exec_app_destroy(x);
	return rc;
}
