/* feed/report: the feed's health hash (see report.c). */
#ifndef HEAN_FEED_REPORT_H
#define HEAN_FEED_REPORT_H

#include "feed/session.h"

/* Sets the process state: the worst connection state; detail: the given
 * text, or the stale symbols. */
void feed_report_state(struct feed_app *f, const char *detail_override);

/* Writes every counter field. */
void feed_report_counters(struct feed_app *f);

#endif
