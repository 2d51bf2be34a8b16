#!/bin/bash
# exsim conformance: REST envelope, signatures, timestamp window, rate
# limits, market endpoints, orders, positions, trading-stop, stop triggers,
# REST fault controls and the journal.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exsim-rest
. "$HEAN_SRC/tests/sim/exsim_lib.sh"

start_exsim --rate 5 --seed 11 --fill-delay-ms 20 --journal "$IT_DIR/journal.jsonl"

# --- market (public) ---
R=$(curl -s "$EXSIM_URL/v5/market/time")
jcheck "market/time envelope" "$R" '.retCode==0 and .retMsg=="OK" and (.result.timeSecond|test("^[0-9]{10}$")) and (.result.timeNano|test("^[0-9]{19}$")) and .retExtInfo=={} and (.time|type=="number")'
R=$(curl -s "$EXSIM_URL/v5/market/tickers?category=linear&symbol=BTCUSDT")
jcheck "tickers one symbol" "$R" '.retCode==0 and .result.category=="linear" and (.result.list|length)==1 and (.result.list[0].lastPrice|type=="string") and (.result.list[0]|has("fundingRate") and has("basisRateYear") and has("bid1Size"))'
jcheck "tickers all symbols" "$(curl -s "$EXSIM_URL/v5/market/tickers?category=linear")" '(.result.list|length)==3'
jcheck "tickers unknown symbol 10001 HTTP body" "$(curl -s "$EXSIM_URL/v5/market/tickers?category=linear&symbol=NOPEUSDT")" '.retCode==10001 and .retMsg=="Not supported symbols" and .result=={}'
jcheck "tickers without category 10001" "$(curl -s "$EXSIM_URL/v5/market/tickers?symbol=BTCUSDT")" '.retCode==10001'
R=$(curl -s "$EXSIM_URL/v5/market/instruments-info?category=linear&symbol=BTCUSDT")
jcheck "BTCUSDT instrument (doc values)" "$R" '.result.list[0] as $i | $i.priceFilter.tickSize=="0.10" and $i.lotSizeFilter.qtyStep=="0.001" and $i.lotSizeFilter.minOrderQty=="0.001" and $i.lotSizeFilter.maxOrderQty=="1190.000" and $i.lotSizeFilter.maxMktOrderQty=="500.000" and $i.lotSizeFilter.minNotionalValue=="5" and .result.nextPageCursor==""'
R1=$(curl -s "$EXSIM_URL/v5/market/instruments-info?category=linear&limit=2")
R2=$(curl -s "$EXSIM_URL/v5/market/instruments-info?category=linear&limit=2&cursor=$(jq -r .result.nextPageCursor <<<"$R1")")
jcheck "instruments pagination" "$(jq -n -c --argjson a "$R1" --argjson b "$R2" '[$a,$b]')" '(.[0].result.list|length)==2 and .[0].result.nextPageCursor!="" and (.[1].result.list|length)==1 and .[1].result.nextPageCursor==""'

