/* fuzz target: config file text (common/config.c hean_config_apply_text)
 * over the defaults. The input (up to its first NUL) is the file content.
 *
 * Invariants:
 *   - rc is 0 or -EINVAL, err set on -EINVAL;
 *   - after any call every variable is within its documented range, the
 *     symbol lists hold valid, unique symbols pointing into their buffers,
 *     and every string is terminated (a failed line leaves a valid config);
 *   - secrets never show: rotating the letters of the values of
 *     HEAN_BYBIT_API_SECRET / HEAN_SIGNAL_TOKEN and of the password of
 *     HEAN_REDIS_URL (same length, same class) changes neither rc, nor
 *     err, nor hean_config_dump (the API key: neither rc nor err).
 * Found by fuzzing, fixed (README.md): a Redis password holding '?'
 * ("redis://u:pa?ss@h") is printed in clear by hean_config_dump. */
#include "tests/fuzz/fuzz.h"

#include "common/config.h"
#include "common/log.h"

#include <errno.h>

static bool sym_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 20) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9'))) {
			return false;
		}
	}
	return true;
}

static void check_list(char *const *list, size_t n, size_t max, const char *buf, size_t bufsz)
{
	FUZZ_CHECK(n <= max, "%zu symbols", n);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(list[i] >= buf && list[i] < buf + bufsz, "symbol %zu outside its buffer", i);
		FUZZ_CHECK(memchr(list[i], '\0', (size_t)(buf + bufsz - list[i])), "unterminated");
		FUZZ_CHECK(sym_ok(list[i]), "symbol '%s'", list[i]);
		for (size_t k = 0; k < i; k++) {
			FUZZ_CHECK(strcmp(list[i], list[k]), "duplicate '%s'", list[i]);
		}
	}
}

#define TERM(f) FUZZ_CHECK(memchr(c->f, '\0', sizeof(c->f)), #f " not terminated")
#define RANGE(f, lo, hi) FUZZ_CHECK(c->f >= (lo) && c->f <= (hi), #f " = %lld", (long long)c->f)

static void check_cfg(const struct hean_config *c)
{
	TERM(home);
	TERM(redis_url);
	TERM(prefix);
	TERM(proc_name);
	TERM(ws_public);
	TERM(ws_private);
	TERM(rest);
	TERM(api_key);
	TERM(api_secret);
	TERM(symbols_raw);
	TERM(signal_url);
	TERM(signal_token);
	TERM(log_level);
	TERM(blacklist_raw);
	RANGE(wave_interval_s, 1, 86400);
	RANGE(wave_delay_s, 0, 4 * 86400);
	RANGE(ping_interval_s, 1, 3600);
	RANGE(liveness_timeout_s, 2, 7200);
	RANGE(stale_s, 1, 86400);
	RANGE(ticks_maxlen, 1000, 10000000);
	RANGE(signal_poll_s, 1, 86400);
	RANGE(wave_max_late_s, 0, 86400);
	RANGE(wave_max_trades, 1, 100);
	RANGE(trail_min_interval_ms, 0, 600000);
	RANGE(rest_poll_s, 1, 3600);
	RANGE(recv_window_ms, 100, 60000);
	RANGE(watchdog_stale_s, 1, 3600);
	RANGE(watchdog_unhealthy_s, 1, 86400);
	RANGE(watchdog_max_restarts, 1, 1000);
	FUZZ_CHECK(c->wave_min_score >= -1000 && c->wave_min_score <= 1000, "min score %g",
		   c->wave_min_score);
	FUZZ_CHECK(c->position_usd > 0 && c->position_usd <= 1000000, "position %g", c->position_usd);
	FUZZ_CHECK(c->stop_loss_pct > 0 && c->stop_loss_pct < 100, "sl %g", c->stop_loss_pct);
	FUZZ_CHECK(c->trail_activation_pct > 0 && c->trail_activation_pct < 100, "act %g",
		   c->trail_activation_pct);
	FUZZ_CHECK(c->trail_callback_pct > 0 && c->trail_callback_pct < 100, "cb %g",
		   c->trail_callback_pct);
	FUZZ_CHECK(c->n_symbols >= 1, "no symbol");
	check_list(c->symbols, c->n_symbols, HEAN_MAX_SYMBOLS, c->symbols_buf, sizeof(c->symbols_buf));
	check_list(c->blacklist, c->n_blacklist, sizeof(c->blacklist) / sizeof(c->blacklist[0]),
		   c->blacklist_buf, sizeof(c->blacklist_buf));
}

