/* common/config_print: printing the configuration: --dump-config (secrets
 * masked), --get KEY, --redis-target. */
#include "common/config.h"
#include "common/keys.h"
#include "common/config_internal.h"

#include "common/err.h"
#include "common/log.h"
#include "common/url.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* ===================== output ===================== */

static void dump_url(FILE *out, const char *url)
{
	const char *auth = strstr(url, "://");
	const char *at = hean_url_userinfo_at(url), *colon;

	if (!auth || !at) {
		fputs(url, out);
		return;
	}
	auth += 3;
	colon = memchr(auth, ':', (size_t)(at - auth));
	if (colon) {
		fprintf(out, "%.*s:****%s", (int)(colon - url), url, at);
	} else {
		fprintf(out, "%.*s****%s", (int)(auth - url), url, at);
	}
}

static void dump_list(FILE *out, char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s%s", i ? "," : "", list[i]);
	}
}

static void print_value(const struct hean_config *cfg, const struct var *v, bool masked,
			FILE *out);

/* Writes every variable as KEY=value in table order, secrets masked: API
 * key, secret and token as "****", a Redis password as ":****@" (the user
 * info ends at the LAST '@', so a password holding '/', '?' or '@' is
 * masked whole). */
void hean_config_dump(const struct hean_config *cfg, FILE *out)
{
	for (size_t i = 0; i < hcfg_n_vars(); i++) {
		fprintf(out, "%s=", hcfg_var(i)->name);
		print_value(cfg, hcfg_var(i), true, out);
		fputc('\n', out);
	}
}

/* --dump-keys: the registry of common/keys.h with the prefix in force, so
 * that the launcher and the watchdog never keep a copy of the names. */
static void dump_keys(const struct hean_config *cfg, FILE *out)
{
	static const char *const names[][2] = {
		{"ticks", HEAN_KEY_TICKS},	   {"signals", HEAN_KEY_SIGNALS},
		{"waves", HEAN_KEY_WAVES},	   {"orders", HEAN_KEY_ORDERS},
		{"control", HEAN_KEY_CONTROL},	   {"events", HEAN_KEY_EVENTS},
		{"ticker", HEAN_KEY_TICKER},	   {"position", HEAN_KEY_POSITION},
		{"health", HEAN_KEY_HEALTH},	   {"lease", HEAN_KEY_LEASE},
		{"want", HEAN_KEY_WANT},	   {"wave_last", HEAN_KEY_WAVE_LAST},
		{"wave_last_s", HEAN_KEY_WAVE_LAST_S}, {"halt", HEAN_KEY_HALT},
		{"pnl", HEAN_KEY_PNL},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		fprintf(out, "%s=%s%s\n", names[i][0], cfg->prefix, names[i][1]);
	}
	fprintf(out, "group_waves=%s\ngroup_executor=%s\nstream_keep_ms=%lld\n", HEAN_GROUP_WAVES,
		HEAN_GROUP_EXECUTOR, (long long)HEAN_STREAM_KEEP_MS);
	/* the field names (HEAN_FIELD_X as field.X) and the control command */
#define F(n) {#n, HEAN_FIELD_##n}
	static const char *const fields[][2] = {
		F(SYMBOL), F(LAST), F(BID), F(ASK), F(MARK), F(TS), F(RECV_US), F(N_TICKS),
		F(ID), F(SIDE), F(SCORE_WEEK), F(SCORE_MONTH), F(RAW), F(QTY), F(ORDER_LINK_ID),
		F(STATUS), F(RET_CODE), F(RET_MSG), F(CMD), F(REQ_ID), F(SIZE), F(ENTRY),
		F(AVG_PRICE), F(STOP_LOSS), F(TRAIL_HIGH), F(REALIZED_PNL), F(UNREALIZED_PNL),
		F(UPDATED_MS), F(DAY), F(REALIZED_USD), F(UNREALIZED_USD), F(EXPOSURE_USD),
		F(OPEN_POSITIONS), F(NAKED_POSITIONS), F(LIMIT), F(HALTED), F(PID), F(STATE),
		F(DETAIL), F(HOST), F(LAST_MSG_MS), F(LAST_ATTEMPT_MS), F(RECONNECTS),
		F(REDIS_RECONNECTS), F(EVENTS_DROPPED), F(FEED_MSGS), F(FEED_TICKS),
		F(FEED_DROPPED), F(FEED_BAD_FRAMES), F(FEED_XADD_ERRORS), F(FEED_STALE_SYMBOLS),
		F(FEED_HIST_RECV_TO_STORED), F(SIGNALS_RECEIVED), F(SIGNALS_INVALID),
		F(SIGNALS_DUPLICATE), F(SIGNALS_PUBLISHED), F(WAVES_NEXT_WAVE),
		F(WAVES_LAST_EMITTED), F(WAVES_LAST_EMIT_MS), F(WAVES_PROCESSED),
		F(WAVES_EXPIRED), F(WAVES_LATE), F(WAVES_EMPTY), F(EXEC_REST_FALLBACK),
		F(EXEC_POSITIONS), F(EXEC_HIST_WAVE_TO_ACCEPTED), F(EXEC_HIST_FILL_TO_STOP),
		F(PROC), F(EVENT), F(TS_MS), F(WAVE_TS), F(SIGNALS), F(CONSIDERED), F(SKIPPED),
		F(REASON), F(DUE_MS), F(EMITTED_MS),
	};
#undef F
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		fprintf(out, "field.%s=%s\n", fields[i][0], fields[i][1]);
	}
	fprintf(out, "cmd_flatten=%s\n", HEAN_CMD_FLATTEN);
}

