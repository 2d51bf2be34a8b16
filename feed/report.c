/* feed/report: what the feed tells its health hash: the process state
 * (the worst connection state, stale symbols in the detail) and the
 * counters, per-connection symbols and states included. */
#include "feed/report.h"

#include "common/health.h"
#include "common/hist.h"
#include "common/keys.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

unsigned feed_lat_bucket(uint64_t us)
{
	if (us < 64) {
		return (unsigned)us;
	}
	unsigned msb = 63u - (unsigned)__builtin_clzll(us);
	unsigned b = 64 + (msb - 6) * 16 + (unsigned)((us >> (msb - 4)) & 15);
	return b < FEED_LAT_BUCKETS ? b : FEED_LAT_BUCKETS - 1;
}

uint64_t feed_lat_bucket_us(unsigned b)
{
	if (b < 64) {
		return b;
	}
	unsigned msb = 6 + (b - 64) / 16, sub = (b - 64) % 16;
	uint64_t lo = (16ull + sub) << (msb - 4);
	return lo + (1ull << (msb - 4)) / 2;
}

static uint64_t lat_pct(const struct feed_app *f, double q)
{
	uint64_t want = (uint64_t)(q * (double)f->lat_n), seen = 0;
	if (f->lat_n == 0) {
		return 0;
	}
	for (unsigned b = 0; b < FEED_LAT_BUCKETS; b++) {
		seen += f->lat[b];
		if (seen > want) {
			return feed_lat_bucket_us(b);
		}
	}
	return feed_lat_bucket_us(FEED_LAT_BUCKETS - 1);
}

static const char *sess_state_name(enum feed_sess_state s)
{
	switch (s) {
	case FEED_SESS_CONNECTING:
		return "connecting";
	case FEED_SESS_SUBSCRIBING:
		return "subscribing";
	case FEED_SESS_STREAMING:
		return "streaming";
	default:
		return "disconnected";
	}
}

/* "stale=A,B" (bounded), or "" when every symbol is fresh. */
static size_t stale_detail(const struct feed_app *f, char *buf, size_t cap, size_t *count)
{
	size_t n = 0, len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < f->book.n; i++) {
		if (!f->book.t[i].used || !f->book.t[i].stale.stale) {
			continue;
		}
		if (n < 8 && len + 32 < cap) {
			len += (size_t)snprintf(buf + len, cap - len, "%s%s", n ? "," : "stale=",
						f->book.t[i].symbol);
		}
		n++;
	}
	if (n > 8 && len + 16 < cap) {
		len += (size_t)snprintf(buf + len, cap - len, ",+%zu", n - 8);
	}
	*count = n;
	return len;
}

/* The process state is the worst connection state. */
void feed_report_state(struct feed_app *f, const char *detail_override)
{
	enum feed_sess_state worst = FEED_SESS_STREAMING;
	char detail[256];
	size_t n_stale;

	if (f->stopping) {
		return;
	}
	for (size_t i = 0; i < f->n_sess; i++) {
		if (f->sess[i].state < worst) {
			worst = f->sess[i].state;
		}
	}
	if (f->n_sess == 0) {
		/* nothing to stream yet: ALL before instruments-info was read */
		worst = FEED_SESS_CONNECTING;
		if (detail_override == NULL) {
			detail_override = f->all ? "waiting for instruments-info" : "no symbols";
		}
	} else if (f->book.live == 0 && worst > FEED_SESS_SUBSCRIBING) {
		/* every symbol refused by the exchange (a typo in HEAN_SYMBOLS, a
		 * delisted symbol): connected, but nothing to stream */
		worst = FEED_SESS_SUBSCRIBING;
		if (detail_override == NULL) {
			detail_override = "no symbol streamed: every one refused by the exchange "
					  "(event=symbol_rejected)";
		}
	}
	stale_detail(f, detail, sizeof(detail), &n_stale);
	hean_health_set_state(f->app->health, sess_state_name(worst),
			      detail_override ? detail_override : detail);
}

/* conn_symbols "200,200,17": symbols per connection; conn_states "SSC":
 * S streaming, B subscribing, C connecting, D disconnected. */
