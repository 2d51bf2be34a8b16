/* Unit tests of common/config. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/config.h"
#include "common/log.h"

static char dir[] = "/tmp/hean-test-config-XXXXXX";
static char logpath[300], cfgpath[300];
static struct hean_config cfg; /* large: not on the stack */
static char err[256];

extern char **environ;

static void clear_hean_env(void)
{
	for (int again = 1; again;) {
		again = 0;
		for (char **e = environ; *e; e++) {
			if (!strncmp(*e, "HEAN_", 5)) {
				char k[128];
				size_t n = strcspn(*e, "=");

				snprintf(k, sizeof(k), "%.*s", (int)n, *e);
				unsetenv(k);
				again = 1;
				break;
			}
		}
	}
}

static int setup(void **state)
{
	if (!mkdtemp(dir)) {
		return -1;
	}
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	snprintf(cfgpath, sizeof(cfgpath), "%s/hean.conf", dir);
	return 0;
}

static int teardown(void **state)
{
	hean_log_finish();
	unlink(logpath);
	unlink(cfgpath);
	rmdir(dir);
	return 0;
}

/* Each test starts with no HEAN_* in the environment and a fresh log. */
static int each(void **state)
{
	clear_hean_env();
	unlink(logpath);
	unlink(cfgpath);
	hean_log_init("test", logpath, HEAN_LOG_INFO);
	err[0] = '\0';
	return 0;
}

