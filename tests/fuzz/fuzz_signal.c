/* fuzz target: signal-server frames. The NaN/Infinity pre-pass
 * (common/json.c hean_json_nonfinite_to_null) on a copy, then
 * signals_parse_frame (signals/parse.c) on the original bytes.
 *
 * Invariants of the pre-pass:
 *   - in place, length kept; no byte inside a string literal changes and
 *     every string literal stays where it was;
 *   - no rewrite means no byte changed;
 *   - against an out-of-place reference (every bare token NaN, Infinity,
 *     -Infinity outside strings -> null): when the reference is valid JSON
 *     the pre-pass output is too, with the same document (a null of the
 *     reference may be [] in the output: the compact-NaN case of json.h),
 *     and the same number of tokens.
 * Invariants of the frame parser:
 *   - n_nonfinite = the pre-pass count; signals + rejects = data[] size;
 *   - every signal is well-formed, and its raw bytes are exactly its
 *     element of data[] (parse raw: json_equal to the element, and it
 *     re-validates to the same values);
 *   - signals_data_spans is memory-safe on any bytes (and, strict only,
 *     never returns a span with start > end). */
#include "tests/fuzz/fuzz.h"

#include "common/json.h"
#include "common/timeutil.h"
#include "signals/parse.h"

#include <errno.h>
#include <math.h>

static bool word_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_' || c == '.' || c == '+' || c == '-';
}

/* in_str[i]: byte i belongs to a string literal (quotes included), by
 * the scan the pre-pass documents: '"' toggles, '\' escapes one byte. */
static void string_map(const char *b, size_t n, bool *in_str)
{
	bool in = false;

	for (size_t i = 0; i < n; i++) {
		if (in) {
			in_str[i] = true;
			if (b[i] == '\\') {
				if (i + 1 < n) {
					in_str[++i] = true;
				}
			} else if (b[i] == '"') {
				in = false;
			}
		} else if (b[i] == '"') {
			in_str[i] = true;
			in = true;
		} else {
			in_str[i] = false;
		}
	}
}

/* Reference rewrite into a new buffer; returns its length, *count tokens. */
static size_t reference(const char *b, size_t n, const bool *in_str, char *out, size_t *count)
{
	size_t o = 0;

	*count = 0;
	for (size_t i = 0; i < n;) {
		if (in_str[i] || !word_char(b[i])) {
			out[o++] = b[i++];
			continue;
		}
		size_t j = i;
		while (j < n && !in_str[j] && word_char(b[j])) {
			j++;
		}
		size_t w = j - i;
		if ((w == 3 && !memcmp(b + i, "NaN", 3)) || (w == 8 && !memcmp(b + i, "Infinity", 8)) ||
		    (w == 9 && !memcmp(b + i, "-Infinity", 9))) {
			memcpy(out + o, "null", 4);
			o += 4;
			(*count)++;
		} else {
			memcpy(out + o, b + i, w);
			o += w;
		}
		i = j;
	}
	return o;
}

/* ref and out are the same document, except that a null of ref may be an
 * empty array in out. */
static bool same_doc(const json_t *ref, const json_t *out)
{
	if (json_is_null(ref)) {
		return json_is_null(out) || (json_is_array(out) && json_array_size(out) == 0);
	}
	if (json_typeof(ref) != json_typeof(out)) {
		return false;
	}
	if (json_is_object(ref)) {
		const char *k;
		json_t *v;

		if (json_object_size(ref) != json_object_size(out)) {
			return false;
		}
		json_object_foreach((json_t *)ref, k, v) {
			json_t *w = json_object_get(out, k);
			if (!w || !same_doc(v, w)) {
				return false;
			}
		}
		return true;
	}
	if (json_is_array(ref)) {
		if (json_array_size(ref) != json_array_size(out)) {
			return false;
		}
		for (size_t i = 0; i < json_array_size(ref); i++) {
			if (!same_doc(json_array_get(ref, i), json_array_get(out, i))) {
				return false;
			}
		}
		return true;
	}
	return json_equal((json_t *)ref, (json_t *)out);
}

static size_t check_prepass(const uint8_t *data, size_t size, char **rewritten)
{
	char *orig = fuzz_dup(data, size, false);
	char *buf = fuzz_dup(data, size, false);
	bool *m0 = calloc(size + 1, sizeof(bool)), *m1 = calloc(size + 1, sizeof(bool));
	char *ref = malloc(2 * size + 1);
	size_t count, ref_count;

	if (!m0 || !m1 || !ref) {
		abort();
	}
	count = hean_json_nonfinite_to_null(buf, size);
	string_map(orig, size, m0);
	string_map(buf, size, m1);
	for (size_t i = 0; i < size; i++) {
		FUZZ_CHECK(m0[i] == m1[i], "string map changed at byte %zu", i);
		FUZZ_CHECK(!m0[i] || orig[i] == buf[i], "byte %zu inside a string changed ('%c' -> '%c')",
			   i, orig[i], buf[i]);
	}
	if (count == 0) {
		FUZZ_CHECK(size == 0 || memcmp(orig, buf, size) == 0, "no rewrite, but bytes changed");
	}

	size_t rlen = reference(orig, size, m0, ref, &ref_count);
	json_t *jr = json_loadb(ref, rlen, 0, NULL);
	if (jr) {
		json_error_t err;
		json_t *jo = json_loadb(buf, size, 0, &err);
		FUZZ_CHECK(jo != NULL, "reference is JSON, pre-pass output is not (%s at %d): '%.*s'",
			   err.text, err.position, (int)size, buf);
		FUZZ_CHECK(same_doc(jr, jo), "documents differ: '%.*s' vs '%.*s'", (int)rlen, ref,
			   (int)size, buf);
		FUZZ_CHECK(count == ref_count, "rewrote %zu tokens, reference %zu", count, ref_count);
		json_decref(jo);
		json_decref(jr);
	}
	free(ref);
	free(m0);
	free(m1);
	free(orig);
	*rewritten = buf;
	return count;
}

