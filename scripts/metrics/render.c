/* hean-metrics render: snapshot + exporter state -> Prometheus text
 * exposition format 0.0.4. Pure (no I/O besides the FILE it writes to).
 * Names follow Prometheus conventions: hean_ prefix, base units (seconds),
 * counters end in _total. A family's HELP/TYPE lines are written only when
 * it has at least one sample, so an absent source (no executor yet, no
 * hean:pnl) exports nothing rather than a made-up zero. */
#include "scripts/metrics/metrics.h"
#include "common/keys.h"

#include "common/hist.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *const mx_stream_names[MX_N_STREAMS] = {
	HEAN_KEY_TICKS, HEAN_KEY_SIGNALS, HEAN_KEY_WAVES,
	HEAN_KEY_ORDERS, HEAN_KEY_EVENTS, HEAN_KEY_CONTROL};

const char *mx_get(const struct mx_hash *h, const char *k)
{
	for (size_t i = 0; h && i < h->n; i++) {
		if (strcmp(h->k[i], k) == 0) {
			return h->v[i];
		}
	}
	return NULL;
}

bool mx_get_i64(const struct mx_hash *h, const char *k, int64_t *out)
{
	const char *v = mx_get(h, k);
	char *end;
	long long x;

	if (!v || !*v) {
		return false;
	}
	x = strtoll(v, &end, 10);
	if (*end != '\0') {
		return false;
	}
	*out = x;
	return true;
}

bool mx_get_dbl(const struct mx_hash *h, const char *k, double *out)
{
	const char *v = mx_get(h, k);
	char *end;
	double x;

	if (!v || !*v) {
		return false;
	}
	x = strtod(v, &end);
	if (*end != '\0' || !isfinite(x)) {
		return false;
	}
	*out = x;
	return true;
}

void mx_hash_free(struct mx_hash *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->k[i]);
		free(h->v[i]);
	}
	free(h->k);
	free(h->v);
	h->k = h->v = NULL;
	h->n = 0;
}

void mx_snap_free(struct mx_snap *s)
{
	for (size_t i = 0; i < s->n_procs; i++) {
		mx_hash_free(&s->procs[i]);
	}
	free(s->procs);
	free(s->tickers);
	free(s->events);
	mx_hash_free(&s->pnl);
	memset(s, 0, sizeof(*s));
}

static void count_in(struct mx_state *st, const char *proc, const char *event, bool restart)
{
	char name[32];
	size_t i;

	snprintf(name, sizeof(name), "%s%s", restart ? "\x01" : "", event);
	for (i = 0; i < st->n_ev; i++) {
		if (strcmp(st->ev[i].proc, proc) == 0 && strcmp(st->ev[i].event, name) == 0) {
			st->ev[i].n++;
			return;
		}
	}
	if (st->n_ev == MX_MAX_EVCOUNT) {
		return; /* bounded: further new pairs are not counted */
	}
	snprintf(st->ev[i].proc, sizeof(st->ev[i].proc), "%s", proc);
	memcpy(st->ev[i].event, name, sizeof(name));
	st->ev[i].n = 1;
	st->n_ev++;
}

void mx_state_count_event(struct mx_state *st, const char *proc, const char *event)
{
	count_in(st, proc && *proc ? proc : "unknown", event && *event ? event : "unknown", false);
}

void mx_state_note_stop(struct mx_state *st, const char *proc, int64_t now_ms)
{
	size_t i;

	for (i = 0; i < st->n_stops; i++) {
		if (strcmp(st->stops[i].proc, proc) == 0) {
			break;
		}
	}
	if (i == sizeof(st->stops) / sizeof(st->stops[0])) {
		return;
	}
	if (i == st->n_stops) {
		snprintf(st->stops[i].proc, sizeof(st->stops[i].proc), "%s", proc);
		st->n_stops++;
	}
	st->stops[i].ms = now_ms;
}

bool mx_proc_stopped(const struct mx_state *st, const struct mx_hash *p)
{
	int64_t upd;
	const char *state = mx_get(p, HEAN_FIELD_STATE);

	if (state && strcmp(state, "stopped") == 0) {
		return true;
	}
	if (!mx_get_i64(p, HEAN_FIELD_UPDATED_MS, &upd)) {
		return false;
	}
	for (size_t i = 0; i < st->n_stops; i++) {
		if (strcmp(st->stops[i].proc, p->name) == 0) {
			return upd <= st->stops[i].ms;
		}
	}
	return false;
}

