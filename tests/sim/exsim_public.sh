#!/bin/bash
# exsim conformance: public WS frames (acks, errors, pong, snapshot, deltas,
# cs, truth) in the shapes Bybit v5 sends them on public linear streams.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exsim-public
. "$HEAN_SRC/tests/sim/exsim_lib.sh"

start_exsim --rate 50 --seed 7 --fast # per-step frames and rate 0: the fast mode
P=/v5/public/linear

# --- command replies ---
wsc_run $P --secs 1.5 \
	--send '{"req_id":"sub-1","op":"subscribe","args":["tickers.BTCUSDT"]}' \
	--send '{"op":"subscribe","args":["tickers.NOPEUSDT"]}' \
	--send '{"req_id":7,"op":"subscribe","args":["tickers.BTCUSDT"]}' \
	--send '{"req_id":"x","op":"nope"}' \
	--send 'this is not json' \
	--send '{"req_id":"ping-1","op":"ping"}' \
	--send '{"req_id":"lc","op":"subscribe","args":["tickers.btcusdt"]}' \
	--send '{"req_id":"priv","op":"subscribe","args":["order"]}' \
	--wsping-ms 200 >"$IT_DIR/cmd.out"
O=$IT_DIR/cmd.out
it_check "subscribe ack" jq_has "$O" '.success==true and .ret_msg=="" and .op=="subscribe" and .req_id=="sub-1" and (.conn_id|type=="string" and length>8)'
it_check "handler not found, req_id empty" jq_has "$O" '.success==false and .ret_msg=="error:handler not found,topic:tickers.NOPEUSDT" and .req_id=="" and .op=="subscribe" and has("conn_id")'
it_check "already subscribed, numeric req_id echoed" jq_has "$O" '.success==false and .ret_msg=="error:already subscribed,topic:tickers.BTCUSDT" and .req_id==7'
it_check "invalid op" jq_has "$O" '.success==false and .ret_msg=="error:invalid op" and .op=="nope" and .req_id=="x"'
it_check "decode error for non-JSON" jq_has "$O" '.success==false and (.ret_msg|startswith("Failed to decode incoming data"))'
it_check "public pong shape" jq_has "$O" '.success==true and .ret_msg=="pong" and .op=="ping" and .req_id=="ping-1" and has("conn_id")'
it_check "lowercase symbol unknown" jq_has "$O" '.ret_msg=="error:handler not found,topic:tickers.btcusdt" and .req_id=="lc"'
it_check "private topic on public socket" jq_has "$O" '.ret_msg=="error:handler not found,topic:order"'
it_check "socket stayed open after errors" has "$O" TIMEOUT
it_check "protocol ping answered" has "$O" WSPONG

# --- snapshot, deltas, cs, truth ---
wsc_bg feed $P --secs 8 --send '{"op":"subscribe","args":["tickers.ETHUSDT"]}'
wait_until 8 rx_at_least "$IT_DIR/feed.out" 120 || it_fail "no ticker stream"
ctl "/sim/stale?symbol=ETHUSDT"
sleep 0.3 # let in-flight frames drain (not synchronisation: truth is read after)
TRUTH=$(curl -s "$EXSIM_URL/sim/truth?symbol=ETHUSDT")
wait_until 10 has "$IT_DIR/feed.out" TIMEOUT
F=$IT_DIR/feed.frames
frames "$IT_DIR/feed.out" | jq -c 'select(.topic=="tickers.ETHUSDT")' >"$F"
first=$(head -1 "$F")
jcheck "first frame is a snapshot with every field" "$first" '.type=="snapshot" and (.data|type=="object") and (.data|keys|length)==25 and (.data|has("fundingCap") and has("preOpenPrice") and has("curPreListingPhase") and has("nextFundingTime")) and (.ts|type=="number") and (.cs|type=="number")'
jcheck "prices are strings on the tick (0.01)" "$first" '.data.lastPrice|test("^[0-9]+\\.[0-9]{2}$")'
ndelta=$(jq -s 'map(select(.type=="delta"))|length' "$F")
nolast=$(jq -s 'map(select(.type=="delta" and (.data|has("lastPrice")|not)))|length' "$F")
figure delta_frames "$ndelta"
figure deltas_without_lastPrice "$nolast"
it_check "mostly deltas without lastPrice (>= 55%)" test $((nolast * 100)) -ge $((ndelta * 55))
it_check "bid-only delta present" test "$(jq -s 'map(select(.type=="delta" and (.data|keys|sort)==["bid1Price","bid1Size","symbol"]))|length' "$F")" -gt 0
it_check "mark/index-only delta present" test "$(jq -s 'map(select(.type=="delta" and (.data|has("markPrice") or has("indexPrice")) and (.data|has("lastPrice") or has("bid1Price") or has("ask1Price")|not)))|length' "$F")" -gt 0
it_check "every delta carries symbol" test "$(jq -s 'map(select(.type=="delta" and .data.symbol!="ETHUSDT"))|length' "$F")" -eq 0
it_check "delta keys are snapshot keys" jqq -e -s '(.[0].data|keys) as $k | map(select(.type=="delta") | .data|keys|map(select(. as $x|$k|index($x)|not))|length)|add==0' "$F"
it_check "cs strictly rising" jqq -e -s '[.[].cs] as $c | [range(1;$c|length)|select($c[.] <= $c[.-1])]|length==0' "$F"
now=$(now_ms)
it_check "ts is ms near now" jqq -e -s --argjson n "$now" 'map(.ts)|max > $n-20000 and max <= $n+1000' "$F"
merged=$(jq -c -s 'reduce .[] as $m ({}; if $m.type=="snapshot" then $m.data else . + $m.data end)' "$F")
jcheck "merged snapshot+deltas == /sim/truth" "$(jq -n -c --argjson m "$merged" --argjson t "$TRUTH" '{m:$m,t:($t|del(.cs,.ts,.frames))}')" '.m == .t'
jcheck "truth has bid < ask" "$TRUTH" '(.bid1Price|tonumber) < (.ask1Price|tonumber)'
ctl /sim/resume

