/* hean-exsim: CLI, loop, lws context, timers, small shared helpers. */
#include "tests/sim/exsim.h"

#include "common/config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* ===== helpers ===== */

int64_t exsim_now_ms(const struct exsim_app *app)
{
	return hean_time_now_ms() + app->clock_offset_ms;
}

uint64_t exsim_rand(struct exsim_app *app)
{
	uint64_t x = app->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	app->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

uint32_t exsim_rand_n(struct exsim_app *app, uint32_t n)
{
	return n ? (uint32_t)((exsim_rand(app) >> 32) % n) : 0;
}

char *exsim_fmt_fixed(char *p, int64_t v, int scale)
{
	char tmp[24];
	int n = 0;
	uint64_t u;

	if (v < 0) {
		*p++ = '-';
		u = (uint64_t)(-(v + 1)) + 1;
	} else {
		u = (uint64_t)v;
	}
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u || n <= scale);
	while (n > scale) {
		*p++ = tmp[--n];
	}
	if (scale > 0) {
		*p++ = '.';
		while (n > 0) {
			*p++ = tmp[--n];
		}
	}
	return p;
}

const char *exsim_fixed_str(char *buf, int64_t v, int scale)
{
	*exsim_fmt_fixed(buf, v, scale) = '\0';
	return buf;
}

int exsim_parse_fixed(const char *s, int scale, int64_t *out)
{
	int64_t v = 0;
	int frac = -1;
	bool digits = false;

	if (!s || !*s) {
		return -EINVAL;
	}
	for (; *s; s++) {
		if (*s == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (*s < '0' || *s > '9') {
			return -EINVAL;
		}
		digits = true;
		if (frac >= 0) {
			if (frac >= scale) {
				if (*s != '0') {
					return -EINVAL;
				}
				continue;
			}
			frac++;
		}
		if (v > (INT64_MAX - 9) / 10) {
			return -EINVAL;
		}
		v = v * 10 + (*s - '0');
	}
	if (!digits) {
		return -EINVAL;
	}
	for (frac = frac < 0 ? 0 : frac; frac < scale; frac++) {
		if (v > INT64_MAX / 10) {
			return -EINVAL;
		}
		v *= 10;
	}
	*out = v;
	return 0;
}

/* ===== timers ===== */

/* Every symbol is owed rate * dt steps per timer period; the fraction is
 * carried. The period is 1/rate (>= 1 ms), so each firing owes exactly one
 * step below 1000 Hz, but rate * (1 / rate) can round to 0.999...: without
 * the tolerance such a rate (0.72 Hz, 0.09 Hz, ...) skipped its ticks. */
#define DUE_EPS 1e-6

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct exsim_app *app = w->data;
	int64_t now = hean_time_now_ms();
	double tnow = ev_now(loop), dt = w->repeat > 0 ? w->repeat : 0.1;

	/* steps owed for the time that really passed: a timer run late (busy
	 * loop, hundreds of symbols) must not lower the offered rate */
	if (app->last_tick > 0 && tnow - app->last_tick > dt) {
		double late = tnow - app->last_tick;
		dt = late > dt + 1.0 ? dt + 1.0 : late; /* at most 1 s of catching up */
	}
	app->last_tick = tnow;

	if (app->ndirty > 0) {
		/* realistic pacing: merged steps whose 100 ms have passed */
		for (int i = 0; i < app->nsyms; i++) {
			if (app->syms[i].dirty &&
			    exsim_now_ms(app) - app->syms[i].last_push_ms >= EXSIM_PACE_MS) {
				exsim_market_emit(app, i, true);
				exsim_ws_notify_symbol(app, i);
			}
		}
	}
	if (app->rate <= 0) {
		return;
	}
	for (int i = 0; i < app->nsyms; i++) {
		struct exsim_sym *s = &app->syms[i];
		int n;

		if (exsim_market_is_stale(app, i, now)) {
			s->due = 0;
			continue;
		}
		s->due += app->rate * dt;
		n = s->due + DUE_EPS > 1000 ? 1000 : (int)(s->due + DUE_EPS);
		s->due = n == 1000 ? 0 : s->due - n;
		if (s->due < 0) {
			s->due = 0;
		}
		for (int k = 0; k < n; k++) {
			exsim_market_step(app, i);
		}
		if (n > 0) {
			exsim_ws_notify_symbol(app, i);
		}
	}
}