static void conn_fields(const struct feed_app *f, struct hean_health *h)
{
	char syms[HEAN_HIST_TEXT_LEN], states[FEED_MAX_CONNS + 1];
	size_t len = 0;

	syms[0] = '\0';
	for (size_t c = 0; c < f->n_sess; c++) {
		const struct feed_session *s = &f->sess[c];
		if (len + 8 < sizeof(syms)) {
			len += (size_t)snprintf(syms + len, sizeof(syms) - len, "%s%zu", c ? "," : "",
						s->n_syms);
		}
		states[c] = "DCBS"[s->state];
	}
	states[f->n_sess] = '\0';
	hean_health_set_str(h, "conn_symbols", syms);
	hean_health_set_str(h, "conn_states", states);
}

void feed_report_counters(struct feed_app *f)
{
	struct hean_health *h = f->app->health;
	size_t n_stale;
	char detail[256], hist[HEAN_HIST_TEXT_LEN];

	stale_detail(f, detail, sizeof(detail), &n_stale);
	hean_health_set_int(h, HEAN_FIELD_FEED_TICKS, (int64_t)f->pub.ticks);
	hean_health_set_int(h, HEAN_FIELD_FEED_MSGS, (int64_t)f->msgs);
	hean_health_set_int(h, "fast_path", (int64_t)f->fast_msgs);
	hean_health_set_int(h, HEAN_FIELD_FEED_DROPPED, (int64_t)f->pub.dropped);
	hean_health_set_int(h, "queued", (int64_t)f->pub.count);
	hean_health_set_int(h, HEAN_FIELD_FEED_BAD_FRAMES, (int64_t)f->bad_frames);
	hean_health_set_int(h, "bad_fields", (int64_t)f->bad_fields);
	hean_health_set_int(h, "unknown_topics", (int64_t)f->unknown_topics);
	hean_health_set_int(h, "deltas_before_snapshot", (int64_t)f->dbs);
	hean_health_set_int(h, "unknown_symbols", (int64_t)f->unknown_syms);
	hean_health_set_int(h, "subscribe_errors", (int64_t)f->sub_errors);
	hean_health_set_int(h, "xadd_acked", (int64_t)f->acked);
	hean_health_set_int(h, "xadd_unknown", (int64_t)f->lost);
	hean_health_set_int(h, HEAN_FIELD_FEED_XADD_ERRORS, (int64_t)f->xadd_errors);
	hean_health_set_int(h, "rx_pauses", (int64_t)f->pauses);
	hean_health_set_int(h, HEAN_FIELD_FEED_STALE_SYMBOLS, (int64_t)n_stale);
	hean_health_set_int(h, "connections", (int64_t)f->n_sess);
	hean_health_set_int(h, "symbols", (int64_t)f->book.live);
	hean_health_set_int(h, "symbols_static", (int64_t)feed_uni_count(&f->uni, FEED_UNI_STATIC));
	hean_health_set_int(h, "symbols_listed", (int64_t)feed_uni_count(&f->uni, FEED_UNI_LISTED));
	hean_health_set_int(h, "symbols_wanted", (int64_t)feed_uni_count(&f->uni, FEED_UNI_WANTED));
	hean_health_set_int(h, "symbols_added", (int64_t)f->added);
	hean_health_set_int(h, "symbols_dropped", (int64_t)f->dropped_syms);
	hean_health_set_int(h, "symbols_rejected", (int64_t)f->rejected);
	hean_health_set_int(h, "late_ticks", (int64_t)f->late_ticks);
	hean_health_set_int(h, "want_polls", (int64_t)f->src.want_polls);
	hean_health_set_int(h, "want_errors", (int64_t)f->src.want_errors);
	if (f->all) {
		hean_health_set_int(h, "instruments_listed", (int64_t)f->src.listed);
		hean_health_set_int(h, "instruments_read_ms", f->src.listed_ms);
		hean_health_set_int(h, "instruments_errors", (int64_t)f->src.instr_errors);
	}
	conn_fields(f, h);
	hean_health_set_int(h, "ack_p50_us", (int64_t)lat_pct(f, 0.50));
	hean_health_set_int(h, "ack_p99_us", (int64_t)lat_pct(f, 0.99));
	hean_health_set_int(h, "ack_p999_us", (int64_t)lat_pct(f, 0.999));
	if (hean_hist_format(&f->hist, hist, sizeof(hist)) > 0) {
		hean_health_set_str(h, HEAN_FIELD_FEED_HIST_RECV_TO_STORED, hist);
	}
}