# --- signatures and the timestamp window ---
Q="category=linear&symbol=BTCUSDT"
jcheck "signed GET ok" "$(rest_get /v5/position/list "$Q")" '.retCode==0'
jcheck "10003 unknown key" "$(rest_get /v5/position/list "$Q" nokey "$EXSIM_SECRET")" '.retCode==10003 and .retMsg=="API key is invalid."'
jcheck "10004 bad sign with origin_string" "$(rest_get /v5/position/list "$Q" "$EXSIM_KEY" wrong)" '.retCode==10004 and (.retMsg|startswith("error sign! origin_string[") and contains("hean-sim-key5000category=linear&symbol=BTCUSDT]"))'
# the signature is over the query bytes as sent, not a re-encoding of them
signed_as() { # SENT SIGNED: GET position/list sending SENT, signed over SIGNED
	local ts sig
	ts=$(now_ms)
	sig=$(sign_hex "$EXSIM_SECRET" "$ts${EXSIM_KEY}5000$2")
	curl -s -m 5 -H "X-BAPI-API-KEY: $EXSIM_KEY" -H "X-BAPI-TIMESTAMP: $ts" -H "X-BAPI-RECV-WINDOW: 5000" \
		-H "X-BAPI-SIGN: $sig" "$EXSIM_URL/v5/position/list?$1"
}
jcheck "raw ',' signed as sent: ok" "$(signed_as "$Q&x=a,b" "$Q&x=a,b")" '.retCode==0'
jcheck "raw ',' signed as its re-encoding %2C: 10004" "$(signed_as "$Q&x=a,b" "$Q&x=a%2Cb")" '.retCode==10004 and (.retMsg|contains("symbol=BTCUSDT&x=a,b]"))'
jcheck "lowercase %2c signed as sent: ok" "$(signed_as "$Q&x=a%2cb" "$Q&x=a%2cb")" '.retCode==0'
jcheck "lowercase %2c signed as uppercase: 10004" "$(signed_as "$Q&x=a%2cb" "$Q&x=a%2Cb")" '.retCode==10004'
ctl "/sim/clock?offset_ms=20000"
jcheck "10002 with the sim clock shifted +20 s" "$(rest_get /v5/position/list "$Q")" '.retCode==10002 and (.retMsg|test("req_timestamp\\[[0-9]+\\],server_timestamp\\[[0-9]+\\],recv_window\\[5000\\]"))'
jcheck "client offset compensating the shift is accepted" "$(rest_get /v5/position/list "$Q" "$EXSIM_KEY" "$EXSIM_SECRET" 20000)" '.retCode==0'
jcheck "market/time follows the shifted clock" "$(curl -s "$EXSIM_URL/v5/market/time")" "(.time - $(now_ms)) > 15000"
ctl "/sim/clock?offset_ms=0"
jcheck "ts 1.5 s in the future is 10002" "$(rest_get /v5/position/list "$Q" "$EXSIM_KEY" "$EXSIM_SECRET" 1500)" '.retCode==10002'
H=$(curl -s -i -X POST -H 'Content-Type: application/json' -d '{}' "$EXSIM_URL/v5/order/create")
it_check "business error is HTTP 200" grep -q "^HTTP/1.1 200" <<<"$H"

# --- positions and trading-stop on flat ---
jcheck "flat position: zero row" "$(rest_get /v5/position/list "$Q")" '.result.list|length==1 and .[0].side=="" and .[0].size=="0" and .[0].positionIdx==0'
jcheck "settleCoin lists only open positions" "$(rest_get /v5/position/list "category=linear&settleCoin=USDT")" '.result.list==[]'
jcheck "position/list needs symbol or settleCoin" "$(rest_get /v5/position/list "category=linear")" '.retCode==10001'
TS='{"category":"linear","symbol":"BTCUSDT","tpslMode":"Full","positionIdx":0,"stopLoss":"50000"}'
jcheck "trading-stop on flat: 10001" "$(rest_post /v5/position/trading-stop "$TS")" '.retCode==10001 and .retMsg=="can not set tp/sl/ts for zero position"'

# --- order/create checks ---
mk() { printf '{"category":"linear","symbol":"%s","side":"%s","orderType":"Market","qty":"%s","orderLinkId":"%s"%s}' "$@"; }
jcheck "qty off step: Qty invalid" "$(rest_post /v5/order/create "$(mk BTCUSDT Buy 0.0015 t-step '')")" '.retCode==10001 and .retMsg=="Qty invalid"'
jcheck "qty > maxMktOrderQty" "$(rest_post /v5/order/create "$(mk BTCUSDT Buy 501 t-max '')")" '.retCode==10001 and (.retMsg|contains("maximum limit"))'
ctl "/sim/price?symbol=SOLUSDT&price=40"
jcheck "notional < 5 USDT: 110094" "$(rest_post /v5/order/create "$(mk SOLUSDT Buy 0.1 t-notional '')")" '.retCode==110094'
jcheck "orderLinkId 37 chars: 10001" "$(rest_post /v5/order/create "$(mk BTCUSDT Buy 0.001 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa '')")" '.retCode==10001'
jcheck "orderLinkId bad char: 10001" "$(rest_post /v5/order/create "$(mk BTCUSDT Buy 0.001 'a.b' '')")" '.retCode==10001'
jcheck "positionIdx 1 in one-way: 10001" "$(rest_post /v5/order/create "$(mk BTCUSDT Buy 0.001 t-idx ',"positionIdx":1')")" '.retCode==10001 and (.retMsg|contains("position idx"))'
jcheck "reduceOnly on flat: 110017" "$(rest_post /v5/order/create "$(mk BTCUSDT Sell 0.001 t-ro ',"reduceOnly":true')")" '.retCode==110017'

