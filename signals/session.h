/* signals/session: the signal-server client session on common/ws, driven
 * by the pure state machine of signals/state.h:
 *
 *   disconnected -> connecting -> authenticating -> authenticated
 *
 * - on_open sends {"type":"auth","token":...} at once (the server wants it
 *   within 5 s); SIGNALS_AUTH_TIMEOUT_S without an auth_response drops the
 *   link.
 * - Requests ({"type":"ping"} every HEAN_PING_INTERVAL_S, get_signals every
 *   HEAN_SIGNAL_POLL_S and at every wave's due time W + interval + delay on
 *   an ev_periodic of absolute UTC time) go out only in authenticated. The
 *   app ping runs on our own timer, not common/ws' ping_text, so that no
 *   request can precede the auth reply. A request that cannot be queued is
 *   a disconnect (hean_ws_drop), never a log line and a retry on the same
 *   socket (a client that did that after a close 1000 failed every 2 s
 *   for three hours).
 * - Every close (1000 included), connect failure, liveness timeout
 *   (HEAN_LIVENESS_TIMEOUT_S of silence, enforced by common/ws) ends the
 *   session: disconnected, reconnect with backoff + jitter (250, 500, 1000,
 *   2000, 5000, 10000 ms, +-20 %; reset by a successful auth), re-auth, and
 *   the server's fresh initial buffer.
 * - Auth refused (auth_response error and/or close 4001): health
 *   "auth_failed" (kept until the next successful auth), the slow backoff
 *   step, one log line saying the token was refused (never the token).
 * - Each "signals" frame: every signal validated (signals/parse); invalid
 *   ones logged with id and field (warn the first time an id is seen
 *   invalid, debug on the repeats of later buffers) and counted; valid ones
 *   offered to signals/publish. Unknown types are logged and ignored. */
#ifndef HEAN_SIGNALS_SESSION_H
#define HEAN_SIGNALS_SESSION_H

#include "common/app.h"
#include "signals/publish.h"
#include "signals/state.h"

#define SIGNALS_AUTH_TIMEOUT_S 10
#define SIGNALS_MAX_MSG (16u << 20) /* a 24 h buffer is ~150 kB; room to spare */

struct signals_session;

/* app and pub are borrowed and outlive the session. Creates the lws
 * context and the connection (not started). NULL on failure (logged). */
struct signals_session *signals_session_create(struct hean_app *app, struct signals_publish *pub);

/* Starts connecting (then reconnects forever until stop). 0 or -errno. */
int signals_session_start(struct signals_session *s);

/* Shutdown: stops the timers and closes the link (code 1000); no more
 * reconnects and no health writes. */
void signals_session_stop(struct signals_session *s);

/* Frees the connection and the lws context. NULL is a no-op. */
void signals_session_destroy(struct signals_session *s);

enum signals_state signals_session_state(const struct signals_session *s);

#endif
