/* hean-waves: the wave clock. At every wave's due time (UTC) it selects
 * that wave's signals from hean:signals and writes one entry to
 * hean:waves, exactly once, in order, catching up after a restart. See
 * waves/waves.h (glue), clock.h, index.h, select.h (pure) and emit.h.
 *
 * Usage: hean-waves [--config FILE] [--log FILE]; settings from HEAN_*. */
#include "common/app.h"
#include "waves/waves.h"

#include <string.h>

int main(int argc, char **argv)
{
	struct hean_app app;
	struct waves *w = NULL;
	int rc;

	memset(&app, 0, sizeof(app));
	rc = hean_app_init(&app, "waves", argc, argv);
	if (rc == 0) {
		w = waves_app_start(&app);
		rc = w ? hean_app_run(&app) : 2;
	} else {
		rc = rc == 1 ? 0 : 2; /* 1: printed (--help, --dump-config...) */
	}
	waves_app_close(w);
	hean_app_finish(&app);
	waves_app_destroy(w);
	return rc;
}
