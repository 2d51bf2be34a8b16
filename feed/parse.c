/* feed/parse: see parse.h. The fast scanner and the jansson path both
 * reduce a frame to the same "views" of the fields a ticker needs; one
 * semantic check (classify) turns views into the verdict. */
#include "feed/parse.h"
#include "common/json.h"
#include "common/symbol.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ======================= views and the shared semantic check ============= */

enum vtype { V_NONE = 0, V_STR, V_INT, V_REAL, V_OBJ, V_ARR, V_TRUE, V_FALSE, V_NULL };

struct view {
	enum vtype t;
	const char *s; /* V_STR: bytes (not NUL-terminated) */
	size_t len;
	int64_t i; /* V_INT */
};

struct views {
	struct view topic, type, ts, cs, data;
	struct view symbol, px[FEED_PX_N];
};

static const char *const px_names[FEED_PX_N] = {"lastPrice", "bid1Price", "ask1Price",
						 "markPrice"};

const char *feed_bad_name(enum feed_bad_kind b)
{
	switch (b) {
	case FEED_BAD_JSON:
		return "json";
	case FEED_BAD_FRAME:
		return "frame";
	case FEED_BAD_TOPIC:
		return "topic";
	case FEED_BAD_FIELD:
		return "field";
	default:
		return "none";
	}
}

bool feed_symbol_valid(const char *s, size_t len)
{
	return hean_symbol_valid(s, len);
}

/* Printable, bounded copy of peer text for log lines. */
static const char *sanitize(const char *s, size_t len, char *out, size_t cap)
{
	size_t n = len < cap - 1 ? len : cap - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
	}
	out[n] = '\0';
	return out;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_nonfinite_word(const char *s, size_t len)
{
	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		s++;
		len--;
	}
	return (len == 3 && (strncasecmp(s, "nan", 3) == 0 || strncasecmp(s, "inf", 3) == 0)) ||
	       (len == 8 && strncasecmp(s, "infinity", 8) == 0);
}

/* The decimal grammar -?D+(.D+)?([eE][+-]?D+)? over [s, s+len): true when
 * the whole text matches; *neg, *nonzero (a non-zero digit before the
 * exponent) and *exp describe it. */
static bool scan_decimal(const char *s, size_t len, bool *neg, bool *nonzero, bool *exp)
{
	const char *p = s, *e = s + len;

	*neg = *nonzero = *exp = false;
	if (p < e && *p == '-') {
		*neg = true;
		p++;
	}
	if (p == e || !is_digit(*p)) {
		return false;
	}
	while (p < e && is_digit(*p)) {
		*nonzero |= *p != '0';
		p++;
	}
	if (p < e && *p == '.') {
		p++;
		if (p == e || !is_digit(*p)) {
			return false;
		}
		while (p < e && is_digit(*p)) {
			*nonzero |= *p != '0';
			p++;
		}
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-')) {
			p++;
		}
		if (p == e || !is_digit(*p)) {
			return false;
		}
		while (p < e && is_digit(*p)) {
			p++;
		}
		*exp = true;
	}
	return p == e;
}

int feed_parse_price(const char *s, size_t len, struct feed_px *px, const char **why)
{
	bool neg, nonzero, exp;

	if (len == 0) {
		px->state = FEED_FIELD_EMPTY;
		px->len = 0;
		px->s[0] = '\0';
		return 0;
	}
	if (!scan_decimal(s, len, &neg, &nonzero, &exp)) {
		*why = is_nonfinite_word(s, len) ? "not finite" : "not a number";
		return -EINVAL;
	}
	if (neg && nonzero) {
		*why = "negative";
		return -EINVAL;
	}
	if (len > FEED_PX_MAX) {
		*why = "too long";
		return -EINVAL;
	}
	if (exp) {
		char tmp[FEED_PX_MAX + 1];
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		double v = strtod(tmp, NULL);
		if (!isfinite(v)) {
			*why = "not finite";
			return -EINVAL;
		}
		if (v <= 0) {
			*why = neg ? "negative" : "not positive";
			return -EINVAL;
		}
	} else if (!nonzero) {
		*why = "not positive";
		return -EINVAL;
	}
	memcpy(px->s, s, len);
	px->s[len] = '\0';
	px->len = (uint8_t)len;
	px->state = FEED_FIELD_SET;
	return 0;
}

