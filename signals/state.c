/* signals/state: pure transition function. See state.h. */
#include "signals/state.h"

/* See state.h. Anything that ends a session leads to disconnected, from
 * every state: there is no way to stay authenticated on a dead socket. */
enum signals_state signals_state_next(enum signals_state s, enum signals_event ev)
{
	switch (ev) {
	case SIGNALS_EV_START:
		return s == SIGNALS_DISCONNECTED ? SIGNALS_CONNECTING : s;
	case SIGNALS_EV_OPEN:
		return SIGNALS_AUTHENTICATING;
	case SIGNALS_EV_AUTH_OK:
		return s == SIGNALS_AUTHENTICATING ? SIGNALS_AUTHENTICATED : s;
	case SIGNALS_EV_AUTH_REJECTED:
	case SIGNALS_EV_AUTH_TIMEOUT:
	case SIGNALS_EV_CLOSED:
	case SIGNALS_EV_SEND_FAILED:
	case SIGNALS_EV_STOP:
		return SIGNALS_DISCONNECTED;
	}
	return SIGNALS_DISCONNECTED;
}

bool signals_state_may_request(enum signals_state s)
{
	return s == SIGNALS_AUTHENTICATED;
}

const char *signals_state_name(enum signals_state s)
{
	switch (s) {
	case SIGNALS_DISCONNECTED:
		return "disconnected";
	case SIGNALS_CONNECTING:
		return "connecting";
	case SIGNALS_AUTHENTICATING:
		return "authenticating";
	case SIGNALS_AUTHENTICATED:
		return "authenticated";
	}
	return "disconnected";
}
