/* hean-exsim: CLI, loop, lws context, timers, small shared helpers. */
#include "tests/sim/exsim.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ===== helpers ===== */

int64_t exsim_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t exsim_now_ms(const struct exsim_app *app)
{
	return exsim_wall_ms() + app->clock_offset_ms;
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

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct exsim_app *app = w->data;
	int64_t now = exsim_wall_ms();
	double dt = w->repeat > 0 ? w->repeat : 0.1;

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
		n = (int)s->due;
		if (n > 1000) {
			n = 1000;
			s->due = n;
		}
		s->due -= n;
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
	ev_timer_set(&app->tick_timer, period, period);
	ev_timer_start(app->loop, &app->tick_timer);
}

static void on_house(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct exsim_app *app = w->data;
	int64_t now = exsim_wall_ms();

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
	if (app->ctx) {
		lws_cancel_service(app->ctx);
	}
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct exsim_app *app = w->data;

	fprintf(stderr, "exsim: event=stopping signal=%d\n", w->signum);
	app->stopping = true;
	ev_break(loop, EVBREAK_ALL);
}

/* ===== main ===== */

static const struct lws_protocols protocols[] = {
	{"exsim", exsim_lws_callback, sizeof(struct exsim_conn), 4096, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static void usage(void)
{
	fprintf(stderr, "usage: hean-exsim --port P [--seed N] [--symbols A,B] [--rate HZ]\n"
			"       [--fill-delay-ms N] [--api-key K] [--api-secret S] [--journal FILE]\n");
}

int main(int argc, char **argv)
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
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct exsim_app app;
	struct lws_context_creation_info info;
	const char *symbols = "BTCUSDT,ETHUSDT,SOLUSDT";
	void *loops[1];
	int c, rc = 1;

	app.seed = 1;
	app.rate = 10;
	app.fill_delay_ms = -1;
	snprintf(app.api_key, sizeof(app.api_key), "hean-sim-key");
	snprintf(app.api_secret, sizeof(app.api_secret), "hean-sim-secret");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			app.port = atoi(optarg);
			break;
		case 's':
			app.seed = strtoull(optarg, NULL, 10);
			break;
		case 'y':
			symbols = optarg;
			break;
		case 'r':
			app.rate = atof(optarg);
			break;
		case 'f':
			app.fill_delay_ms = atoi(optarg);
			break;
		case 'k':
			snprintf(app.api_key, sizeof(app.api_key), "%s", optarg);
			break;
		case 'S':
			snprintf(app.api_secret, sizeof(app.api_secret), "%s", optarg);
			break;
		case 'j':
			app.journal_fp = fopen(optarg, "a");
			if (!app.journal_fp) {
				fprintf(stderr, "exsim: cannot open journal %s: %s\n", optarg,
					strerror(errno));
				return 2;
			}
			break;
		default:
			usage();
			return 2;
		}
	}
	if (app.port <= 0 || app.port > 65535 || app.rate < 0) {
		usage();
		return 2;
	}
	app.rng = app.seed * 0x9E3779B97F4A7C15ULL + 0x1234567ULL;
	if (!app.rng) {
		app.rng = 1;
	}
	signal(SIGPIPE, SIG_IGN);
	app.loop = ev_default_loop(EVFLAG_AUTO);
	app.journal = json_array();
	if (exsim_market_init(&app, symbols) < 0) {
		fprintf(stderr, "exsim: bad --symbols %s\n", symbols);
		goto out;
	}
	app.wallet = 100000.0;

	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	memset(&info, 0, sizeof(info));
	info.port = app.port;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_LIBEV;
	loops[0] = app.loop;
	info.foreign_loops = loops;
	info.user = &app;
	info.timeout_secs = 600;
	info.keepalive_timeout = 600;
	info.pcontext = &app.ctx;
	app.ctx = lws_create_context(&info);
	if (!app.ctx) {
		fprintf(stderr, "exsim: lws_create_context failed (port %d busy?)\n", app.port);
		goto out;
	}

	ev_timer_init(&app.tick_timer, on_tick, 0.1, 0.1);
	app.tick_timer.data = &app;
	exsim_rate_apply(&app);
	ev_timer_init(&app.house_timer, on_house, 0.05, 0.05);
	app.house_timer.data = &app;
	ev_timer_start(app.loop, &app.house_timer);
	ev_signal_init(&app.sigint, on_signal, SIGINT);
	app.sigint.data = &app;
	ev_signal_start(app.loop, &app.sigint);
	ev_signal_init(&app.sigterm, on_signal, SIGTERM);
	app.sigterm.data = &app;
	ev_signal_start(app.loop, &app.sigterm);

	fprintf(stderr, "exsim: event=listening port=%d symbols=%s rate=%g seed=%llu\n", app.port,
		symbols, app.rate, (unsigned long long)app.seed);
	ev_run(app.loop, 0);

	ev_timer_stop(app.loop, &app.tick_timer);
	ev_timer_stop(app.loop, &app.house_timer);
	ev_signal_stop(app.loop, &app.sigint);
	ev_signal_stop(app.loop, &app.sigterm);
	if (app.ctx) {
		lws_context_destroy(app.ctx);
	}
	rc = 0;
out:
	exsim_orders_finish(&app);
	exsim_market_finish(&app);
	exsim_journal_finish(&app);
	fprintf(stderr, "exsim: event=stopped\n");
	return rc;
}
