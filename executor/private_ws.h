/* executor/private_ws: the Bybit private stream (/v5/private) through
 * common/ws. On open: auth (expires = corrected now + recv_window, signed
 * with hean_sign_ws_auth; the frame is never logged); on auth success the
 * backoff restarts and order, execution, position and wallet are
 * subscribed; on the subscribe ack the stream is "up" and the positions
 * are reconciled over REST (private topics have no snapshot). Pushes
 * update the book at once. Auth failure: clock resync, slow backoff. */
#ifndef HEAN_EXECUTOR_PRIVATE_WS_H
#define HEAN_EXECUTOR_PRIVATE_WS_H

#include "executor/executor.h"

#include <stdbool.h>

struct exec_pws;

struct exec_pws *exec_pws_create(struct exec_app *x);
int exec_pws_start(struct exec_pws *p);
void exec_pws_stop(struct exec_pws *p);
void exec_pws_destroy(struct exec_pws *p);

/* Authenticated and subscribed. */
bool exec_pws_up(const struct exec_pws *p);
uint64_t exec_pws_reconnects(const struct exec_pws *p);
/* true once a stopped session is fully closed (shutdown). */
bool exec_pws_closed(const struct exec_pws *p);

#endif
