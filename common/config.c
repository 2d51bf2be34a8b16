/* common/config: defaults -> --config FILE -> environment (wins).
 *
 * One table describes every variable: its default (the same as in the
 * table of variables in README.md) and its accepted range. Loading
 * (command line, --config FILE, environment) is in config_load.c, printing
 * (--dump-config, --get, --redis-target) in config_print.c. Ranges chosen here:
 *   HEAN_WAVE_INTERVAL_S       1..86400          HEAN_WAVE_DELAY_S   0..4*interval
 *   HEAN_PING_INTERVAL_S       1..3600           HEAN_LIVENESS_TIMEOUT_S 2..7200, > ping
 *   HEAN_STALE_S               1..86400          HEAN_TICKS_MAXLEN   1000..10000000
 *   HEAN_SIGNAL_POLL_S         1..86400          HEAN_WAVE_MAX_LATE_S 0..86400
 *   HEAN_WAVE_MAX_TRADES       1..100            HEAN_WAVE_MIN_SCORE -1000..1000
 *   HEAN_POSITION_USD          (0, 1000000]      HEAN_*_PCT          (0, 100) exclusive
 *   HEAN_TRAIL_MIN_INTERVAL_MS 0..600000         HEAN_REST_POLL_S    1..3600
 *   HEAN_RECV_WINDOW_MS        100..60000        HEAN_WATCHDOG_STALE_S 1..3600
 *   HEAN_WATCHDOG_UNHEALTHY_S  1..86400          HEAN_WATCHDOG_MAX_RESTARTS 1..1000
 *   HEAN_TLS_INSECURE          0|1
 *   HEAN_TLS_CA_FILE           PEM bundle path; empty = the system store
 *   HEAN_DNS_SERVER            ip[:port][,...]; empty = /etc/resolv.conf
 *   HEAN_LEASE_TTL_MS          0 (no lease) or 2000..600000
 *   HEAN_LOG_FORMAT            text|json
 *   HEAN_FEED_CONN_SYMBOLS     1..2000           HEAN_FEED_UNSUB_GRACE_S 0..86400
 *   HEAN_FEED_INSTRUMENTS_REFRESH_S 10..86400
 *   HEAN_REST_BAN_S            1..86400
 *   HEAN_PROC_NAME: never from a --config file (a file is shared by the four
 *   daemons and would give them one name); there HEAN_PROC_NAME_<ROLE>
 *   (FEED, SIGNALS, WAVES, EXECUTOR) names one daemon. The environment may
 *   set both; HEAN_PROC_NAME wins.
 *   HEAN_SYMBOLS / HEAN_SYMBOL_BLACKLIST: ^[A-Z0-9]{2,20}$, comma separated,
 *   deduplicated; at least one symbol (the blacklist may be empty). The
 *   symbol list may hold ALL: the feed then streams every tradable linear
 *   USDT perpetual (the other processes ignore HEAN_SYMBOLS).
 *   URLs: ws(s):// for streams, http(s):// for REST, redis:// or unix://. */
#include "common/config.h"
#include "common/config_internal.h"
#include "common/url.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/err.h"
#include "common/num.h"
#include "common/symbol.h"
#include "common/log.h"
#include "common/url.h"

#define FILE_MAX (1 << 20)
#define SUN_PATH_MAX 107

extern char **environ;


#define S(n, d, c, m, f) {n, d, T_STR, c, m, offsetof(struct hean_config, f), sizeof(((struct hean_config *)0)->f), 0, 0, 0}
#define I(n, d, f, lo, hi) {n, d, T_INT, C_TEXT, M_NONE, offsetof(struct hean_config, f), sizeof(int), lo, hi, 0}
#define L(n, d, f, lo, hi) {n, d, T_LONG, C_TEXT, M_NONE, offsetof(struct hean_config, f), sizeof(long), lo, hi, 0}
#define D(n, d, f, lo, hi, x) {n, d, T_DBL, C_TEXT, M_NONE, offsetof(struct hean_config, f), sizeof(double), lo, hi, x}

