/* http_check: exercises common/http against tests/common/http_testsrv.py.
 *
 *   http_check BASE_URL REFUSED_URL
 *
 * Runs the cases one after another on one libev loop and prints
 * "ok: ..." / "FAIL: ..." lines plus "figure name=value" lines. Exit 0 when
 * every case passed. */
#include "common/http.h"
#include "common/log.h"

#include <curl/curl.h>
#include <errno.h>
#include <ev.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct result {
	int calls;
	long status;
	int curl_code;
	char error[256];
	char *body;
	size_t body_len;
	char xtest[64];
	int xtest_rc;
	int64_t elapsed_us;
};

static struct ev_loop *loop;
static struct hean_http *http;
static const char *base;
static int fails;
static unsigned ticks;
static struct result *destroy_target; /* destroy hean_http from this callback */

static void check(bool ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	fflush(stdout);
	if (!ok) {
		fails++;
	}
}

static void done(const struct hean_http_response *resp, void *data)
{
	struct result *r = data;

	r->calls++;
	r->status = resp->status;
	r->curl_code = resp->curl_code;
	snprintf(r->error, sizeof(r->error), "%s", resp->error ? resp->error : "");
	free(r->body);
	r->body = malloc(resp->body_len + 1);
	if (r->body) {
		memcpy(r->body, resp->body, resp->body_len + 1);
	}
	r->body_len = resp->body_len;
	r->xtest_rc = hean_http_header(resp, "x-TEST", r->xtest, sizeof(r->xtest));
	r->elapsed_us = resp->elapsed_us;
	if (r == destroy_target) {
		hean_http_destroy(http);
		http = NULL;
	}
}

static void on_tick(struct ev_loop *l, struct ev_timer *w, int revents)
{
	ticks++;
}

static void on_deadline(struct ev_loop *l, struct ev_timer *w, int revents)
{
	ev_break(l, EVBREAK_ONE);
}

/* Runs the loop until all of rs[0..n) were called back or limit_s passed. */
static void run_until(struct result *rs, int n, double limit_s)
{
	struct ev_timer deadline, tick;
	int i;

	ev_timer_init(&deadline, on_deadline, limit_s, 0.);
	ev_timer_start(loop, &deadline);
	ev_timer_init(&tick, on_tick, 0.02, 0.02);
	ev_timer_start(loop, &tick);
	for (;;) {
		bool all = true;

		for (i = 0; i < n; i++) {
			if (!rs[i].calls) {
				all = false;
			}
		}
		if (all || !ev_is_active(&deadline)) {
			break;
		}
		ev_run(loop, EVRUN_ONCE);
	}
	ev_timer_stop(loop, &deadline);
	ev_timer_stop(loop, &tick);
}

static int submit(const char *method, const char *path, const char *body, uint32_t timeout_ms,
		  size_t max_body, struct result *r)
{
	char url[512];
	struct hean_http_request req = {0};
	static const char *const hdrs[] = {"X-Probe: 1", NULL};

	snprintf(url, sizeof(url), "%s%s", path[0] == '/' ? base : "", path);
	req.method = method;
	req.url = url;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.headers = hdrs;
	req.timeout_ms = timeout_ms;
	req.connect_timeout_ms = 1000;
	req.max_body = max_body;
	return hean_http_submit(http, &req, done, r);
}

