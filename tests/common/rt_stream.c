/* rt_stream URL KEY GROUP CONSUMER: a consumer built on common/stream.
 * Prints one line per entry:
 *   T=... entry ID pending=0|1 nil=0|1 n=VALUE
 * Env: RT_ACK_FIRST=N  ack only the first N entries (default: all)
 *      RT_PAUSE_AT=N   pause after entry N, resume 300 ms later
 * Checks that ids arrive strictly increasing within the pending replay and
 * within the new entries. Stops on SIGTERM (exit 0 when checks passed). */
#include "common/stream.h"
#include "rt_common.h"

#include <ev.h>
#include <signal.h>

struct consumer {
	struct ev_loop *loop;
	struct hean_redis *cmd;
	struct hean_stream *s;
	ev_signal term;
	ev_timer resume;
	unsigned ack_first;
	unsigned pause_at;
	unsigned n;
	unsigned long long last_ms[2], last_seq[2]; /* per pending flag */
};

static void parse_id(const char *id, unsigned long long *ms, unsigned long long *seq)
{
	char *end;

	*ms = strtoull(id, &end, 10);
	*seq = *end == '-' ? strtoull(end + 1, NULL, 10) : 0;
}

static void on_entry(struct hean_stream *s, const struct hean_stream_entry *e, void *data)
{
	struct consumer *c = data;
	unsigned long long ms, seq;
	size_t len = 0;
	const char *n = hean_stream_field(e, "n", &len);
	int p = e->pending ? 1 : 0;

	c->n++;
	RT_SAY("entry %s pending=%d nil=%d n=%.*s", e->id, p, e->fields ? 0 : 1, (int)len,
	       n ? n : "");
	parse_id(e->id, &ms, &seq);
	if (ms < c->last_ms[p] || (ms == c->last_ms[p] && seq <= c->last_seq[p])) {
		RT_SAY("ORDER_VIOLATION %s", e->id);
		rt_failures++;
	}
	c->last_ms[p] = ms;
	c->last_seq[p] = seq;
	RT_CHECK(e->fields == NULL || e->n_fields % 2 == 0);
	if (e->fields && c->n <= c->ack_first) {
		int rc = hean_stream_ack(s, e->id);

		if (rc != 0) {
			/* Allowed by the contract (stays pending), but reads are held
			 * while the command link is down, so it should not happen. */
			RT_SAY("ACK_FAILED %s rc=%d", e->id, rc);
		}
	}
	if (c->pause_at && c->n == c->pause_at) {
		RT_SAY("paused");
		hean_stream_pause(s);
		ev_timer_start(c->loop, &c->resume);
	}
}

static void on_resume(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct consumer *c = w->data;

	RT_SAY("resumed");
	hean_stream_resume(c->s);
}

static void on_state(struct hean_redis *r, bool up, void *data)
{
	struct consumer *c = data;

	RT_SAY("block %s", up ? "up" : "down");
	if (up) {
		/* A new session replays the pending list from its start. */
		c->last_ms[1] = 0;
		c->last_seq[1] = 0;
	}
}

static void on_term(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct consumer *c = w->data;

	ev_signal_stop(loop, w);
	ev_timer_stop(loop, &c->resume);
	hean_stream_destroy(c->s);
	c->s = NULL;
	hean_redis_close(c->cmd);
}

int main(int argc, char **argv)
{
	struct consumer c;
	struct hean_redis_options ro;
	struct hean_stream_options so;

	if (argc < 5) {
		fprintf(stderr, "usage: rt_stream URL KEY GROUP CONSUMER\n");
		return 2;
	}
	rt_log_init("rt_stream");
	signal(SIGPIPE, SIG_IGN);
	memset(&c, 0, sizeof(c));
	c.loop = ev_default_loop(0);
	c.ack_first = rt_env_u("RT_ACK_FIRST", ~0u);
	c.pause_at = rt_env_u("RT_PAUSE_AT", 0);

	memset(&ro, 0, sizeof(ro));
	ro.url = argv[1];
	ro.name = "cmd";
	c.cmd = hean_redis_create(c.loop, &ro);
	RT_CHECK(c.cmd != NULL);

	memset(&so, 0, sizeof(so));
	so.url = argv[1];
	so.key = argv[2];
	so.group = argv[3];
	so.consumer = argv[4];
	so.start_id = "0";
	so.count = 2; /* small, so the replay needs several batches */
	so.block_ms = 500;
	so.on_entry = on_entry;
	so.on_state = on_state;
	so.data = &c;
	c.s = hean_stream_create(c.loop, c.cmd, &so);
	RT_CHECK(c.s != NULL);
	if (!c.cmd || !c.s) {
		return 1;
	}
	ev_timer_init(&c.resume, on_resume, 0.3, 0.);
	c.resume.data = &c;
	ev_signal_init(&c.term, on_term, SIGTERM);
	c.term.data = &c;
	ev_signal_start(c.loop, &c.term);
	RT_SAY("started");
	ev_run(c.loop, 0);
	hean_redis_destroy(c.cmd);
	ev_loop_destroy(c.loop);
	RT_SAY("exit entries=%u failures=%d", c.n, rt_failures);
	hean_log_finish();
	return rt_failures ? 1 : 0;
}
