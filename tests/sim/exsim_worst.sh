#!/bin/bash
# exsim at its worst, trading: stops shown as Untriggered conditional
# orders (order/realtime and the order topic), slTriggerBy honoured on
# LastPrice, MarkPrice and IndexPrice (distinct prices), stops deactivated
# when cancelled or when the position closes; partial fills; private
# pushes delayed (any order across topics), duplicated, order after position.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exsim-worst
. "$HEAN_SRC/tests/sim/exsim_lib.sh"

start_exsim --rate 2 --seed 43 --fill-delay-ms 10 --journal "$IT_DIR/journal.jsonl"
PV=/v5/private
SUBS='{"req_id":"psub-1","op":"subscribe","args":["order","execution","position","wallet"]}'
O=$IT_DIR/priv.out
wsc_bg priv $PV --secs 40 --auth --send "$SUBS" --ping-json-ms 1000
wait_until 5 has "$O" '"psub-1"' || it_fail "no private subscribe ack"
# BTCUSDT moves only when the test says so
ctl "/sim/stale?symbol=BTCUSDT"
Q="category=linear&symbol=BTCUSDT"
px() { ctl "/sim/price?symbol=BTCUSDT&price=$1&mark=$2&index=$3"; }
buy() { rest_post /v5/order/create "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"orderType\":\"Market\",\"qty\":\"0.010\",\"orderLinkId\":\"$1\"$2}"; }
tstop() { rest_post /v5/position/trading-stop "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"tpslMode\":\"Full\",\"positionIdx\":0$1}"; }
open_orders() { rest_get /v5/order/realtime "$Q"; }
size_is() { rest_get /v5/position/list "$Q" | jq -e ".result.list[0].size==\"$1\"" >/dev/null; }

# --- MarkPrice: a stop from order/create ---
px 60000 60000 60000
jcheck "buy with stopLoss on MarkPrice" "$(buy w-mark ',"stopLoss":"59000","slTriggerBy":"MarkPrice"')" '.retCode==0'
wait_until 5 size_is 0.010 || it_fail "buy not filled"
R=$(open_orders)
jcheck "open orders list the stop as an Untriggered conditional order" "$R" '.result.list|length==1 and (.[0] | .orderStatus=="Untriggered" and .stopOrderType=="StopLoss" and .triggerPrice=="59000.00" and .triggerBy=="MarkPrice" and .reduceOnly==true and .closeOnTrigger==true and .side=="Sell" and .createType=="CreateByStopLoss" and .qty=="0.010")'
SLID=$(jq -r '.result.list[0].orderId' <<<"$R")
it_check "order topic pushed the Untriggered stop" jq_has "$O" ".topic==\"order\" and .data[0].orderId==\"$SLID\" and .data[0].orderStatus==\"Untriggered\""
px 58000 59500 59500
sleep 0.3 # a wrong trigger (on the last price) would close the position now
it_check "last below the SL, mark above: no trigger" size_is 0.010
px 59600 58900 59600
wait_until 5 size_is 0 || it_fail "mark below the SL did not trigger"
it_check "the stop order pushed Triggered" jq_has "$O" ".topic==\"order\" and .data[0].orderId==\"$SLID\" and .data[0].orderStatus==\"Triggered\""
it_check "then Filled, the same order" jq_has "$O" ".topic==\"order\" and .data[0].orderId==\"$SLID\" and .data[0].orderStatus==\"Filled\" and .data[0].stopOrderType==\"StopLoss\""
jcheck "journal: triggered on the mark price" "$(exsim_journal)" '[.[]|select(.kind=="stop_triggered")][-1] | .trigger=="StopLoss" and .triggerPrice=="59000.00"'
jcheck "no open conditional order left" "$(open_orders)" '.result.list==[]'

