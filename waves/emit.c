/* waves/emit: the Lua compare-and-XADD. See emit.h. */
#include "waves/emit.h"

#include "common/keys.h"

#include "common/json.h"
#include "common/timeutil.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* KEYS[1] last_s, KEYS[2] last (ISO), KEYS[3] stream.
 * ARGV[1] wave epoch s, ARGV[2] wave ISO, ARGV[3] MINID (or "" = none),
 * ARGV[4..] the entry's field/value pairs.
 * Returns {1, entry id} or {0, current epoch s}. */
static const char emit_lua[] =
	"local function iso_epoch(s)\n"
	"  local y, mo, d, h, mi, se, rest = string.match(s,\n"
	"    '^(%d%d%d%d)%-(%d%d)%-(%d%d)[T ](%d%d):(%d%d):(%d%d)%.?%d*(.*)$')\n"
	"  if not y then return nil end\n"
	"  local off = 0\n"
	"  if rest ~= 'Z' then\n"
	"    local sg, oh, om = string.match(rest, '^([%+%-])(%d%d):?(%d%d)$')\n"
	"    if not sg then return nil end\n"
	"    off = tonumber(oh) * 3600 + tonumber(om) * 60\n"
	"    if sg == '-' then off = -off end\n"
	"  end\n"
	"  y = tonumber(y); mo = tonumber(mo); d = tonumber(d)\n"
	"  if mo <= 2 then y = y - 1 end\n"
	"  local era = math.floor(y / 400)\n"
	"  local yoe = y - era * 400\n"
	"  local mp = (mo + 9) % 12\n"
	"  local doy = math.floor((153 * mp + 2) / 5) + d - 1\n"
	"  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy\n"
	"  local days = era * 146097 + doe - 719468\n"
	"  return days * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(se) - off\n"
	"end\n"
	"local n = tonumber(ARGV[1])\n"
	"local c = nil\n"
	"local cur = redis.call('GET', KEYS[1])\n"
	"if cur then\n"
	"  c = tonumber(cur)\n"
	"  if c == nil then return redis.error_reply('ERR waves: ' .. KEYS[1] .. ' is not a number') end\n"
	"else\n"
	"  local iso = redis.call('GET', KEYS[2])\n"
	"  if iso then\n"
	"    c = iso_epoch(iso)\n"
	"    if c == nil then return redis.error_reply('ERR waves: ' .. KEYS[2] .. ' is not ISO 8601') end\n"
	"  end\n"
	"end\n"
	"if c ~= nil and c >= n then return {0, c} end\n"
	"local id\n"
	"if ARGV[3] ~= '' then\n"
	"  id = redis.call('XADD', KEYS[3], 'MINID', '~', ARGV[3], '*', unpack(ARGV, 4))\n"
	"else\n"
	"  id = redis.call('XADD', KEYS[3], '*', unpack(ARGV, 4))\n"
	"end\n"
	"redis.call('SET', KEYS[1], ARGV[1])\n"
	"redis.call('SET', KEYS[2], ARGV[2])\n"
	"return {1, id}\n";

