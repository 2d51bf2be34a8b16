#!/bin/bash
# exsim conformance: private WS auth, subscribe, pong, and the pushes on
# fills and on stop triggers (in the shapes of
# Bybit v5 private order/execution/position pushes).
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exsim-private
. "$HEAN_SRC/tests/sim/exsim_lib.sh"

start_exsim --rate 5 --seed 5 --fill-delay-ms 10
PV=/v5/private
SUBS='{"req_id":"psub-1","op":"subscribe","args":["order","execution","position","wallet"]}'

O=$IT_DIR/a1.out
wsc_run $PV --secs 1 --auth --send "$SUBS" --send '{"req_id":"test","op":"ping"}' >"$O"
it_check "auth success (number expires)" jq_has "$O" '.op=="auth" and .success==true and .ret_msg=="" and .req_id=="auth-1" and (.conn_id|length>0)'
it_check "private subscribe ack" jq_has "$O" '.op=="subscribe" and .success==true and .req_id=="psub-1"'
it_check "private pong shape" jq_has "$O" '.op=="pong" and .req_id=="test" and (.args|length==1) and (.args[0]|test("^[0-9]{13}$")) and has("conn_id")'
it_check "no snapshot on private subscribe" bash -c "! grep -q '\"topic\"' '$O'"
O=$IT_DIR/a2.out
wsc_run $PV --secs 1 --auth --expires-string >"$O"
it_check "auth success (string expires)" jq_has "$O" '.op=="auth" and .success==true'
O=$IT_DIR/a3.out
wsc_run $PV --secs 1 --auth --expires-offset-ms -1000 >"$O"
it_check "expired auth: Params Error" jq_has "$O" '.op=="auth" and .success==false and .ret_msg=="Params Error"'
O=$IT_DIR/a4.out
wsc_run $PV --secs 1 --auth --secret wrong --send "$SUBS" >"$O"
it_check "bad signature: success false" jq_has "$O" '.op=="auth" and .success==false'
it_check "subscribe after failed auth rejected" jq_has "$O" '.op=="subscribe" and .success==false'
O=$IT_DIR/a5.out
wsc_run $PV --secs 1 --send "$SUBS" --send '{"req_id":"u","op":"subscribe","args":["nope"]}' >"$O"
it_check "subscribe before auth rejected" jq_has "$O" '.op=="subscribe" and .success==false and .req_id=="psub-1"'
it_check "socket stays open" has "$O" TIMEOUT

# pushes on a fill
O=$IT_DIR/p1.out
wsc_bg p1 $PV --secs 20 --auth --send "$SUBS" --ping-json-ms 1000
wait_until 5 has "$O" '"psub-1"' || it_fail "no private subscribe ack"
R=$(rest_post /v5/order/create '{"category":"linear","symbol":"BTCUSDT","side":"Sell","orderType":"Market","qty":"0.002","orderLinkId":"p-1"}')
jcheck "order accepted" "$R" '.retCode==0'
wait_until 5 has "$O" '"topic":"wallet"' || it_fail "no wallet push"
it_check "order push New" jq_has "$O" '.topic=="order" and (.data|type=="array") and .data[0].orderStatus=="New" and .data[0].orderLinkId=="p-1" and (.creationTime|type=="number")'
it_check "order push Filled" jq_has "$O" '.topic=="order" and .data[0].orderStatus=="Filled" and .data[0].cumExecQty=="0.002" and (.data[0].avgPrice|tonumber>0)'
it_check "execution push" jq_has "$O" '.topic=="execution" and .data[0].orderLinkId=="p-1" and .data[0].execQty=="0.002" and (.data[0].execId|length>0) and .data[0].execType=="Trade" and (.creationTime|type=="number")'
it_check "position push (entryPrice)" jq_has "$O" '.topic=="position" and .data[0].side=="Sell" and .data[0].size=="0.002" and (.data[0]|has("entryPrice")) and .data[0].positionIdx==0'
it_check "wallet push" jq_has "$O" '.topic=="wallet" and .data[0].accountType=="UNIFIED" and .data[0].coin[0].coin=="USDT"'

# pushes on a stop trigger
ctl "/sim/price?symbol=BTCUSDT&price=60000"
jcheck "SL set for the Sell" "$(rest_post /v5/position/trading-stop '{"category":"linear","symbol":"BTCUSDT","tpslMode":"Full","positionIdx":0,"stopLoss":"61000"}')" '.retCode==0'
ctl "/sim/price?symbol=BTCUSDT&price=61000"
wait_until 5 jq_has "$O" '.topic=="order" and .data[0].stopOrderType=="StopLoss" and .data[0].orderStatus=="Filled"' || it_fail "no stop order push"
it_check "position push flat after stop" jq_has "$O" '.topic=="position" and .data[0].size=="0" and .data[0].side==""'
it_check "execution push for the stop" jq_has "$O" '.topic=="execution" and .data[0].side=="Buy" and .data[0].execPrice=="61000.10"'

# silent on private: pushes are not delivered, JSON pings unanswered
ctl "/sim/silent?path=private"
sleep 0.2
n1=$(count_rx "$O")
rest_post /v5/order/create '{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Market","qty":"0.001","orderLinkId":"p-2"}' >/dev/null
sleep 1.5 # observation window
it_check "silent private: nothing received" test "$(count_rx "$O")" -eq "$n1"
ctl /sim/resume
wait_until 5 rx_at_least "$O" $((n1 + 1)) || it_fail "private did not resume"
it_done