# --- IndexPrice: a stop set by trading-stop ---
px 60000 60000 60000
jcheck "buy without stop" "$(buy w-index '')" '.retCode==0'
wait_until 5 size_is 0.010 || it_fail "buy 2 not filled"
jcheck "SL on IndexPrice" "$(tstop ',"stopLoss":"59000","slTriggerBy":"IndexPrice"')" '.retCode==0'
jcheck "listed with triggerBy IndexPrice" "$(open_orders)" '.result.list|length==1 and .[0].triggerBy=="IndexPrice" and .[0].orderStatus=="Untriggered"'
jcheck "same SL, other triggerBy: modified" "$(tstop ',"stopLoss":"59000","slTriggerBy":"MarkPrice"')" '.retCode==0'
jcheck "the conditional order follows (MarkPrice)" "$(open_orders)" '.result.list|length==1 and .[0].triggerBy=="MarkPrice"'
jcheck "back to IndexPrice" "$(tstop ',"stopLoss":"59000","slTriggerBy":"IndexPrice"')" '.retCode==0'
jcheck "unknown slTriggerBy: 10001" "$(tstop ',"stopLoss":"59000","slTriggerBy":"Mid"')" '.retCode==10001'
px 58000 58000 59500
sleep 0.3
it_check "last and mark below, index above: no trigger" size_is 0.010
px 59600 59600 58900
wait_until 5 size_is 0 || it_fail "index below the SL did not trigger"

# --- LastPrice by default ---
px 60000 60000 60000
jcheck "buy 3" "$(buy w-last '')" '.retCode==0'
wait_until 5 size_is 0.010 || it_fail "buy 3 not filled"
jcheck "SL, no slTriggerBy" "$(tstop ',"stopLoss":"59000"')" '.retCode==0'
jcheck "listed with triggerBy LastPrice" "$(open_orders)" '.result.list[0].triggerBy=="LastPrice"'
px 59500 58000 58000
sleep 0.3
it_check "mark and index below, last above: no trigger" size_is 0.010
px 58900 59500 59500
wait_until 5 size_is 0 || it_fail "last below the SL did not trigger"

# --- TP and trailing as conditional orders; cancelled by "0" and by the close ---
px 60000 60000 60000
jcheck "buy 4" "$(buy w-tp '')" '.retCode==0'
wait_until 5 size_is 0.010 || it_fail "buy 4 not filled"
jcheck "SL + TP + trailing" "$(tstop ',"stopLoss":"59000","takeProfit":"65000","trailingStop":"500","activePrice":"61000"')" '.retCode==0'
R=$(open_orders)
jcheck "three Untriggered conditional orders" "$R" '[.result.list[].stopOrderType]|sort==["StopLoss","TakeProfit","TrailingStop"]'
jcheck "trailing waits at its activation price" "$R" '.result.list[]|select(.stopOrderType=="TrailingStop")|.triggerPrice=="61000.00" and .orderStatus=="Untriggered"'
TSID=$(jq -r '.result.list[]|select(.stopOrderType=="TrailingStop")|.orderId' <<<"$R")
TPID=$(jq -r '.result.list[]|select(.stopOrderType=="TakeProfit")|.orderId' <<<"$R")
jcheck "cancel the trailing stop" "$(tstop ',"trailingStop":"0"')" '.retCode==0'
jcheck "trailing order Deactivated (CancelByUser)" "$(rest_get /v5/order/realtime "$Q&orderId=$TSID")" '.result.list[0].orderStatus=="Deactivated" and .result.list[0].cancelType=="CancelByUser"'
it_check "Deactivated pushed" jq_has "$O" ".topic==\"order\" and .data[0].orderId==\"$TSID\" and .data[0].orderStatus==\"Deactivated\""
px 58900 58900 58900
wait_until 5 size_is 0 || it_fail "SL 4 did not trigger"
jcheck "TP deactivated with the close (CancelByTpSlTsClear)" "$(rest_get /v5/order/realtime "$Q&orderId=$TPID")" '.result.list[0].orderStatus=="Deactivated" and .result.list[0].cancelType=="CancelByTpSlTsClear"'
jcheck "nothing open" "$(open_orders)" '.result.list==[]'

