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
#include "feed/session.h"

#include <string.h>

int main(int argc, char **argv)
{
	struct hean_app app;
	struct feed_app *f = NULL;
	int rc;

	memset(&app, 0, sizeof(app));
	rc = hean_app_init(&app, "feed", argc, argv);
	if (rc == 0) {
		f = feed_app_start(&app);
		rc = f ? hean_app_run(&app) : 2;
	} else {
		rc = rc == 1 ? 0 : 2; /* 1: printed (--help, --dump-config...) */
	}
	feed_app_close(f);
	hean_app_finish(&app);
	feed_app_destroy(f);
	return rc;
}