static const struct var vars[] = {
	S("HEAN_HOME", NULL, C_TEXT, M_NONE, home),
	S("HEAN_REDIS_URL", "unix://var/run/redis.sock", C_REDIS, M_URLPASS, redis_url),
	S("HEAN_REDIS_PREFIX", "hean:", C_NAME, M_NONE, prefix),
	S("HEAN_PROC_NAME", NULL, C_NAME, M_NONE, proc_name),
	S("HEAN_BYBIT_WS_PUBLIC", "ws://127.0.0.1:47801/v5/public/linear", C_WS, M_NONE, ws_public),
	S("HEAN_BYBIT_WS_PRIVATE", "ws://127.0.0.1:47801/v5/private", C_WS, M_NONE, ws_private),
	S("HEAN_BYBIT_REST", "http://127.0.0.1:47801", C_HTTP, M_NONE, rest),
	S("HEAN_BYBIT_API_KEY", HEAN_SIM_API_KEY, C_TEXT, M_KEY, api_key),
	S("HEAN_BYBIT_API_SECRET", HEAN_SIM_API_SECRET, C_TEXT, M_SECRET, api_secret),
	{"HEAN_SYMBOLS", "BTCUSDT,ETHUSDT,SOLUSDT", T_LIST, C_SYMS, M_NONE, 0, 0, 0, 0, 0},
	S("HEAN_SIGNAL_URL", "ws://127.0.0.1:47802/", C_WS, M_NONE, signal_url),
	S("HEAN_SIGNAL_TOKEN", HEAN_SIM_SIGNAL_TOKEN, C_TEXT, M_SECRET, signal_token),
	I("HEAN_WAVE_INTERVAL_S", "900", wave_interval_s, 1, 86400),
	I("HEAN_WAVE_DELAY_S", "300", wave_delay_s, 0, 4 * 86400),
	I("HEAN_PING_INTERVAL_S", "20", ping_interval_s, 1, 3600),
	I("HEAN_LIVENESS_TIMEOUT_S", "60", liveness_timeout_s, 2, 7200),
	I("HEAN_STALE_S", "120", stale_s, 1, 86400),
	S("HEAN_LOG_LEVEL", "info", C_LEVEL, M_NONE, log_level),
	L("HEAN_TICKS_MAXLEN", "100000", ticks_maxlen, 1000, 10000000),
	I("HEAN_SIGNAL_POLL_S", "60", signal_poll_s, 1, 86400),
	I("HEAN_WAVE_MAX_LATE_S", "300", wave_max_late_s, 0, 86400),
	I("HEAN_WAVE_MAX_TRADES", "5", wave_max_trades, 1, 100),
	D("HEAN_WAVE_MIN_SCORE", "0", wave_min_score, -1000, 1000, 0),
	{"HEAN_SYMBOL_BLACKLIST", "", T_LIST, C_BLACK, M_NONE, 0, 0, 0, 0, 0},
	D("HEAN_POSITION_USD", "200", position_usd, 0, 1000000, X_LO),
	D("HEAN_STOP_LOSS_PCT", "2.0", stop_loss_pct, 0, 100, X_LO | X_HI),
	D("HEAN_TRAIL_ACTIVATION_PCT", "1.0", trail_activation_pct, 0, 100, X_LO | X_HI),
	D("HEAN_TRAIL_CALLBACK_PCT", "0.5", trail_callback_pct, 0, 100, X_LO | X_HI),
	I("HEAN_TRAIL_MIN_INTERVAL_MS", "1000", trail_min_interval_ms, 0, 600000),
	I("HEAN_REST_POLL_S", "5", rest_poll_s, 1, 3600),
	I("HEAN_RECV_WINDOW_MS", "5000", recv_window_ms, 100, 60000),
	I("HEAN_WATCHDOG_STALE_S", "30", watchdog_stale_s, 1, 3600),
	I("HEAN_WATCHDOG_UNHEALTHY_S", "120", watchdog_unhealthy_s, 1, 86400),
	I("HEAN_WATCHDOG_MAX_RESTARTS", "5", watchdog_max_restarts, 1, 1000),
	{"HEAN_TLS_INSECURE", "0", T_BOOL, C_TEXT, M_NONE, offsetof(struct hean_config, tls_insecure), sizeof(bool), 0, 1, 0},
	S("HEAN_TLS_CA_FILE", "", C_TEXT, M_NONE, tls_ca_file),
	S("HEAN_DNS_SERVER", "", C_TEXT, M_NONE, dns_server),
	S("HEAN_METRICS_LISTEN", "127.0.0.1:9464", C_TEXT, M_NONE, metrics_listen),
	S("HEAN_ALERT_WEBHOOK_URL", "", C_TEXT, M_NONE, alert_webhook_url),
	I("HEAN_ALERT_REPEAT_S", "600", alert_repeat_s, 1, 86400),
	{"HEAN_LEASE_TTL_MS", "10000", T_INT, C_LEASE, M_NONE, offsetof(struct hean_config, lease_ttl_ms), sizeof(int), 0, 600000, 0},
	S("HEAN_LOG_FORMAT", "text", C_FMT, M_NONE, log_format),
	I("HEAN_MAX_OPEN_POSITIONS", "50", max_open_positions, 0, 100000),
	D("HEAN_MAX_EXPOSURE_USD", "20000", max_exposure_usd, 0, 1e12, 0),
	D("HEAN_DAILY_LOSS_LIMIT_USD", "2000", daily_loss_limit_usd, 0, 1e12, 0),
	I("HEAN_FEED_CONN_SYMBOLS", "200", feed_conn_symbols, 1, 2000),
	I("HEAN_FEED_UNSUB_GRACE_S", "60", feed_unsub_grace_s, 0, 86400),
	I("HEAN_FEED_INSTRUMENTS_REFRESH_S", "3600", feed_instruments_refresh_s, 10, 86400),
	I("HEAN_REST_BAN_S", "600", rest_ban_s, 1, 86400),
};