static const char *slurp(const char *p)
{
	static char buf[65536];
	FILE *f = fopen(p, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static void write_file(const char *text, mode_t mode)
{
	FILE *f = fopen(cfgpath, "w");

	fputs(text, f);
	fclose(f);
	chmod(cfgpath, mode);
}

static int load(int argc, char **argv)
{
	return hean_config_load(&cfg, "feed", argc, argv, err, sizeof(err));
}

static void test_defaults(void **state)
{
	char *argv[] = {"hean-feed", NULL};

	setenv("HEAN_HOME", "/opt/hean", 1);
	assert_int_equal(load(1, argv), 0);
	assert_string_equal(cfg.home, "/opt/hean");
	assert_string_equal(cfg.redis_url, "unix:///opt/hean/var/run/redis.sock");
	assert_string_equal(cfg.prefix, "hean:");
	assert_string_equal(cfg.proc_name, "feed");
	assert_string_equal(cfg.role, "feed");
	assert_string_equal(cfg.ws_public, "ws://127.0.0.1:47801/v5/public/linear");
	assert_string_equal(cfg.ws_private, "ws://127.0.0.1:47801/v5/private");
	assert_string_equal(cfg.rest, "http://127.0.0.1:47801");
	assert_string_equal(cfg.signal_url, "ws://127.0.0.1:47802/");
	assert_string_equal(cfg.api_key, HEAN_SIM_API_KEY);
	assert_string_equal(cfg.api_secret, HEAN_SIM_API_SECRET);
	assert_string_equal(cfg.signal_token, HEAN_SIM_SIGNAL_TOKEN);
	assert_int_equal(cfg.n_symbols, 3);
	assert_string_equal(cfg.symbols[0], "BTCUSDT");
	assert_string_equal(cfg.symbols[1], "ETHUSDT");
	assert_string_equal(cfg.symbols[2], "SOLUSDT");
	assert_int_equal(cfg.wave_interval_s, 900);
	assert_int_equal(cfg.wave_delay_s, 300);
	assert_int_equal(cfg.ping_interval_s, 20);
	assert_int_equal(cfg.liveness_timeout_s, 60);
	assert_int_equal(cfg.stale_s, 120);
	assert_string_equal(cfg.log_level, "info");
	assert_int_equal(cfg.ticks_maxlen, 100000);
	assert_int_equal(cfg.signal_poll_s, 60);
	assert_int_equal(cfg.wave_max_late_s, 300);
	assert_int_equal(cfg.wave_max_trades, 5);
	assert_true(cfg.wave_min_score == 0);
	assert_int_equal(cfg.n_blacklist, 0);
	assert_true(cfg.position_usd == 200);
	assert_true(cfg.stop_loss_pct == 2.0);
	assert_true(cfg.trail_activation_pct == 1.0);
	assert_true(cfg.trail_callback_pct == 0.5);
	assert_int_equal(cfg.trail_min_interval_ms, 1000);
	assert_int_equal(cfg.rest_poll_s, 5);
	assert_int_equal(cfg.recv_window_ms, 5000);
	assert_int_equal(cfg.watchdog_stale_s, 30);
	assert_int_equal(cfg.watchdog_unhealthy_s, 120);
	assert_int_equal(cfg.watchdog_max_restarts, 5);
	assert_false(cfg.tls_insecure);
	assert_string_equal(cfg.log_file, "");
	/* no warning for a clean default load */
	assert_string_equal(slurp(logpath), "");
	hean_config_finish(&cfg);
}

static void test_home_default_cwd(void **state)
{
	char *argv[] = {"x", NULL};
	char cwd[1024], want[1100];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(load(1, argv), 0);
	assert_string_equal(cfg.home, cwd);
	snprintf(want, sizeof(want), "unix://%s/var/run/redis.sock", cwd);
	assert_string_equal(cfg.redis_url, want);
	/* absolute unix paths and ?db are kept */
	setenv("HEAN_REDIS_URL", "unix:///tmp/r.sock?db=2", 1);
	assert_int_equal(load(1, argv), 0);
	assert_string_equal(cfg.redis_url, "unix:///tmp/r.sock?db=2");
	setenv("HEAN_HOME", "/h", 1);
	setenv("HEAN_REDIS_URL", "unix://run/r.sock?db=3", 1);
	assert_int_equal(load(1, argv), 0);
	assert_string_equal(cfg.redis_url, "unix:///h/run/r.sock?db=3");
}

static void test_precedence(void **state)
{
	char *argv[] = {"hean-feed", "--config", cfgpath, "--log", "/tmp/x.log", NULL};

	write_file("# comment\n\nHEAN_PING_INTERVAL_S=10\n  HEAN_STALE_S = 30\n"
		   "HEAN_SYMBOLS=\"BTCUSDT, XRPUSDT,BTCUSDT\"\nexport HEAN_PROC_NAME_FEED='feed-2'\r\n"
		   "HEAN_PROC_NAME_WAVES=waves-2\n"
		   "HEAN_TLS_INSECURE=1\n",
		   0600);
	setenv("HEAN_PING_INTERVAL_S", "15", 1);
	assert_int_equal(load(5, argv), 0);
	assert_int_equal(cfg.ping_interval_s, 15);  /* env wins */
	assert_int_equal(cfg.stale_s, 30);          /* file beats default */
	assert_int_equal(cfg.liveness_timeout_s, 60); /* default */
	assert_string_equal(cfg.proc_name, "feed-2");
	assert_true(cfg.tls_insecure);
	assert_int_equal(cfg.n_symbols, 2); /* deduplicated, trimmed */
	assert_string_equal(cfg.symbols[0], "BTCUSDT");
	assert_string_equal(cfg.symbols[1], "XRPUSDT");
	assert_string_equal(cfg.log_file, "/tmp/x.log");
	assert_string_equal(cfg.config_file, cfgpath);
	assert_string_equal(slurp(logpath), ""); /* 0600: no warning */

	char *argv2[] = {"hean-feed", "--config=/nonexistent/file", NULL};
	assert_int_equal(load(2, argv2), -EINVAL);
	assert_non_null(strstr(err, "/nonexistent/file"));
}

static void test_args(void **state)
{
	char *help[] = {"hean-feed", "--help", NULL};
	char *bad[] = {"hean-feed", "--bogus", NULL};
	char *missing[] = {"hean-feed", "--config", NULL};

	assert_int_equal(load(2, help), 1);
	assert_int_equal(load(2, bad), -EINVAL);
	assert_non_null(strstr(err, "--bogus"));
	assert_int_equal(load(2, missing), -EINVAL);
	assert_non_null(strstr(err, "--config"));
}

struct bad_case {
	const char *var, *value, *want;
};

static void test_range_errors(void **state)
{
	static const struct bad_case cases[] = {
		{"HEAN_PING_INTERVAL_S", "0", "1..3600"},
		{"HEAN_PING_INTERVAL_S", "3601", "1..3600"},
		{"HEAN_PING_INTERVAL_S", "abc", "1..3600"},
		{"HEAN_PING_INTERVAL_S", "", "1..3600"},
		{"HEAN_PING_INTERVAL_S", "2.5", "1..3600"},
		{"HEAN_LIVENESS_TIMEOUT_S", "1", "2..7200"},
		{"HEAN_WAVE_INTERVAL_S", "0", "1..86400"},
		{"HEAN_WAVE_INTERVAL_S", "86401", "1..86400"},
		{"HEAN_WAVE_DELAY_S", "-1", "range"},
		{"HEAN_STALE_S", "0", "range"},
		{"HEAN_TICKS_MAXLEN", "999", "1000..10000000"},
		{"HEAN_TICKS_MAXLEN", "10000001", "1000..10000000"},
		{"HEAN_SIGNAL_POLL_S", "0", "range"},
		{"HEAN_WAVE_MAX_LATE_S", "-5", "range"},
		{"HEAN_WAVE_MAX_TRADES", "0", "range"},
		{"HEAN_WAVE_MIN_SCORE", "nan", "range"},
		{"HEAN_WAVE_MIN_SCORE", "5000", "range"},
		{"HEAN_POSITION_USD", "0", "range"},
		{"HEAN_POSITION_USD", "-10", "range"},
		{"HEAN_STOP_LOSS_PCT", "0", "range"},
		{"HEAN_STOP_LOSS_PCT", "100", "range"},
		{"HEAN_STOP_LOSS_PCT", "inf", "range"},
		{"HEAN_TRAIL_ACTIVATION_PCT", "0", "range"},
		{"HEAN_TRAIL_CALLBACK_PCT", "150", "range"},
		{"HEAN_TRAIL_MIN_INTERVAL_MS", "-1", "range"},
		{"HEAN_REST_POLL_S", "0", "range"},
		{"HEAN_RECV_WINDOW_MS", "99999", "range"},
		{"HEAN_WATCHDOG_STALE_S", "0", "range"},
		{"HEAN_WATCHDOG_UNHEALTHY_S", "0", "range"},
		{"HEAN_WATCHDOG_MAX_RESTARTS", "0", "range"},
		{"HEAN_TLS_INSECURE", "yes", "0..1"},
		{"HEAN_TLS_INSECURE", "2", "0..1"},
		{"HEAN_LEASE_TTL_MS", "1999", "0 = no lease, or 2000..600000"},
		{"HEAN_LEASE_TTL_MS", "600001", "2000..600000"},
		{"HEAN_LEASE_TTL_MS", "-1", "2000..600000"},
		{"HEAN_LOG_FORMAT", "xml", "text or json"},
		{"HEAN_SYMBOLS", "", "at least one"},
		{"HEAN_SYMBOLS", "btcusdt", "^[A-Z0-9]{2,20}$"},
		{"HEAN_SYMBOLS", "BTCUSDT,,ETHUSDT", "^[A-Z0-9]{2,20}$"},
		{"HEAN_SYMBOLS", "BTCUSDT,", "empty symbol"},
		{"HEAN_SYMBOLS", "B", "^[A-Z0-9]{2,20}$"},
		{"HEAN_SYMBOLS", "ABCDEFGHIJKLMNOPQRSTU", "^[A-Z0-9]{2,20}$"},
		{"HEAN_SYMBOLS", "BTC:USDT", "^[A-Z0-9]{2,20}$"},
		{"HEAN_SYMBOL_BLACKLIST", "doge", "^[A-Z0-9]{2,20}$"},
		{"HEAN_LOG_LEVEL", "verbose", "debug, info, warn or error"},
		{"HEAN_REDIS_URL", "http://x", "redis:// or unix://"},
		{"HEAN_REDIS_URL", "redis://:pw@h:0", "bad port"},
		{"HEAN_BYBIT_WS_PUBLIC", "http://x", "ws:// or wss://"},
		{"HEAN_BYBIT_WS_PRIVATE", "ws://", "empty host"},
		{"HEAN_BYBIT_REST", "ws://x", "http:// or https://"},
		{"HEAN_SIGNAL_URL", "tcp://x", "unsupported scheme"},
		{"HEAN_REDIS_PREFIX", "a b", "[A-Za-z0-9_.:-]"},
		{"HEAN_REDIS_PREFIX", "", "[A-Za-z0-9_.:-]"},
		{"HEAN_PROC_NAME", "feed/1", "[A-Za-z0-9_.:-]"},
		{"HEAN_BYBIT_API_SECRET", "", "empty"},
		{"HEAN_SIGNAL_TOKEN", "", "empty"},
		{"HEAN_HOME", "", "empty"},
	};
	char *argv[] = {"x", NULL};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];

		clear_hean_env();
		setenv(c->var, c->value, 1);
		err[0] = '\0';
		if (load(1, argv) != -EINVAL) {
			fail_msg("%s=%s accepted", c->var, c->value);
		}
		if (strncmp(err, c->var, strlen(c->var)) != 0 || !strstr(err, c->want)) {
			fail_msg("%s=%s: error '%s' (want the name and '%s')", c->var, c->value, err,
				 c->want);
		}
		/* the same through the file path names the line */
		char text[256];
		char *argv2[] = {"x", "--config", cfgpath, NULL};
		clear_hean_env();
		snprintf(text, sizeof(text), "\n%s=%s\n", c->var, c->value);
		write_file(text, 0600);
		assert_int_equal(load(3, argv2), -EINVAL);
		assert_non_null(strstr(err, "line 2: "));
		assert_non_null(strstr(err, c->var));
	}
}