static bool is_key(const char *k, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(k, name, n) == 0;
}

/* Rotates secret letters in text, parsing lines as apply_text does. */
static void perturb_secrets(char *text, bool with_key)
{
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		char *end = nl ? nl : line + strlen(line);
		char *k = line, *eq, *ke, *v, *ve;

		while (k < end && (*k == ' ' || *k == '\t')) {
			k++;
		}
		while (end > k && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) {
			end--;
		}
		if (end - k > 7 && !strncmp(k, "export ", 7)) {
			k += 7;
		}
		eq = k < end && *k != '#' ? memchr(k, '=', (size_t)(end - k)) : NULL;
		if (eq) {
			ke = eq;
			v = eq + 1;
			ve = end;
			while (k < ke && (*k == ' ' || *k == '\t')) {
				k++;
			}
			while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t' || ke[-1] == '\r')) {
				ke--;
			}
			size_t kn = (size_t)(ke - k);
			if (is_key(k, kn, "HEAN_BYBIT_API_SECRET") || is_key(k, kn, "HEAN_SIGNAL_TOKEN") ||
			    (with_key && is_key(k, kn, "HEAN_BYBIT_API_KEY"))) {
				fuzz_perturb(v, (size_t)(ve - v));
			} else if (is_key(k, kn, "HEAN_REDIS_URL")) {
				while (v < ve && (*v == ' ' || *v == '\t')) {
					v++;
				}
				if (ve - v >= 2 && (*v == '"' || *v == '\'') && ve[-1] == *v) {
					v++;
					ve--;
				}
				char save = *ve;
				size_t off, len;
				*ve = '\0';
				/* was a defect (fixed): hean_config_dump ends the
				 * user info at '?' as well, so a password holding '?'
				 * is dumped in clear */
				if (fuzz_redis_pass(v, &off, &len) &&
				    true) {
					*ve = save;
					fuzz_perturb(v + off, len);
				}
				*ve = save;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
}

static char *dump(const struct hean_config *c)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	if (!f) {
		abort();
	}
	hean_config_dump(c, f);
	fclose(f);
	return out;
}

static int apply(const char *text, struct hean_config *c, char *err, size_t errlen)
{
	hean_config_defaults(c, "fuzz");
	memset(err, 0, errlen);
	return hean_config_apply_text(c, text, err, errlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hean_config *a, *b;
	char *text = fuzz_dup(data, size, true);
	char *text2 = fuzz_dup(data, size, true);
	char err[256], err2[256];

	if (!a) {
		hean_log_set_level(HEAN_LOG_ERROR); /* unknown keys warn: keep quiet */
		a = malloc(sizeof(*a));
		b = malloc(sizeof(*b));
		if (!a || !b) {
			abort();
		}
	}
	int rc = apply(text, a, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "rc %d", rc);
	FUZZ_CHECK(rc == 0 || err[0] != '\0', "no reason");
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)), "err not terminated");
	check_cfg(a);

	/* secrets and the redis password: never in err, never in the dump */
	perturb_secrets(text2, false);
	int rc2 = apply(text2, b, err2, sizeof(err2));
	FUZZ_CHECK(rc2 == rc, "a secret changed the verdict");
	FUZZ_CHECK(strcmp(err, err2) == 0, "a secret shows in the error: '%s' vs '%s'", err, err2);
	char *d1 = dump(a), *d2 = dump(b);
	FUZZ_CHECK(strcmp(d1, d2) == 0, "a secret shows in the dump:\n%s\nvs\n%s", d1, d2);
	free(d1);
	free(d2);

	/* the API key: may show (first 4 chars) in the dump, never in err */
	memcpy(text2, text, size + 1);
	perturb_secrets(text2, true);
	rc2 = apply(text2, b, err2, sizeof(err2));
	FUZZ_CHECK(rc2 == rc && strcmp(err, err2) == 0, "the API key shows in the error: '%s' vs '%s'",
		   err, err2);

	hean_config_finish(a);
	hean_config_finish(b);
	free(text);
	free(text2);
	return 0;
}
