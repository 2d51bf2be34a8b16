/* common/want: the write side of a process's symbol wishes. See want.h.
 *
 * The declaration is written as one EVAL (DEL, SADD, PEXPIRE in a script):
 * atomic like MULTI/EXEC, and a single command, so a send refused half-way
 * (in-flight cap) can never leave a MULTI open on the link the process
 * shares with its other modules.
 *
 * Outcomes: a refused send (-ENOTCONN, -ENOBUFS) changes nothing, so the
 * next flush tries again; an error reply or a NULL reply (outcome unknown:
 * link lost, deadline) marks the declaration unwritten, so the next flush
 * rewrites it whatever the digest says. */
#include "common/want.h"

#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const hean_want_roles[] = {"executor", "waves", NULL};

/* KEYS[1] the set; ARGV[1] its TTL in ms; ARGV[2..] the symbols. An empty
 * set leaves no key (PEXPIRE on a missing key does nothing). */
static const char want_lua[] =
	"redis.call('DEL', KEYS[1]) "
	"if #ARGV > 1 then redis.call('SADD', KEYS[1], unpack(ARGV, 2)) end "
	"redis.call('PEXPIRE', KEYS[1], ARGV[1]) "
	"return #ARGV - 1";

/* ^[A-Z0-9]{2,20}$ */
static bool symbol_valid(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		if (n >= 20 || !((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9'))) {
			return false;
		}
	}
	return n >= 2;
}

/* splitmix64 finaliser of FNV-1a: a well-spread 64-bit hash per symbol. */
static uint64_t sym_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

int hean_want_init(struct hean_want *w, const struct hean_config *cfg, struct hean_redis *redis,
		   const char *role)
{
	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->redis = redis;
	snprintf(w->key, sizeof(w->key), "%s" HEAN_WANT_KEY, cfg ? cfg->prefix : "hean:", role);
	w->syms = calloc(HEAN_WANT_MAX, sizeof(*w->syms));
	return w->syms ? 0 : -ENOMEM;
}

void hean_want_finish(struct hean_want *w)
{
	free(w->syms);
	w->syms = NULL;
	w->n = 0;
}

void hean_want_clear(struct hean_want *w)
{
	w->n = 0;
}

bool hean_want_add(struct hean_want *w, const char *symbol)
{
	if (!w->syms) {
		return false;
	}
	if (!symbol || !symbol_valid(symbol)) {
		return true; /* ignored, not "full" */
	}
	for (size_t i = 0; i < w->n; i++) {
		if (strcmp(w->syms[i], symbol) == 0) {
			return true;
		}
	}
	if (w->n >= HEAN_WANT_MAX) {
		return false;
	}
	snprintf(w->syms[w->n], sizeof(w->syms[0]), "%s", symbol);
	w->n++;
	return true;
}

uint64_t hean_want_digest(const struct hean_want *w)
{
	uint64_t d = 0;

	/* a sum of per-symbol hashes does not depend on the order of adds;
	 * the count is folded in so that {} and a cancelling set differ */
	for (size_t i = 0; i < w->n; i++) {
		d += sym_hash(w->syms[i]);
	}
	return d ^ ((uint64_t)w->n * 0x9e3779b97f4a7c15ULL);
}

static void on_written(struct hean_redis *r, redisReply *reply, void *priv)
{
	struct hean_want *w = priv;

	(void)r;
	if (!reply || reply->type == REDIS_REPLY_ERROR) {
		w->write_errors++;
		w->written_ms = 0; /* unknown or refused: rewritten on the next flush */
		if (reply) {
			log_warn("event=want_write_failed key=%s err=\"%.200s\"", w->key,
				 reply->str ? reply->str : "");
		}
	}
}

int hean_want_flush(struct hean_want *w, int64_t now_ms)
{
	const char *av[5 + HEAN_WANT_MAX];
	char ttl[24];
	uint64_t d;
	int rc;

	if (!w->syms || !w->redis) {
		return -EINVAL;
	}
	d = hean_want_digest(w);
	if (w->written_ms != 0 && d == w->digest && now_ms >= w->written_ms &&
	    now_ms - w->written_ms < (int64_t)HEAN_WANT_REFRESH_S * 1000) {
		return 0;
	}
	snprintf(ttl, sizeof(ttl), "%d", HEAN_WANT_TTL_S * 1000);
	av[0] = "EVAL";
	av[1] = want_lua;
	av[2] = "1";
	av[3] = w->key;
	av[4] = ttl;
	for (size_t i = 0; i < w->n; i++) {
		av[5 + i] = w->syms[i];
	}
	rc = hean_redis_command_argv(w->redis, on_written, w, (int)(5 + w->n), av, NULL);
	if (rc < 0) {
		w->write_errors++;
		return rc;
	}
	if (d != w->digest) {
		log_debug("event=want_changed key=%s symbols=%zu", w->key, w->n);
	}
	w->digest = d;
	w->written_ms = now_ms;
	w->writes++;
	return 1;
}