static void test_cross_field(void **state)
{
	char *argv[] = {"x", NULL};

	setenv("HEAN_PING_INTERVAL_S", "60", 1);
	assert_int_equal(load(1, argv), -EINVAL);
	assert_non_null(strstr(err, "HEAN_LIVENESS_TIMEOUT_S"));
	assert_non_null(strstr(err, "HEAN_PING_INTERVAL_S"));
	setenv("HEAN_LIVENESS_TIMEOUT_S", "61", 1);
	assert_int_equal(load(1, argv), 0);

	setenv("HEAN_WAVE_INTERVAL_S", "60", 1);
	setenv("HEAN_WAVE_DELAY_S", "241", 1);
	assert_int_equal(load(1, argv), -EINVAL);
	assert_true(strncmp(err, "HEAN_WAVE_DELAY_S", 17) == 0);
	assert_non_null(strstr(err, "0..240"));
	setenv("HEAN_WAVE_DELAY_S", "240", 1);
	assert_int_equal(load(1, argv), 0);
}

static void test_unknown_warns(void **state)
{
	char *argv[] = {"x", "--config", cfgpath, NULL};

	write_file("HEAN_BOGUS_FROM_FILE=1\nOTHER=2\n", 0600);
	setenv("HEAN_TYPO_INTERVAL", "5", 1);
	setenv("HEAN_SRC", "/src", 1); /* test harness variable: not warned */
	assert_int_equal(load(3, argv), 0);
	const char *s = slurp(logpath);
	assert_non_null(strstr(s, "WARN"));
	assert_non_null(strstr(s, "HEAN_BOGUS_FROM_FILE"));
	assert_non_null(strstr(s, "HEAN_TYPO_INTERVAL"));
	assert_null(strstr(s, "HEAN_SRC"));
	/* a line without '=' is an error */
	write_file("HEAN_STALE_S 5\n", 0600);
	assert_int_equal(load(3, argv), -EINVAL);
	assert_non_null(strstr(err, "line 1"));
}

