/* hean-metrics: one Prometheus scrape target and the webhook alerts for
 * the whole pipeline. A separate process that only reads Redis (health
 * hashes, streams and their consumer groups, hean:wave:last, hean:pnl,
 * hean:halt, hean:events), so the daemons stay independent of it and of
 * each other, and a dead daemon shows as its own stale health hash.
 *
 * Modules: snap (the collected state, pure), render (snapshot -> text
 * exposition format, pure), collect (Redis -> snapshot, async), alerts
 * (conditions -> webhook, libcurl multi), httpd (GET /metrics on the
 * libev loop), main (wiring). */
#ifndef HEAN_METRICS_H
#define HEAN_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One Redis hash, copied (strings owned). */
struct mx_hash {
	char name[96]; /* key without the prefix part, e.g. "feed" */
	size_t n;
	char **k, **v;
};

const char *mx_get(const struct mx_hash *h, const char *k);
/* Integer field: true and *out set when present and numeric. */
bool mx_get_i64(const struct mx_hash *h, const char *k, int64_t *out);
bool mx_get_dbl(const struct mx_hash *h, const char *k, double *out);
void mx_hash_free(struct mx_hash *h);

struct mx_ticker {
	char sym[32];
	int64_t recv_us; /* 0: unknown */
	int64_t ticks;   /* -1: the feed wrote no count */
};

#define MX_MAX_GROUPS 16
struct mx_group {
	char name[64];
	long long pending, consumers, lag;
	bool has_lag; /* Redis answers nil when the lag cannot be known */
};

#define MX_N_STREAMS 6
extern const char *const mx_stream_names[MX_N_STREAMS];

struct mx_stream {
	bool exists;
	long long len;
	size_t n_groups;
	struct mx_group groups[MX_MAX_GROUPS];
};

struct mx_event {
	char proc[64], event[32], detail[256];
};

/* Everything one collection cycle read. */
struct mx_snap {
	int64_t now_ms;
	bool complete; /* every reply arrived */
	size_t n_procs;
	struct mx_hash *procs; /* hean:health:* */
	size_t n_tickers;
	struct mx_ticker *tickers;
	struct mx_stream streams[MX_N_STREAMS];
	bool has_wave_last;
	int64_t wave_last; /* wave_ts, epoch s */
	bool halted;
	char halt[256];
	bool has_pnl;
	struct mx_hash pnl;
	/* hean:events entries appended since the previous cycle */
	size_t n_events;
	struct mx_event *events;
};

void mx_snap_free(struct mx_snap *s);

/* Counters and gauges the exporter keeps itself (not read from Redis). */
#define MX_MAX_EVCOUNT 256
struct mx_evcount {
	char proc[64];
	char event[32];
	uint64_t n;
};

struct mx_state {
	const char *version;
	bool redis_up;
	uint64_t collections, collect_errors;
	double collect_seconds;
	/* hean:events seen since the exporter started, by proc and event */
	size_t n_ev;
	struct mx_evcount ev[MX_MAX_EVCOUNT];
	/* waves: missed = due + grace passed and hean:wave:last still below */
	uint64_t waves_missed;
	double wave_overdue_s; /* 0 when no due wave is outstanding */
	int wave_interval_s, wave_delay_s, wave_grace_s;
	int stale_s; /* health older than this: process down */
	/* webhook */
	bool webhook_configured;
	uint64_t wh_sent, wh_failed, wh_retries, wh_dropped, wh_suppressed;
	/* processes that exited cleanly (event "stopped"), by the time the
	 * exporter saw it: stopped while their hash is not newer */
	size_t n_stops;
	struct {
		char proc[64];
		int64_t ms;
	} stops[64];
	/* conditions firing now, for hean_alert_firing */
	size_t n_firing;
	char firing[64][2][64]; /* what, proc */
};

/* Restart events: the watchdog writes event=restarted with the process
 * name as the first word of the detail. */
void mx_state_count_event(struct mx_state *st, const char *proc, const char *event);
void mx_state_count_restart(struct mx_state *st, const char *proc);
void mx_state_note_stop(struct mx_state *st, const char *proc, int64_t now_ms);
/* The process exited cleanly and has not written its health hash since. */
bool mx_proc_stopped(const struct mx_state *st, const struct mx_hash *p);

/* Renders the Prometheus text exposition format (version 0.0.4). */
void mx_render(FILE *out, const struct mx_snap *s, const struct mx_state *st);

#endif