__attribute__((format(printf, 3, 4))) static enum feed_msg_kind
bad(struct feed_msg *m, enum feed_bad_kind b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
	m->bad = b;
	m->kind = FEED_MSG_BAD;
	return m->kind;
}

static bool view_is(const struct view *v, const char *lit)
{
	size_t n = strlen(lit);
	return v->t == V_STR && v->len == n && memcmp(v->s, lit, n) == 0;
}

/* The one semantic check: views of a frame that has a "topic". */
static enum feed_msg_kind classify(const struct views *v, struct feed_msg *m)
{
	char tmp[48];

	if (v->topic.t != V_STR) {
		return bad(m, FEED_BAD_FRAME, "topic: not a string");
	}
	if (v->topic.len < 8 || memcmp(v->topic.s, "tickers.", 8) != 0) {
		return bad(m, FEED_BAD_TOPIC, "unknown topic '%s'",
			   sanitize(v->topic.s, v->topic.len, tmp, sizeof(tmp)));
	}
	const char *sym = v->topic.s + 8;
	size_t symlen = v->topic.len - 8;
	if (!feed_symbol_valid(sym, symlen)) {
		return bad(m, FEED_BAD_TOPIC, "bad symbol in topic '%s'",
			   sanitize(v->topic.s, v->topic.len, tmp, sizeof(tmp)));
	}
	if (view_is(&v->type, "snapshot")) {
		m->type = FEED_SNAPSHOT;
	} else if (view_is(&v->type, "delta")) {
		m->type = FEED_DELTA;
	} else {
		return bad(m, FEED_BAD_FRAME, "type: missing or not snapshot/delta");
	}
	if (v->ts.t != V_INT || v->ts.i <= 0) {
		return bad(m, FEED_BAD_FRAME, "ts: missing or not a positive integer");
	}
	m->ts = v->ts.i;
	if (v->cs.t == V_NONE) {
		m->cs = -1;
	} else if (v->cs.t == V_INT && v->cs.i >= 0) {
		m->cs = v->cs.i;
	} else {
		return bad(m, FEED_BAD_FRAME, "cs: not a non-negative integer");
	}
	if (v->data.t != V_OBJ) {
		return bad(m, FEED_BAD_FRAME, "data: missing or not an object");
	}
	if (v->symbol.t != V_STR || v->symbol.len != symlen ||
	    memcmp(v->symbol.s, sym, symlen) != 0) {
		return bad(m, FEED_BAD_FRAME, "data.symbol: missing or not the topic's symbol");
	}
	for (int i = 0; i < FEED_PX_N; i++) {
		const struct view *pv = &v->px[i];
		const char *why = NULL;
		if (pv->t == V_NONE) {
			m->px[i].state = FEED_FIELD_ABSENT;
			m->px[i].len = 0;
			m->px[i].s[0] = '\0';
		} else if (pv->t != V_STR) {
			return bad(m, FEED_BAD_FIELD, "%s: not a string (symbol %.*s)", px_names[i],
				   (int)symlen, sym);
		} else if (feed_parse_price(pv->s, pv->len, &m->px[i], &why) < 0) {
			return bad(m, FEED_BAD_FIELD, "%s: %s '%s' (symbol %.*s)", px_names[i], why,
				   sanitize(pv->s, pv->len, tmp, 40), (int)symlen, sym);
		}
	}
	memcpy(m->symbol, sym, symlen);
	m->symbol[symlen] = '\0';
	m->bad = FEED_BAD_NONE;
	m->why[0] = '\0';
	m->kind = FEED_MSG_TICKER;
	return m->kind;
}

/* ======================= fast path: a strict, partial scanner ============ */

#define FAST_MAX_DEPTH 32
#define FAST_MAX_INT_DIGITS 18
#define FAST_MAX_NUM_LEN 64

struct scan {
	const char *p, *end;
};

/* Every helper returns 0 or -1; -1 always means "fall back to jansson". */

