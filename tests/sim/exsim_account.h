/* tests/sim/exsim_account: the account endpoints general-purpose clients
 * call before trading (key info, account info, coin info, fee rates). */
#ifndef HEAN_TESTS_SIM_EXSIM_ACCOUNT_H
#define HEAN_TESTS_SIM_EXSIM_ACCOUNT_H

#include "tests/sim/exsim.h"

/* True when path is one of the account endpoints (all private). */
bool exsim_account_path(const char *path);
/* Answers an authenticated request for an account endpoint. */
void exsim_account_handle(struct exsim_conn *c);

#endif
