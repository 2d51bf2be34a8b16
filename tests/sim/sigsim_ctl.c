/* tests/sim/sigsim_ctl: HTTP /sim/ controls of hean-sigsim and the
 * send_invalid frames. Controls answer 200 {"ok":true} or 400 with a
 * reason; GET and POST are both accepted. */
#include "tests/sim/sigsim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/timeutil.h"

static const char *qarg(struct lws *wsi, const char *name, char *buf, int len)
{
	char key[32];

	snprintf(key, sizeof(key), "%s=", name);
	return lws_get_urlarg_by_name(wsi, key, buf, len);
}

static int qint(struct lws *wsi, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
	char buf[64];
	const char *v = qarg(wsi, name, buf, sizeof(buf));

	return v ? sim_parse_int(v, lo, hi, out) : -ENOENT;
}

static int bad(struct sim_buf *out, const char *why)
{
	sim_buf_printf(out, "{\"ok\":false,\"error\":\"%s\"}", why);
	return 400;
}

static int ok(struct sim_buf *out)
{
	sim_buf_puts(out, "{\"ok\":true}");
	return 200;
}

static void render_signals(struct sigsim *sim, struct sim_buf *out)
{
	sim_buf_puts(out, "[");
	for (size_t i = 0; i < sim->truth.n; i++) {
		if (i)
			sim_buf_puts(out, ",");
		sigsim_render_sig(out, &sim->truth.v[i], NULL);
	}
	sim_buf_puts(out, "]");
}

static void render_stats(struct sigsim *sim, struct sim_buf *out)
{
	const struct sigsim_stats *s = &sim->st;
	char lw[40];

	int authed = 0;

	for (const struct sigsim_conn *c = sim->conns; c; c = c->next)
		authed += c->authed;
	sigsim_iso(sim->last_wave, 0, lw, sizeof(lw));
	sim_buf_printf(out, "{\"authed\":%d,", authed);
	sim_buf_printf(out,
			  "\"clients\":%d,\"connects\":%llu,\"auths\":%llu,\"auth_rejects\":%llu,"
			  "\"get_signals\":%llu,\"pings\":%llu,\"closes\":%llu,",
			  sim->nconns, (unsigned long long)s->connects,
			  (unsigned long long)s->auths, (unsigned long long)s->auth_rejects,
			  (unsigned long long)s->get_signals, (unsigned long long)s->pings,
			  (unsigned long long)s->closes);
	sim_buf_printf(out,
			  "\"server_closes\":%llu,\"drops\":%llu,\"refused\":%llu,"
			  "\"waves_pushed\":%llu,\"frames_sent\":%llu,\"invalid_sent\":%llu,"
			  "\"unknown\":%llu,",
			  (unsigned long long)s->server_closes, (unsigned long long)s->drops,
			  (unsigned long long)s->refused, (unsigned long long)s->waves_pushed,
			  (unsigned long long)s->frames_sent, (unsigned long long)s->invalid_sent,
			  (unsigned long long)s->unknown);
	sim_buf_printf(out, "\"ws_pings\":%llu,\"ws_pongs\":%llu,\"ping_timeouts\":%llu,",
		       (unsigned long long)s->ws_pings, (unsigned long long)s->ws_pongs,
		       (unsigned long long)s->ping_timeouts);
	sim_buf_printf(out,
			  "\"buffer\":%zu,\"truth\":%zu,\"last_wave\":\"%s\",\"silent\":%s,"
			  "\"close_on_get_signals\":%s,\"reject_auth\":%d,\"refusing\":%s}",
			  sim->buffer.n, sim->truth.n, lw, sim->silent ? "true" : "false",
			  sim->close_on_get ? "true" : "false", sim->reject_auth,
			  ev_now(sim->loop) < sim->refuse_until ? "true" : "false");
}

/* Optional wave_ts=ISO (aligned to interval); default the newest wave.
 * An unencoded '+' of the offset arrives as ' ' (query decoding): the
 * last space after the seconds is read back as '+'. */
