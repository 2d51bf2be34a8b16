/* common/lease: the active/standby lease (see lease.h).
 *
 * Timeline of an active copy, TTL T, margin M = T/5:
 *   t0 send renewal -> reply "ours" -> valid until t0 + T - M (fence timer)
 * Redis set the expiry at t >= t0, so the key lives until >= t0 + T: the
 * active copy has fenced itself M before any standby can take the key. */
#include "common/lease.h"

#include "common/log.h"
#include "common/timeutil.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TICK_S 1.0

/* extend if ours (1); take again if Redis lost it (2); else the holder */
static const char RENEW_LUA[] =
	"local v = redis.call('GET', KEYS[1]) "
	"if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end "
	"if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end "
	"return v";
/* replace a dead holder's token with ours, only if it is still there */
static const char TAKEOVER_LUA[] =
	"if redis.call('GET', KEYS[1]) == ARGV[1] then "
	"redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0";
static const char RELEASE_LUA[] =
	"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
	"return 0";

enum lease_state { L_IDLE, L_STANDBY, L_ACTIVE, L_LOST, L_RELEASED };

struct hean_lease {
	struct ev_loop *loop;
	struct hean_redis *redis;
	struct hean_lease_ops ops;
	void *data;
	char key[192];
	char token[192];
	char ttl[16];
	int ttl_ms, margin_ms;
	enum lease_state state;
	int pending; /* requests in flight (at most one) */
	int64_t sent_ms; /* monotonic send time of the request in flight */
	char last_holder[192];
	bool warned_error; /* one log line per run for error replies */
	ev_timer tick;
	ev_timer fence;
};

static int64_t mono_ms(void)
{
	return hean_time_mono_us() / 1000;
}

/* "<boot_id first 8>.<pid ns inode>": one id per host boot and pid
 * namespace, so that a pid in a token can be checked with kill(). */
static void host_id(char *buf, size_t len)
{
	char boot[64] = "";
	struct stat st;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	if (f) {
		if (!fgets(boot, sizeof(boot), f)) {
			boot[0] = 0;
		}
		fclose(f);
	}
	boot[strcspn(boot, "-\n")] = 0;
	if (stat("/proc/self/ns/pid", &st) < 0) {
		st.st_ino = 0;
	}
	snprintf(buf, len, "%.8s.%lu", boot[0] ? boot : "noboot", (unsigned long)st.st_ino);
}

bool hean_lease_holder_dead(const char *token)
{
	char me[64], proc[64], stat_line[512];
	const char *p, *q, *r;
	long pid;
	char *end;
	FILE *f;

	/* <host>/<pid>/<hostid>/<rand> */
	p = token ? strchr(token, '/') : NULL;
	q = p ? strchr(p + 1, '/') : NULL;
	r = q ? strchr(q + 1, '/') : NULL;
	if (!r) {
		return false;
	}
	pid = strtol(p + 1, &end, 10);
	if (end != q || pid <= 1 || pid == (long)getpid()) {
		return false;
	}
	host_id(me, sizeof(me));
	if ((size_t)(r - q - 1) != strlen(me) || strncmp(q + 1, me, strlen(me)) != 0) {
		return false; /* another host or pid namespace: only the TTL tells */
	}
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
		return true;
	}
	snprintf(proc, sizeof(proc), "/proc/%ld/stat", pid);
	f = fopen(proc, "r");
	if (!f) {
		return false;
	}
	bool zombie = false;

	if (fgets(stat_line, sizeof(stat_line), f)) {
		const char *s = strrchr(stat_line, ')');

		zombie = s && (s[2] == 'Z' || s[2] == 'X');
	}
	fclose(f);
	return zombie;
}

static void send_tick(struct hean_lease *l);

static void go_lost(struct hean_lease *l, const char *why)
{
	if (l->state != L_ACTIVE) {
		return;
	}
	l->state = L_LOST;
	ev_timer_stop(l->loop, &l->tick);
	ev_timer_stop(l->loop, &l->fence);
	if (l->ops.lost) {
		l->ops.lost(l, why, l->data);
	}
}