/* Restarts live in the same table, marked with a leading \x01. */
void mx_state_count_restart(struct mx_state *st, const char *proc)
{
	count_in(st, proc, "restarted", true);
}

/* ===== output helpers ===== */

struct fam {
	FILE *out;
	const char *name, *type, *help;
	bool head;
};

static void esc(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"') {
			fputc('\\', out);
			fputc(*s, out);
		} else if (*s == '\n') {
			fputs("\\n", out);
		} else {
			fputc(*s, out);
		}
	}
}

static void fam_head(struct fam *f)
{
	if (!f->head) {
		fprintf(f->out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
		f->head = true;
	}
}

static void put_val(FILE *out, double v)
{
	if (isnan(v)) {
		fputs(" NaN\n", out);
	} else if (v == floor(v) && fabs(v) < 9e15) {
		fprintf(out, " %.0f\n", v);
	} else {
		fprintf(out, " %.9g\n", v);
	}
}

/* sample(f, suffix, value, label pairs..., NULL) */
static void sample(struct fam *f, const char *suffix, double v, ...)
{
	va_list ap;
	const char *k;
	bool first = true;

	fam_head(f);
	fprintf(f->out, "%s%s", f->name, suffix ? suffix : "");
	va_start(ap, v);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *val = va_arg(ap, const char *);

		fprintf(f->out, "%s%s=\"", first ? "{" : ",", k);
		esc(f->out, val ? val : "");
		fputc('"', f->out);
		first = false;
	}
	va_end(ap);
	if (!first) {
		fputc('}', f->out);
	}
	put_val(f->out, v);
}

#define FAM(var, n, t, h) struct fam var = {out, n, t, h, false}

static double age_s(int64_t now_ms, int64_t then_ms)
{
	double a = (double)(now_ms - then_ms) / 1000.0;

	return a < 0 ? 0 : a;
}

/* ===== families ===== */

struct field_map {
	const char *field, *metric, *type, *help;
};

/* Health-hash fields exported as one family each, labelled by process.
 * The field names are the daemons' own (see their health writers). */
static const struct field_map fields[] = {
	{HEAN_FIELD_FEED_MSGS, "hean_feed_messages_total", "counter", "WebSocket messages the feed received."},
	{HEAN_FIELD_FEED_TICKS, "hean_feed_ticks_total", "counter", "Merged ticker updates the feed published to the ticks stream."},
	{HEAN_FIELD_FEED_DROPPED, "hean_feed_dropped_total", "counter", "Tick entries dropped because the Redis queue was full."},
	{HEAN_FIELD_FEED_BAD_FRAMES, "hean_feed_bad_frames_total", "counter", "Frames the feed could not parse."},
	{HEAN_FIELD_FEED_XADD_ERRORS, "hean_feed_store_errors_total", "counter", "XADD error replies seen by the feed."},
	{HEAN_FIELD_FEED_STALE_SYMBOLS, "hean_feed_stale_symbols", "gauge", "Subscribed symbols with no tick for HEAN_STALE_S."},
	{HEAN_FIELD_SIGNALS_RECEIVED, "hean_signals_received_total", "counter", "Signals received from the signal server."},
	{HEAN_FIELD_SIGNALS_INVALID, "hean_signals_invalid_total", "counter", "Signals rejected as invalid."},
	{HEAN_FIELD_SIGNALS_DUPLICATE, "hean_signals_duplicate_total", "counter", "Signals dropped as duplicates."},
	{HEAN_FIELD_SIGNALS_PUBLISHED, "hean_signals_published_total", "counter", "Signals written to the signals stream."},
	{HEAN_FIELD_WAVES_PROCESSED, "hean_waves_emitted_total", "counter", "Waves emitted in their window."},
	{HEAN_FIELD_WAVES_EXPIRED, "hean_waves_expired_total", "counter", "Waves recorded after their processing deadline (not traded)."},
	{HEAN_FIELD_WAVES_LATE, "hean_waves_late_total", "counter", "Waves emitted later than the slack after their due time."},
	{HEAN_FIELD_WAVES_EMPTY, "hean_waves_empty_total", "counter", "Waves emitted with no signal selected."},
	{HEAN_FIELD_EXEC_REST_FALLBACK, "hean_executor_rest_fallback", "gauge", "1 while the executor polls prices over REST."},
};