static int wave_arg(struct sigsim *sim, struct lws *wsi, bool required, int64_t *wave)
{
	char buf[80], *sp;
	const char *v = qarg(wsi, "wave_ts", buf, sizeof(buf));
	int64_t ms;

	if (!v) {
		*wave = sim->last_wave;
		return required ? -ENOENT : 0;
	}
	sp = strrchr(buf, ' ');
	if (sp && sp - v >= 19)
		*sp = '+';
	if (hean_time_parse_iso8601(v, strlen(v), &ms, NULL) < 0 || ms % 1000 != 0)
		return -EINVAL;
	*wave = ms / 1000;
	return *wave % sim->gen.interval_s == 0 ? 0 : -EINVAL;
}

int sigsim_ctl_handle(struct sigsim *sim, struct lws *wsi, const char *path,
		      struct sim_buf *out)
{
	char buf[64];
	const char *v;
	int64_t n, wave;
	int rc;

	log_info("event=control path=%s", path);
	if (!strcmp(path, "/sim/health"))
		return ok(out);
	if (!strcmp(path, "/sim/signals")) {
		render_signals(sim, out);
		return 200;
	}
	if (!strcmp(path, "/sim/stats")) {
		render_stats(sim, out);
		return 200;
	}
	if (!strcmp(path, "/sim/close")) {
		n = 1000;
		rc = qint(wsi, "code", 1000, 4999, &n);
		if ((rc < 0 && rc != -ENOENT) || n == 1004 || n == 1005 || n == 1006 ||
		    n == 1015 || (n > 1015 && n < 3000))
			return bad(out, "code must be 1000-1003, 1007-1014 or 3000-4999");
		sigsim_close_all(sim, (int)n, "sim close");
		return ok(out);
	}
	if (!strcmp(path, "/sim/drop")) {
		sigsim_drop_all(sim);
		return ok(out);
	}
	if (!strcmp(path, "/sim/silent")) {
		n = 0;
		if ((rc = qint(wsi, "secs", 0, 86400, &n)) < 0 && rc != -ENOENT) {
			v = qarg(wsi, "secs", buf, sizeof(buf));
			if (!v || strcmp(v, "none") != 0)
				return bad(out, "secs must be 0-86400 or none");
			n = 0;
		}
		sigsim_set_silent(sim, true, (double)n);
		return ok(out);
	}
	if (!strcmp(path, "/sim/resume")) {
		sigsim_set_silent(sim, false, 0);
		sim->refuse_until = 0;
		return ok(out);
	}
	if (!strcmp(path, "/sim/refuse")) {
		if (qint(wsi, "secs", 1, 86400, &n) < 0)
			return bad(out, "secs must be 1-86400");
		sim->refuse_until = ev_now(sim->loop) + (double)n;
		return ok(out);
	}
	if (!strcmp(path, "/sim/close_on_get_signals")) {
		if (qint(wsi, "on", 0, 1, &n) < 0)
			return bad(out, "on must be 0 or 1");
		sim->close_on_get = n == 1;
		return ok(out);
	}
	if (!strcmp(path, "/sim/reject_auth")) {
		if (qint(wsi, "count", 0, 1000000, &n) < 0)
			return bad(out, "count must be 0-1000000");
		sim->reject_auth = (int)n;
		return ok(out);
	}
	if (!strcmp(path, "/sim/send_invalid")) {
		v = qarg(wsi, "kind", buf, sizeof(buf));
		if (!v)
			return bad(out, "kind missing");
		if (wave_arg(sim, wsi, false, &wave) < 0)
			return bad(out, "wave_ts must be ISO 8601 with offset, aligned to interval");
		if (sigsim_send_invalid(sim, v, wave) < 0)
			return bad(out, "kind must be missing|side|nan|offset|dup|mixed");
		return ok(out);
	}
	if (!strcmp(path, "/sim/push_wave")) {
		if (wave_arg(sim, wsi, true, &wave) < 0)
			return bad(out, "wave_ts must be ISO 8601 with offset, aligned to interval");
		sigsim_push_wave(sim, wave);
		return ok(out);
	}
	sim_buf_puts(out, "{\"ok\":false,\"error\":\"not found\"}");
	return 404;
}

/* ---- send_invalid ---- */

