/* common/config_load: the full load of a daemon's configuration:
 * command line, defaults, --config FILE, environment, cross-field rules,
 * path resolution. */
#include "common/config.h"
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

#define FILE_MAX (1 << 20)
#define SUN_PATH_MAX 107

/* ===================== load ===================== */

/* Cross-field rules. Returns 0 or -EINVAL naming both variables. */
int hean_config_validate(const struct hean_config *cfg, char *err, size_t errlen)
{
	if (cfg->liveness_timeout_s <= cfg->ping_interval_s) {
		return hean_errf(err, errlen,
			    "HEAN_LIVENESS_TIMEOUT_S: %d must exceed HEAN_PING_INTERVAL_S (%d)",
			    cfg->liveness_timeout_s, cfg->ping_interval_s);
	}
	if ((long)cfg->wave_delay_s > 4L * cfg->wave_interval_s) {
		return hean_errf(err, errlen,
			    "HEAN_WAVE_DELAY_S: %d out of range (range 0..4*HEAN_WAVE_INTERVAL_S = 0..%ld)",
			    cfg->wave_delay_s, 4L * cfg->wave_interval_s);
	}
	if (cfg->n_symbols == 0) {
		return hean_errf(err, errlen, "HEAN_SYMBOLS: at least one symbol is required");
	}
	return 0;
}

static void usage(FILE *out, const char *prog, const char *role)
{
	fprintf(out,
		"usage: %s [--config FILE] [--log FILE] [--dump-config | --get KEY |\n"
		"       --redis-target | --version | --help]\n"
		"  --config FILE   KEY=value lines (HEAN_* variables); the environment wins\n"
		"  --log FILE      log file (default stderr); SIGHUP re-opens it\n"
		"  --dump-config   print the effective configuration (secrets as ****), exit\n"
		"  --get KEY       print the effective value of one variable, exit\n"
		"  --redis-target  print the decoded Redis connection (kind= path= host= port=\n"
		"                  user= password= db=), exit\n"
		"  --dump-keys     print the Redis names of the contract (NAME=key, %%s: a\n"
		"                  symbol or process), exit\n"
		"  --version       print \"hean-%s VERSION\", exit\n"
		"Exit status: 0 ok, 2 bad argument or configuration (the message names it).\n"
		"Settings are HEAN_* environment variables (see README.md);\n"
		"defaults for the %s process:\n",
		prog ? prog : "hean", role ? role : "hean", role ? role : "hean");
	struct hean_config *d = malloc(sizeof(*d));

	if (d) {
		hean_config_defaults(d, role);
		hean_config_dump(d, out);
		hean_config_finish(d);
		free(d);
	}
}

static int read_file(const char *path, char **text, char *err, size_t errlen)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		return hean_errf(err, errlen, "--config %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > FILE_MAX) {
		close(fd);
		return hean_errf(err, errlen, "--config %s: not a regular file of at most %d bytes", path,
			    FILE_MAX);
	}
	*text = calloc(1, (size_t)st.st_size + 1);
	if (!*text) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, *text, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(*text);
		*text = NULL;
		return hean_errf(err, errlen, "--config %s: short read", path);
	}
	if ((st.st_mode & 077) &&
	    (strstr(*text, "HEAN_BYBIT_API_SECRET") || strstr(*text, "HEAN_SIGNAL_TOKEN") ||
	     strstr(*text, "HEAN_BYBIT_API_KEY") ||
	     (strstr(*text, "HEAN_REDIS_URL") && strchr(*text, '@')))) {
		log_warn("event=config_insecure file=%s mode=%03o: holds secrets but is group/world "
			 "readable (chmod 600 it)",
			 path, (unsigned)(st.st_mode & 0777));
	}
	return 0;
}

/* Makes home absolute and unix:// socket paths absolute against it. */
static int resolve_paths(struct hean_config *cfg, char *err, size_t errlen)
{
	struct hean_url u;
	char cwd[1024], buf[1024];

	if (cfg->home[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd))) {
			return hean_errf(err, errlen, "HEAN_HOME: getcwd: %s", strerror(errno));
		}
		int n = strcmp(cfg->home, ".") == 0
				? snprintf(buf, sizeof(buf), "%s", cwd)
				: snprintf(buf, sizeof(buf), "%s/%s", cwd, cfg->home);
		if (n < 0 || (size_t)n >= sizeof(cfg->home)) {
			return hean_errf(err, errlen, "HEAN_HOME: too long");
		}
		memcpy(cfg->home, buf, (size_t)n + 1);
	}
	if (hean_url_parse(cfg->redis_url, &u, NULL, 0) < 0 || strcmp(u.scheme, "unix") != 0) {
		OPENSSL_cleanse(&u, sizeof(u));
		return 0;
	}
	if (u.path[0] != '/') {
		int n = u.db ? snprintf(buf, sizeof(buf), "unix://%s/%s?db=%d", cfg->home, u.path, u.db)
			     : snprintf(buf, sizeof(buf), "unix://%s/%s", cfg->home, u.path);
		if (n < 0 || (size_t)n >= sizeof(cfg->redis_url)) {
			return hean_errf(err, errlen, "HEAN_REDIS_URL: resolved path too long");
		}
		memcpy(cfg->redis_url, buf, (size_t)n + 1);
		hean_url_parse(cfg->redis_url, &u, NULL, 0);
	}
	if (strlen(u.path) > SUN_PATH_MAX) {
		return hean_errf(err, errlen, "HEAN_REDIS_URL: socket path '%s' too long (max %d bytes)",
			    u.path, SUN_PATH_MAX);
	}
	return 0;
}