# --- rate 0 drains as fast as the client reads ---
ctl "/sim/rate?hz=0"
n=$(wsc_run $P --secs 1 --quiet --send '{"op":"subscribe","args":["tickers.BTCUSDT"]}' | awk '/^FRAMES/{print $2}')
figure rate0_frames_1s "$n"
it_check "rate=0 streams > 5000 frames/s" test "${n:-0}" -gt 5000

# --- sub-1 Hz rates: one step per symbol every 1/rate s (0.72 Hz once got
# none in its first period: 0.72 * (1 / 0.72) rounds below 1) ---
slow_ts() { frames "$1" | jq -c "select(.type==\"delta\" and .data.symbol==\"$2\") | .ts"; }
ctl "/sim/rate?hz=0.5"
wsc_run $P --secs 4.7 --send '{"op":"subscribe","args":["tickers.BTCUSDT","tickers.SOLUSDT"]}' >"$IT_DIR/slow.out"
for sym in BTCUSDT SOLUSDT; do
	ts=$(slow_ts "$IT_DIR/slow.out" $sym | tr '\n' ' ')
	figure "rate05_${sym}_delta_ts" "${ts% }"
	it_check "0.5 Hz: 2 deltas for $sym in 4.7 s" test "$(slow_ts "$IT_DIR/slow.out" $sym | wc -l)" -eq 2
	it_check "0.5 Hz: $sym deltas 2 s apart" jqq -e -s 'length==2 and (.[1]-.[0]) >= 1800 and (.[1]-.[0]) <= 2200' <(slow_ts "$IT_DIR/slow.out" $sym)
done
ctl "/sim/rate?hz=0.72"
wsc_run $P --secs 2.2 --send '{"op":"subscribe","args":["tickers.ETHUSDT"]}' >"$IT_DIR/slow72.out"
it_check "0.72 Hz: a delta within its first 1.39 s period" test "$(slow_ts "$IT_DIR/slow72.out" ETHUSDT | wc -l)" -ge 1
ctl "/sim/rate?hz=10"

# --- bound to 127.0.0.1 only (not every address) ---
if command -v ss >/dev/null; then
	bind=$(ss -Hltn "sport = :$EXSIM_PORT" | awk '{print $4}' | sort -u | tr '\n' ' ')
	figure listen_addr "${bind% }"
	it_check "listens on 127.0.0.1 only" test "${bind% }" = "127.0.0.1:$EXSIM_PORT"
fi

STATS=$(curl -s "$EXSIM_URL/sim/stats")
jcheck "stats counters" "$STATS" '.ws_connects>=3 and .pings>=1 and .subscribes>=3 and .frames_sent>100 and has("public_conns") and has("private_conns") and has("rest_calls")'
it_done
