/* fetch_check: exercises common/fetch (HTTP GET on the lws context of
 * common/ws) against local fixtures.
 *
 *   fetch_check plain BASE_URL REFUSED_URL
 *       the cases against tests/common/http_testsrv.py (see below)
 *   fetch_check get URL STATUS ERROR_SUBSTR|- [CA_FILE|-] [insecure]
 *       one GET; passes when the status is STATUS and the error text
 *       contains ERROR_SUBSTR ("-": no error, a whole body)
 *
 * Prints "ok: ..." / "FAIL: ..." lines and "figure name=value" lines; exit 0
 * when every check passed. */
#include "common/fetch.h"
#include "common/log.h"
#include "common/resolve.h"
#include "common/timeutil.h"
#include "common/ws.h"

#include <ev.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct result {
	int calls;
	int status;
	char error[256];
	char *body;
	size_t body_len;
	double ms;
	bool inside_get; /* the callback ran inside hean_fetch_get */
};

static struct ev_loop *loop;
static struct hean_ws_ctx *ctx;
static const char *base;
static int fails;
static unsigned ticks;
static bool in_get;
static struct result chain[2]; /* chain[0]'s callback starts chain[1] */

static void check(bool ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	fflush(stdout);
	if (!ok) {
		fails++;
	}
}

static void done(const struct hean_fetch_result *res, void *data)
{
	struct result *r = data;

	r->calls++;
	r->inside_get = in_get;
	r->status = res->status;
	r->ms = (double)res->elapsed_us / 1000.;
	snprintf(r->error, sizeof(r->error), "%s", res->error ? res->error : "");
	free(r->body);
	r->body = malloc(res->body_len + 1);
	if (r->body) {
		memcpy(r->body, res->body, res->body_len + 1); /* NUL included */
	}
	r->body_len = res->body_len;
}

static struct hean_fetch *get(const char *path, uint32_t timeout_ms, size_t max_body,
			      hean_fetch_fn *cb, struct result *r)
{
	char url[512];
	struct hean_fetch *f;

	snprintf(url, sizeof(url), "%s%s", base, path);
	in_get = true;
	f = hean_fetch_get(ctx, url, timeout_ms, max_body, cb, r);
	in_get = false;
	return f;
}

static void on_chain(const struct hean_fetch_result *res, void *data)
{
	done(res, data);
	/* the next page from the callback, as feed/sources does */
	check(get("/get", 2000, 0, done, &chain[1]) != NULL, "a GET started from a callback");
}

static void on_tick(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	ticks++;
}

/* Runs the loop until n results have a call, or limit_s. */
static void run_until(struct result *rs, int n, double limit_s)
{
	int64_t end = hean_time_mono_us() + (int64_t)(limit_s * 1e6);

	while (hean_time_mono_us() < end) {
		int got = 0;

		for (int i = 0; i < n; i++) {
			got += rs[i].calls > 0;
		}
		if (got == n) {
			return;
		}
		ev_run(loop, EVRUN_ONCE);
	}
}

/* Runs the loop for s seconds. */
static void run_for(double s)
{
	int64_t end = hean_time_mono_us() + (int64_t)(s * 1e6);

	while (hean_time_mono_us() < end) {
		ev_run(loop, EVRUN_ONCE);
	}
}

static void reset(struct result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].body);
	}
	memset(r, 0, n * sizeof(*r));
}

