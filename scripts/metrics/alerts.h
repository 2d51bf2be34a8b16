/* hean-metrics alerts: alert conditions -> JSON POSTs to
 * HEAN_ALERT_WEBHOOK_URL (libcurl multi on the loop, never blocking).
 *
 * Two kinds of condition, each keyed by (what, proc):
 *  - states (naked position, halted, Redis down, ...): reported every
 *    evaluation while they hold; a condition fires once it has held for
 *    hold_s; when it is no longer reported, a "resolved" message follows
 *    (only if its firing message was sent).
 *  - events (a missed or expired wave, a restart storm): fire at once.
 * At most one firing message per condition per HEAN_ALERT_REPEAT_S (a
 * condition still firing after that is sent again as a reminder); the
 * rest is counted as suppressed. Each message is retried up to 5 times
 * (backoff 1, 2, 4, 8 s, 5 s per attempt); at most 64 wait at once (more
 * are dropped and counted). The payload: see README ("Alerts"). */
#ifndef HEAN_METRICS_ALERTS_H
#define HEAN_METRICS_ALERTS_H

#include "scripts/metrics/metrics.h"

#include <ev.h>

struct mx_alerts;

/* url may be empty (conditions are still tracked for hean_alert_firing). */
struct mx_alerts *mx_alerts_create(struct ev_loop *loop, const char *url, int repeat_s,
				   struct mx_state *st);
void mx_alerts_destroy(struct mx_alerts *a);

/* One evaluation: begin, any number of state/event reports, end. */
void mx_alerts_begin(struct mx_alerts *a);
void mx_alerts_state(struct mx_alerts *a, int64_t now_ms, const char *what, const char *proc,
		     int hold_s, const char *severity, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
void mx_alerts_event(struct mx_alerts *a, int64_t now_ms, const char *what, const char *proc,
		     const char *severity, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Nothing could be read (Redis down): every state keeps its status. */
void mx_alerts_keep(struct mx_alerts *a);
/* Resolves states not reported since begin; refreshes st->firing. */
void mx_alerts_end(struct mx_alerts *a, int64_t now_ms);

/* The JSON body of one message (exposed for tests). Caller frees. */
char *mx_alerts_payload(const char *status, const char *what, const char *proc,
			const char *severity, const char *detail, int64_t since_ms, int64_t now_ms);

#endif
