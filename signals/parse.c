/* signals/parse: frame -> validated signals + rejects. Pure. See parse.h. */
#include "signals/parse.h"

#include "common/symbol.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ===================== helpers ===================== */

/* Copies at most dstlen-1 bytes of src, replacing anything that is not
 * printable ASCII (and the double quote) so a log line stays one line. */
static void copy_printable(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t n = 0;

	for (size_t i = 0; i < srclen && n + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[n++] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
	}
	if (dstlen > 0) {
		dst[n] = '\0';
	}
}

static int reject(struct signals_reject *rej, const char *field, const char *reason)
{
	snprintf(rej->field, sizeof(rej->field), "%s", field);
	snprintf(rej->reason, sizeof(rej->reason), "%s", reason);
	return -EINVAL;
}

/* ^[A-Z0-9]{2,20}$: kept as the module's name for common's rule. */
bool signals_symbol_valid(const char *s, size_t len)
{
	return hean_symbol_valid(s, len);
}

/* A string field: 0 with s/len, or a reject. */
static int get_string(const json_t *obj, const char *field, const char **s, size_t *len,
		      struct signals_reject *rej)
{
	const json_t *v = json_object_get(obj, field);

	if (!v || json_is_null(v)) {
		return reject(rej, field, "missing or null");
	}
	if (!json_is_string(v)) {
		return reject(rej, field, "not a string");
	}
	*s = json_string_value(v);
	*len = json_string_length(v);
	return 0;
}

static int get_score(const json_t *obj, const char *field, double *out,
		     struct signals_reject *rej)
{
	const json_t *v = json_object_get(obj, field);

	if (!v) {
		return reject(rej, field, "missing");
	}
	/* NaN/Infinity arrive here as null (or, for a compact NaN, as []):
	 * see hean_json_nonfinite_to_null. */
	if (!json_is_number(v)) {
		return reject(rej, field, "not a finite number (NaN, Infinity, null or not a number)");
	}
	*out = json_number_value(v);
	if (!isfinite(*out)) {
		return reject(rej, field, "not a finite number");
	}
	return 0;
}

/* ===================== one signal ===================== */

/* Validates one signal object; see parse.h. */
int signals_validate(const json_t *obj, struct signals_signal *out, struct signals_reject *rej)
{
	const char *s;
	size_t len;
	int off;

	memset(out, 0, sizeof(*out));
	rej->id = -1;
	rej->field[0] = '\0';
	rej->reason[0] = '\0';
	if (!json_is_object(obj)) {
		return reject(rej, "data[]", "not an object");
	}

	const json_t *v = json_object_get(obj, "id");
	if (!v || json_is_null(v)) {
		return reject(rej, "id", "missing or null");
	}
	if (!json_is_integer(v)) {
		return reject(rej, "id", "not an integer");
	}
	if (json_integer_value(v) < 0) {
		return reject(rej, "id", "negative");
	}
	out->id = json_integer_value(v);
	rej->id = out->id;

	if (get_string(obj, "symbol", &s, &len, rej) < 0) {
		return -EINVAL;
	}
	if (!signals_symbol_valid(s, len)) {
		return reject(rej, "symbol", "not ^[A-Z0-9]{2,20}$");
	}
	memcpy(out->symbol, s, len);
	out->symbol[len] = '\0';

	if (get_string(obj, "side", &s, &len, rej) < 0) {
		return -EINVAL;
	}
	if (!((len == 3 && memcmp(s, "buy", 3) == 0) || (len == 4 && memcmp(s, "sell", 4) == 0))) {
		return reject(rej, "side", "not buy or sell");
	}
	memcpy(out->side, s, len);
	out->side[len] = '\0';

	if (get_string(obj, "wave_ts", &s, &len, rej) < 0) {
		return -EINVAL;
	}
	if (hean_time_parse_iso8601(s, len, &out->wave_ms, &off) < 0) {
		return reject(rej, "wave_ts", "not ISO 8601 with an explicit offset");
	}
	hean_time_format_utc(out->wave_ms, out->wave_ms % 1000 != 0, out->wave_ts,
			     sizeof(out->wave_ts));

	if (get_score(obj, "score_week", &out->score_week, rej) < 0 ||
	    get_score(obj, "score_month", &out->score_month, rej) < 0) {
		return -EINVAL;
	}

	v = json_object_get(obj, "created_at");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v)) {
			return reject(rej, "created_at", "not a string");
		}
		if (hean_time_parse_iso8601(json_string_value(v), json_string_length(v),
					    &out->created_ms, &off) < 0) {
			return reject(rej, "created_at", "not ISO 8601 with an explicit offset");
		}
	}
	return 0;
}

