/* common/config: defaults -> --config FILE (KEY=value) -> environment
 * (wins). Every HEAN_* variable (README's table), range-checked. The loaded
 * struct is immutable: pass it as const. */
#ifndef HEAN_COMMON_CONFIG_H
#define HEAN_COMMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define HEAN_MAX_SYMBOLS 1024

/* Default local simulator endpoints (scripts/hean up starts them). */
#define HEAN_SIM_EXCHANGE_PORT 47801
#define HEAN_SIM_SIGNAL_PORT 47802
#define HEAN_SIM_API_KEY "hean-sim-key"
#define HEAN_SIM_API_SECRET "hean-sim-secret"
#define HEAN_SIM_SIGNAL_TOKEN "hean-sim-token"

/* Holds pointers into itself (symbols, blacklist): never copy it by value. */
struct hean_config {
	char home[1024];
	char redis_url[1024];
	char prefix[64];
	char proc_name[64];
	char role[32]; /* feed, signals, waves, executor (set by the caller) */
	char ws_public[512];
	char ws_private[512];
	char rest[512];
	char api_key[256];
	char api_secret[256]; /* never logged */
	char symbols_raw[16384];
	char *symbols[HEAN_MAX_SYMBOLS]; /* point into symbols_buf */
	size_t n_symbols;
	char symbols_buf[16384];
	char signal_url[512];
	char signal_token[256]; /* never logged */
	int wave_interval_s;
	int wave_delay_s;
	int ping_interval_s;
	int liveness_timeout_s;
	int stale_s;
	char log_level[16];
	long ticks_maxlen;
	int signal_poll_s;
	int wave_max_late_s;
	int wave_max_trades;
	double wave_min_score;
	char blacklist_raw[4096];
	char *blacklist[256];
	size_t n_blacklist;
	char blacklist_buf[4096];
	double position_usd;
	double stop_loss_pct;
	double trail_activation_pct;
	double trail_callback_pct;
	int trail_min_interval_ms;
	int rest_poll_s;
	int recv_window_ms;
	int watchdog_stale_s;
	int watchdog_unhealthy_s;
	int watchdog_max_restarts;
	bool tls_insecure;  /* HEAN_TLS_INSECURE=1: accept self-signed (loudly logged) */
	char log_file[1024]; /* --log FILE; empty = stderr */
	char config_file[1024];
	char tls_ca_file[1024]; /* HEAN_TLS_CA_FILE: PEM CAs for wss/https; "" = system store */
	char dns_server[256];   /* HEAN_DNS_SERVER: ip[:port],...; "" = /etc/resolv.conf */
	char metrics_listen[128];     /* HOST:PORT of hean-metrics (/metrics) */
	char alert_webhook_url[1024]; /* empty: no webhook notifications */
	int alert_repeat_s;           /* at most one message per condition per this */
	/* HEAN_LEASE_TTL_MS: active/standby lease in Redis ({prefix}lease:{proc});
	 * 0 = no lease (every copy is active). */
	int lease_ttl_ms;
	char log_format[8]; /* HEAN_LOG_FORMAT: text | json */
	/* Command line (not variables): what the process was asked to do. */
	int cli_action; /* enum hean_cli_action */
	char cli_key[64]; /* --get KEY */
	int max_open_positions;        /* HEAN_MAX_OPEN_POSITIONS, 0 = no limit */
	double max_exposure_usd;       /* HEAN_MAX_EXPOSURE_USD, 0 = no limit */
	double daily_loss_limit_usd;   /* HEAN_DAILY_LOSS_LIMIT_USD, 0 = no limit */
	int feed_conn_symbols;         /* HEAN_FEED_CONN_SYMBOLS: symbols per public connection */
	int feed_unsub_grace_s;        /* HEAN_FEED_UNSUB_GRACE_S: unwanted this long -> unsubscribed */
	int feed_instruments_refresh_s; /* HEAN_FEED_INSTRUMENTS_REFRESH_S: ALL re-read period */
	int rest_ban_s;                /* HEAN_REST_BAN_S: no REST call this long after an HTTP 403 */
};

