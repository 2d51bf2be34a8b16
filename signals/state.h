/* signals/state: the session state machine of the signal-server client,
 * as a pure transition function (session.c drives it from common/ws
 * events; the unit test walks every state x event).
 *
 *   disconnected --start--> connecting --open (auth sent)--> authenticating
 *   authenticating --auth ok--> authenticated
 *   ANY --closed (every code, 1000 included) | send failed | auth rejected
 *        | auth deadline | stop--> disconnected
 *
 * Requests (get_signals, ping) are allowed only in authenticated. */
#ifndef HEAN_SIGNALS_STATE_H
#define HEAN_SIGNALS_STATE_H

#include <stdbool.h>

enum signals_state {
	SIGNALS_DISCONNECTED = 0,
	SIGNALS_CONNECTING,
	SIGNALS_AUTHENTICATING,
	SIGNALS_AUTHENTICATED,
};

enum signals_event {
	SIGNALS_EV_START,         /* a (re)connect attempt is scheduled/started */
	SIGNALS_EV_OPEN,          /* socket open; auth queued at once */
	SIGNALS_EV_AUTH_OK,       /* auth_response success */
	SIGNALS_EV_AUTH_REJECTED, /* auth_response error or close 4001 */
	SIGNALS_EV_AUTH_TIMEOUT,  /* no auth_response within the deadline */
	SIGNALS_EV_CLOSED,        /* session over: any close code, connect failure */
	SIGNALS_EV_SEND_FAILED,   /* a request could not be queued */
	SIGNALS_EV_STOP,          /* shutdown */
};

#define SIGNALS_STATE_COUNT 4
#define SIGNALS_EVENT_COUNT 8

/* The state after ev in s. Pure. */
enum signals_state signals_state_next(enum signals_state s, enum signals_event ev);

/* true only in SIGNALS_AUTHENTICATED. */
bool signals_state_may_request(enum signals_state s);

/* The health vocabulary: "disconnected", "connecting", "authenticating",
 * "authenticated". */
const char *signals_state_name(enum signals_state s);

#endif