void exsim_rate_apply(struct exsim_app *app)
{
	double period;

	ev_timer_stop(app->loop, &app->tick_timer);
	app->last_tick = 0; /* a new period: nothing owed from the old one */
	if (app->rate <= 0) {
		/* driven by the writers; kick them */
		for (int i = 0; i < app->nsyms; i++) {
			exsim_ws_notify_symbol(app, i);
		}
		return;
	}
	period = 1.0 / app->rate;
	if (period < 0.001) {
		period = 0.001;
	}
	if (!app->fast && period > 0.01) {
		period = 0.01; /* symbols step on their own phase; pushes are paced */
	}
	ev_timer_set(&app->tick_timer, period, period);
	ev_timer_start(app->loop, &app->tick_timer);
}

int exsim_rate_set(struct exsim_app *app, const char *hz)
{
	double v;

	if (!hz || hean_parse_decimal(hz, strlen(hz), &v, HEAN_NUM_NONNEG) < 0 || v > 1e6) {
		return -EINVAL;
	}
	if (app->loop && v <= 0 && !app->fast) {
		return -EINVAL; /* "as fast as the client drains" is --fast only */
	}
	app->rate = v;
	if (app->loop) {
		exsim_rate_apply(app);
	}
	return 0;
}

static void on_house(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct exsim_app *app = w->data;
	int64_t now = hean_time_now_ms();

	if (app->refuse_until_ms > 0 && now >= app->refuse_until_ms) {
		app->refuse_until_ms = 0;
	}
	for (int i = 0; i < app->nsyms; i++) {
		struct exsim_sym *s = &app->syms[i];
		if (s->stale_until_ms > 0 && now >= s->stale_until_ms) {
			s->stale_until_ms = 0;
			exsim_ws_notify_symbol(app, i);
		}
	}
	exsim_ws_housekeeping(app, now);
	exsim_orders_cond_scan(app);
	exsim_worst_pingless_sync(app);
	exsim_stops_scan(app);
}

/* First SIGINT/SIGTERM (common/loop): stop the timers, leave ev_run;
 * main then destroys lws outside its service. */
static void on_stop(struct hean_loop *l, void *data)
{
	struct exsim_app *app = data;

	app->stopping = true;
	ev_timer_stop(app->loop, &app->tick_timer);
	ev_timer_stop(app->loop, &app->house_timer);
	sim_kick_stop(&app->kick, app->loop);
	ev_break(app->loop, EVBREAK_ALL);
}

/* ===== main ===== */