/* What a daemon's command line asks for (hean_config_load parses it). */
enum hean_cli_action {
	HEAN_CLI_RUN = 0,     /* run the daemon */
	HEAN_CLI_DUMP,        /* --dump-config */
	HEAN_CLI_GET,         /* --get KEY */
	HEAN_CLI_REDIS,       /* --redis-target */
	HEAN_CLI_KEYS,        /* --dump-keys */
};

/* The build's version: the meson project version, plus "+" and the output
 * of `git describe --always --dirty` when built from a git checkout. */
const char *hean_version(void);

/* Fills defaults. role names the process ("feed"); proc_name defaults to it. */
void hean_config_defaults(struct hean_config *cfg, const char *role);

/* Applies KEY=value text (a config file's content). Lines: blank, '#'
 * comments, KEY=value with optional surrounding quotes. Unknown HEAN_* keys
 * produce a warning via log_warn. Returns 0 or -EINVAL with err naming the
 * line and variable. */
int hean_config_apply_text(struct hean_config *cfg, const char *text, char *err, size_t errlen);

/* Sets one variable by name. Returns 0, -ENOENT (unknown name) or -EINVAL
 * (bad value; err says "HEAN_X: reason (range a..b)"). */
int hean_config_set(struct hean_config *cfg, const char *key, const char *value, char *err,
		    size_t errlen);

/* Applies every HEAN_* in environ (warns on unknown ones). */
int hean_config_apply_env(struct hean_config *cfg, char *err, size_t errlen);

/* Full load for a daemon: defaults(role), argv (getopt_long: --config FILE,
 * --log FILE, --help, --version, --dump-config, --get KEY, --redis-target),
 * file (warns if group/world-readable and it holds secrets), env.
 * Validates cross-field rules (liveness > ping, ...). Resolves relative
 * unix:// paths against home. --help and --version print on stdout at once
 * (no configuration is read); the other actions print after a successful
 * load (hean_config_cli_print). Returns 0 (run the daemon), 1 (printed:
 * exit 0) or -EINVAL (err names the argument or variable: exit 2). */
int hean_config_load(struct hean_config *cfg, const char *role, int argc, char **argv, char *err,
		     size_t errlen);

/* Cross-field rules (HEAN_LIVENESS_TIMEOUT_S > HEAN_PING_INTERVAL_S,
 * HEAN_WAVE_DELAY_S <= 4 * HEAN_WAVE_INTERVAL_S, at least one symbol).
 * hean_config_load runs it. Returns 0 or -EINVAL naming the variables. */
int hean_config_validate(const struct hean_config *cfg, char *err, size_t errlen);

/* Writes every HEAN_* value as KEY=value lines in table order, secrets
 * masked as "****" (API key, secret, token; the password of a Redis URL:
 * redis://user:****@host:6379/0). */
void hean_config_dump(const struct hean_config *cfg, FILE *out);

/* Prints what cfg->cli_action asks for on out: --dump-config (as
 * hean_config_dump), --get KEY (the unmasked effective value of one table
 * variable) or --redis-target (kind=, path=, host=, port=, user=,
 * password= (%-decoded), db= lines). Returns 0 or -EINVAL (unknown key,
 * unusable Redis URL: err says why). */
int hean_config_cli_print(const struct hean_config *cfg, FILE *out, char *err, size_t errlen);

/* Prefixed key into buf: "hean:" + suffix. Returns buf. */
const char *hean_config_key(const struct hean_config *cfg, char *buf, size_t len,
			    const char *suffix);

/* true if sym is in the blacklist. */
bool hean_config_blacklisted(const struct hean_config *cfg, const char *sym);

/* Wipes secrets (OPENSSL_cleanse). */
void hean_config_finish(struct hean_config *cfg);

#endif