# --- partial fills: PartiallyFilled, then Filled, one execution per part ---
ctl "/sim/fills?parts=3&part_ms=1000"
jcheck "buy in 3 parts" "$(buy w-part '')" '.retCode==0'
part_seen() { rest_get /v5/order/realtime "$Q&orderLinkId=w-part" | jq -e '.result.list[0] | .orderStatus=="PartiallyFilled" and .cumExecQty=="0.003" and .leavesQty=="0.007"' >/dev/null; }
wait_until 3 part_seen || it_fail "no PartiallyFilled 0.003/0.007 state"
jcheck "a partially filled order is an open order" "$(open_orders)" '[.result.list[]|select(.orderLinkId=="w-part")]|length==1'
jcheck "the position holds the part" "$(rest_get /v5/position/list "$Q")" '.result.list[0].size=="0.003"'
done_seen() { rest_get /v5/order/realtime "$Q&orderLinkId=w-part" | jq -e '.result.list[0] | .orderStatus=="Filled" and .cumExecQty=="0.010" and (.leavesQty|tonumber)==0' >/dev/null; }
wait_until 5 done_seen || it_fail "order never Filled"
wait_until 3 jq_has "$O" '.topic=="execution" and .data[0].orderLinkId=="w-part" and (.data[0].leavesQty|tonumber)==0' || it_fail "no last execution push"
EX=$(frames "$O" | jq -s -c '[.[]|select(.topic=="execution")|.data[]|select(.orderLinkId=="w-part")]')
jcheck "three execution pushes with distinct execIds" "$EX" 'length==3 and (map(.execId)|unique|length)==3'
jcheck "parts 0.003 + 0.003 + 0.004" "$EX" '[.[].execQty]==["0.003","0.003","0.004"] and [.[].leavesQty]==["0.007","0.004","0.000"]'
ST=$(frames "$O" | jq -s -c '[.[]|select(.topic=="order")|.data[]|select(.orderLinkId=="w-part")|.orderStatus+":"+.cumExecQty]')
jcheck "order pushes New, PartiallyFilled x2, Filled" "$ST" '.==["New:0.000","PartiallyFilled:0.003","PartiallyFilled:0.006","Filled:0.010"]'
jcheck "position 0.010 after the last part" "$(rest_get /v5/position/list "$Q")" '.result.list[0].size=="0.010"'
ctl "/sim/fills?parts=1"
it_check "parts=0 refused" test "$(http_status POST "$EXSIM_URL/sim/fills?parts=0")" = 400

# --- private pushes: order after position ---
# since LINE: the frames the private client got after line LINE of its output
since() { tail -n +"$(($1 + 1))" "$O" | sed -n 's/^RX //p' | jq -c -R 'fromjson? // empty'; }
# count_since_ge LINE STR N: at least N lines after LINE contain STR
count_since_ge() { test "$(tail -n +"$(($1 + 1))" "$O" | grep -cF -- "$2")" -ge "$3"; }
n0=$(wc -l <"$O")
ctl "/sim/push_faults?order_after_position=1"
jcheck "buy (order after position)" "$(buy w-oap '')" '.retCode==0'
wait_until 5 jq_has "$O" '.topic=="order" and .data[0].orderLinkId=="w-oap" and .data[0].orderStatus=="Filled"' || it_fail "w-oap Filled never pushed"
SEQ=$(since "$n0" | jq -s -c '[.[]|select(.topic=="position" or (.topic=="order" and .data[0].orderLinkId=="w-oap"))|.topic]')
jcheck "each order push comes after a position push ($SEQ)" "$SEQ" '.[0]=="position" and (. as $s | [range(length)] | all(. as $i | ($s[$i] != "order") or ([$s[:$i][]|select(.=="position")]|length) > ([$s[:$i][]|select(.=="order")]|length)))'
it_check "held orders counted" test "$(exsim_stat orders_held)" -ge 2