#define N_VARS (sizeof(vars) / sizeof(vars[0]))

size_t hcfg_n_vars(void)
{
	return N_VARS;
}

const struct var *hcfg_var(size_t i)
{
	return &vars[i];
}

/* HEAN_* names that are not settings (test harness), never warned about. */
static const char *const not_settings[] = {"HEAN_SRC", "HEAN_BUILD", "HEAN_KEEP"};


const struct var *hcfg_find_var(const char *name)
{
	for (size_t i = 0; i < N_VARS; i++) {
		if (strcmp(vars[i].name, name) == 0) {
			return &vars[i];
		}
	}
	return NULL;
}

bool hcfg_printable(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			return false;
		}
	}
	return true;
}

static bool name_ok(const char *s)
{
	if (!*s) {
		return false;
	}
	for (; *s; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == ':')) {
			return false;
		}
	}
	return true;
}

/* Splits, validates and deduplicates a symbol list into buf/list. */
static int set_list(const char *name, const char *value, char *buf, size_t bufsz, char **list,
		    size_t max, size_t *count, bool need_one, char *err, size_t errlen)
{
	size_t used = 0, n = 0;
	const char *p = value;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *s = p;
		bool dup = false;

		while (len > 0 && *s == ' ') {
			s++;
			len--;
		}
		while (len > 0 && s[len - 1] == ' ') {
			len--;
		}
		if (!hean_symbol_valid(s, len)) {
			return hean_errf(err, errlen, "%s: invalid symbol '%.*s' (must match ^[A-Z0-9]{2,20}$, comma separated)",
				    name, (int)(len > 24 ? 24 : len), s);
		}
		for (size_t k = 0; k < n; k++) {
			dup |= strlen(list[k]) == len && memcmp(list[k], s, len) == 0;
		}
		if (!dup) {
			if (n == max || used + len + 1 > bufsz) {
				return hean_errf(err, errlen, "%s: too many symbols (max %zu)", name, max);
			}
			memcpy(buf + used, s, len);
			buf[used + len] = '\0';
			list[n++] = buf + used;
			used += len + 1;
		}
		p = e ? e + 1 : p + strlen(p);
		if (e && !*p) {
			return hean_errf(err, errlen, "%s: empty symbol after ','", name);
		}
	}
	if (need_one && n == 0) {
		return hean_errf(err, errlen, "%s: at least one symbol is required", name);
	}
	*count = n;
	return 0;
}

static int check_url(const struct var *v, const char *value, char *err, size_t errlen)
{
	struct hean_url u;
	char why[160];
	bool ok;

	if (hean_url_parse(value, &u, why, sizeof(why)) < 0) {
		OPENSSL_cleanse(&u, sizeof(u));
		return hean_errf(err, errlen, "%s: %s", v->name, why);
	}
	if (v->check == C_WS) {
		ok = !strcmp(u.scheme, "ws") || !strcmp(u.scheme, "wss");
	} else if (v->check == C_HTTP) {
		ok = !strcmp(u.scheme, "http") || !strcmp(u.scheme, "https");
	} else {
		ok = !strcmp(u.scheme, "redis") || !strcmp(u.scheme, "unix");
	}
	OPENSSL_cleanse(&u, sizeof(u));
	if (!ok) {
		return hean_errf(err, errlen, "%s: scheme must be %s", v->name,
			    v->check == C_WS ? "ws:// or wss://"
			    : v->check == C_HTTP ? "http:// or https://" : "redis:// or unix://");
	}
	return 0;
}