static void test_insecure_file_warns(void **state)
{
	char *argv[] = {"x", "--config", cfgpath, NULL};

	write_file("HEAN_BYBIT_API_SECRET=abcdef123456\n", 0644);
	assert_int_equal(load(3, argv), 0);
	const char *s = slurp(logpath);
	assert_non_null(strstr(s, "config_insecure"));
	assert_null(strstr(s, "abcdef123456"));
	unlink(logpath);
	hean_log_init("test", logpath, HEAN_LOG_INFO);
	write_file("HEAN_STALE_S=5\n", 0644); /* no secret: no warning */
	assert_int_equal(load(3, argv), 0);
	assert_null(strstr(slurp(logpath), "config_insecure"));
}

static void test_dump_masks(void **state)
{
	char *argv[] = {"x", NULL};
	char *buf = NULL;
	size_t len = 0;

	setenv("HEAN_BYBIT_API_KEY", "ABCDEFGHIJKLMNOP", 1);
	setenv("HEAN_BYBIT_API_SECRET", "SuperSecretValue123", 1);
	setenv("HEAN_SIGNAL_TOKEN", "TokenTokenToken42", 1);
	setenv("HEAN_REDIS_URL", "redis://hean:RedisPass99@10.0.0.5:6380/1", 1);
	setenv("HEAN_SYMBOL_BLACKLIST", "DOGEUSDT,PEPEUSDT", 1);
	assert_int_equal(load(1, argv), 0);
	FILE *f = open_memstream(&buf, &len);
	hean_config_dump(&cfg, f);
	fclose(f);
	assert_null(strstr(buf, "SuperSecretValue123"));
	assert_null(strstr(buf, "TokenTokenToken42"));
	assert_null(strstr(buf, "RedisPass99"));
	assert_null(strstr(buf, "EFGHIJ"));
	assert_null(strstr(buf, "ABCD"));
	assert_non_null(strstr(buf, "HEAN_BYBIT_API_KEY=****\n"));
	assert_non_null(strstr(buf, "HEAN_BYBIT_API_SECRET=****\n"));
	assert_non_null(strstr(buf, "HEAN_SIGNAL_TOKEN=****\n"));
	assert_non_null(strstr(buf, "HEAN_REDIS_URL=redis://hean:****@10.0.0.5:6380/1\n"));
	assert_non_null(strstr(buf, "HEAN_SYMBOL_BLACKLIST=DOGEUSDT,PEPEUSDT\n"));
	assert_non_null(strstr(buf, "HEAN_PING_INTERVAL_S=20\n"));
	assert_non_null(strstr(buf, "HEAN_STOP_LOSS_PCT=2\n"));
	free(buf);

	assert_true(hean_config_blacklisted(&cfg, "PEPEUSDT"));
	assert_false(hean_config_blacklisted(&cfg, "BTCUSDT"));
	char key[64];
	assert_string_equal(hean_config_key(&cfg, key, sizeof(key), "ticker:BTCUSDT"),
			    "hean:ticker:BTCUSDT");

	/* finish wipes the credentials */
	hean_config_finish(&cfg);
	assert_string_equal(cfg.api_secret, "");
	assert_string_equal(cfg.signal_token, "");
	assert_string_equal(cfg.api_key, "");
}

