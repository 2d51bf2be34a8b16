/* hean-executor: opens positions from hean:waves, keeps every position
 * protected by a stop-loss (initial, then trailing), reconciles with the
 * exchange over REST and the private stream, and keeps doing so while
 * feed, signals and waves crash, hang or restart. See executor.h.
 *
 * Usage: hean-executor [--config FILE] [--log FILE]; settings from HEAN_*. */
#include "common/app.h"
#include "common/log.h"
#include "executor/executor.h"

#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct hean_app app;
	struct exec_app *x;
	int rc;

	memset(&app, 0, sizeof(app));
	rc = hean_app_init(&app, "executor", argc, argv);
	if (rc != 0) {
		hean_app_finish(&app);
		return rc == 1 ? 0 : 2;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		log_error("event=start_failed err=\"out of memory\"");
		hean_app_finish(&app);
		return 2;
	}
	rc = exec_app_start(x, &app);
	if (rc < 0) {
		goto fail;
	}
	rc = hean_app_run(&app);

	/* the executor's modules first (they borrow the app's Redis link) */
	exec_app_finish(x);
	hean_app_finish(&app);
	free(x);
	return rc;
fail:
	exec_app_finish(x);
	hean_app_finish(&app);
	free(x);
	return 2;
}