struct inj {
	struct sigsim *sim;
	struct sim_buf b;
	int64_t wave;
	int n, invalid;
};

/* A fresh signal of the wave with an injected id. */
static void inj_sig(struct inj *j, struct sigsim_sig *s)
{
	struct sigsim *sim = j->sim;

	sigsim_gen_signal(&sim->gen, j->wave, (int)(sim->inj_seq % sim->gen.per_wave), s);
	s->id = sim->inj_base + sim->inj_seq++;
}

static void inj_render(struct inj *j, const struct sigsim_sig *s,
		       const struct sigsim_render_opts *o)
{
	if (j->n++)
		sim_buf_puts(&j->b, ",");
	sigsim_render_sig(&j->b, s, o);
}

static void inj_invalid(struct inj *j, const struct sigsim_render_opts *o)
{
	struct sigsim_sig s;

	inj_sig(j, &s);
	inj_render(j, &s, o);
	j->invalid++;
	log_info("event=invalid_signal id=%lld", (long long)s.id);
}

/* A valid new signal; offset_s != 0 renders wave_ts at that offset. */
static void inj_valid(struct inj *j, int offset_s)
{
	struct sigsim_sig s;

	inj_sig(j, &s);
	if (offset_s)
		sigsim_iso(s.wave, offset_s, s.wave_ts, sizeof(s.wave_ts));
	sigsim_record(j->sim, &s);
	inj_render(j, &s, NULL);
}

int sigsim_send_invalid(struct sigsim *sim, const char *kind, int64_t wave)
{
	static const struct sigsim_render_opts no_side = { .omit_side = true };
	static const struct sigsim_render_opts no_wave = { .omit_wave_ts = true };
	static const struct sigsim_render_opts hold = { .side = "hold" };
	static const struct sigsim_render_opts nan_week = { .week_raw = "NaN" };
	static const struct sigsim_render_opts inf_month = { .month_raw = "Infinity" };
	static const struct sigsim_render_opts ninf = { .week_raw = "-Infinity",
							.month_raw = "NaN" };
	struct inj j = { .sim = sim, .wave = wave };

	sigsim_frame_buf(&j.b);
	sim_buf_puts(&j.b, "{\"type\":\"signals\",\"data\":[");
	if (!strcmp(kind, "missing")) {
		inj_invalid(&j, &no_side);
		inj_invalid(&j, &no_wave);
		inj_valid(&j, 0);
	} else if (!strcmp(kind, "side")) {
		inj_invalid(&j, &hold);
		inj_valid(&j, 0);
	} else if (!strcmp(kind, "nan")) {
		inj_invalid(&j, &nan_week);
		inj_invalid(&j, &inf_month);
		inj_invalid(&j, &ninf);
		inj_valid(&j, 0);
	} else if (!strcmp(kind, "offset")) {
		inj_valid(&j, 4 * 3600);
		inj_valid(&j, 4 * 3600);
	} else if (!strcmp(kind, "dup")) {
		size_t k = (size_t)sim->gen.per_wave;
		if (k > sim->buffer.n)
			k = sim->buffer.n;
		for (size_t i = sim->buffer.n - k; i < sim->buffer.n; i++)
			inj_render(&j, &sim->buffer.v[i], NULL);
		inj_valid(&j, 0);
	} else if (!strcmp(kind, "mixed")) {
		inj_valid(&j, 0);
		inj_invalid(&j, &no_side);
		inj_invalid(&j, &hold);
		inj_valid(&j, 4 * 3600);
		inj_invalid(&j, &nan_week);
		inj_invalid(&j, &no_wave);
		inj_valid(&j, 0);
	} else {
		sim_buf_finish(&j.b);
		return -EINVAL;
	}
	sim_buf_puts(&j.b, "]}");
	struct sigsim_frame *f = sigsim_frame_take(&j.b);
	sigsim_broadcast(sim, f);
	sigsim_frame_unref(f);
	sim->st.invalid_sent += (uint64_t)j.invalid;
	log_info("event=send_invalid kind=%s signals=%d invalid=%d", kind, j.n,
		   j.invalid);
	return 0;
}