static int set_str(struct hean_config *cfg, const struct var *v, const char *value, char *err,
		   size_t errlen)
{
	enum hean_log_level lv;
	const char *shown = v->mask == M_NONE ? value : "(redacted)";

	if (strlen(value) >= v->size) {
		return hean_errf(err, errlen, "%s: too long (max %zu bytes)", v->name, v->size - 1);
	}
	if (!hcfg_printable(value)) {
		return hean_errf(err, errlen, "%s: control character in value", v->name);
	}
	if (v->check == C_NAME && !name_ok(value)) {
		return hean_errf(err, errlen, "%s: '%.64s' must be 1..%zu of [A-Za-z0-9_.:-]", v->name, shown,
			    v->size - 1);
	}
	if (v->check == C_FMT && strcmp(value, "text") != 0 && strcmp(value, "json") != 0) {
		return hean_errf(err, errlen, "%s: '%.32s' must be text or json", v->name, value);
	}
	if (v->check == C_LEVEL && hean_log_level_parse(value, &lv) < 0) {
		return hean_errf(err, errlen, "%s: '%.32s' must be debug, info, warn or error", v->name, value);
	}
	if ((v->check == C_WS || v->check == C_HTTP || v->check == C_REDIS) &&
	    check_url(v, value, err, errlen) < 0) {
		return -EINVAL;
	}
	if (v->check == C_TEXT && !*value && v->mask != M_NONE) {
		return hean_errf(err, errlen, "%s: must not be empty", v->name);
	}
	if (!strcmp(v->name, "HEAN_HOME") && !*value) {
		return hean_errf(err, errlen, "%s: must not be empty", v->name);
	}
	OPENSSL_cleanse((char *)cfg + v->off, v->size);
	memcpy((char *)cfg + v->off, value, strlen(value) + 1);
	return 0;
}

static int set_num(struct hean_config *cfg, const struct var *v, const char *value, char *err,
		   size_t errlen)
{
	size_t len = strlen(value);
	int64_t iv = 0;
	double dv = 0;

	if (v->type == T_DBL) {
		bool bad = hean_parse_decimal(value, len, &dv, 0) < 0 ||
			   ((v->ex & X_LO) ? !(dv > v->lo) : !(dv >= v->lo)) ||
			   ((v->ex & X_HI) ? !(dv < v->hi) : !(dv <= v->hi));

		if (bad) {
			return hean_errf(err, errlen, "%s: '%.32s' out of range (range %s%g..%g%s)", v->name,
				    value, (v->ex & X_LO) ? "(" : "", v->lo, v->hi,
				    (v->ex & X_HI) ? ")" : (v->ex & X_LO) ? "]" : "");
		}
		*(double *)((char *)cfg + v->off) = dv;
		return 0;
	}
	if (hean_parse_int64(value, len, &iv) < 0 || iv < (int64_t)v->lo || iv > (int64_t)v->hi ||
	    (v->check == C_LEASE && iv != 0 && iv < 2000)) {
		if (v->check == C_LEASE) {
			return hean_errf(err, errlen, "%s: '%.32s' out of range (0 = no lease, or 2000..%lld)",
				    v->name, value, (long long)v->hi);
		}
		return hean_errf(err, errlen, "%s: '%.32s' out of range (range %lld..%lld)", v->name, value,
			    (long long)v->lo, (long long)v->hi);
	}
	if (v->type == T_INT) {
		*(int *)((char *)cfg + v->off) = (int)iv;
	} else if (v->type == T_LONG) {
		*(long *)((char *)cfg + v->off) = (long)iv;
	} else {
		*(bool *)((char *)cfg + v->off) = iv != 0;
	}
	return 0;
}

/* Sets HEAN_SYMBOLS or HEAN_SYMBOL_BLACKLIST; parses into scratch memory
 * first so that a bad value leaves the old list intact. */