/* ===================== byte spans of data[] ===================== */

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Deeper than jansson's own limit (2048) cannot be valid input. */
#define SPAN_MAX_DEPTH 2050

/* See parse.h. A structural scan (strings, brackets, commas); jansson has
 * already validated the JSON, this only locates the elements. */
/* Index of the quote closing the string whose text starts at s (len:
 * unterminated). */
static size_t string_end(const char *buf, size_t len, size_t s)
{
	size_t i = s;

	while (i < len && buf[i] != '"') {
		i += buf[i] == '\\' ? 2 : 1;
	}
	return i;
}

/* true when the next token from j is ':' (the string before was a key). */
static bool followed_by_colon(const char *buf, size_t len, size_t j)
{
	while (j < len && is_ws(buf[j])) {
		j++;
	}
	return j < len && buf[j] == ':';
}

/* An element of "data" starts at buf[i] == c: its span is [i, ...) when
 * it is an object, else empty. Returns whether it is an object. */
static bool element_start(size_t i, char c, size_t *start, size_t *end)
{
	*start = c == '{' ? i : 0;
	*end = 0;
	return c == '{';
}

long signals_data_spans(const char *buf, size_t len, size_t *start, size_t *end, size_t max)
{
	int depth = 0;
	bool key_is_data = false;
	bool in_data = false;
	bool pending = false; /* an element may start at the next token */
	bool cur_obj = false; /* the current element is an object */
	long found = -1;
	size_t n = 0;
	char open[SPAN_MAX_DEPTH]; /* the bracket each level was opened with */

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (is_ws(c)) {
			continue;
		}
		if (in_data && depth == 2 && pending && c != ']') {
			if (n >= max) {
				return -1;
			}
			cur_obj = element_start(i, c, start + n, end + n);
			n++;
			pending = false;
		}
		switch (c) {
		case '"': {
			size_t s = i + 1;

			i = string_end(buf, len, s);
			if (i >= len) {
				return -1;
			}
			if (depth == 1 && followed_by_colon(buf, len, i + 1)) {
				key_is_data = i - s == 4 && memcmp(buf + s, "data", 4) == 0;
			}
			break;
		}
		case '{':
		case '[':
			if (depth == 1 && c == '[' && key_is_data) {
				in_data = true;
				pending = true;
				n = 0;
			}
			if (depth >= SPAN_MAX_DEPTH) {
				return -1;
			}
			open[depth++] = c;
			break;
		case '}':
		case ']':
			if (depth == 0 || open[depth - 1] != (c == '}' ? '{' : '[')) {
				return -1; /* unbalanced or mismatched: malformed */
			}
			depth--;
			if (in_data && depth == 2 && c == '}' && cur_obj) {
				end[n - 1] = i + 1;
				cur_obj = false;
			}
			if (in_data && depth == 1) {
				in_data = false;
				key_is_data = false;
				found = (long)n;
			}
			break;
		case ',':
			if (in_data && depth == 2) {
				pending = true;
			}
			break;
		default:
			break;
		}
	}
	return depth == 0 ? found : -1;
}

/* ===================== frame ===================== */