int main(int argc, char **argv)
{
	struct result r[8];
	char msg[512];
	int i, rc;
	unsigned t;
	double ms;

	if (argc < 3) {
		fprintf(stderr, "usage: http_check BASE_URL REFUSED_URL\n");
		return 2;
	}
	base = argv[1];
	hean_log_init("http_check", NULL, HEAN_LOG_INFO);
	loop = ev_default_loop(0);
	http = hean_http_create(loop);
	check(http != NULL, "create");
	if (!http) {
		return 1;
	}

	/* 1. GET with a response header */
	memset(r, 0, sizeof(r));
	rc = submit("GET", "/get", NULL, 2000, 0, &r[0]);
	run_until(r, 1, 5);
	check(rc == 0 && r[0].calls == 1 && r[0].status == 200 && r[0].curl_code == 0,
	      "GET 200");
	check(r[0].body && !strcmp(r[0].body, "hello-get"), "GET body");
	check(r[0].xtest_rc == 0 && !strcmp(r[0].xtest, "abc"), "response header lookup");

	/* 2. POST echoes the body; the request header arrived */
	memset(&r[1], 0, sizeof(r[1]));
	rc = submit("POST", "/post", "{\"a\":1}", 2000, 0, &r[1]);
	run_until(&r[1], 1, 5);
	check(rc == 0 && r[1].calls == 1 && r[1].status == 200, "POST 200");
	check(r[1].body && !strcmp(r[1].body, "probe=1 body={\"a\":1}"), "POST body echoed");

	/* 3. a server that never answers: timeout, loop keeps running */
	memset(&r[2], 0, sizeof(r[2]));
	t = ticks;
	rc = submit("GET", "/hang", NULL, 500, 0, &r[2]);
	run_until(&r[2], 1, 5);
	ms = r[2].elapsed_us / 1000.0;
	printf("figure http_timeout_ms=%.0f ticks_during=%u\n", ms, ticks - t);
	check(rc == 0 && r[2].calls == 1 && r[2].curl_code == CURLE_OPERATION_TIMEDOUT,
	      "timeout reported as CURLE_OPERATION_TIMEDOUT");
	check(ms >= 480 && ms < 800, "timeout within timeout_ms + 300 ms");
	check(ticks - t >= 15, "loop kept running during the hung request");

	/* 4. refused connect */
	memset(&r[3], 0, sizeof(r[3]));
	rc = submit("GET", argv[2], NULL, 2000, 0, &r[3]);
	run_until(&r[3], 1, 5);
	printf("figure http_refused_ms=%.0f\n", r[3].elapsed_us / 1000.0);
	check(rc == 0 && r[3].calls == 1 && r[3].curl_code == CURLE_COULDNT_CONNECT &&
		      r[3].status == 0 && r[3].error[0],
	      "refused -> CURLE_COULDNT_CONNECT with error text");

	/* 5. body cap, with and without Content-Length */
	memset(&r[4], 0, sizeof(r[4]));
	memset(&r[5], 0, sizeof(r[5]));
	submit("GET", "/big?n=200000", NULL, 3000, 100000, &r[4]);
	submit("GET", "/bigchunked?n=200000", NULL, 3000, 100000, &r[5]);
	run_until(&r[4], 2, 5);
	snprintf(msg, sizeof(msg), "body cap (Content-Length) -> %d (%s)", r[4].curl_code,
		 r[4].error);
	check(r[4].calls == 1 && r[4].curl_code == CURLE_FILESIZE_EXCEEDED, msg);
	snprintf(msg, sizeof(msg), "body cap (no Content-Length) -> %d (%s) len=%zu",
		 r[5].curl_code, r[5].error, r[5].body_len);
	check(r[5].calls == 1 && r[5].curl_code == CURLE_FILESIZE_EXCEEDED &&
		      r[5].body_len <= 100000,
	      msg);
	memset(&r[6], 0, sizeof(r[6]));
	submit("GET", "/big?n=100000", NULL, 3000, 100000, &r[6]);
	run_until(&r[6], 1, 5);
	check(r[6].calls == 1 && r[6].curl_code == 0 && r[6].body_len == 100000,
	      "body exactly at the cap is accepted");

	/* 6. parallel requests: each callback exactly once */
	{
		struct result pr[8];

		memset(pr, 0, sizeof(pr));
		for (i = 0; i < 8; i++) {
			submit("GET", "/get", NULL, 2000, 0, &pr[i]);
		}
		check(hean_http_in_flight(http) == 8, "8 in flight");
		run_until(pr, 8, 5);
		/* give curl a chance to (wrongly) call back twice */
		run_until(pr, 0, 0.2);
		for (i = 0; i < 8; i++) {
			if (pr[i].calls != 1 || pr[i].status != 200) {
				break;
			}
		}
		if (i < 8) {
			printf("detail: request %d calls=%d status=%ld curl=%d (%s)\n", i, pr[i].calls,
			       pr[i].status, pr[i].curl_code, pr[i].error);
		}
		check(i == 8 && hean_http_in_flight(http) == 0, "8 parallel GETs, one callback each");
		for (i = 0; i < 8; i++) {
			free(pr[i].body);
		}
	}

	/* 7. invalid input: error return, callback never called */
	{
		struct result bad = {0};
		struct hean_http_request req = {0};

		req.url = "ftp://127.0.0.1/x";
		rc = hean_http_submit(http, &req, done, &bad);
		run_until(&bad, 0, 0.1);
		check(rc == -EINVAL && bad.calls == 0, "ftp:// rejected with -EINVAL, no callback");
	}

	/* 8. destroy from inside a completion callback, with another request
	 * still in flight: no further callbacks, no crash, no leak */
	{
		struct result a = {0}, hang = {0};

		submit("GET", "/hang", NULL, 5000, 0, &hang);
		destroy_target = &a;
		submit("GET", "/get", NULL, 2000, 0, &a);
		run_until(&a, 1, 5);
		run_until(&hang, 1, 0.3);
		check(a.calls == 1 && http == NULL && hang.calls == 0,
		      "destroy inside a callback aborts the rest silently");
		free(a.body);
		free(hang.body);
	}

	/* 9. destroy with a request in flight (outside callbacks) */
	{
		struct result hang = {0};

		http = hean_http_create(loop);
		submit("GET", "/hang", NULL, 5000, 0, &hang);
		run_until(&hang, 1, 0.2);
		hean_http_destroy(http);
		http = NULL;
		run_until(&hang, 1, 0.2);
		check(hang.calls == 0, "destroy with a request in flight: no callback");
		free(hang.body);
	}

	for (i = 0; i < 7; i++) {
		free(r[i].body);
	}
	ev_loop_destroy(loop);
	hean_log_finish();
	printf("%s: %d failure(s)\n", fails ? "FAIL" : "PASS", fails);
	return fails ? 1 : 0;
}