/* A confirmed hold, the request having been sent at sent_ms. */
static void confirmed(struct hean_lease *l, int64_t sent_ms)
{
	int64_t left = sent_ms + l->ttl_ms - l->margin_ms - mono_ms();

	if (left <= 0) {
		return; /* too late to count: the fence decides */
	}
	ev_timer_stop(l->loop, &l->fence);
	ev_timer_set(&l->fence, (double)left / 1000.0, 0.);
	ev_timer_start(l->loop, &l->fence);
	if (l->state != L_ACTIVE) {
		l->state = L_ACTIVE;
		l->last_holder[0] = 0;
		if (l->ops.acquired) {
			l->ops.acquired(l, l->data);
		}
	}
}

static void on_fence(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct hean_lease *l = w->data;

	go_lost(l, "not renewed in time (redis unreachable or slow)");
}

static bool usable(struct hean_lease *l, redisReply *rep)
{
	l->pending = 0;
	if (rep && rep->type == REDIS_REPLY_ERROR && !l->warned_error) {
		/* e.g. NOPERM: without the lease this copy never becomes active */
		log_error("event=lease_error key=%s err=\"%.200s\" (keeps trying)", l->key,
			  rep->str ? rep->str : "");
		l->warned_error = true;
	}
	return l->state != L_RELEASED && l->state != L_LOST && rep &&
	       rep->type != REDIS_REPLY_ERROR;
}

static void on_takeover(struct hean_redis *r, redisReply *rep, void *priv)
{
	struct hean_lease *l = priv;

	if (usable(l, rep) && rep->type == REDIS_REPLY_INTEGER && rep->integer == 1) {
		log_warn("event=lease_takeover key=%s dead_holder=%s", l->key, l->last_holder);
		confirmed(l, l->sent_ms);
	}
}

static void standby(struct hean_lease *l, const char *holder)
{
	if (l->state == L_IDLE) {
		l->state = L_STANDBY;
	}
	if (hean_lease_holder_dead(holder)) {
		const char *av[] = {"EVAL", TAKEOVER_LUA, "1", l->key, holder, l->token, l->ttl};

		snprintf(l->last_holder, sizeof(l->last_holder), "%s", holder);
		l->sent_ms = mono_ms();
		if (hean_redis_command_argv(l->redis, on_takeover, l, 7, av, NULL) == 0) {
			l->pending = 1;
		}
		return;
	}
	if (strcmp(holder, l->last_holder) != 0) {
		snprintf(l->last_holder, sizeof(l->last_holder), "%s", holder);
		if (l->ops.standby) {
			l->ops.standby(l, holder, l->data);
		}
	}
}

static void on_get(struct hean_redis *r, redisReply *rep, void *priv)
{
	struct hean_lease *l = priv;

	if (!usable(l, rep) || l->state == L_ACTIVE) {
		return;
	}
	if (rep->type == REDIS_REPLY_STRING && !strcmp(rep->str, l->token)) {
		return; /* ours, confirmed too late to count: let it expire */
	}
	if (rep->type == REDIS_REPLY_STRING) {
		standby(l, rep->str);
	} else {
		send_tick(l); /* expired between SET and GET: try again now */
	}
}

static void on_set(struct hean_redis *r, redisReply *rep, void *priv)
{
	struct hean_lease *l = priv;
	int64_t sent = l->sent_ms;

	if (!usable(l, rep)) {
		return;
	}
	if (rep->type == REDIS_REPLY_STATUS) {
		confirmed(l, sent);
		return;
	}
	/* nil: held by someone; who? */
	const char *av[] = {"GET", l->key};

	if (hean_redis_command_argv(l->redis, on_get, l, 2, av, NULL) == 0) {
		l->pending = 1;
	}
}

static void on_renew(struct hean_redis *r, redisReply *rep, void *priv)
{
	struct hean_lease *l = priv;
	int64_t sent = l->sent_ms;
	char why[256];

	if (!usable(l, rep) || l->state != L_ACTIVE) {
		return;
	}
	if (rep->type == REDIS_REPLY_INTEGER) {
		if (rep->integer == 2) {
			log_warn("event=lease_retaken key=%s (the key was gone: redis restarted empty?)",
				 l->key);
		}
		confirmed(l, sent);
	} else if (rep->type == REDIS_REPLY_STRING) {
		snprintf(why, sizeof(why), "taken by %.200s", rep->str);
		go_lost(l, why);
	}
}