# --- a market buy with stopLoss, fill, duplicate link id ---
LINK=h1700000000-BTCUSDT
R=$(rest_post /v5/order/create "$(mk BTCUSDT Buy 0.010 $LINK ',"positionIdx":0,"stopLoss":"50000"')")
jcheck "order accepted" "$R" ".retCode==0 and .result.orderLinkId==\"$LINK\" and (.result.orderId|length>0)"
OID=$(jq -r .result.orderId <<<"$R")
filled() { rest_get /v5/order/realtime "category=linear&symbol=BTCUSDT&orderLinkId=$LINK" | jq -e '.result.list[0].orderStatus=="Filled"' >/dev/null; }
wait_until 5 filled || it_fail "order not filled"
jcheck "duplicate orderLinkId after fill: 110072" "$(rest_post /v5/order/create "$(mk BTCUSDT Buy 0.010 $LINK '')")" '.retCode==110072 and .retMsg=="OrderLinkedID is duplicate"'
jcheck "realtime by orderId" "$(rest_get /v5/order/realtime "category=linear&symbol=BTCUSDT&orderId=$OID")" ".result.list[0].orderLinkId==\"$LINK\""
jcheck "realtime missing order: empty list, retCode 0" "$(rest_get /v5/order/realtime "category=linear&symbol=BTCUSDT&orderLinkId=nope")" '.retCode==0 and .result.list==[]'
jcheck "realtime needs symbol|settleCoin|baseCoin" "$(rest_get /v5/order/realtime "category=linear&orderLinkId=$LINK")" '.retCode==10001'
TRUTH=$(exsim_truth BTCUSDT)
P=$(rest_get /v5/position/list "$Q")
jcheck "position opened with stopLoss from the order" "$P" '.result.list[0] | .side=="Buy" and .size=="0.010" and .stopLoss=="50000.00" and (.avgPrice|tonumber>0)'

# --- trading-stop ---
jcheck "unchanged SL: 34040" "$(rest_post /v5/position/trading-stop "$TS")" '.retCode==34040 and .retMsg=="not modified"'
last=$(jq -r .lastPrice <<<"$TRUTH")
above=$(awk -v l="$last" 'BEGIN{printf "%.1f", l+5000}')
jcheck "SL above last for a Buy: 10001 StopLoss:" "$(rest_post /v5/position/trading-stop "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"tpslMode\":\"Full\",\"positionIdx\":0,\"stopLoss\":\"$above\"}")" '.retCode==10001 and (.retMsg|startswith("StopLoss:") and contains("should lower than base_price"))'
jcheck "tpslMode required" "$(rest_post /v5/position/trading-stop '{"category":"linear","symbol":"BTCUSDT","positionIdx":0,"stopLoss":"51000"}')" '.retCode==10001'
ctl "/sim/price?symbol=BTCUSDT&price=60000"
jcheck "SL moved to 59000" "$(rest_post /v5/position/trading-stop '{"category":"linear","symbol":"BTCUSDT","tpslMode":"Full","positionIdx":0,"stopLoss":"59000"}')" '.retCode==0 and .result=={}'
jcheck "state shows the SL" "$(exsim_state)" '.positions[0].stopLoss=="59000.00" and .positions[0].size=="0.010"'
ctl "/sim/price?symbol=BTCUSDT&price=58990"
flat() { rest_get /v5/position/list "$Q" | jq -e '.result.list[0].size=="0"' >/dev/null; }
wait_until 5 flat || it_fail "SL did not close the position"
J=$(exsim_journal)
jcheck "journal: stop_triggered" "$J" 'map(select(.kind=="stop_triggered" and .symbol=="BTCUSDT" and .trigger=="StopLoss" and .stopLoss=="59000.00"))|length==1'
jcheck "journal: closing fill at bid" "$J" 'map(select(.kind=="fill" and .stopOrderType=="StopLoss" and .side=="Sell" and .price=="58989.90"))|length==1'
jcheck "journal: trading_stop calls with retCodes" "$J" '[.[]|select(.kind=="trading_stop")|.retCode]|(index(34040)!=null and index(0)!=null and index(10001)!=null)'
jcheck "journal: rejects and the order" "$J" '(map(select(.kind=="reject" and .retCode==110072))|length==1) and (map(select(.kind=="order"))|length==1) and all(.[]; has("t_ms"))'
it_check "journal file has the same entries" test "$(wc -l <"$IT_DIR/journal.jsonl")" -eq "$(jq length <<<"$J")"
jcheck "SL cancelled with the position" "$(exsim_state)" '.positions==[]'