int waves_emit_send(struct hean_redis *r, const struct waves_emit_keys *k,
		    const struct waves_emit_entry *e, hean_redis_reply_fn *fn, void *priv)
{
	char wave_s[24], iso[HEAN_TIME_STR_LEN], minid[32], cons[24], due[24], emitted[24];
	const char *av[24];
	int n = 0;

	if (!r || !k || !e || !e->signals_json || !e->skipped_json || !e->reason) {
		return -EINVAL;
	}
	snprintf(wave_s, sizeof(wave_s), "%" PRId64, e->wave_s);
	hean_time_format_utc(e->wave_s * 1000, 0, iso, sizeof(iso));
	if (e->minid_ms > 0) {
		snprintf(minid, sizeof(minid), "%" PRId64 "-0", e->minid_ms);
	} else {
		minid[0] = 0;
	}
	snprintf(cons, sizeof(cons), "%zu", e->considered);
	snprintf(due, sizeof(due), "%" PRId64, e->due_ms);
	snprintf(emitted, sizeof(emitted), "%" PRId64, e->emitted_ms);

	av[n++] = "EVAL";
	av[n++] = emit_lua;
	av[n++] = "3";
	av[n++] = k->last_s;
	av[n++] = k->last;
	av[n++] = k->stream;
	av[n++] = wave_s;
	av[n++] = iso;
	av[n++] = minid;
	av[n++] = HEAN_FIELD_WAVE_TS;
	av[n++] = iso;
	av[n++] = HEAN_FIELD_SIGNALS;
	av[n++] = e->signals_json;
	av[n++] = HEAN_FIELD_CONSIDERED;
	av[n++] = cons;
	av[n++] = HEAN_FIELD_SKIPPED;
	av[n++] = e->skipped_json;
	av[n++] = HEAN_FIELD_REASON;
	av[n++] = e->reason;
	av[n++] = HEAN_FIELD_DUE_MS;
	av[n++] = due;
	av[n++] = HEAN_FIELD_EMITTED_MS;
	av[n++] = emitted;
	return hean_redis_command_argv(r, fn, priv, n, av, NULL);
}

enum waves_emit_result waves_emit_parse(const redisReply *rep, char *id, size_t idlen,
					int64_t *current, char *err, size_t errlen)
{
	const redisReply *a, *b;

	if (!rep) {
		snprintf(err, errlen, "no reply (outcome unknown)");
		return WAVES_EMIT_UNKNOWN;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "%.*s", (int)rep->len, rep->str ? rep->str : "");
		return WAVES_EMIT_ERROR;
	}
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
	    rep->element[0]->type != REDIS_REPLY_INTEGER) {
		snprintf(err, errlen, "malformed reply (type %d)", rep->type);
		return WAVES_EMIT_ERROR;
	}
	a = rep->element[0];
	b = rep->element[1];
	if (a->integer == 1 && (b->type == REDIS_REPLY_STRING || b->type == REDIS_REPLY_STATUS)) {
		if (id && idlen) {
			snprintf(id, idlen, "%.*s", (int)b->len, b->str);
		}
		return WAVES_EMIT_DONE;
	}
	if (a->integer == 0 && b->type == REDIS_REPLY_INTEGER) {
		if (current) {
			*current = (int64_t)b->integer;
		}
		return WAVES_EMIT_STALE;
	}
	snprintf(err, errlen, "malformed reply");
	return WAVES_EMIT_ERROR;
}

int waves_emit_read_marker(struct hean_redis *r, const struct waves_emit_keys *k,
			   hean_redis_reply_fn *fn, void *priv)
{
	const char *av[3] = { "MGET", k->last_s, k->last };

	return hean_redis_command_argv(r, fn, priv, 3, av, NULL);
}

int waves_emit_parse_marker(const redisReply *rep, bool *have, int64_t *last_s, char *err,
			    size_t errlen)
{
	const redisReply *s, *iso;
	int64_t ms;

	*have = false;
	if (!rep || rep->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "%s", rep ? rep->str : "no reply");
		return -EIO;
	}
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
		snprintf(err, errlen, "malformed MGET reply");
		return -EINVAL;
	}
	s = rep->element[0];
	iso = rep->element[1];
	if (s->type == REDIS_REPLY_STRING) {
		if (hean_parse_int64(s->str, s->len, last_s) < 0) {
			snprintf(err, errlen, "last_s is not an integer: %.40s", s->str);
			return -EINVAL;
		}
		*have = true;
		return 0;
	}
	if (iso->type == REDIS_REPLY_STRING) {
		if (hean_time_parse_iso8601(iso->str, iso->len, &ms, NULL) < 0) {
			snprintf(err, errlen, "last is not ISO 8601: %.60s", iso->str);
			return -EINVAL;
		}
		*last_s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
		*have = true;
	}
	return 0;
}