enum { O_CONFIG = 'c', O_HELP = 'h', O_LOG = 'l', O_VERSION = 256, O_DUMP, O_GET, O_REDIS, O_KEYS };

/* What the command line asked for. */
struct cli {
	const char *file, *logf, *key;
	int action, actions;
};

/* Parses argv into cli. Returns 0, 1 (--help/--version printed: exit 0)
 * or -EINVAL with err set. */
static int parse_args(struct hean_config *cfg, const char *role, int argc, char **argv,
		      struct cli *cli, char *err, size_t errlen)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, O_CONFIG},
		{"log", required_argument, NULL, O_LOG},
		{"help", no_argument, NULL, O_HELP},
		{"version", no_argument, NULL, O_VERSION},
		{"dump-config", no_argument, NULL, O_DUMP},
		{"get", required_argument, NULL, O_GET},
		{"redis-target", no_argument, NULL, O_REDIS},
		{"dump-keys", no_argument, NULL, O_KEYS},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 0; /* glibc: full re-initialisation (tests parse several times) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case O_HELP:
			usage(stdout, argc > 0 ? argv[0] : NULL, role);
			return 1;
		case O_VERSION:
			printf("hean-%s %s\n", cfg->role, hean_version());
			return 1;
		case O_CONFIG:
		case O_LOG:
			if (!*optarg) {
				return hean_errf(err, errlen, "--%s needs a FILE", c == O_CONFIG ? "config" : "log");
			}
			*(c == O_CONFIG ? &cli->file : &cli->logf) = optarg;
			break;
		case O_DUMP:
		case O_GET:
		case O_REDIS:
		case O_KEYS:
			cli->action = c == O_DUMP	? HEAN_CLI_DUMP
				      : c == O_GET	? HEAN_CLI_GET
				      : c == O_REDIS ? HEAN_CLI_REDIS
						     : HEAN_CLI_KEYS;
			cli->actions++;
			if (c == O_GET) {
				cli->key = optarg;
			}
			break;
		case ':':
			return hean_errf(err, errlen, "%.64s needs a value (try --help)", argv[optind - 1]);
		default:
			return hean_errf(err, errlen, "unknown argument '%.64s' (try --help)",
				    argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return hean_errf(err, errlen, "unknown argument '%.64s' (try --help)", argv[optind]);
	}
	if (cli->actions > 1) {
		return hean_errf(err, errlen, "--dump-config, --get, --redis-target and --dump-keys exclude each other");
	}
	if (cli->key && (strlen(cli->key) >= sizeof(cfg->cli_key) || !hcfg_find_var(cli->key))) {
		return hean_errf(err, errlen, "--get %.64s: unknown variable", cli->key);
	}
	return 0;
}

/* Applies --config FILE (wiped from memory after). */
static int apply_file(struct hean_config *cfg, const char *file, char *err, size_t errlen)
{
	char *text = NULL;
	char why[320];
	int rc;

	snprintf(cfg->config_file, sizeof(cfg->config_file), "%s", file);
	rc = read_file(file, &text, err, errlen);
	if (rc < 0) {
		return rc;
	}
	rc = hean_config_apply_text(cfg, text, why, sizeof(why));
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	if (rc < 0) {
		return hean_errf(err, errlen, "%s: %s", file, why);
	}
	return 0;
}

/* Full load: argv (getopt_long) -> defaults(role) -> --config FILE ->
 * environment, then the cross-field rules and path resolution, then the
 * action the command line asked for. Returns 0 (run), 1 (something was
 * printed on stdout: exit 0) or -EINVAL / -ENOMEM with err set (exit 2). */
int hean_config_load(struct hean_config *cfg, const char *role, int argc, char **argv, char *err,
		     size_t errlen)
{
	struct cli cli = {.action = HEAN_CLI_RUN};
	int rc;

	hean_config_defaults(cfg, role);
	rc = parse_args(cfg, role, argc, argv, &cli, err, errlen);
	if (rc != 0) {
		return rc;
	}
	cfg->cli_action = cli.action;
	if (cli.key) {
		snprintf(cfg->cli_key, sizeof(cfg->cli_key), "%s", cli.key);
	}
	if (cli.logf) {
		snprintf(cfg->log_file, sizeof(cfg->log_file), "%s", cli.logf);
	}
	if (cli.file) {
		rc = apply_file(cfg, cli.file, err, errlen);
		if (rc < 0) {
			return rc;
		}
	}
	rc = hean_config_apply_env(cfg, err, errlen);
	if (rc < 0) {
		return rc;
	}
	rc = hean_config_validate(cfg, err, errlen);
	rc = rc < 0 ? rc : resolve_paths(cfg, err, errlen);
	if (rc < 0 || cli.action == HEAN_CLI_RUN) {
		return rc;
	}
	rc = hean_config_cli_print(cfg, stdout, err, errlen);
	fflush(stdout);
	return rc < 0 ? rc : 1;
}