# --- trailing stop via a sim position ---
ctl "/sim/position?symbol=ETHUSDT&side=Sell&qty=1"
ctl "/sim/price?symbol=ETHUSDT&price=3000"
jcheck "trailing stop 20 armed at 2990" "$(rest_post /v5/position/trading-stop '{"category":"linear","symbol":"ETHUSDT","tpslMode":"Full","positionIdx":0,"trailingStop":"20","activePrice":"2990"}')" '.retCode==0'
ctl "/sim/price?symbol=ETHUSDT&price=3015"
jcheck "not armed yet: position open" "$(exsim_state)" '.positions[0].trailingStop=="20.00"'
ctl "/sim/price?symbol=ETHUSDT&price=2980"
ctl "/sim/price?symbol=ETHUSDT&price=2995"
jcheck "armed at 2980, not hit at 2995" "$(exsim_state)" '.positions|length==1'
ctl "/sim/price?symbol=ETHUSDT&price=3000"
jcheck "trailing hit at 3000" "$(exsim_journal)" 'map(select(.kind=="stop_triggered" and .trigger=="TrailingStop" and .triggerPrice=="3000.00"))|length==1'

# --- rate limit: order/create 10/s ---
RL=()
for i in $(seq 1 14); do
	rest_post /v5/order/create "$(mk BTCUSDT Buy 0.001 "rl-$i" '')" >"$IT_DIR/rl.$i" &
	RL+=($!)
done
wait "${RL[@]}"
n6=$(cat "$IT_DIR"/rl.* | jq -s 'map(select(.retCode==10006 and .retMsg=="Too many visits!"))|length')
figure rate_limited_of_14 "$n6"
it_check "10006 beyond 10 order/create per second" test "$n6" -ge 1
H=$(sleep 1.1; ts=$(($(date +%s%N) / 1000000)); curl -s -i -H "X-BAPI-API-KEY: $EXSIM_KEY" -H "X-BAPI-TIMESTAMP: $ts" -H "X-BAPI-RECV-WINDOW: 5000" -H "X-BAPI-SIGN: $(sign_hex "$EXSIM_SECRET" "$ts${EXSIM_KEY}5000$Q")" "$EXSIM_URL/v5/position/list?$Q")
it_check "X-Bapi-Limit headers" bash -c "grep -qi '^X-Bapi-Limit: 50' <<<'$H' && grep -qi '^X-Bapi-Limit-Status: ' <<<'$H' && grep -qi '^X-Bapi-Limit-Reset-Timestamp: [0-9]' <<<'$H'"

# --- REST faults ---
ctl "/sim/rest_fault?kind=10006&count=1&path=/v5/order/realtime"
jcheck "fault 10006" "$(rest_get /v5/order/realtime "category=linear&symbol=BTCUSDT")" '.retCode==10006'
jcheck "fault consumed" "$(rest_get /v5/order/realtime "category=linear&symbol=BTCUSDT")" '.retCode==0'
ctl "/sim/rest_fault?kind=5xx&count=1"
code=$(http_status GET "$EXSIM_URL/v5/market/time")
it_check "fault 5xx is HTTP 502 ($code)" test "$code" = 502
ctl "/sim/rest_fault?kind=timeout&count=1"
t0=$(now_ms)
code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$EXSIM_URL/v5/market/time")
it_check "fault timeout: no answer within 2 s ($code, $(($(now_ms) - t0)) ms)" test "$code" = 000 -a $(($(now_ms) - t0)) -ge 1900
ctl "/sim/rest_fault?kind=lost&count=1&path=/v5/order/create"
R=$(rest_post /v5/order/create "$(mk BTCUSDT Buy 0.001 lost-1 '')")
it_check "fault lost: no answer" test -z "$R"
jcheck "fault lost: order was applied" "$(rest_get /v5/order/realtime "category=linear&symbol=BTCUSDT&orderLinkId=lost-1")" '.result.list|length==1'
jcheck "fault lost: retry gets 110072" "$(rest_post /v5/order/create "$(mk BTCUSDT Buy 0.001 lost-1 '')")" '.retCode==110072'
ctl "/sim/latency?ms=400"
t0=$(now_ms)
curl -s "$EXSIM_URL/v5/market/time" >/dev/null
dt=$(($(now_ms) - t0))
it_check "latency 400 ms applied ($dt ms)" test "$dt" -ge 380
ctl "/sim/latency?ms=0"
it_done