struct hist_map {
	const char *field, *metric, *help;
};

static const struct hist_map hists[] = {
	{HEAN_FIELD_FEED_HIST_RECV_TO_STORED, "hean_feed_receive_to_store_seconds", "Feed frame received to tick stored in Redis (XADD reply)."},
	{HEAN_FIELD_EXEC_HIST_WAVE_TO_ACCEPTED, "hean_wave_to_orders_accepted_seconds", "Wave due time to order accepted by the exchange."},
	{HEAN_FIELD_EXEC_HIST_FILL_TO_STOP, "hean_fill_to_stop_confirmed_seconds", "Fill seen to stop-loss confirmed on the exchange."},
};

static bool proc_up(const struct mx_hash *p, const struct mx_snap *s, const struct mx_state *st)
{
	int64_t upd;

	if (!mx_get_i64(p, HEAN_FIELD_UPDATED_MS, &upd) || mx_proc_stopped(st, p)) {
		return false;
	}
	return age_s(s->now_ms, upd) <= st->stale_s;
}

/* One gauge family: seconds since the epoch-ms health field of each
 * process (skipped where missing; where 0 too unless zero_ok). */
static void proc_age_family(FILE *out, const struct mx_snap *s, const char *metric,
			    const char *help, const char *field, bool zero_ok)
{
	FAM(f, metric, "gauge", help);
	int64_t v;

	for (size_t i = 0; i < s->n_procs; i++) {
		if (mx_get_i64(&s->procs[i], field, &v) && (zero_ok || v > 0)) {
			sample(&f, NULL, age_s(s->now_ms, v), "process", s->procs[i].name, NULL);
		}
	}
}

static void render_proc_status(FILE *out, const struct mx_snap *s, const struct mx_state *st)
{
	{
		FAM(f, "hean_process_up", "gauge",
		    "1 if the process's health hash was updated within HEAN_WATCHDOG_STALE_S and it has not exited cleanly since.");
		for (size_t i = 0; i < s->n_procs; i++) {
			sample(&f, NULL, proc_up(&s->procs[i], s, st) ? 1 : 0, "process",
			       s->procs[i].name, NULL);
		}
	}
	{
		FAM(f, "hean_process_state", "gauge",
		    "The process's current state (value 1, state as label; \"stopped\" after a clean exit).");
		for (size_t i = 0; i < s->n_procs; i++) {
			const char *state = mx_proc_stopped(st, &s->procs[i])
						    ? "stopped"
						    : mx_get(&s->procs[i], HEAN_FIELD_STATE);

			if (state) {
				sample(&f, NULL, 1, "process", s->procs[i].name, "state", state, NULL);
			}
		}
	}
}

static void render_proc_restarts(FILE *out, const struct mx_snap *s, const struct mx_state *st)
{
	int64_t v;

	{
		FAM(f, "hean_process_reconnects_total", "counter", "Reconnects of the process's connections.");
		for (size_t i = 0; i < s->n_procs; i++) {
			if (mx_get_i64(&s->procs[i], HEAN_FIELD_RECONNECTS, &v)) {
				sample(&f, NULL, (double)v, "process", s->procs[i].name, NULL);
			}
		}
	}
	{
		FAM(f, "hean_process_restarts_total", "counter",
		    "Restarts by the watchdog seen in the events stream since the exporter started.");
		for (size_t i = 0; i < s->n_procs; i++) {
			uint64_t n = 0;

			if (strcmp(s->procs[i].name, "watchdog") == 0 ||
			    strcmp(s->procs[i].name, "metrics") == 0) {
				continue;
			}
			for (size_t k = 0; k < st->n_ev; k++) {
				if (st->ev[k].event[0] == '\x01' &&
				    strcmp(st->ev[k].proc, s->procs[i].name) == 0) {
					n = st->ev[k].n;
				}
			}
			sample(&f, NULL, (double)n, "process", s->procs[i].name, NULL);
		}
	}
}

