#!/bin/bash
# exsim pacing: by default pushes are paced as Bybit's (one ticker frame per
# symbol at most every 100 ms; faster market steps merged into it, merged
# stream == truth), and the offered rate is delivered with 200 symbols;
# 650 instruments (paged instruments-info, subscribed in batches) still
# stream at their rate; --rate 0 is --fast only.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exsim-pacing
. "$HEAN_SRC/tests/sim/exsim_lib.sh"
P=/v5/public/linear

# syms FROM TO: SnnnUSDT names; subs FROM TO: --send subscribe frames (<= 150 topics each)
syms() { seq "$1" "$2" | xargs printf 'S%03dUSDT\n' | paste -sd,; }
subs() {
	local a=$1
	while [ "$a" -le "$2" ]; do
		local b=$((a + 149 < $2 ? a + 149 : $2))
		printf -- '--send\n{"op":"subscribe","args":[%s]}\n' "$(seq "$a" "$b" | xargs printf '"tickers.S%03dUSDT",' | sed 's/,$//')"
		a=$((b + 1))
	done
}
# per-symbol push statistics of a client's deltas: [frames, min ts gap ms]
gaps() { frames "$1" | jq -s -c '[.[]|select(.type=="delta")] | [length, ([group_by(.data.symbol)[] | sort_by(.ts) | [range(1;length) as $i | .[$i].ts - .[$i-1].ts] | min // 100000] | min)]'; }

# --- 3 symbols stepping at 50 Hz: pushed at 10 Hz, merged stream == truth ---
start_exsim --rate 50 --seed 47
wsc_bg m $P --secs 2.5 --send '{"op":"subscribe","args":["tickers.BTCUSDT","tickers.ETHUSDT","tickers.SOLUSDT"]}'
wait_until 5 has "$IT_DIR/m.out" '"type":"delta"' || it_fail "no deltas"
sleep 1.5
ctl "/sim/stale?symbol=ETHUSDT"
sleep 0.3 # a pending merged push goes out within 100 ms
TRUTH=$(exsim_truth ETHUSDT)
wait_until 5 has "$IT_DIR/m.out" TIMEOUT
G=$(gaps "$IT_DIR/m.out")
figure paced_3sym_frames_gap "$G"
jcheck "no symbol pushed twice within 100 ms ($G)" "$G" '.[1] >= 100'
jcheck "about 10 pushes per symbol per second, not 50 ($G)" "$G" '.[0] >= 30 and .[0] <= 80'
it_check "steps merged: 50 Hz of market steps behind 10 Hz of pushes" test "$(echo "$TRUTH" | jq .frames)" -le 30
merged=$(frames "$IT_DIR/m.out" | jq -c -s '[.[]|select(.topic=="tickers.ETHUSDT")] | reduce .[] as $m ({}; if $m.type=="snapshot" then $m.data else . + $m.data end)')
jcheck "merged snapshot+deltas == /sim/truth" "$(jq -n -c --argjson m "$merged" --argjson t "$TRUTH" '{m:$m,t:($t|del(.cs,.ts,.frames))}')" '.m == .t'
it_check "/sim/rate?hz=0 needs --fast (400)" test "$(http_status POST "$EXSIM_URL/sim/rate?hz=0")" = 400
it_check "--rate 0 without --fast refused" bash -c "! '$HEAN_BUILD/tests/sim/hean-exsim' --port 1 --rate 0 2>/dev/null"
stop_pid "$EXSIM_PID"

# --- 200 symbols at the default 10 Hz: the offered 2000 frames/s arrive ---
start_exsim --symbols "$(syms 1 200)" --seed 48
mapfile -t S < <(subs 1 200)
wsc_bg s200 $P --secs 3 "${S[@]}"
wait_until 8 has "$IT_DIR/s200.out" TIMEOUT || it_fail "200-symbol client did not finish"
G=$(gaps "$IT_DIR/s200.out")
figure paced_200sym_frames_mingap "$G"
jcheck "200 symbols x 10 Hz x ~2.9 s delivered (>= 4500 of ~5800 deltas) ($G)" "$G" '.[0] >= 4500'
jcheck "and no symbol faster than 100 ms ($G)" "$G" '.[1] >= 100'
stop_pid "$EXSIM_PID"

# --- 650 instruments: two pages of instruments-info, all streaming at 2 Hz ---
start_exsim --symbols "$(syms 1 650)" --rate 2 --seed 49
R1=$(curl -s "$EXSIM_URL/v5/market/instruments-info?category=linear")
R2=$(curl -s "$EXSIM_URL/v5/market/instruments-info?category=linear&cursor=$(jq -r .result.nextPageCursor <<<"$R1")")
jcheck "instruments-info: 500 + 150 over two pages" "$(jq -n -c --argjson a "$R1" --argjson b "$R2" '[($a.result.list|length), ($b.result.list|length), $b.result.nextPageCursor]')" '.==[500,150,""]'
mapfile -t S < <(subs 1 650)
wsc_bg s650 $P --secs 3 --quiet "${S[@]}"
wait_until 8 has "$IT_DIR/s650.out" FRAMES || it_fail "650-symbol client did not finish"
n=$(sed -n 's/^FRAMES \([0-9]*\) .*/\1/p' "$IT_DIR/s650.out")
figure paced_650sym_frames_3s "$n"
it_check "650 symbols x 2 Hz x ~2.9 s delivered (650 snapshots + >= 2900 of ~3800 deltas, got $n)" test "${n:-0}" -ge 3550
it_check "every instrument subscribed" test "$(exsim_stat subscribes)" -ge 5
it_done
