/* executor/orders: hean:waves -> market orders, idempotent by orderLinkId.
 *
 * A wave entry (wave_ts, signals JSON array) becomes one order per valid,
 * distinct symbol, all sent at once (curl multi). Each order ends in one
 * definitive outcome written to hean:orders: submitted (accepted, or found
 * by orderLinkId after a lost answer), duplicate (110072: already placed),
 * rejected (a non-retryable code) or skipped (below the minimums, unknown
 * instrument, position already open, wave expired). The wave is XACKed
 * only when every order has its outcome; an empty or expired wave at once.
 * A later fill seen on the private stream adds a "filled" entry.
 *
 * Unknown outcomes (5xx, timeout, lost answer) never re-send blindly: the
 * order is looked up by orderLinkId first and re-sent only if absent.
 * Expiry: a wave older than HEAN_WAVE_INTERVAL_S + HEAN_WAVE_DELAY_S +
 * HEAN_WAVE_MAX_LATE_S is not traded. */
#ifndef HEAN_EXECUTOR_ORDERS_H
#define HEAN_EXECUTOR_ORDERS_H

#include "common/stream.h"
#include "executor/executor.h"

#include <jansson.h>
#include <stdbool.h>

struct exec_orders;

struct exec_orders *exec_orders_create(struct exec_app *x);
void exec_orders_stop(struct exec_orders *o);
void exec_orders_destroy(struct exec_orders *o);

/* hean_stream entry callback (hean:waves, group "executor"). */
void exec_orders_on_wave(struct hean_stream *s, const struct hean_stream_entry *e, void *data);

/* Prerequisites (instruments, clock) may now be met: start queued waves. */
void exec_orders_kick(struct exec_orders *o);

/* One row of a private "order" push. */
void exec_orders_on_push(struct exec_orders *o, const json_t *row);

/* Sets every orders_<outcome> health counter to 0 (start). */
void exec_orders_init_counters(struct exec_orders *o);

/* Calls fn for the symbol of every order that has not ended yet and of
 * every order accepted whose fill has not reached the book yet (the
 * orders in flight, whose prices the executor will need). A symbol may be
 * reported more than once. */
void exec_orders_each_symbol(struct exec_orders *o, void (*fn)(const char *sym, void *),
			     void *data);

/* Orders sent and without an outcome yet. */
unsigned exec_orders_pending(const struct exec_orders *o);

#endif