static void render_proc_counters(FILE *out, const struct mx_snap *s)
{
	int64_t v;

	for (size_t m = 0; m < sizeof(fields) / sizeof(fields[0]); m++) {
		FAM(f, fields[m].metric, fields[m].type, fields[m].help);

		for (size_t i = 0; i < s->n_procs; i++) {
			if (mx_get_i64(&s->procs[i], fields[m].field, &v)) {
				sample(&f, NULL, (double)v, "process", s->procs[i].name, NULL);
			}
		}
	}
	{
		FAM(f, "hean_orders_total", "counter", "Executor orders by outcome (health fields orders_<outcome>).");
		for (size_t i = 0; i < s->n_procs; i++) {
			const struct mx_hash *p = &s->procs[i];

			for (size_t k = 0; k < p->n; k++) {
				char *end;
				long long n;

				if (strncmp(p->k[k], "orders_", 7) != 0 || !p->k[k][7]) {
					continue;
				}
				n = strtoll(p->v[k], &end, 10);
				if (*end == '\0' && end != p->v[k]) {
					sample(&f, NULL, (double)n, "process", p->name, "outcome",
					       p->k[k] + 7, NULL);
				}
			}
		}
	}
}

static void render_proc_hists(FILE *out, const struct mx_snap *s)
{
	for (size_t m = 0; m < sizeof(hists) / sizeof(hists[0]); m++) {
		FAM(f, hists[m].metric, "histogram", hists[m].help);

		for (size_t i = 0; i < s->n_procs; i++) {
			const char *txt = mx_get(&s->procs[i], hists[m].field);
			uint64_t count, cum[HEAN_HIST_NB];
			double sum_ms;
			char le[32];

			if (!txt || hean_hist_parse(txt, &count, &sum_ms, cum) != 0) {
				continue;
			}
			for (int b = 0; b < HEAN_HIST_NB; b++) {
				snprintf(le, sizeof(le), "%g", hean_hist_bounds_ms[b] / 1000.0);
				sample(&f, "_bucket", (double)cum[b], "process", s->procs[i].name,
				       "le", le, NULL);
			}
			sample(&f, "_bucket", (double)count, "process", s->procs[i].name, "le", "+Inf",
			       NULL);
			sample(&f, "_sum", sum_ms / 1000.0, "process", s->procs[i].name, NULL);
			sample(&f, "_count", (double)count, "process", s->procs[i].name, NULL);
		}
	}
}

static void render_procs(FILE *out, const struct mx_snap *s, const struct mx_state *st)
{
	render_proc_status(out, s, st);
	proc_age_family(out, s, "hean_process_health_age_seconds",
			"Seconds since the process last wrote its health hash.", HEAN_FIELD_UPDATED_MS, true);
	proc_age_family(out, s, "hean_process_last_message_age_seconds",
			"Seconds since the process's last valid inbound message.", HEAN_FIELD_LAST_MSG_MS, false);
	render_proc_restarts(out, s, st);
	render_proc_counters(out, s);
	render_proc_hists(out, s);
}

static void render_feed(FILE *out, const struct mx_snap *s)
{
	{
		FAM(f, "hean_feed_symbol_ticks_total", "counter", "Merged ticker updates per symbol (feed's count in hean:ticker:{SYM}).");
		for (size_t i = 0; i < s->n_tickers; i++) {
			if (s->tickers[i].ticks >= 0) {
				sample(&f, NULL, (double)s->tickers[i].ticks, "symbol", s->tickers[i].sym,
				       NULL);
			}
		}
	}
	{
		FAM(f, "hean_feed_tick_age_seconds", "gauge", "Seconds since the feed received the symbol's last tick.");
		for (size_t i = 0; i < s->n_tickers; i++) {
			if (s->tickers[i].recv_us > 0) {
				sample(&f, NULL, age_s(s->now_ms, s->tickers[i].recv_us / 1000),
				       "symbol", s->tickers[i].sym, NULL);
			}
		}
	}
}