static void skip_ws(struct scan *s)
{
	while (s->p < s->end &&
	       (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t')) {
		s->p++;
	}
}

static int scan_string(struct scan *s, const char **out, size_t *len)
{
	const char *q = s->p + 1; /* s->p is at '"' */
	const char *start = q;
	while (q < s->end) {
		unsigned char c = (unsigned char)*q;
		if (c == '"') {
			*out = start;
			*len = (size_t)(q - start);
			s->p = q + 1;
			return 0;
		}
		if (c == '\\' || c < 0x20 || c >= 0x80) {
			return -1;
		}
		q++;
	}
	return -1;
}

static int scan_number(struct scan *s, struct view *v)
{
	const char *q = s->p, *start = s->p;
	bool neg = false, real = false;
	if (*q == '-') {
		neg = true;
		q++;
	}
	if (q >= s->end || !is_digit(*q)) {
		return -1;
	}
	if (*q == '0') {
		q++;
		if (q < s->end && is_digit(*q)) {
			return -1;
		}
	} else {
		while (q < s->end && is_digit(*q)) {
			q++;
		}
	}
	size_t int_digits = (size_t)(q - start) - (neg ? 1 : 0);
	if (q < s->end && *q == '.') {
		q++;
		if (q >= s->end || !is_digit(*q)) {
			return -1;
		}
		while (q < s->end && is_digit(*q)) {
			q++;
		}
		real = true;
	}
	if (q < s->end && (*q == 'e' || *q == 'E')) {
		return -1; /* overflow rules: let jansson decide */
	}
	if ((size_t)(q - start) > FAST_MAX_NUM_LEN) {
		return -1;
	}
	if (real) {
		v->t = V_REAL;
	} else {
		if (int_digits > FAST_MAX_INT_DIGITS) {
			return -1;
		}
		int64_t x = 0;
		for (const char *d = start + (neg ? 1 : 0); d < q; d++) {
			x = x * 10 + (*d - '0');
		}
		v->t = V_INT;
		v->i = neg ? -x : x;
	}
	s->p = q;
	return 0;
}

static int scan_literal(struct scan *s, const char *lit, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0) {
		return -1;
	}
	s->p += n;
	return 0;
}

static int scan_value(struct scan *s, struct view *v, int depth);

/* Skips an object or array body; s->p at '{' or '['. */
static int skip_container(struct scan *s, int depth)
{
	char close = *s->p == '{' ? '}' : ']';
	bool obj = close == '}';
	struct view dummy;

	if (depth > FAST_MAX_DEPTH) {
		return -1;
	}
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return 0;
	}
	for (;;) {
		if (obj) {
			const char *k;
			size_t kl;
			if (s->p >= s->end || *s->p != '"' || scan_string(s, &k, &kl) < 0) {
				return -1;
			}
			skip_ws(s);
			if (s->p >= s->end || *s->p != ':') {
				return -1;
			}
			s->p++;
			skip_ws(s);
		}
		if (scan_value(s, &dummy, depth + 1) < 0) {
			return -1;
		}
		skip_ws(s);
		if (s->p >= s->end) {
			return -1;
		}
		if (*s->p == ',') {
			s->p++;
			skip_ws(s);
			continue;
		}
		if (*s->p == close) {
			s->p++;
			return 0;
		}
		return -1;
	}
}

/* Any JSON value; records its type (and string bytes / integer). */
static int scan_value(struct scan *s, struct view *v, int depth)
{
	if (s->p >= s->end) {
		return -1;
	}
	switch (*s->p) {
	case '"':
		v->t = V_STR;
		return scan_string(s, &v->s, &v->len);
	case '{':
		v->t = V_OBJ;
		return skip_container(s, depth);
	case '[':
		v->t = V_ARR;
		return skip_container(s, depth);
	case 't':
		v->t = V_TRUE;
		return scan_literal(s, "true", 4);
	case 'f':
		v->t = V_FALSE;
		return scan_literal(s, "false", 5);
	case 'n':
		v->t = V_NULL;
		return scan_literal(s, "null", 4);
	default:
		return scan_number(s, v);
	}
}