static int plain(const char *refused)
{
	struct result r[6];
	struct hean_fetch *f;
	char msg[512];
	ev_timer tick;
	unsigned t0;

	memset(r, 0, sizeof(r));
	ev_timer_init(&tick, on_tick, 0.05, 0.05);
	ev_timer_start(loop, &tick);

	/* 1. 200 with a body */
	f = get("/get", 2000, 0, done, &r[0]);
	run_until(r, 1, 5);
	check(f != NULL && r[0].calls == 1 && r[0].status == 200 && !r[0].error[0], "GET 200");
	check(r[0].body && !strcmp(r[0].body, "hello-get") && r[0].body_len == 9,
	      "body \"hello-get\", NUL-terminated");
	check(!r[0].inside_get, "callback from the loop, not from inside hean_fetch_get");
	printf("figure get_ms=%.1f\n", r[0].ms);

	/* 2. other statuses are results, not errors */
	f = get("/nothing-here", 2000, 0, done, &r[1]);
	run_until(&r[1], 1, 5);
	check(r[1].calls == 1 && r[1].status == 404 && !r[1].error[0] && r[1].body &&
		      !strcmp(r[1].body, "not found"),
	      "404 with its body, no error");

	/* 3. bodies: Content-Length over the cap, streamed (close-delimited)
	 * over the cap, close-delimited within the cap, exactly the cap */
	reset(r, 6);
	get("/big?n=200000", 3000, 100000, done, &r[0]);
	get("/bigchunked?n=200000", 3000, 100000, done, &r[1]);
	get("/bigchunked?n=50000", 3000, 100000, done, &r[2]);
	get("/big?n=100000", 3000, 100000, done, &r[3]);
	run_until(r, 4, 8);
	snprintf(msg, sizeof(msg), "Content-Length over the cap: error (%s)", r[0].error);
	check(r[0].calls == 1 && strstr(r[0].error, "body over 100000 bytes") != NULL, msg);
	snprintf(msg, sizeof(msg), "close-delimited body over the cap: error (%s)", r[1].error);
	check(r[1].calls == 1 && strstr(r[1].error, "body over 100000 bytes") != NULL, msg);
	snprintf(msg, sizeof(msg), "close-delimited body within the cap: 200, %zu bytes (%s)",
		 r[2].body_len, r[2].error);
	check(r[2].calls == 1 && r[2].status == 200 && !r[2].error[0] && r[2].body_len == 50000 &&
		      r[2].body && r[2].body[0] == 'y' && r[2].body[49999] == 'y' &&
		      r[2].body[50000] == '\0',
	      msg);
	snprintf(msg, sizeof(msg), "body of exactly the cap: 200, %zu bytes (%s)", r[3].body_len,
		 r[3].error);
	check(r[3].calls == 1 && r[3].status == 200 && !r[3].error[0] && r[3].body_len == 100000,
	      msg);

	/* 4. a server that never answers: the deadline, while the loop runs */
	reset(r, 6);
	t0 = ticks;
	get("/hang", 700, 0, done, &r[0]);
	run_until(r, 1, 5);
	snprintf(msg, sizeof(msg), "no answer: timeout error after %.0f ms (%s)", r[0].ms,
		 r[0].error);
	check(r[0].calls == 1 && strstr(r[0].error, "timeout after 700 ms") != NULL &&
		      r[0].ms >= 650 && r[0].ms < 2500,
	      msg);
	snprintf(msg, sizeof(msg), "loop kept running during the wait (%u ticks of 50 ms)",
		 ticks - t0);
	check(ticks - t0 >= 8, msg);
	printf("figure timeout_ms=%.0f\n", r[0].ms);

	/* 5. connection refused: an error well before the deadline */
	reset(r, 6);
	in_get = true;
	f = hean_fetch_get(ctx, refused, 3000, 0, done, &r[0]);
	in_get = false;
	run_until(r, 1, 5);
	snprintf(msg, sizeof(msg), "refused: error in %.0f ms (%s)", r[0].ms, r[0].error);
	check(f != NULL && r[0].calls == 1 && r[0].status == 0 && r[0].error[0] && r[0].ms < 1500,
	      msg);
	printf("figure refused_ms=%.0f\n", r[0].ms);

	/* 6. bad URLs are refused at once, never a callback */
	reset(r, 6);
	check(hean_fetch_get(ctx, "ftp://127.0.0.1/x", 1000, 0, done, &r[0]) == NULL,
	      "ftp:// refused");
	check(hean_fetch_get(ctx, "not a url", 1000, 0, done, &r[0]) == NULL, "garbage refused");

	/* 7. a GET started from a callback (the feed's next page) */
	reset(chain, 2);
	get("/get", 2000, 0, on_chain, &chain[0]);
	run_until(chain, 2, 5);
	check(chain[0].calls == 1 && chain[1].calls == 1 && chain[1].status == 200,
	      "chained GET answered");
	reset(chain, 2);

	/* 8. cancel and abort: no callback, ever */
	reset(r, 6);
	f = get("/hang", 500, 0, done, &r[0]);
	get("/hang", 500, 0, done, &r[1]);
	get("/get", 500, 0, done, &r[2]);
	check(hean_fetch_pending(ctx) == 3, "three pending");
	hean_fetch_cancel(f);
	check(hean_fetch_pending(ctx) == 2, "cancel: two pending");
	hean_fetch_abort_all(ctx);
	check(hean_fetch_pending(ctx) == 0, "abort_all: none pending");
	run_for(1.0);
	check(r[0].calls + r[1].calls + r[2].calls == 0, "no callback after cancel / abort_all");

	/* 9. many at once, one connection each */
	reset(r, 6);
	for (int i = 0; i < 6; i++) {
		get("/get", 3000, 0, done, &r[i]);
	}
	run_until(r, 6, 8);
	{
		int ok = 0;

		for (int i = 0; i < 6; i++) {
			ok += r[i].calls == 1 && r[i].status == 200;
		}
		snprintf(msg, sizeof(msg), "6 parallel GETs: %d answered 200", ok);
		check(ok == 6, msg);
	}

	/* 10. destroy the context with a request in flight: no callback */
	reset(r, 6);
	get("/hang", 2000, 0, done, &r[0]);
	run_for(0.2);
	ev_timer_stop(loop, &tick);
	hean_ws_ctx_destroy(ctx);
	ctx = NULL;
	run_for(0.3);
	check(r[0].calls == 0, "context destroyed with a request pending: no callback");
	reset(r, 6);
	return fails ? 1 : 0;
}

