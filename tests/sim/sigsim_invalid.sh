#!/usr/bin/env bash
# sigsim conformance: send_invalid kinds and push_wave. Each injected frame
# must contain what its kind promises; its valid signals (and only those)
# appear in /sim/signals, the ground truth.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init sigsim-invalid
. "$HEAN_SRC/tests/sim/sigsim_lib.sh"

start_sigsim --seed 3
probe_bg c --timeout 60
wait_until 10 has_frames "$IT_DIR/c.out" 2 || it_fail "no initial buffer"

JQ_VALID='def valid: (has("id") and has("symbol") and has("exchange") and has("wave_ts")
	and has("side") and has("score_week") and has("score_month") and has("created_at"))
	and (.side == "buy" or .side == "sell")
	and (.score_week | type) == "number" and (.score_month | type) == "number"
	and .score_week < 1e300 and .score_week > -1e300
	and .score_month < 1e300 and .score_month > -1e300;'

# inject KIND: POSTs send_invalid and stores the frame in $IT_DIR/KIND.frame,
# the truth before in KIND.before and after in KIND.truth.
inject() {
	local n0
	n0=$(nframes "$IT_DIR/c.out")
	sigsim_signals >"$IT_DIR/$1.before"
	ctl "/sim/send_invalid?kind=$1"
	wait_until 5 has_frames "$IT_DIR/c.out" $((n0 + 1)) || it_fail "$1: no frame"
	frame "$IT_DIR/c.out" $((n0 + 1)) >"$IT_DIR/$1.frame"
	sigsim_signals >"$IT_DIR/$1.truth"
}

# counts KIND: "valid invalid" signals in the frame.
counts() { jq -r "$JQ_VALID"' [(.data | map(select(valid)) | length), (.data | map(select(valid | not)) | length)] | @tsv' "$IT_DIR/$1.frame" | tr '\t' ' '; }

# truth_ok KIND: valid ids are in the truth, invalid ids are not.
truth_ok() {
	jq -e -n --slurpfile f "$IT_DIR/$1.frame" --slurpfile t "$IT_DIR/$1.truth" "$JQ_VALID"'
		($t[0] | map(.id)) as $ids
		| ($f[0].data | map(select(valid) | .id) | all(. as $i | $ids | index([$i])))
		and ($f[0].data | map(select(valid | not) | .id) | all(. as $i | ($ids | index([$i])) == null))' >/dev/null
}

inject missing
it_check "missing: 1 valid, 2 invalid" test "$(counts missing)" = "1 2"
it_check "missing: a signal without side" jqe 'any(.data[]; has("side") | not)' "$IT_DIR/missing.frame"
it_check "missing: a signal without wave_ts" jqe 'any(.data[]; has("wave_ts") | not)' "$IT_DIR/missing.frame"
it_check "missing: truth" truth_ok missing

inject side
it_check "side: 1 valid, 1 invalid" test "$(counts side)" = "1 1"
it_check "side: hold" grep -qF '"side": "hold"' "$IT_DIR/side.frame"
it_check "side: truth" truth_ok side

inject nan
it_check "nan: literal NaN" grep -qF '"score_week": NaN' "$IT_DIR/nan.frame"
it_check "nan: literal Infinity" grep -qF '"score_month": Infinity' "$IT_DIR/nan.frame"
it_check "nan: literal -Infinity" grep -qF '"score_week": -Infinity' "$IT_DIR/nan.frame"
it_check "nan: no quoted NaN" bash -c "! grep -qF '\"NaN\"' '$IT_DIR/nan.frame'"
it_check "nan: 1 valid, 3 invalid" test "$(counts nan)" = "1 3"
it_check "nan: truth" truth_ok nan