static void render_streams(FILE *out, const struct mx_snap *s)
{
	{
		FAM(f, "hean_stream_length", "gauge", "Entries in the stream (XLEN).");
		for (int i = 0; i < MX_N_STREAMS; i++) {
			if (s->streams[i].exists) {
				sample(&f, NULL, (double)s->streams[i].len, "stream", mx_stream_names[i],
				       NULL);
			}
		}
	}
	{
		FAM(f, "hean_stream_group_pending", "gauge", "Entries delivered to the consumer group and not acknowledged.");
		for (int i = 0; i < MX_N_STREAMS; i++) {
			for (size_t g = 0; g < s->streams[i].n_groups; g++) {
				sample(&f, NULL, (double)s->streams[i].groups[g].pending, "stream",
				       mx_stream_names[i], "group", s->streams[i].groups[g].name, NULL);
			}
		}
	}
	{
		FAM(f, "hean_stream_group_lag", "gauge", "Entries in the stream not yet delivered to the consumer group.");
		for (int i = 0; i < MX_N_STREAMS; i++) {
			for (size_t g = 0; g < s->streams[i].n_groups; g++) {
				if (s->streams[i].groups[g].has_lag) {
					sample(&f, NULL, (double)s->streams[i].groups[g].lag, "stream",
					       mx_stream_names[i], "group",
					       s->streams[i].groups[g].name, NULL);
				}
			}
		}
	}
	{
		FAM(f, "hean_stream_group_consumers", "gauge", "Consumers in the consumer group.");
		for (int i = 0; i < MX_N_STREAMS; i++) {
			for (size_t g = 0; g < s->streams[i].n_groups; g++) {
				sample(&f, NULL, (double)s->streams[i].groups[g].consumers, "stream",
				       mx_stream_names[i], "group", s->streams[i].groups[g].name, NULL);
			}
		}
	}
}

/* The executor's hash; NULL if none is reporting. */
static const struct mx_hash *executor_hash(const struct mx_snap *s)
{
	for (size_t i = 0; i < s->n_procs; i++) {
		if (mx_get(&s->procs[i], HEAN_FIELD_NAKED_POSITIONS)) {
			return &s->procs[i];
		}
	}
	return NULL;
}

static void render_waves(FILE *out, const struct mx_snap *s, const struct mx_state *st)
{
	{
		FAM(f, "hean_waves_missed_total", "counter",
		    "Waves not recorded 5 s after their deadline (due + HEAN_WAVE_MAX_LATE_S), counted by the exporter since it started.");
		if (s->has_wave_last) {
			sample(&f, NULL, (double)st->waves_missed, NULL);
		}
	}
	{
		FAM(f, "hean_wave_overdue_seconds", "gauge", "Seconds since the due time of the oldest wave not yet recorded (0 if none); waves may wait for signals up to HEAN_WAVE_MAX_LATE_S.");
		if (s->has_wave_last) {
			sample(&f, NULL, st->wave_overdue_s, NULL);
		}
	}
	{
		FAM(f, "hean_wave_last_timestamp_seconds", "gauge", "wave_ts (candle start, UTC epoch) of the last wave emitted.");
		if (s->has_wave_last) {
			sample(&f, NULL, (double)s->wave_last, NULL);
		}
	}
	proc_age_family(out, s, "hean_wave_last_emit_age_seconds",
			"Seconds since the waves process last emitted a wave.", HEAN_FIELD_WAVES_LAST_EMIT_MS, false);
}

static void render_risk(FILE *out, const struct mx_snap *s, const struct mx_state *st)
{
	const struct mx_hash *x = executor_hash(s);
	double d;
	int64_t v;

	{
		FAM(f, "hean_halted", "gauge", "1 while hean:halt is set (new waves are not traded).");
		if (st->redis_up && s->complete) {
			sample(&f, NULL, s->halted ? 1 : 0, NULL);
		}
	}
	if (s->has_pnl) {
		const char *limit = mx_get(&s->pnl, HEAN_FIELD_LIMIT);

		{
			FAM(f, "hean_risk_limit_reached", "gauge", "1 while a risk limit stops new orders.");
			sample(&f, NULL, limit && *limit ? 1 : 0, NULL);
		}
		{
			FAM(f, "hean_risk_limit_info", "gauge", "The risk limit currently reached (value 1, name as label).");
			if (limit && *limit) {
				sample(&f, NULL, 1, "limit", limit, NULL);
			}
		}
	}
	{
		FAM(f, "hean_positions_open", "gauge", "Open positions.");
		if (s->has_pnl && mx_get_i64(&s->pnl, HEAN_FIELD_OPEN_POSITIONS, &v)) {
			sample(&f, NULL, (double)v, NULL);
		} else if (x && mx_get_i64(x, HEAN_FIELD_EXEC_POSITIONS, &v)) {
			sample(&f, NULL, (double)v, NULL);
		}
	}
	{
		FAM(f, "hean_positions_naked", "gauge", "Open positions without a confirmed stop-loss.");
		if (s->has_pnl && mx_get_i64(&s->pnl, HEAN_FIELD_NAKED_POSITIONS, &v)) {
			sample(&f, NULL, (double)v, NULL);
		} else if (x && mx_get_i64(x, HEAN_FIELD_NAKED_POSITIONS, &v)) {
			sample(&f, NULL, (double)v, NULL);
		}
	}
	if (s->has_pnl) {
		static const char *const pf[][3] = {
			{HEAN_FIELD_EXPOSURE_USD, "hean_exposure_usd", "Sum of open notional, USD."},
			{HEAN_FIELD_REALIZED_USD, "hean_pnl_realized_usd", "Realized PnL since 00:00 UTC, USD."},
			{HEAN_FIELD_UNREALIZED_USD, "hean_pnl_unrealized_usd", "Unrealized PnL of open positions, USD."},
		};
		for (size_t i = 0; i < 3; i++) {
			FAM(f, pf[i][1], "gauge", pf[i][2]);

			if (mx_get_dbl(&s->pnl, pf[i][0], &d)) {
				sample(&f, NULL, d, NULL);
			}
		}
		{
			FAM(f, "hean_pnl_age_seconds", "gauge", "Seconds since the executor last updated hean:pnl.");
			if (mx_get_i64(&s->pnl, HEAN_FIELD_UPDATED_MS, &v)) {
				sample(&f, NULL, age_s(s->now_ms, v), NULL);
			}
		}
	}
}