static bool key_is(const char *k, size_t kl, const char *lit, size_t n)
{
	return kl == n && memcmp(k, lit, n) == 0;
}

/* Records a field of interest; a repeated one falls back (jansson keeps the
 * last, and we do not want to reason about that here). */
static int scan_field(struct scan *s, struct view *v, int depth)
{
	if (v->t != V_NONE) {
		return -1;
	}
	return scan_value(s, v, depth);
}

/* The "data" object: records symbol and the four prices. */
static int scan_data(struct scan *s, struct views *vw)
{
	s->p++; /* '{' */
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return 0;
	}
	for (;;) {
		const char *k;
		size_t kl;
		struct view dummy;
		struct view *target = &dummy;
		if (s->p >= s->end || *s->p != '"' || scan_string(s, &k, &kl) < 0) {
			return -1;
		}
		skip_ws(s);
		if (s->p >= s->end || *s->p != ':') {
			return -1;
		}
		s->p++;
		skip_ws(s);
		if (key_is(k, kl, "symbol", 6)) {
			target = &vw->symbol;
		} else if (kl == 9 && memcmp(k + 4, "Price", 5) == 0) {
			if (memcmp(k, "last", 4) == 0) {
				target = &vw->px[FEED_PX_LAST];
			} else if (memcmp(k, "bid1", 4) == 0) {
				target = &vw->px[FEED_PX_BID];
			} else if (memcmp(k, "ask1", 4) == 0) {
				target = &vw->px[FEED_PX_ASK];
			} else if (memcmp(k, "mark", 4) == 0) {
				target = &vw->px[FEED_PX_MARK];
			}
		}
		if (target == &dummy) {
			dummy.t = V_NONE;
		}
		if (scan_field(s, target, 2) < 0) {
			return -1;
		}
		skip_ws(s);
		if (s->p >= s->end) {
			return -1;
		}
		if (*s->p == ',') {
			s->p++;
			skip_ws(s);
			continue;
		}
		if (*s->p == '}') {
			s->p++;
			return 0;
		}
		return -1;
	}
}

enum feed_msg_kind feed_parse_fast(const char *buf, size_t len, struct feed_msg *m)
{
	struct scan s = {buf, buf + len};
	struct views vw;

	memset(&vw, 0, sizeof(vw));
	m->kind = FEED_MSG_FALLBACK;
	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{') {
		return FEED_MSG_FALLBACK;
	}
	s.p++;
	skip_ws(&s);
	if (s.p >= s.end || *s.p == '}') {
		return FEED_MSG_FALLBACK;
	}
	for (;;) {
		const char *k;
		size_t kl;
		struct view dummy = {0};
		struct view *target = &dummy;
		int rc;
		if (s.p >= s.end || *s.p != '"' || scan_string(&s, &k, &kl) < 0) {
			return FEED_MSG_FALLBACK;
		}
		skip_ws(&s);
		if (s.p >= s.end || *s.p != ':') {
			return FEED_MSG_FALLBACK;
		}
		s.p++;
		skip_ws(&s);
		if (key_is(k, kl, "topic", 5)) {
			target = &vw.topic;
		} else if (key_is(k, kl, "type", 4)) {
			target = &vw.type;
		} else if (key_is(k, kl, "ts", 2)) {
			target = &vw.ts;
		} else if (key_is(k, kl, "cs", 2)) {
			target = &vw.cs;
		} else if (key_is(k, kl, "data", 4)) {
			target = &vw.data;
		}
		if (target == &vw.data && s.p < s.end && *s.p == '{') {
			if (vw.data.t != V_NONE) {
				return FEED_MSG_FALLBACK;
			}
			vw.data.t = V_OBJ;
			rc = scan_data(&s, &vw);
		} else {
			rc = scan_field(&s, target, 1);
		}
		if (rc < 0) {
			return FEED_MSG_FALLBACK;
		}
		skip_ws(&s);
		if (s.p >= s.end) {
			return FEED_MSG_FALLBACK;
		}
		if (*s.p == ',') {
			s.p++;
			skip_ws(&s);
			continue;
		}
		if (*s.p == '}') {
			s.p++;
			break;
		}
		return FEED_MSG_FALLBACK;
	}
	skip_ws(&s);
	if (s.p != s.end || vw.topic.t == V_NONE) {
		return FEED_MSG_FALLBACK; /* trailing bytes, or not a topic frame */
	}
	return classify(&vw, m);
}

