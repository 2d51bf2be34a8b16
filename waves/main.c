/* hean-waves: the wave clock. At every wave's due time (UTC) it selects
 * that wave's signals from hean:signals and writes one entry to
 * hean:waves, exactly once, in order, catching up after a restart. See
 * waves/waves.h (glue), clock.h, index.h, select.h (pure) and emit.h.
 *
 * Usage: hean-waves [--config FILE] [--log FILE]; settings from HEAN_*. */
#include "common/app.h"
#include "common/log.h"
#include "waves/waves.h"

#include <string.h>

static void on_stop(struct hean_app *app, void *data)
{
	waves_stop(data);
}

static void on_redis(struct hean_app *app, bool up, void *data)
{
	waves_on_redis(data, up);
}

int main(int argc, char **argv)
{
	struct hean_app app;
	struct waves *w = NULL;
	int rc;

	memset(&app, 0, sizeof(app));
	rc = hean_app_init(&app, "waves", argc, argv);
	if (rc != 0) {
		hean_app_finish(&app);
		return rc == 1 ? 0 : 2;
	}
	w = waves_create(&app);
	if (!w) {
		log_error("event=start_failed what=waves err=\"out of memory\"");
		goto fail;
	}
	app.on_stop = on_stop;
	app.on_redis = on_redis;
	app.data = w;
	rc = waves_start(w);
	if (rc < 0) {
		log_error("event=start_failed what=stream err=%d", rc);
		goto fail;
	}
	rc = hean_app_run(&app);

	/* replies still due after the loop get NULL and see "stopping" */
	hean_app_finish(&app);
	waves_destroy(w);
	return rc;
fail:
	waves_stop(w);
	hean_app_finish(&app);
	waves_destroy(w);
	return 2;
}