static void render_trading(FILE *out, const struct mx_snap *s, const struct mx_state *st)
{
	render_waves(out, s, st);
	render_risk(out, s, st);
}

static void render_self(FILE *out, const struct mx_snap *s, const struct mx_state *st)
{
	{
		FAM(f, "hean_build_info", "gauge", "Version of hean-metrics (value 1).");
		sample(&f, NULL, 1, "version", st->version, NULL);
	}
	{
		FAM(f, "hean_redis_up", "gauge", "1 if the exporter's Redis link is up and the last collection was complete.");
		sample(&f, NULL, st->redis_up && s->complete ? 1 : 0, NULL);
	}
	{
		FAM(f, "hean_exporter_collections_total", "counter", "Complete collection cycles.");
		sample(&f, NULL, (double)st->collections, NULL);
	}
	{
		FAM(f, "hean_exporter_collect_errors_total", "counter", "Collection cycles that failed (Redis down or an error reply).");
		sample(&f, NULL, (double)st->collect_errors, NULL);
	}
	{
		FAM(f, "hean_exporter_collect_duration_seconds", "gauge", "Duration of the last collection cycle.");
		sample(&f, NULL, st->collect_seconds, NULL);
	}
	{
		FAM(f, "hean_events_total", "counter", "Entries of hean:events seen since the exporter started, by writer and event.");
		for (size_t i = 0; i < st->n_ev; i++) {
			if (st->ev[i].event[0] != '\x01') {
				sample(&f, NULL, (double)st->ev[i].n, "process", st->ev[i].proc, "event",
				       st->ev[i].event, NULL);
			}
		}
	}
	{
		FAM(f, "hean_alert_firing", "gauge", "Alert conditions the exporter currently sees (value 1).");
		for (size_t i = 0; i < st->n_firing; i++) {
			sample(&f, NULL, 1, "alert", st->firing[i][0], "process", st->firing[i][1], NULL);
		}
	}
	if (st->webhook_configured) {
		{
			FAM(f, "hean_alert_webhook_messages_total", "counter",
			    "Webhook messages by result: sent (2xx), failed (gave up after retries), dropped (queue full), suppressed (HEAN_ALERT_REPEAT_S).");
			sample(&f, NULL, (double)st->wh_sent, "result", "sent", NULL);
			sample(&f, NULL, (double)st->wh_failed, "result", "failed", NULL);
			sample(&f, NULL, (double)st->wh_dropped, "result", "dropped", NULL);
			sample(&f, NULL, (double)st->wh_suppressed, "result", "suppressed", NULL);
		}
		{
			FAM(f, "hean_alert_webhook_retries_total", "counter", "Webhook POSTs retried after a failure.");
			sample(&f, NULL, (double)st->wh_retries, NULL);
		}
	}
}

void mx_render(FILE *out, const struct mx_snap *s, const struct mx_state *st)
{
	render_self(out, s, st);
	render_procs(out, s, st);
	render_feed(out, s);
	render_streams(out, s);
	render_trading(out, s, st);
}
