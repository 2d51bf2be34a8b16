#!/bin/bash
# exsim protection record and faults: orderLinkId memory (a reused link id
# refused while remembered, accepted once forgotten), the stop timeline
# (journal kind "stops", GET /sim/stops: opening with a stop, a trading-stop,
# a dropped stop, an ignored trading-stop, a close), and the two faults.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exsim-protect
. "$HEAN_SRC/tests/sim/exsim_lib.sh"

start_exsim --rate 5 --seed 13 --fill-delay-ms 0

mk() { printf '{"category":"linear","symbol":"%s","side":"%s","orderType":"Market","qty":"%s","orderLinkId":"%s"%s}' "$@"; }
stops() { curl -sf -m 5 "$EXSIM_URL/sim/stops"; }
last_stop() { stops | jq -c --arg s "$1" '[.[] | select(.symbol == $s)][-1]'; }

# --- link memory: forever by default, then 1 s ---
jcheck "first order accepted" "$(rest_post /v5/order/create "$(mk ETHUSDT Buy 0.01 p-1 ',"stopLoss":"1000"')")" '.retCode==0'
jcheck "reused link id refused (default: forever)" "$(rest_post /v5/order/create "$(mk ETHUSDT Buy 0.01 p-1 '')")" '.retCode==110072'
ctl "/sim/link_memory?ms=1000"
sleep 1.1 # p-1 is now older than the memory
jcheck "link id older than the memory accepted again" "$(rest_post /v5/order/create "$(mk ETHUSDT Sell 0.01 p-1 '')")" '.retCode==0'
jcheck "a link id just used still refused" "$(rest_post /v5/order/create "$(mk ETHUSDT Sell 0.01 p-1 '')")" '.retCode==110072'
ctl "/sim/link_memory?secs=0"
jcheck "memory 0 is forever again" "$(rest_post /v5/order/create "$(mk ETHUSDT Buy 0.01 p-1 '')")" '.retCode==110072'
it_check "bad link_memory refused" test "$(http_status POST "$EXSIM_URL/sim/link_memory?secs=x")" = 400

# --- stop timeline ---
sleep 0.1
jcheck "ETH: opened protected, then closed" "$(stops | jq -c '[.[] | select(.symbol == "ETHUSDT") | .protected]')" \
	'. == [true, false]'
jcheck "BTC opening order accepted" "$(rest_post /v5/order/create "$(mk BTCUSDT Buy 0.001 p-2 ',"stopLoss":"1000"')")" '.retCode==0'
sleep 0.1
jcheck "opened with its stop: protected at once" "$(stops | jq -c '[.[] | select(.symbol == "BTCUSDT")]')" \
	'length == 1 and .[0].protected == true and (.[0].stopLoss | tonumber) == 1000'
ctl "/sim/stop_drop?symbol=BTCUSDT"
jcheck "stop dropped: naked entry" "$(last_stop BTCUSDT)" '.protected == false and (.size | tonumber) > 0 and .why == "stop_dropped"'
jcheck "stop dropped: journalled" "$(exsim_journal)" 'any(.[]; .kind == "stop_dropped" and .symbol == "BTCUSDT")'
jcheck "stop dropped: position/list shows no stop" \
	"$(rest_get /v5/position/list "category=linear&symbol=BTCUSDT")" '(.result.list[0].stopLoss | tonumber) == 0'
TS='{"category":"linear","symbol":"BTCUSDT","tpslMode":"Full","positionIdx":0,"stopLoss":"1100"}'
ctl "/sim/tpsl_ignore?count=1"
jcheck "ignored trading-stop answered OK" "$(rest_post /v5/position/trading-stop "$TS")" '.retCode==0'
jcheck "ignored trading-stop not applied" "$(last_stop BTCUSDT)" '.protected == false'
jcheck "ignored trading-stop journalled applied:false" "$(exsim_journal)" \
	'any(.[]; .kind == "trading_stop" and .applied == false)'
jcheck "next trading-stop applied" "$(rest_post /v5/position/trading-stop "$TS")" '.retCode==0'
jcheck "timeline: protected again" "$(last_stop BTCUSDT)" '.protected == true and (.stopLoss | tonumber) == 1100'
jcheck "close (reduce-only) accepted" "$(rest_post /v5/order/create "$(mk BTCUSDT Sell 0.001 p-3 ',"reduceOnly":true')")" '.retCode==0'
sleep 0.1
jcheck "timeline: flat after the close" "$(last_stop BTCUSDT)" '(.size | tonumber) == 0 and .protected == false'
jcheck "timeline: BTC entries in order" "$(stops | jq -c '[.[] | select(.symbol == "BTCUSDT") | .protected]')" \
	'. == [true, false, true, false]'
ctl "/sim/position?symbol=SOLUSDT&side=Buy&qty=1"
jcheck "position opened outside: naked entry" "$(last_stop SOLUSDT)" '.protected == false and (.size | tonumber) == 1'
it_check "stop_drop of an unknown symbol refused" test "$(http_status POST "$EXSIM_URL/sim/stop_drop?symbol=NOPE")" = 400
it_done
