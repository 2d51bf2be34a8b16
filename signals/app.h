/* signals/app: the signals component as main.c sees it (the shape every
 * daemon's main.c shares, see common/app.h): the publisher (Redis) and
 * the session (the signal server's WebSocket), wired to the app's stop
 * and Redis callbacks. */
#ifndef HEAN_SIGNALS_APP_H
#define HEAN_SIGNALS_APP_H

#include "common/app.h"

struct signals_app;

/* Creates the publisher and the session, registers the app's on_stop and
 * on_redis, and starts connecting. NULL on failure (logged; nothing is
 * left running). */
struct signals_app *signals_app_start(struct hean_app *app);

/* After hean_app_run, before hean_app_finish: frees the connection (and
 * the lws context). NULL is a no-op. */
void signals_app_close(struct signals_app *sa);

/* After hean_app_finish (Redis replies still due ran into the publisher,
 * which was stopping): frees the publisher and sa. NULL is a no-op. */
void signals_app_destroy(struct signals_app *sa);

#endif