inject offset
it_check "offset: 2 valid" test "$(counts offset)" = "2 0"
it_check "offset: wave_ts at +04:00" jqe 'all(.data[]; .wave_ts | endswith("+04:00"))' "$IT_DIR/offset.frame"
w=$(jq -r '.data[0].wave_ts' "$IT_DIR/offset.frame")
last=$(curl -sf -m 5 "$SIGSIM_URL/sim/stats" | jq -r .last_wave)
it_check "offset: same instant as the newest wave" test "$(iso_s "$w")" = "$(iso_s "$last")"
it_check "offset: local time is +4 h" test "${w:11:2}" = "$(printf '%02d' $(( (10#${last:11:2} + 4) % 24 )))"
it_check "offset: in truth as sent" jqe -n --slurpfile f "$IT_DIR/offset.frame" --slurpfile t "$IT_DIR/offset.truth" \
	'$f[0].data | all(. as $s | $t[0] | any(.id == $s.id and .wave_ts == $s.wave_ts))'

inject dup
it_check "dup: >= 6 signals" jqe '.data | length >= 6' "$IT_DIR/dup.frame"
new=$(jq -n --slurpfile f "$IT_DIR/dup.frame" --slurpfile t "$IT_DIR/dup.before" \
	'($t[0] | map(.id)) as $ids | $f[0].data | map(select(. as $s | $ids | index([$s.id]) | not)) | length')
it_check "dup: all but one id already sent" test "$new" = 1
it_check "dup: duplicates identical to the truth" jqe -n --slurpfile f "$IT_DIR/dup.frame" --slurpfile t "$IT_DIR/dup.before" \
	'$f[0].data | map(. as $s | $t[0] | map(select(.id == $s.id)) | (length == 0 or .[0] == $s)) | all'
it_check "dup: truth has no duplicate ids" jqe 'map(.id) | length == (unique | length)' "$IT_DIR/dup.truth"

inject mixed
read -r v i <<<"$(counts mixed)"
it_check "mixed: valid and invalid in one frame" test "$v" -ge 2 -a "$i" -ge 3
it_check "mixed: truth" truth_ok mixed

it_check "unknown kind: 400" test "$(http_code POST '/sim/send_invalid?kind=zzz')" = 400

# push_wave: that wave's signals, now; deterministic ids; in the truth.
W=$(iso_s 2025-10-22T00:00:00Z)
n0=$(nframes "$IT_DIR/c.out")
ctl '/sim/push_wave?wave_ts=2025-10-22T04:00:00%2B04:00'
wait_until 5 has_frames "$IT_DIR/c.out" $((n0 + 1)) || it_fail "push_wave: no frame"
frame "$IT_DIR/c.out" $((n0 + 1)) >"$IT_DIR/push.frame"
it_check "push_wave: 6 signals of 2025-10-22T00:00:00+00:00" jqe \
	'.type == "signals" and (.data | length == 6) and all(.data[]; .wave_ts == "2025-10-22T00:00:00+00:00")' "$IT_DIR/push.frame"
it_check "push_wave: ids W*64+i" test "$(jq -c '[.data[].id]' "$IT_DIR/push.frame")" = \
	"[$((W * 64)),$((W * 64 + 1)),$((W * 64 + 2)),$((W * 64 + 3)),$((W * 64 + 4)),$((W * 64 + 5))]"
sigsim_signals >"$IT_DIR/push.truth"
it_check "push_wave: in truth" jqe --argjson w "$((W * 64))" 'map(select(.id >= $w and .id < $w + 6)) | length == 6' "$IT_DIR/push.truth"
# Unencoded '+' arrives as ' ' in a query string: still accepted.
ctl '/sim/push_wave?wave_ts=2025-10-22T00:15:00+00:00'
it_check "push_wave: raw + accepted" wait_until 5 grep -qF '"wave_ts": "2025-10-22T00:15:00+00:00"' "$IT_DIR/c.out"
n1=$(sigsim_signals | jq length)
ctl '/sim/push_wave?wave_ts=2025-10-22T00:00:00Z'
it_check "push_wave again: truth deduplicated" test "$(sigsim_signals | jq length)" = "$n1"
it_check "push_wave: unaligned 400" test "$(http_code POST '/sim/push_wave?wave_ts=2025-10-22T00:07:00Z')" = 400
it_check "push_wave: no offset 400" test "$(http_code POST '/sim/push_wave?wave_ts=2025-10-22T00:00:00')" = 400
it_check "push_wave: missing 400" test "$(http_code POST /sim/push_wave)" = 400
it_check "connection survived everything" bash -c "! grep -q '^CLOSE' '$IT_DIR/c.out'"

it_done