static int set_list_var(struct hean_config *cfg, const struct var *v, const char *value,
			char *err, size_t errlen)
{
	bool syms = v->check == C_SYMS;
	char *raw = syms ? cfg->symbols_raw : cfg->blacklist_raw;
	char *buf = syms ? cfg->symbols_buf : cfg->blacklist_buf;
	char **list = syms ? cfg->symbols : cfg->blacklist;
	size_t rawsz = syms ? sizeof(cfg->symbols_raw) : sizeof(cfg->blacklist_raw);
	size_t bufsz = syms ? sizeof(cfg->symbols_buf) : sizeof(cfg->blacklist_buf);
	size_t max = syms ? HEAN_MAX_SYMBOLS : sizeof(cfg->blacklist) / sizeof(cfg->blacklist[0]);
	size_t *count = syms ? &cfg->n_symbols : &cfg->n_blacklist;
	struct {
		char buf[sizeof(cfg->symbols_buf)];
		char *list[HEAN_MAX_SYMBOLS];
	} *tmp;
	size_t n = 0;
	int rc;

	if (strlen(value) >= rawsz) {
		return hean_errf(err, errlen, "%s: too long", v->name);
	}
	tmp = malloc(sizeof(*tmp));
	if (!tmp) {
		return -ENOMEM;
	}
	rc = set_list(v->name, value, tmp->buf, bufsz, tmp->list, max, &n, syms, err, errlen);
	if (rc == 0) {
		memcpy(buf, tmp->buf, bufsz);
		for (size_t i = 0; i < n; i++) {
			list[i] = buf + (tmp->list[i] - tmp->buf);
		}
		*count = n;
		memcpy(raw, value, strlen(value) + 1);
	}
	free(tmp);
	return rc;
}

static int set_str(struct hean_config *cfg, const struct var *v, const char *value, char *err,
		   size_t errlen);

/* HEAN_PROC_NAME_<ROLE>: names the daemon whose role is ROLE (any case);
 * the entries for the other daemons are not errors, just not ours. */
static int set_role_name(struct hean_config *cfg, const char *role, const char *value,
			 char *err, size_t errlen)
{
	static const char *const roles[] = {"FEED", "SIGNALS", "WAVES", "EXECUTOR"};

	if (!strcasecmp(role, cfg->role)) {
		if (!value) {
			return hean_errf(err, errlen, "HEAN_PROC_NAME_%s: no value", role);
		}
		return set_str(cfg, hcfg_find_var("HEAN_PROC_NAME"), value, err, errlen);
	}
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (!strcmp(role, roles[i])) {
			return 0;
		}
	}
	return -ENOENT;
}

/* Sets one variable by name. Returns 0, -ENOENT (unknown) or -EINVAL
 * ("HEAN_X: reason (range a..b)" in err). Secrets never appear in err. */
int hean_config_set(struct hean_config *cfg, const char *key, const char *value, char *err,
		    size_t errlen)
{
	const struct var *v = key ? hcfg_find_var(key) : NULL;

	if (!v && key && !strncmp(key, "HEAN_PROC_NAME_", 15)) {
		return set_role_name(cfg, key + 15, value, err, errlen);
	}
	if (!v) {
		return -ENOENT;
	}
	if (!value) {
		return hean_errf(err, errlen, "%s: no value", key);
	}
	switch (v->type) {
	case T_STR:
		return set_str(cfg, v, value, err, errlen);
	case T_LIST:
		return set_list_var(cfg, v, value, err, errlen);
	default:
		return set_num(cfg, v, value, err, errlen);
	}
}

/* Fills every default; role ("feed") is also the default HEAN_PROC_NAME.
 * HEAN_HOME defaults to the environment's HEAN_HOME, else ".". */
void hean_config_defaults(struct hean_config *cfg, const char *role)
{
	const char *home = getenv("HEAN_HOME");

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->role, sizeof(cfg->role), "%s", role && *role ? role : "hean");
	snprintf(cfg->proc_name, sizeof(cfg->proc_name), "%s", cfg->role);
	snprintf(cfg->home, sizeof(cfg->home), "%s", home && *home ? home : ".");
	for (size_t i = 0; i < N_VARS; i++) {
		if (vars[i].def) {
			hean_config_set(cfg, vars[i].name, vars[i].def, NULL, 0);
		}
	}
}

static bool ignored_name(const char *key)
{
	for (size_t i = 0; i < sizeof(not_settings) / sizeof(not_settings[0]); i++) {
		if (!strcmp(key, not_settings[i])) {
			return true;
		}
	}
	return false;
}

static void trim(char **s, char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t')) {
		(*s)++;
	}
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r')) {
		(*e)--;
	}
}

/* Applies KEY=value lines (blank and '#' lines skipped, "export " allowed,
 * values optionally in matching quotes). Unknown keys are warned about.
 * Returns 0 or -EINVAL ("line N: ..." in err). */
