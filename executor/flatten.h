/* executor/flatten: operator requests from hean:control (consumer group
 * "executor"): cmd=flatten symbol=<SYM>|ALL req_id=<id>. Every targeted
 * open position gets a reduce-only market order for its size (the
 * stop-loss stays on until the position is flat: the exchange cancels it
 * with the close). The request is done when a position/list started after
 * the last close order shows every target flat; only then is the entry
 * acknowledged and flatten_done written. Reduce-only orders cannot open or
 * flip a position, so a request is safe to repeat or to interrupt: an
 * unacknowledged entry is re-read after a restart and simply runs again.
 * Events: flatten_started / flatten_done (detail req_id=... symbol=...). */
#ifndef HEAN_EXECUTOR_FLATTEN_H
#define HEAN_EXECUTOR_FLATTEN_H

#include "common/stream.h"
#include "executor/executor.h"

struct exec_flatten;

struct exec_flatten *exec_flatten_create(struct exec_app *x);
void exec_flatten_stop(struct exec_flatten *f);
void exec_flatten_destroy(struct exec_flatten *f);

/* hean_stream entry callback (hean:control). */
void exec_flatten_on_entry(struct hean_stream *s, const struct hean_stream_entry *e, void *data);

/* Requests not done yet. */
int exec_flatten_active(const struct exec_flatten *f);

#endif
