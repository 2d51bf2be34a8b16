/* hean-feed: Bybit v5 public market data into Redis. Subscribes
 * tickers.{SYM} for every symbol of HEAN_SYMBOLS (ALL: every tradable
 * linear USDT perpetual) and every symbol another process wants
 * (common/want.h), over as many connections as needed; merges snapshot + delta,
 * and publishes every merged update to {prefix}ticks and the latest state to
 * {prefix}ticker:{SYM}; never goes silent (ping, liveness, backoff,
 * resubscribe, stale symbols). See feed/session.h.
 *
 * Usage: hean-feed [--config FILE] [--log FILE]; settings from HEAN_*. */
#include "common/app.h"
#include "common/log.h"
#include "feed/session.h"

#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct hean_app app;
	struct feed_app *f;
	int rc;

	memset(&app, 0, sizeof(app));
	rc = hean_app_init(&app, "feed", argc, argv);
	if (rc != 0) {
		hean_app_finish(&app);
		return rc == 1 ? 0 : 2;
	}
	/* large (latency histogram, FIFO): on the heap, not the stack */
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		log_error("event=start_failed err=\"out of memory\"");
		hean_app_finish(&app);
		return 2;
	}
	rc = feed_app_start(f, &app);
	if (rc < 0) {
		goto fail;
	}
	rc = hean_app_run(&app);

	/* the connections first; then the app (Redis replies still due run
	 * into the publisher); the publisher and book last */
	feed_app_finish(f);
	hean_app_finish(&app);
	feed_app_finish_pub(f);
	free(f);
	return rc;
fail:
	feed_app_finish(f);
	hean_app_finish(&app);
	feed_app_finish_pub(f);
	free(f);
	return 2;
}