static void check_signal(const struct signals_signal *s, const json_t *el)
{
	int64_t ms;
	int off;

	FUZZ_CHECK(s->id >= 0, "id %lld", (long long)s->id);
	FUZZ_CHECK(signals_symbol_valid(s->symbol, strlen(s->symbol)), "symbol '%s'", s->symbol);
	FUZZ_CHECK(!strcmp(s->side, "buy") || !strcmp(s->side, "sell"), "side '%s'", s->side);
	FUZZ_CHECK(isfinite(s->score_week) && isfinite(s->score_month), "score not finite");
	FUZZ_CHECK(hean_time_parse_iso8601(s->wave_ts, strlen(s->wave_ts), &ms, &off) == 0 &&
			   ms == s->wave_ms && off == 0,
		   "wave_ts '%s' does not round-trip to %lld", s->wave_ts, (long long)s->wave_ms);
	FUZZ_CHECK(s->raw && strlen(s->raw) == s->raw_len, "raw");

	json_error_t err;
	json_t *r = json_loadb(s->raw, s->raw_len, 0, &err);
	FUZZ_CHECK(r != NULL, "raw is not JSON (%s): '%s'", err.text, s->raw);
	FUZZ_CHECK(json_equal(r, (json_t *)el), "raw '%s' is not its data[] element", s->raw);
	struct signals_signal again;
	struct signals_reject rej;
	FUZZ_CHECK(signals_validate(r, &again, &rej) == 0, "raw fails validation: %s", rej.reason);
	FUZZ_CHECK(again.id == s->id && !strcmp(again.symbol, s->symbol) &&
			   !strcmp(again.side, s->side) && again.wave_ms == s->wave_ms &&
			   again.created_ms == s->created_ms,
		   "raw validates to other values");
	json_decref(r);
}

static void check_frame(const char *rewritten, size_t size, const struct signals_frame *f,
			int rc, size_t count)
{
	FUZZ_CHECK(memchr(f->err, '\0', sizeof(f->err)) && memchr(f->type_name, '\0', sizeof(f->type_name)) &&
			   memchr(f->message, '\0', sizeof(f->message)),
		   "text not terminated");
	for (const char *p = f->type_name; *p; p++) {
		FUZZ_CHECK(*p >= 0x20 && *p < 0x7f && *p != '"', "type_name byte 0x%02x", (unsigned char)*p);
	}
	for (const char *p = f->message; *p; p++) {
		FUZZ_CHECK(*p >= 0x20 && *p < 0x7f && *p != '"', "message byte 0x%02x", (unsigned char)*p);
	}
	FUZZ_CHECK(f->n_nonfinite == count, "n_nonfinite %zu, pre-pass %zu", f->n_nonfinite, count);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "rc %d", rc);
	if (rc < 0) {
		FUZZ_CHECK(f->err[0] != '\0', "error without a reason");
		return;
	}
	json_t *root = json_loadb(rewritten, size, 0, NULL);
	FUZZ_CHECK(root && json_is_object(root), "frame accepted but not a JSON object");
	if (f->type == SIGNALS_MSG_SIGNALS) {
		const json_t *data = json_object_get(root, "data");
		size_t n = json_array_size(data), k = 0, r = 0;

		FUZZ_CHECK(json_is_array(data), "data not an array");
		FUZZ_CHECK(f->n_sig + f->n_rej == n, "%zu signals + %zu rejects != %zu", f->n_sig,
			   f->n_rej, n);
		for (size_t i = 0; i < n; i++) {
			if (r < f->n_rej && f->rej[r].index == i) {
				FUZZ_CHECK(f->rej[r].field[0] && f->rej[r].reason[0], "empty reject");
				r++;
				continue;
			}
			FUZZ_CHECK(k < f->n_sig, "element %zu neither signal nor reject", i);
			check_signal(&f->sig[k++], json_array_get(data, i));
		}
	} else {
		FUZZ_CHECK(f->n_sig == 0 && f->n_rej == 0, "signals in a %s frame", f->type_name);
	}
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *rewritten = NULL;
	size_t count = check_prepass(data, size, &rewritten);
	char *msg = fuzz_dup(data, size, false);
	struct signals_frame f;
	int rc = signals_parse_frame(msg, size, &f);

	check_frame(rewritten, size, &f, rc, count);
	signals_frame_finish(&f);

	/* the span scanner alone, on bytes jansson never saw */
	size_t start[8], end[8];
	long n = signals_data_spans(msg, size, start, end, 8);
	FUZZ_CHECK(n >= -1 && n <= 8, "spans %ld", n);
	for (long i = 0; i < n; i++) {
		FUZZ_CHECK(start[i] <= size && end[i] <= size, "span %ld: %zu..%zu of %zu", i,
			   start[i], end[i], size);
		/* was a defect (fixed, README.md): mismatched brackets
		 * ('{"data":[{]}}') are not "malformed" to the scanner, which
		 * returns an object span with start > end (harmless in
		 * signals_parse_frame: it only scans what jansson accepted, and
		 * checks end > start) */
		FUZZ_CHECK(start[i] < end[i] || (start[i] == 0 && end[i] == 0),
			   "span %ld: %zu..%zu of %zu", i, start[i], end[i], size);
	}
	free(msg);
	free(rewritten);
	return 0;
}