/* --get: the unmasked value; --redis-target: the decoded connection. */
int hean_config_cli_print(const struct hean_config *cfg, FILE *out, char *err, size_t errlen)
{
	const struct var *v;
	struct hean_url u;
	char why[160];

	switch (cfg->cli_action) {
	case HEAN_CLI_DUMP:
		hean_config_dump(cfg, out);
		return 0;
	case HEAN_CLI_GET:
		v = hcfg_find_var(cfg->cli_key);
		if (!v) {
			return hean_errf(err, errlen, "--get %.64s: unknown variable", cfg->cli_key);
		}
		print_value(cfg, v, false, out);
		fputc('\n', out);
		return 0;
	case HEAN_CLI_KEYS:
		dump_keys(cfg, out);
		return 0;
	case HEAN_CLI_REDIS:
		if (hean_url_parse(cfg->redis_url, &u, why, sizeof(why)) < 0) {
			OPENSSL_cleanse(&u, sizeof(u));
			return hean_errf(err, errlen, "HEAN_REDIS_URL: %s", why);
		}
		if (!hcfg_printable(u.user) || !hcfg_printable(u.pass)) {
			OPENSSL_cleanse(&u, sizeof(u));
			return hean_errf(err, errlen,
				    "HEAN_REDIS_URL: control character in the decoded user or password");
		}
		if (!strcmp(u.scheme, "unix")) {
			fprintf(out, "kind=unix\npath=%s\nhost=\nport=\nuser=\npassword=\ndb=%d\n", u.path,
				u.db);
		} else {
			fprintf(out, "kind=tcp\npath=\nhost=%s\nport=%d\nuser=%s\npassword=%s\ndb=%d\n", u.host,
				u.port, u.user, u.pass, u.db);
		}
		OPENSSL_cleanse(&u, sizeof(u));
		return 0;
	default:
		return hean_errf(err, errlen, "nothing to print");
	}
}

static void print_value(const struct hean_config *cfg, const struct var *v, bool masked,
			FILE *out)
{
	{
		const char *p = (const char *)cfg + v->off;

		switch (v->type) {
		case T_STR:
			if (masked && (v->mask == M_SECRET || v->mask == M_KEY)) {
				fputs("****", out);
			} else if (masked && v->mask == M_URLPASS) {
				dump_url(out, p);
			} else {
				fputs(p, out);
			}
			break;
		case T_INT:
			fprintf(out, "%d", *(const int *)p);
			break;
		case T_LONG:
			fprintf(out, "%ld", *(const long *)p);
			break;
		case T_DBL: {
			/* shortest text that reads back as the same double */
			char nb[40];
			double dv = *(const double *)p;

			snprintf(nb, sizeof(nb), "%.15g", dv);
			if (strtod(nb, NULL) != dv) {
				snprintf(nb, sizeof(nb), "%.17g", dv);
			}
			fputs(nb, out);
			break;
		}
		case T_BOOL:
			fprintf(out, "%d", *(const bool *)p ? 1 : 0);
			break;
		case T_LIST:
			if (v->check == C_SYMS) {
				dump_list(out, cfg->symbols, cfg->n_symbols);
			} else {
				dump_list(out, cfg->blacklist, cfg->n_blacklist);
			}
			break;
		}
	}
}
