#!/usr/bin/env bash
# sigsim conformance: the wave clock. With --interval 10 --push-delay 1 a
# new wave W arrives every 10 s at W + 10 + 1 (UTC aligned); the initial
# buffer (24 h = 8640 waves) is capped and still arrives intact (~500 kB).
. "$HEAN_SRC/tests/integration/lib.sh"
it_init sigsim-timing
. "$HEAN_SRC/tests/sim/sigsim_lib.sh"

start_sigsim --interval 10 --push-delay 1 --per-wave 3 --seed 11
out=$IT_DIR/t.out
probe --frames 4 --timeout 25 >"$out"
it_check "auth + buffer + 2 pushes" has_frames "$out" 4

frame "$out" 2 >"$IT_DIR/buf.json"
figure buffer_frame_bytes "$(wc -c <"$IT_DIR/buf.json")"
it_check "buffer parses, capped at 3000" jqe '.type == "signals" and (.data | length == 3000)' "$IT_DIR/buf.json"
it_check "buffer holds whole waves, newest last" jqe \
	'[.data[].wave_ts] | (unique | length == 1000) and (.[-1] == max)' "$IT_DIR/buf.json"
prev=$(jq -r '.data[-1].wave_ts' "$IT_DIR/buf.json")
prev_s=$(iso_s "$prev")

for k in 3 4; do
	f=$(frame "$out" $k)
	ms=$(frame_ms "$out" $k)
	w=$(echo "$f" | jq -r '.data[0].wave_ts')
	w_s=$(iso_s "$w")
	lag=$((ms - (w_s + 11) * 1000))
	figure "push${k}_lag_ms" "$lag"
	it_check "push $k: 3 signals of one wave" jqe --arg w "$w" \
		'.type == "signals" and (.data | length == 3) and all(.data[]; .wave_ts == $w)' <<<"$f"
	it_check "push $k: wave aligned to 10 s" test $((w_s % 10)) = 0
	it_check "push $k: next wave after the previous" test "$w_s" = $((prev_s + 10))
	it_check "push $k: arrives at W+11s (+0..500 ms)" test "$lag" -ge 0 -a "$lag" -lt 500
	it_check "push $k: ids W*64+i" test "$(echo "$f" | jq -c '[.data[].id]')" = \
		"[$((w_s * 64)),$((w_s * 64 + 1)),$((w_s * 64 + 2))]"
	prev_s=$w_s
done
it_check "pushed waves in truth" jqe --argjson w "$((prev_s * 64))" 'map(select(.id == $w)) | length == 1' \
	<(sigsim_signals)
it_check "buffer stays capped" test "$(sigsim_stat buffer)" = 3000

it_done