static const struct lws_protocols protocols[] = {
	{"exsim", exsim_lws_callback, sizeof(struct exsim_conn), 4096, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static void usage(void)
{
	fprintf(stderr,
		"usage: hean-exsim --port P [--seed N] [--symbols A,B] [--rate HZ]\n"
		"       [--fill-delay-ms N] [--api-key K] [--api-secret S] [--journal FILE]\n"
		"       [--credentials-file FILE] [--credentials-env]\n"
		"       [--fill-parts N] [--fill-part-ms MS] [--fast] [--shuffle-keys]\n"
		"       [--instruments N] [--instruments-prelaunch K] [--instruments-all-statuses]\n"
		"       [--version] [--help]\n"
		"  --symbols A,B            the listed instruments (default BTCUSDT,ETHUSDT,SOLUSDT)\n"
		"  --instruments N          N more linear USDT perpetuals S0001USDT.., status\n"
		"                           Trading, each stepping at --rate; S<k>'s prices stay\n"
		"                           near (10000 + k) * 1000 USDT (a price names it)\n"
		"  --instruments-prelaunch K  K more, P0001USDT.., status PreLaunch: no ticks,\n"
		"                           subscribing is answered \"handler not found\"\n"
		"  --instruments-all-statuses  instruments-info without status= lists every\n"
		"                           status (Bybit lists only Trading by default): a\n"
		"                           client must read each row's status itself\n"
		"  Universe controls (POST): /sim/list?symbol=S lists S (new, or relists it)\n"
		"  as Trading; /sim/delist?symbol=S makes it Closed: its ticks stop and a new\n"
		"  subscribe is answered \"handler not found\" (existing subscriptions stay,\n"
		"  silent). /sim/pause?on=1|0 stops / restarts every market step.\n"
		"  Connection views: GET /sim/conns lists the WS connections\n"
		"  [{\"id\",\"path\",\"symbols\":N,\"args_chars\":C,\"topics\":[..]}]\n"
		"  (args_chars: the JSON text of its topics; Bybit wants < 21000, never\n"
		"  enforced here); /sim/drop?path=public&conn=ID\n"
		"  or &symbol=S drops exactly that connection (the one carrying S); GET\n"
		"  /sim/symbols lists every instrument with status, last price and per-symbol\n"
		"  counters (frames made, delivered, skipped, subscribes, unsubscribes).\n"
		"  --shuffle-keys           JSON keys of REST answers and WS messages in a\n"
		"                           random order (seeded by --seed), as Bybit's vary\n"
		"  --rate HZ                market steps per symbol per second (default 10)\n"
		"  --fast                   benchmarks: every step is a frame, --rate 0 = as\n"
		"                           fast as the client drains; without it pushes are\n"
		"                           paced as Bybit's: at most one per symbol per\n"
		"                           100 ms, the steps in between merged into it\n"
		"  --fill-parts N           fill each order in N parts: PartiallyFilled, then\n"
		"                           Filled, one execution push per part (default 1)\n"
		"  --fill-part-ms MS        time between two parts (default 20)\n"
		"  --credentials-file FILE  read HEAN_BYBIT_API_KEY= and HEAN_BYBIT_API_SECRET=\n"
		"                           lines (hean's env-file format) from FILE\n"
		"  --credentials-env        take HEAN_BYBIT_API_KEY / HEAN_BYBIT_API_SECRET\n"
		"                           from the environment (no secret on the command line)\n"
		"  --tls-cert PEM --tls-key PEM  serve wss:// and https:// too\n");
}

/* Strips surrounding blanks and one pair of matching quotes in place. */
static char *cred_value(char *v)
{
	size_t n;

	while (*v == ' ' || *v == '\t') {
		v++;
	}
	n = strlen(v);
	while (n > 0 && strchr(" \t\r\n", v[n - 1])) {
		v[--n] = '\0';
	}
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = '\0';
		v++;
	}
	return v;
}

/* Takes key/secret from KEY=VALUE lines ("export " prefix and quotes
 * allowed, # comments skipped). 0, or -errno when unreadable. */
static int creds_from_file(struct exsim_app *app, const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f) {
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *eq;

		while (*p == ' ' || *p == '\t') {
			p++;
		}
		if (!strncmp(p, "export ", 7)) {
			p += 7;
		}
		if (*p == '#' || !(eq = strchr(p, '='))) {
			continue;
		}
		*eq = '\0';
		if (!strcmp(cred_value(p), "HEAN_BYBIT_API_KEY")) {
			snprintf(app->api_key, sizeof(app->api_key), "%s", cred_value(eq + 1));
		} else if (!strcmp(cred_value(p), "HEAN_BYBIT_API_SECRET")) {
			snprintf(app->api_secret, sizeof(app->api_secret), "%s", cred_value(eq + 1));
		}
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	return 0;
}

static void creds_from_env(struct exsim_app *app)
{
	const char *k = getenv("HEAN_BYBIT_API_KEY"), *s = getenv("HEAN_BYBIT_API_SECRET");

	if (k && *k) {
		snprintf(app->api_key, sizeof(app->api_key), "%s", k);
	}
	if (s && *s) {
		snprintf(app->api_secret, sizeof(app->api_secret), "%s", s);
	}
}

/* Parses the command line into app. Returns 0 or -EINVAL (usage shown). */
static int parse_args(struct exsim_app *app, int argc, char **argv, const char **symbols,
		      const char **journal, int *n_synth, int *n_pre)
{
	static const struct option opts[] = {
		{"port", required_argument, NULL, 'p'},
		{"seed", required_argument, NULL, 's'},
		{"symbols", required_argument, NULL, 'y'},
		{"rate", required_argument, NULL, 'r'},
		{"fill-delay-ms", required_argument, NULL, 'f'},
		{"api-key", required_argument, NULL, 'k'},
		{"api-secret", required_argument, NULL, 'S'},
		{"journal", required_argument, NULL, 'j'},
		{"credentials-file", required_argument, NULL, 'C'},
		{"fill-parts", required_argument, NULL, 'P'},
		{"fast", no_argument, NULL, 'F'},
		{"shuffle-keys", no_argument, NULL, 'K'},
		{"fill-part-ms", required_argument, NULL, 'M'},
		{"credentials-env", no_argument, NULL, 'E'},
		{"tls-cert", required_argument, NULL, 1001},
		{"instruments", required_argument, NULL, 1003},
		{"instruments-prelaunch", required_argument, NULL, 1004},
		{"instruments-all-statuses", no_argument, NULL, 1005},
		{"tls-key", required_argument, NULL, 1002},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int64_t v = 0;
	int c, bad;
	const char *tls_cert = NULL, *tls_key = NULL;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		bad = 0;
		switch (c) {
		case 'p':
			bad = sim_parse_int(optarg, 1, 65535, &v);
			app->port = (int)v;
			break;
		case 's':
			bad = sim_parse_int(optarg, 0, INT64_MAX, &v);
			app->seed = (uint64_t)v;
			break;
		case 'y':
			*symbols = optarg;
			break;
		case 'r':
			bad = exsim_rate_set(app, optarg);
			break;
		case 'f':
			bad = sim_parse_int(optarg, 0, 3600000, &v);
			app->fill_delay_ms = (int)v;
			break;
		case 'k':
			snprintf(app->api_key, sizeof(app->api_key), "%s", optarg);
			break;
		case 'S':
			snprintf(app->api_secret, sizeof(app->api_secret), "%s", optarg);
			break;
		case 'j':
			*journal = optarg;
			break;
		case 'C':
			if ((bad = creds_from_file(app, optarg)) < 0) {
				fprintf(stderr, "hean-exsim: cannot read %s: %s\n", optarg,
					strerror(-bad));
			}
			break;
		case 'E':
			creds_from_env(app);
			break;
		case 'F':
			app->fast = true;
			break;
		case 'K':
			app->w.shuffle_keys = true;
			break;
		case 'h':
			usage();
			exit(0);
		case 'V':
			printf("hean-exsim %s\n", hean_version());
			exit(0);
		case 'P':
			bad = sim_parse_int(optarg, 1, 100, &v);
			app->fill_parts = (int)v;
			break;
		case 'M':
			bad = sim_parse_int(optarg, 0, 60000, &v);
			app->fill_part_ms = (int)v;
			break;
		case 1001:
			tls_cert = optarg;
			break;
		case 1002:
			tls_key = optarg;
			break;
		case 1003:
			bad = sim_parse_int(optarg, 0, EXSIM_MAX_SYMS, &v);
			*n_synth = (int)v;
			break;
		case 1004:
			bad = sim_parse_int(optarg, 0, EXSIM_MAX_SYMS, &v);
			*n_pre = (int)v;
			break;
		case 1005:
			app->list_all_status = true;
			break;
		default:
			bad = -EINVAL;
		}
		if (bad) {
			fprintf(stderr, "hean-exsim: bad value for %s\n", argv[optind - 1]);
			usage();
			return -EINVAL;
		}
	}
	if (optind != argc || app->port <= 0 || sim_tls_set(tls_cert, tls_key) < 0) {
		usage();
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct exsim_app app;
	const char *symbols = "BTCUSDT,ETHUSDT,SOLUSDT", *journal = NULL;
	int rc = 1, n_synth = 0, n_pre = 0;

	app.seed = 1;
	app.rate = 10;
	app.fill_delay_ms = -1;
	app.fill_parts = 1;
	app.fill_part_ms = 20;
	app.w.ban_secs = 600;
	app.w.ip_limit = 600;
	snprintf(app.api_key, sizeof(app.api_key), "hean-sim-key");
	snprintf(app.api_secret, sizeof(app.api_secret), "hean-sim-secret");
	if (parse_args(&app, argc, argv, &symbols, &journal, &n_synth, &n_pre) < 0) {
		return 2;
	}
	if (!app.fast && app.rate <= 0) {
		fprintf(stderr, "hean-exsim: --rate 0 (as fast as the client drains) needs --fast\n");
		return 2;
	}
	hean_log_init("exsim", NULL, HEAN_LOG_INFO);
	hean_log_route_lws();
	if (journal) {
		app.journal_fp = fopen(journal, "a");
		if (!app.journal_fp) {
			log_error("event=journal_open_failed file=%s error=%s", journal,
				  strerror(errno));
			return 2;
		}
	}
	app.rng = app.seed * 0x9E3779B97F4A7C15ULL + 0x1234567ULL;
	if (!app.rng) {
		app.rng = 1;
	}
	if (hean_loop_init(&app.hl, on_stop, &app) < 0) {
		return 1;
	}
	app.loop = app.hl.loop;
	app.journal = json_array();
	if (exsim_market_init(&app, symbols, n_synth, n_pre) < 0) {
		log_error("event=bad_symbols symbols=%s instruments=%d prelaunch=%d max=%d", symbols,
			  n_synth, n_pre, EXSIM_MAX_SYMS);
		goto out;
	}
	app.wallet = 100000.0;

	if (!sim_lws_context(app.loop, app.port, protocols, &app, &app.ctx)) {
		log_error("event=lws_create_context_failed port=%d (busy?)", app.port);
		goto out;
	}
	sim_kick_start(&app.kick, app.loop, &app.ctx);
	ev_timer_init(&app.tick_timer, on_tick, 0.1, 0.1);
	app.tick_timer.data = &app;
	exsim_rate_apply(&app);
	ev_timer_init(&app.house_timer, on_house, 0.05, 0.05);
	app.house_timer.data = &app;
	ev_timer_start(app.loop, &app.house_timer);

	log_info("event=listening addr=127.0.0.1 port=%d symbols=%d rate=%g pacing=%s seed=%llu "
		 "version=%s",
		 app.port, app.nsyms, app.rate, app.fast ? "fast" : "realistic",
		 (unsigned long long)app.seed, hean_version());
	hean_loop_run(&app.hl);
	rc = 0;
out:
	ev_timer_stop(app.loop, &app.tick_timer);
	ev_timer_stop(app.loop, &app.house_timer);
	sim_kick_stop(&app.kick, app.loop);
	sim_lws_destroy(&app.ctx);
	exsim_worst_finish(&app);
	exsim_orders_finish(&app);
	exsim_market_finish(&app);
	exsim_journal_finish(&app);
	hean_loop_finish(&app.hl);
	log_info("event=stopped rc=%d", rc);
	return rc;
}