int hean_config_apply_text(struct hean_config *cfg, const char *text, char *err, size_t errlen)
{
	char *copy = strdup(text ? text : ""), *line = copy, *next;
	char why[256];
	int lineno = 0, rc = 0;

	if (!copy) {
		return -ENOMEM;
	}
	for (; line && rc == 0; line = next) {
		char *end, *eq, *k, *ke, *v, *ve;

		next = strchr(line, '\n');
		end = next ? next : line + strlen(line);
		if (next) {
			*next++ = '\0';
		}
		lineno++;
		k = line;
		trim(&k, &end);
		if (k == end || *k == '#') {
			continue;
		}
		if (end - k > 7 && !strncmp(k, "export ", 7)) {
			k += 7;
		}
		eq = memchr(k, '=', (size_t)(end - k));
		if (!eq) {
			rc = hean_errf(err, errlen, "line %d: expected KEY=value", lineno);
			break;
		}
		ke = eq;
		v = eq + 1;
		ve = end;
		trim(&k, &ke);
		trim(&v, &ve);
		if (ve - v >= 2 && (*v == '"' || *v == '\'') && ve[-1] == *v) {
			v++;
			ve--;
		}
		*ke = '\0';
		*ve = '\0';
		if (!strcmp(k, "HEAN_PROC_NAME")) {
			rc = hean_errf(err, errlen,
				       "line %d: HEAN_PROC_NAME: not allowed in a --config file (it would "
				       "give every daemon reading the file one name); use "
				       "HEAN_PROC_NAME_<ROLE> (e.g. HEAN_PROC_NAME_FEED) or the environment",
				       lineno);
			break;
		}
		int r = hean_config_set(cfg, k, v, why, sizeof(why));

		if (r == -ENOENT) {
			if (!ignored_name(k)) {
				log_warn("event=config_unknown line=%d var=%.64s: unknown variable, ignored",
					 lineno, k);
			}
		} else if (r < 0) {
			rc = hean_errf(err, errlen, "line %d: %s", lineno, why);
		}
	}
	OPENSSL_cleanse(copy, strlen(text ? text : ""));
	free(copy);
	return rc;
}

/* Applies every HEAN_* variable of the environment; unknown names are
 * warned about. Returns 0 or -EINVAL. */
int hean_config_apply_env(struct hean_config *cfg, char *err, size_t errlen)
{
	char key[128];

	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		size_t kl = eq ? (size_t)(eq - *e) : 0;

		if (strncmp(*e, "HEAN_", 5) != 0 || !eq || kl >= sizeof(key)) {
			continue;
		}
		memcpy(key, *e, kl);
		key[kl] = '\0';
		if (!strcmp(key, "HEAN_PROC_NAME")) {
			continue; /* last: it wins over HEAN_PROC_NAME_<ROLE> */
		}
		int r = hean_config_set(cfg, key, eq + 1, err, errlen);

		if (r == -ENOENT) {
			if (!ignored_name(key)) {
				log_warn("event=config_unknown var=%s: unknown environment variable, ignored",
					 key);
			}
		} else if (r < 0) {
			return r;
		}
	}
	const char *pn = getenv("HEAN_PROC_NAME");

	return pn ? hean_config_set(cfg, "HEAN_PROC_NAME", pn, err, errlen) : 0;
}

/* buf = prefix + suffix (truncated to len). Returns buf. */
const char *hean_config_key(const struct hean_config *cfg, char *buf, size_t len,
			    const char *suffix)
{
	snprintf(buf, len, "%s%s", cfg->prefix, suffix ? suffix : "");
	return buf;
}

/* true if sym is in HEAN_SYMBOL_BLACKLIST. */
bool hean_config_blacklisted(const struct hean_config *cfg, const char *sym)
{
	for (size_t i = 0; sym && i < cfg->n_blacklist; i++) {
		if (!strcmp(cfg->blacklist[i], sym)) {
			return true;
		}
	}
	return false;
}

/* Wipes the credentials (and the Redis URL, which may hold a password). */
void hean_config_finish(struct hean_config *cfg)
{
	if (!cfg) {
		return;
	}
	OPENSSL_cleanse(cfg->api_key, sizeof(cfg->api_key));
	OPENSSL_cleanse(cfg->api_secret, sizeof(cfg->api_secret));
	OPENSSL_cleanse(cfg->signal_token, sizeof(cfg->signal_token));
	OPENSSL_cleanse(cfg->redis_url, sizeof(cfg->redis_url));
}