/* ======================= slow path: jansson ============================== */

static void view_of(const json_t *j, struct view *v)
{
	memset(v, 0, sizeof(*v));
	if (j == NULL) {
		return;
	}
	switch (json_typeof(j)) {
	case JSON_STRING:
		v->t = V_STR;
		v->s = json_string_value(j);
		v->len = json_string_length(j);
		break;
	case JSON_INTEGER:
		v->t = V_INT;
		v->i = json_integer_value(j);
		break;
	case JSON_REAL:
		v->t = V_REAL;
		break;
	case JSON_OBJECT:
		v->t = V_OBJ;
		break;
	case JSON_ARRAY:
		v->t = V_ARR;
		break;
	case JSON_TRUE:
		v->t = V_TRUE;
		break;
	case JSON_FALSE:
		v->t = V_FALSE;
		break;
	case JSON_NULL:
		v->t = V_NULL;
		break;
	}
}

static void copy_str(const json_t *j, char *out, size_t cap)
{
	out[0] = '\0';
	if (json_is_string(j)) {
		sanitize(json_string_value(j), json_string_length(j), out, cap);
	} else if (json_is_integer(j)) {
		snprintf(out, cap, "%lld", (long long)json_integer_value(j));
	}
}

static enum feed_msg_kind reply_of(const json_t *root, struct feed_msg *m)
{
	const json_t *op = json_object_get(root, "op");
	const json_t *succ = json_object_get(root, "success");

	if (!json_is_string(op)) {
		return bad(m, FEED_BAD_FRAME, "neither topic nor op");
	}
	copy_str(op, m->op, sizeof(m->op));
	copy_str(json_object_get(root, "ret_msg"), m->ret_msg, sizeof(m->ret_msg));
	copy_str(json_object_get(root, "req_id"), m->req_id, sizeof(m->req_id));
	m->success = json_is_boolean(succ) ? (json_is_true(succ) ? 1 : 0) : -1;
	m->pong = strcmp(m->ret_msg, "pong") == 0 || strcmp(m->op, "pong") == 0;
	m->bad = FEED_BAD_NONE;
	m->why[0] = '\0';
	m->kind = FEED_MSG_REPLY;
	return m->kind;
}

enum feed_msg_kind feed_parse_slow(const char *buf, size_t len, struct feed_msg *m)
{
	json_error_t err;
	json_t *root = json_loadb(buf, len, 0, &err);
	enum feed_msg_kind k;

	if (root == NULL) {
		return bad(m, FEED_BAD_JSON, "not JSON: %s at byte %d", err.text, err.position);
	}
	if (!json_is_object(root)) {
		k = bad(m, FEED_BAD_JSON, "not a JSON object");
	} else if (json_object_get(root, "topic") == NULL) {
		k = reply_of(root, m);
	} else {
		struct views vw;
		const json_t *data = json_object_get(root, "data");
		view_of(json_object_get(root, "topic"), &vw.topic);
		view_of(json_object_get(root, "type"), &vw.type);
		view_of(json_object_get(root, "ts"), &vw.ts);
		view_of(json_object_get(root, "cs"), &vw.cs);
		view_of(data, &vw.data);
		if (!json_is_object(data)) {
			data = NULL;
		}
		view_of(data ? json_object_get(data, "symbol") : NULL, &vw.symbol);
		for (int i = 0; i < FEED_PX_N; i++) {
			view_of(data ? json_object_get(data, px_names[i]) : NULL, &vw.px[i]);
		}
		k = classify(&vw, m);
	}
	json_decref(root);
	return k;
}

enum feed_msg_kind feed_parse(const char *buf, size_t len, struct feed_msg *m)
{
	enum feed_msg_kind k = feed_parse_fast(buf, len, m);
	if (k == FEED_MSG_FALLBACK) {
		k = feed_parse_slow(buf, len, m);
	}
	return k;
}