/* Runs hean_config_load with stdout redirected into a buffer. */
static int load_out(int argc, char **argv, char *out, size_t outlen)
{
	char tmpl[320];
	int fd, saved, rc;
	ssize_t n;

	snprintf(tmpl, sizeof(tmpl), "%s/out-XXXXXX", dir);
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	rc = load(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	n = pread(fd, out, outlen - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(tmpl);
	return rc;
}

/* The masking cases of a Redis password holding '/', '?', '@' or ':'. */
static void test_dump_masks_url_passwords(void **state)
{
	static const struct {
		const char *url, *want, *secret;
	} cases[] = {
		{"redis://hean:s3cr/et@host:6379/0", "redis://hean:****@host:6379/0", "s3cr/et"},
		{"redis://hean:a?b=c@host:6379/0", "redis://hean:****@host:6379/0", "a?b=c"},
		{"redis://hean:p@ss@w@host:6379/0", "redis://hean:****@host:6379/0", "ss@w"},
		{"redis://hean:x:y/z?@host/3", "redis://hean:****@host/3", "y/z"},
		{"redis://:only/pw@127.0.0.1:6380", "redis://:****@127.0.0.1:6380", "only/pw"},
		{"redis://u:%2Fenc%40@h:1/2", "redis://u:****@h:1/2", "enc"},
	};
	char *argv[] = {"hean-feed", "--dump-config", NULL};
	char out[8192], line[600];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setenv("HEAN_REDIS_URL", cases[i].url, 1);
		assert_int_equal(load_out(2, argv, out, sizeof(out)), 1);
		snprintf(line, sizeof(line), "\nHEAN_REDIS_URL=%s\n", cases[i].want);
		if (!strstr(out, line) || strstr(out, cases[i].secret)) {
			fail_msg("case %zu: %s dumped as:\n%s", i, cases[i].url, out);
		}
	}
}

static void test_cli_actions(void **state)
{
	char out[8192];
	char *ver[] = {"hean-feed", "--version", NULL};
	char *dump[] = {"hean-feed", "--dump-config", NULL};
	char *get[] = {"hean-feed", "--get", "HEAN_BYBIT_API_SECRET", NULL};
	char *getd[] = {"hean-feed", "--get=HEAN_POSITION_USD", NULL};
	char *getl[] = {"hean-feed", "--get", "HEAN_SYMBOLS", NULL};
	char *unknown[] = {"hean-feed", "--get", "HEAN_NOPE", NULL};
	char *both[] = {"hean-feed", "--dump-config", "--redis-target", NULL};
	char *extra[] = {"hean-feed", "stray", NULL};
	char *redis[] = {"hean-feed", "--redis-target", NULL};

	assert_int_equal(load_out(2, ver, out, sizeof(out)), 1);
	assert_true(!strncmp(out, "hean-feed ", 10));
	assert_non_null(strstr(out, hean_version()));
	assert_int_equal(strncmp(hean_version(), "0.", 2), 0);

	/* table order, every line KEY=value, secrets masked */
	setenv("HEAN_BYBIT_API_SECRET", "SuperSecretValue123", 1);
	setenv("HEAN_POSITION_USD", "123.456789012345", 1);
	setenv("HEAN_SYMBOLS", "ETHUSDT,BTCUSDT", 1);
	assert_int_equal(load_out(2, dump, out, sizeof(out)), 1);
	assert_true(!strncmp(out, "HEAN_HOME=", 10));
	assert_null(strstr(out, "SuperSecretValue123"));
	assert_non_null(strstr(out, "\nHEAN_BYBIT_API_SECRET=****\n"));
	char *a = strstr(out, "\nHEAN_REDIS_URL="), *b = strstr(out, "\nHEAN_SYMBOLS="),
	     *c = strstr(out, "\nHEAN_LOG_FORMAT=text\n");
	assert_true(a && b && c && a < b && b < c);
	assert_int_equal(out[strlen(out) - 1], '\n');

	/* --get: unmasked, exact */
	assert_int_equal(load_out(3, get, out, sizeof(out)), 1);
	assert_string_equal(out, "SuperSecretValue123\n");
	assert_int_equal(load_out(2, getd, out, sizeof(out)), 1);
	assert_string_equal(out, "123.456789012345\n");
	assert_int_equal(load_out(3, getl, out, sizeof(out)), 1);
	assert_string_equal(out, "ETHUSDT,BTCUSDT\n");
	assert_int_equal(load_out(3, unknown, out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(err, "HEAN_NOPE"));
	assert_string_equal(out, "");
	assert_int_equal(load_out(3, both, out, sizeof(out)), -EINVAL);
	assert_int_equal(load_out(2, extra, out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(err, "stray"));

	/* an invalid configuration: exit 2 naming the variable, nothing printed */
	setenv("HEAN_STALE_S", "0", 1);
	assert_int_equal(load_out(2, dump, out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(err, "HEAN_STALE_S"));
	assert_string_equal(out, "");
	unsetenv("HEAN_STALE_S");

	/* --redis-target: decoded, the password %-decoded */
	setenv("HEAN_REDIS_URL", "redis://hean:s3cr%2Fe@t@10.1.2.3:6380/4", 1);
	assert_int_equal(load_out(2, redis, out, sizeof(out)), 1);
	assert_string_equal(out, "kind=tcp\npath=\nhost=10.1.2.3\nport=6380\nuser=hean\n"
				 "password=s3cr/e@t\ndb=4\n");
	setenv("HEAN_REDIS_URL", "redis://localhost", 1);
	assert_int_equal(load_out(2, redis, out, sizeof(out)), 1);
	assert_string_equal(out, "kind=tcp\npath=\nhost=localhost\nport=6379\nuser=\npassword=\ndb=0\n");
	setenv("HEAN_HOME", "/srv/h", 1);
	setenv("HEAN_REDIS_URL", "unix://run/r.sock?db=2", 1);
	assert_int_equal(load_out(2, redis, out, sizeof(out)), 1);
	assert_string_equal(out, "kind=unix\npath=/srv/h/run/r.sock\nhost=\nport=\nuser=\npassword=\ndb=2\n");
	/* a decoded newline would break the line format: refused */
	setenv("HEAN_REDIS_URL", "redis://u:a%0Ab@h", 1);
	assert_int_equal(load_out(2, redis, out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(err, "HEAN_REDIS_URL"));
	assert_null(strstr(err, "a\nb"));
}

/* HEAN_PROC_NAME from a shared --config file would name all four daemons
 * alike: refused there; HEAN_PROC_NAME_<ROLE> names one daemon. */
static void test_proc_name_rule(void **state)
{
	char *argv[] = {"hean-feed", "--config", cfgpath, NULL};

	write_file("HEAN_PROC_NAME=shared\n", 0600);
	assert_int_equal(load(3, argv), -EINVAL);
	assert_non_null(strstr(err, "HEAN_PROC_NAME"));
	assert_non_null(strstr(err, "HEAN_PROC_NAME_<ROLE>"));

	write_file("HEAN_PROC_NAME_WAVES=w-b\nHEAN_PROC_NAME_FEED=f-b\nHEAN_PROC_NAME_EXECUTOR=e-b\n",
		   0600);
	assert_int_equal(load(3, argv), 0);
	assert_string_equal(cfg.proc_name, "f-b");
	assert_int_equal(hean_config_load(&cfg, "waves", 3, argv, err, sizeof(err)), 0);
	assert_string_equal(cfg.proc_name, "w-b");
	assert_int_equal(hean_config_load(&cfg, "signals", 3, argv, err, sizeof(err)), 0);
	assert_string_equal(cfg.proc_name, "signals");
	assert_string_equal(slurp(logpath), ""); /* other roles' names: no warning */

	/* the environment: HEAN_PROC_NAME wins over HEAN_PROC_NAME_<ROLE> */
	setenv("HEAN_PROC_NAME_FEED", "f-env", 1);
	assert_int_equal(load(3, argv), 0);
	assert_string_equal(cfg.proc_name, "f-env");
	setenv("HEAN_PROC_NAME", "f-own", 1);
	assert_int_equal(load(3, argv), 0);
	assert_string_equal(cfg.proc_name, "f-own");

	/* the name is still validated; a typo in the role is warned about */
	write_file("HEAN_PROC_NAME_FEED=bad name\nHEAN_PROC_NAME_FED=x\n", 0600);
	unsetenv("HEAN_PROC_NAME");
	unsetenv("HEAN_PROC_NAME_FEED");
	assert_int_equal(load(3, argv), -EINVAL);
	assert_non_null(strstr(err, "HEAN_PROC_NAME"));
	write_file("HEAN_PROC_NAME_FED=x\n", 0600);
	assert_int_equal(load(3, argv), 0);
	assert_non_null(strstr(slurp(logpath), "HEAN_PROC_NAME_FED"));
}

static void test_set_direct(void **state)
{
	hean_config_defaults(&cfg, "waves");
	assert_string_equal(cfg.proc_name, "waves");
	assert_int_equal(hean_config_set(&cfg, "HEAN_NOPE", "1", err, sizeof(err)), -ENOENT);
	assert_int_equal(hean_config_set(&cfg, "HEAN_WAVE_MIN_SCORE", "-12.5", err, sizeof(err)), 0);
	assert_true(cfg.wave_min_score == -12.5);
	assert_int_equal(hean_config_set(&cfg, "HEAN_LOG_LEVEL", "debug", err, sizeof(err)), 0);
	assert_int_equal(hean_config_set(&cfg, "HEAN_BYBIT_API_SECRET", "s\x01", err, sizeof(err)),
			 -EINVAL);
	assert_null(strstr(err, "s\x01"));
	assert_int_equal(hean_config_apply_text(&cfg, "HEAN_WAVE_MAX_TRADES=7", err, sizeof(err)), 0);
	assert_int_equal(cfg.wave_max_trades, 7);
	assert_int_equal(hean_config_validate(&cfg, err, sizeof(err)), 0);
	/* a rejected list leaves the previous one intact */
	assert_int_equal(hean_config_set(&cfg, "HEAN_SYMBOLS", "AAUSDT,BBUSDT", err, sizeof(err)), 0);
	assert_int_equal(hean_config_set(&cfg, "HEAN_SYMBOLS", "CCUSDT,bad", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(cfg.n_symbols, 2);
	assert_string_equal(cfg.symbols[0], "AAUSDT");
	assert_string_equal(cfg.symbols[1], "BBUSDT");
	assert_string_equal(cfg.symbols_raw, "AAUSDT,BBUSDT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, each),
		cmocka_unit_test_setup(test_home_default_cwd, each),
		cmocka_unit_test_setup(test_precedence, each),
		cmocka_unit_test_setup(test_args, each),
		cmocka_unit_test_setup(test_range_errors, each),
		cmocka_unit_test_setup(test_cross_field, each),
		cmocka_unit_test_setup(test_unknown_warns, each),
		cmocka_unit_test_setup(test_insecure_file_warns, each),
		cmocka_unit_test_setup(test_dump_masks, each),
		cmocka_unit_test_setup(test_set_direct, each),
		cmocka_unit_test_setup(test_dump_masks_url_passwords, each),
		cmocka_unit_test_setup(test_cli_actions, each),
		cmocka_unit_test_setup(test_proc_name_rule, each),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
