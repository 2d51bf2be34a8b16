/* tests/sim/sigsim_gen: see sigsim_gen.h. */
#include "tests/sim/sigsim_gen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/symbol.h"
#include "common/timeutil.h"

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

int sigsim_gen_set_symbols(struct sigsim_gen *g, const char *csv)
{
	int n = 0;
	const char *p = csv;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (!hean_symbol_valid(p, len) || n >= SIGSIM_MAX_SYMBOLS)
			return -EINVAL;
		memcpy(g->symbols[n], p, len);
		g->symbols[n][len] = '\0';
		n++;
		p += len;
		if (*p == ',')
			p++;
	}
	if (n == 0)
		return -EINVAL;
	g->nsym = n;
	return 0;
}

int64_t sigsim_gen_id(int64_t wave, int idx)
{
	return wave * 64 + idx;
}

void sigsim_gen_signal(const struct sigsim_gen *g, int64_t wave, int idx,
		       struct sigsim_sig *out)
{
	uint64_t hw = splitmix64(g->seed ^ splitmix64((uint64_t)wave));
	uint64_t h = splitmix64(hw + (uint64_t)idx + 1);
	int64_t delay = g->push_delay_s > 0 ? g->push_delay_s : 1;

	memset(out, 0, sizeof(*out));
	out->id = sigsim_gen_id(wave, idx);
	out->wave = wave;
	/* Distinct symbols inside a wave while per_wave <= nsym. */
	snprintf(out->symbol, sizeof(out->symbol), "%s",
		 g->symbols[(hw % (uint64_t)g->nsym + (uint64_t)idx) % (uint64_t)g->nsym]);
	sigsim_iso(wave, 0, out->wave_ts, sizeof(out->wave_ts));
	sigsim_iso(wave + g->interval_s + (int64_t)((h >> 8) % (uint64_t)delay), 0,
		   out->created_at, sizeof(out->created_at));
	out->sell = (h & 1) != 0;
	out->score_week = 50.0 + (double)((h >> 16) % 500) / 10.0;
	out->score_month = 40.0 + (double)((h >> 32) % 600) / 10.0;
}

void sigsim_render_sig(struct sim_buf *b, const struct sigsim_sig *s,
		       const struct sigsim_render_opts *o)
{
	static const struct sigsim_render_opts none;
	char num[64];

	if (!o)
		o = &none;
	sim_buf_printf(b, "{\"id\":%lld,\"symbol\":\"%s\",\"exchange\":\"bybit\"",
			  (long long)s->id, s->symbol);
	if (!o->omit_wave_ts)
		sim_buf_printf(b, ",\"wave_ts\":\"%s\"", s->wave_ts);
	if (!o->omit_side)
		sim_buf_printf(b, ",\"side\":\"%s\"",
				  o->side ? o->side : (s->sell ? "sell" : "buy"));
	if (o->week_raw)
		snprintf(num, sizeof(num), "%s", o->week_raw);
	else
		snprintf(num, sizeof(num), "%.1f", s->score_week);
	sim_buf_printf(b, ",\"score_week\":%s", num);
	if (o->month_raw)
		snprintf(num, sizeof(num), "%s", o->month_raw);
	else
		snprintf(num, sizeof(num), "%.1f", s->score_month);
	sim_buf_printf(b, ",\"score_month\":%s,\"created_at\":\"%s\"}", num, s->created_at);
}

void sigsim_iso(int64_t epoch_s, int offset_s, char *buf, size_t len)
{
	int off = offset_s < 0 ? -offset_s : offset_s;
	size_t n = hean_time_format_utc((epoch_s + offset_s) * 1000, 0, buf, len);

	/* common renders "+00:00": put the wanted offset in its place */
	if (offset_s != 0 && n >= 6 && n < len && off < 24 * 3600) {
		char *o = buf + n - 6;

		o[0] = offset_s < 0 ? '-' : '+';
		o[1] = (char)('0' + off / 36000);
		o[2] = (char)('0' + off / 3600 % 10);
		o[4] = (char)('0' + off / 600 % 6);
		o[5] = (char)('0' + off / 60 % 10);
	}
}

static size_t id_slot(int64_t id, size_t cap)
{
	return (size_t)(splitmix64((uint64_t)id) & (cap - 1));
}

void sigsim_idset_finish(struct sigsim_idset *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

bool sigsim_idset_has(const struct sigsim_idset *s, int64_t id)
{
	if (!s->cap)
		return false;
	for (size_t i = id_slot(id, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (s->slots[i] == id)
			return true;
		if (s->slots[i] == 0)
			return false;
	}
}

int sigsim_idset_add(struct sigsim_idset *s, int64_t id)
{
	if (sigsim_idset_has(s, id))
		return 0;
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		int64_t *slots = calloc(cap, sizeof(*slots));
		if (!slots)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->slots[i])
				continue;
			size_t j = id_slot(s->slots[i], cap);
			while (slots[j])
				j = (j + 1) & (cap - 1);
			slots[j] = s->slots[i];
		}
		free(s->slots);
		s->slots = slots;
		s->cap = cap;
	}
	size_t i = id_slot(id, s->cap);
	while (s->slots[i])
		i = (i + 1) & (s->cap - 1);
	s->slots[i] = id;
	s->n++;
	return 1;
}
