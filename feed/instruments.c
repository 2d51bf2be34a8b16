/* feed/instruments: see instruments.h. */
#include "feed/instruments.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *str(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

int feed_instr_parse(const char *body, size_t len, struct feed_instr_page *p)
{
	json_error_t jerr;
	json_t *root = json_loadb(body, len, 0, &jerr), *res, *list, *row;
	size_t i;
	int rc = 0;

	p->n = p->seen = p->skipped = p->bad = 0;
	p->cursor[0] = p->why[0] = '\0';
	if (!json_is_object(root)) {
		snprintf(p->why, sizeof(p->why), "body: not a JSON object (%.100s)", jerr.text);
		json_decref(root);
		return -EPROTO;
	}
	if (json_integer_value(json_object_get(root, "retCode")) != 0 ||
	    !json_is_integer(json_object_get(root, "retCode"))) {
		snprintf(p->why, sizeof(p->why), "retCode: %lld retMsg: %.100s",
			 (long long)json_integer_value(json_object_get(root, "retCode")),
			 str(root, "retMsg"));
		json_decref(root);
		return -EPROTO;
	}
	res = json_object_get(root, "result");
	list = json_object_get(res, "list");
	if (!json_is_array(list)) {
		snprintf(p->why, sizeof(p->why), "result.list: missing or not an array");
		json_decref(root);
		return -EPROTO;
	}
	snprintf(p->cursor, sizeof(p->cursor), "%s", str(res, "nextPageCursor"));
	json_array_foreach(list, i, row)
	{
		const char *sym = str(row, "symbol");
		size_t sl = strlen(sym);

		p->seen++;
		if (!feed_symbol_valid(sym, sl)) {
			p->bad++;
			continue;
		}
		if (strcmp(str(row, "status"), "Trading") != 0 ||
		    strcmp(str(row, "quoteCoin"), "USDT") != 0 ||
		    strcmp(str(row, "contractType"), "LinearPerpetual") != 0) {
			p->skipped++;
			continue;
		}
		if (p->n == p->cap) {
			rc = -ENOSPC;
			continue;
		}
		memcpy(p->syms[p->n++], sym, sl + 1);
	}
	json_decref(root);
	return rc;
}