static int one(int argc, char **argv)
{
	struct result r;
	char msg[600];
	int want_status = atoi(argv[3]);
	const char *want_err = argv[4];
	struct hean_fetch *f;

	memset(&r, 0, sizeof(r));
	f = hean_fetch_get(ctx, argv[2], 4000, 0, done, &r);
	run_until(&r, 1, 8);
	printf("status=%d ms=%.0f body_len=%zu error=\"%s\"\n", r.status, r.ms, r.body_len,
	       r.error);
	if (strcmp(want_err, "-") == 0) {
		snprintf(msg, sizeof(msg), "%s: status %d (want %d), no error (%s)", argv[2],
			 r.status, want_status, r.error);
		check(f && r.calls == 1 && r.status == want_status && !r.error[0] && r.body_len > 0,
		      msg);
	} else {
		snprintf(msg, sizeof(msg), "%s: status %d (want %d), error \"%s\" has \"%s\"",
			 argv[2], r.status, want_status, r.error, want_err);
		check(f && r.calls == 1 && r.status == want_status && r.error[0] &&
			      strstr(r.error, want_err),
		      msg);
	}
	free(r.body);
	(void)argc;
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *ca = "";
	bool insecure = false;
	int rc;

	if (argc < 4 || (strcmp(argv[1], "plain") && strcmp(argv[1], "get")) ||
	    (!strcmp(argv[1], "get") && argc < 5)) {
		fprintf(stderr, "usage: fetch_check plain BASE_URL REFUSED_URL\n"
				"       fetch_check get URL STATUS ERROR_SUBSTR|- [CA_FILE|-] "
				"[insecure]\n");
		return 2;
	}
	if (!strcmp(argv[1], "get")) {
		if (argc > 5 && strcmp(argv[5], "-")) {
			ca = argv[5];
		}
		insecure = argc > 6 && !strcmp(argv[6], "insecure");
	}
	hean_log_init("fetch_check", NULL, HEAN_LOG_INFO);
	hean_net_set(ca, "", insecure);
	loop = ev_default_loop(0);
	ctx = hean_ws_ctx_create(loop);
	check(ctx != NULL, "lws context");
	if (!ctx) {
		return 1;
	}
	if (!strcmp(argv[1], "plain")) {
		base = argv[2];
		rc = plain(argv[3]);
	} else {
		rc = one(argc, argv);
	}
	hean_ws_ctx_destroy(ctx);
	ev_loop_destroy(loop);
	printf("%s\n", rc ? "FAILED" : "PASSED");
	return rc;
}
