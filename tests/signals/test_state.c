/* Unit tests of signals/state: every state x event; no path keeps a
 * session authenticated once it is over (after a close 1000, say). */
#include "signals/state.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

static void test_session_end_always_disconnects(void **state)
{
	static const enum signals_event ends[] = {
		SIGNALS_EV_AUTH_REJECTED, SIGNALS_EV_AUTH_TIMEOUT, SIGNALS_EV_CLOSED,
		SIGNALS_EV_SEND_FAILED,   SIGNALS_EV_STOP,
	};

	for (int s = 0; s < SIGNALS_STATE_COUNT; s++) {
		for (size_t e = 0; e < sizeof(ends) / sizeof(ends[0]); e++) {
			assert_int_equal(signals_state_next((enum signals_state)s, ends[e]),
					 SIGNALS_DISCONNECTED);
		}
	}
}

static void test_happy_path(void **state)
{
	enum signals_state s = SIGNALS_DISCONNECTED;

	assert_false(signals_state_may_request(s));
	s = signals_state_next(s, SIGNALS_EV_START);
	assert_int_equal(s, SIGNALS_CONNECTING);
	assert_false(signals_state_may_request(s));
	s = signals_state_next(s, SIGNALS_EV_OPEN);
	assert_int_equal(s, SIGNALS_AUTHENTICATING);
	assert_false(signals_state_may_request(s));
	s = signals_state_next(s, SIGNALS_EV_AUTH_OK);
	assert_int_equal(s, SIGNALS_AUTHENTICATED);
	assert_true(signals_state_may_request(s));
	assert_string_equal(signals_state_name(s), "authenticated");
	s = signals_state_next(s, SIGNALS_EV_CLOSED);
	assert_int_equal(s, SIGNALS_DISCONNECTED);
	assert_false(signals_state_may_request(s));
}

/* auth_ok counts only while authenticating: a stray auth_response cannot
 * make a connecting or disconnected session "authenticated". */
static void test_auth_ok_only_when_authenticating(void **state)
{
	assert_int_equal(signals_state_next(SIGNALS_DISCONNECTED, SIGNALS_EV_AUTH_OK),
			 SIGNALS_DISCONNECTED);
	assert_int_equal(signals_state_next(SIGNALS_CONNECTING, SIGNALS_EV_AUTH_OK),
			 SIGNALS_CONNECTING);
	assert_int_equal(signals_state_next(SIGNALS_AUTHENTICATED, SIGNALS_EV_AUTH_OK),
			 SIGNALS_AUTHENTICATED);
	/* a new socket always restarts authentication */
	assert_int_equal(signals_state_next(SIGNALS_AUTHENTICATED, SIGNALS_EV_OPEN),
			 SIGNALS_AUTHENTICATING);
	assert_int_equal(signals_state_next(SIGNALS_AUTHENTICATING, SIGNALS_EV_START),
			 SIGNALS_AUTHENTICATING);
}

static void test_names(void **state)
{
	assert_string_equal(signals_state_name(SIGNALS_DISCONNECTED), "disconnected");
	assert_string_equal(signals_state_name(SIGNALS_CONNECTING), "connecting");
	assert_string_equal(signals_state_name(SIGNALS_AUTHENTICATING), "authenticating");
	for (int s = 0; s < SIGNALS_STATE_COUNT; s++) {
		assert_int_equal(signals_state_may_request((enum signals_state)s),
				 s == SIGNALS_AUTHENTICATED);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_end_always_disconnects),
		cmocka_unit_test(test_happy_path),
		cmocka_unit_test(test_auth_ok_only_when_authenticating),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