static int parse_signals(const json_t *root, const char *buf, size_t len, struct signals_frame *f)
{
	const json_t *data = json_object_get(root, "data");
	size_t *spans = NULL;
	size_t n;
	bool have_spans;

	if (!json_is_array(data)) {
		snprintf(f->err, sizeof(f->err), "signals frame: field 'data' is not an array");
		return -EINVAL;
	}
	n = json_array_size(data);
	if (n == 0) {
		return 0;
	}
	if (n > SIGNALS_MAX_PER_FRAME) {
		snprintf(f->err, sizeof(f->err), "signals frame: %zu signals (max %d)", n,
			 SIGNALS_MAX_PER_FRAME);
		return -EINVAL;
	}
	f->sig = calloc(n, sizeof(*f->sig));
	f->rej = calloc(n, sizeof(*f->rej));
	spans = calloc(2 * n, sizeof(*spans));
	if (!f->sig || !f->rej || !spans) {
		free(spans);
		return -ENOMEM;
	}
	have_spans = signals_data_spans(buf, len, spans, spans + n, n) == (long)n;

	for (size_t i = 0; i < n; i++) {
		const json_t *el = json_array_get(data, i);
		struct signals_signal *s = &f->sig[f->n_sig];
		struct signals_reject *r = &f->rej[f->n_rej];

		if (signals_validate(el, s, r) < 0) {
			r->index = i;
			f->n_rej++;
			continue;
		}
		if (have_spans && spans[n + i] > spans[i]) {
			s->raw_len = spans[n + i] - spans[i];
			s->raw = strndup(buf + spans[i], s->raw_len);
		} else {
			s->raw = json_dumps(el, JSON_COMPACT | JSON_PRESERVE_ORDER);
			s->raw_len = s->raw ? strlen(s->raw) : 0;
		}
		if (!s->raw) {
			free(spans);
			return -ENOMEM;
		}
		f->n_sig++;
	}
	free(spans);
	return 0;
}

/* Parses one frame; see parse.h. */
int signals_parse_frame(const char *msg, size_t len, struct signals_frame *f)
{
	json_error_t jerr;
	json_t *root = NULL;
	const json_t *t;
	const char *type;
	char *buf;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	buf = malloc(len + 1);
	if (!buf) {
		return -ENOMEM;
	}
	memcpy(buf, msg, len);
	buf[len] = '\0';
	f->n_nonfinite = hean_json_nonfinite_to_null(buf, len);

	root = json_loadb(buf, len, 0, &jerr);
	if (!root) {
		snprintf(f->err, sizeof(f->err), "not JSON: %.100s (byte %d)", jerr.text,
			 jerr.position);
		rc = -EINVAL;
		goto out;
	}
	if (!json_is_object(root)) {
		snprintf(f->err, sizeof(f->err), "not a JSON object");
		rc = -EINVAL;
		goto out;
	}
	t = json_object_get(root, "type");
	if (!json_is_string(t)) {
		snprintf(f->err, sizeof(f->err), "field 'type': missing or not a string");
		rc = -EINVAL;
		goto out;
	}
	type = json_string_value(t);
	copy_printable(f->type_name, sizeof(f->type_name), type, json_string_length(t));

	if (strcmp(type, "signals") == 0) {
		f->type = SIGNALS_MSG_SIGNALS;
		rc = parse_signals(root, buf, len, f);
	} else if (strcmp(type, "auth_response") == 0) {
		const json_t *st = json_object_get(root, "status");
		const json_t *m = json_object_get(root, "message");

		f->type = json_is_string(st) && strcmp(json_string_value(st), "success") == 0
				  ? SIGNALS_MSG_AUTH_OK
				  : SIGNALS_MSG_AUTH_ERROR;
		if (json_is_string(m)) {
			copy_printable(f->message, sizeof(f->message), json_string_value(m),
				       json_string_length(m));
		}
	} else if (strcmp(type, "pong") == 0) {
		f->type = SIGNALS_MSG_PONG;
	} else if (strcmp(type, "stats") == 0) {
		f->type = SIGNALS_MSG_STATS;
	} else {
		f->type = SIGNALS_MSG_UNKNOWN;
	}
out:
	json_decref(root);
	free(buf);
	return rc;
}

/* Frees a signal's owned parts. */
void signals_signal_finish(struct signals_signal *s)
{
	free(s->raw);
	s->raw = NULL;
	s->raw_len = 0;
}

/* Moves signal i out of the frame. */
void signals_frame_take(struct signals_frame *f, size_t i, struct signals_signal *out)
{
	*out = f->sig[i];
	f->sig[i].raw = NULL;
	f->sig[i].raw_len = 0;
}

/* Frees the frame's arrays. */
void signals_frame_finish(struct signals_frame *f)
{
	for (size_t i = 0; i < f->n_sig; i++) {
		signals_signal_finish(&f->sig[i]);
	}
	free(f->sig);
	free(f->rej);
	f->sig = NULL;
	f->rej = NULL;
	f->n_sig = 0;
	f->n_rej = 0;
}