static void send_tick(struct hean_lease *l)
{
	if (l->pending || !hean_redis_is_up(l->redis) ||
	    (l->state != L_IDLE && l->state != L_STANDBY && l->state != L_ACTIVE)) {
		return;
	}
	l->sent_ms = mono_ms();
	if (l->state == L_ACTIVE) {
		const char *av[] = {"EVAL", RENEW_LUA, "1", l->key, l->token, l->ttl};

		if (hean_redis_command_argv(l->redis, on_renew, l, 6, av, NULL) == 0) {
			l->pending = 1;
		}
	} else {
		const char *av[] = {"SET", l->key, l->token, "NX", "PX", l->ttl};

		if (hean_redis_command_argv(l->redis, on_set, l, 6, av, NULL) == 0) {
			l->pending = 1;
		}
	}
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	send_tick(w->data);
}

struct hean_lease *hean_lease_create(struct ev_loop *loop, struct hean_redis *redis,
				     const struct hean_config *cfg, const struct hean_lease_ops *ops,
				     void *data)
{
	struct hean_lease *l;
	char host[64] = "", hid[64];
	uint32_t rnd = 0;

	if (!loop || !redis || !cfg || cfg->lease_ttl_ms <= 0) {
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		return NULL;
	}
	l->loop = loop;
	l->redis = redis;
	if (ops) {
		l->ops = *ops;
	}
	l->data = data;
	l->ttl_ms = cfg->lease_ttl_ms;
	l->margin_ms = cfg->lease_ttl_ms / 5;
	snprintf(l->ttl, sizeof(l->ttl), "%d", l->ttl_ms);
	snprintf(l->key, sizeof(l->key), "%slease:%s", cfg->prefix,
		 cfg->proc_name[0] ? cfg->proc_name : cfg->role);
	if (gethostname(host, sizeof(host) - 1) < 0 || !host[0]) {
		snprintf(host, sizeof(host), "host");
	}
	host[strcspn(host, "/")] = 0;
	host_id(hid, sizeof(hid));
	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		rnd = (uint32_t)mono_ms() ^ (uint32_t)getpid();
	}
	snprintf(l->token, sizeof(l->token), "%s/%ld/%s/%08" PRIx32, host, (long)getpid(), hid, rnd);
	ev_timer_init(&l->tick, on_tick, TICK_S, TICK_S);
	l->tick.data = l;
	ev_timer_init(&l->fence, on_fence, 1., 0.);
	ev_set_priority(&l->fence, EV_MAXPRI);
	l->fence.data = l;
	return l;
}

void hean_lease_start(struct hean_lease *l)
{
	if (!l || l->state != L_IDLE) {
		return;
	}
	ev_timer_start(l->loop, &l->tick);
	send_tick(l);
}

void hean_lease_on_redis(struct hean_lease *l, bool up)
{
	if (l && up && ev_is_active(&l->tick)) {
		send_tick(l);
	}
}

bool hean_lease_held(const struct hean_lease *l)
{
	return l && l->state == L_ACTIVE;
}

void hean_lease_release(struct hean_lease *l)
{
	bool held;

	if (!l || l->state == L_RELEASED) {
		return;
	}
	held = l->state == L_ACTIVE;
	l->state = L_RELEASED;
	ev_timer_stop(l->loop, &l->tick);
	ev_timer_stop(l->loop, &l->fence);
	if (held) {
		const char *av[] = {"EVAL", RELEASE_LUA, "1", l->key, l->token};

		(void)hean_redis_command_argv(l->redis, NULL, NULL, 5, av, NULL);
		log_info("event=lease_released key=%s", l->key);
	}
}

void hean_lease_destroy(struct hean_lease *l)
{
	if (!l) {
		return;
	}
	ev_timer_stop(l->loop, &l->tick);
	ev_timer_stop(l->loop, &l->fence);
	free(l);
}

const char *hean_lease_token(const struct hean_lease *l)
{
	return l ? l->token : "";
}

const char *hean_lease_key(const struct hean_lease *l)
{
	return l ? l->key : "";
}