# --- duplicated pushes: same envelope id twice ---
n0=$(wc -l <"$O")
ctl "/sim/push_faults?dup_pct=100"
jcheck "buy (duplicated pushes)" "$(buy w-dup '')" '.retCode==0'
wait_until 5 jq_has "$O" '.topic=="wallet"' || it_fail "no wallet push"
dup_pair() { since "$n0" | jq -s -e '[.[]|select(.topic=="execution" and .data[0].orderLinkId=="w-dup")] | length==2 and .[0].id==.[1].id and .[0].data[0].execId==.[1].data[0].execId' >/dev/null; }
wait_until 3 dup_pair || it_fail "execution push not duplicated with the same id and execId"
it_check "every push of the fill duplicated" count_since_ge "$n0" '"orderLinkId":"w-dup"' 6

# --- delayed pushes: any order across topics, each topic in order ---
n0=$(wc -l <"$O")
ctl "/sim/push_faults?delay_ms=250"
# 12 fills: each is out of order with probability ~1/2, so all 12 in the
# canonical order happens once in ~4000 runs (5 fills failed ~3 % of runs)
for k in $(seq 1 12); do
	jcheck "buy w-dl$k" "$(buy "w-dl$k" '')" '.retCode==0'
	sleep 0.15 # under the order/create rate limit (10 per second)
done
wait_until 8 count_since_ge "$n0" '"topic":"wallet"' 12 || it_fail "not all wallet pushes arrived"
sleep 0.5 # the last delayed pushes
F=$(since "$n0" | jq -s -c '.')
jcheck "within the order topic, New before Filled for every order" "$F" '. as $F | [range(1;13)|tostring] | all(. as $k | [$F[]|select(.topic=="order" and .data[0].orderLinkId==("w-dl"+$k))|.data[0].orderStatus] == ["New","Filled"])'
jcheck "some fill's pushes arrived out of the canonical order" "$F" '. as $F | [range(1;13)|tostring | . as $k | [$F[]|select((.topic=="order" and .data[0].orderLinkId==("w-dl"+$k) and .data[0].orderStatus=="Filled") or (.topic=="execution" and .data[0].orderLinkId==("w-dl"+$k)))|.topic]] | any(. != ["order","execution"])'
it_check "delayed pushes counted" test "$(exsim_stat pushes_delayed)" -ge 20
ctl "/sim/push_faults"

# --- JSON keys in a random order (REST and WS), values unchanged ---
n0=$(wc -l <"$O")
ctl "/sim/shuffle_keys?on=1"
orders=$(for _ in 1 2 3 4 5 6; do curl -s "$EXSIM_URL/v5/market/time" | jq -c keys_unsorted; done | sort -u | wc -l)
it_check "REST envelope key order varies ($orders orders in 6 answers)" test "$orders" -ge 3
jcheck "shuffled answer still complete" "$(rest_get /v5/position/list "$Q")" '.retCode==0 and .retMsg=="OK" and .result.list[0].symbol=="BTCUSDT" and (.result.list[0]|keys|length) >= 20'
jcheck "buy (shuffled pushes)" "$(buy w-shuf '')" '.retCode==0'
wait_until 5 count_since_ge "$n0" '"topic":"wallet"' 1 || it_fail "no wallet push"
jcheck "WS pushes: keys in varying orders" "$(since "$n0" | jq -s -c '[.[]|select(.topic=="order" or .topic=="execution")|.data[0]|select(.orderLinkId=="w-shuf")|keys_unsorted]')" 'length >= 2 and (unique|length) == length'
ctl "/sim/shuffle_keys?on=0"
it_check "bad push_faults value is 400" test "$(http_status POST "$EXSIM_URL/sim/push_faults?dup_pct=101")" = 400
it_done
