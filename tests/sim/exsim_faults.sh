#!/bin/bash
# exsim conformance: every WS fault control does what HELPERS.md says.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exsim-faults
. "$HEAN_SRC/tests/sim/exsim_lib.sh"

start_exsim --rate 20 --seed 3
P=/v5/public/linear
SUB='{"op":"subscribe","args":["tickers.BTCUSDT"]}'

opened() { has "$1" '"type":"snapshot"'; }

# close with a code (public only; a private client stays open)
wsc_bg c1 $P --secs 10 --send "$SUB"
wsc_bg c1p /v5/private --secs 10 --auth --ping-json-ms 300
wait_until 5 opened "$IT_DIR/c1.out" || it_fail "c1 no snapshot"
wait_until 5 has "$IT_DIR/c1p.out" '"op":"auth"' || it_fail "c1p no auth"
ctl "/sim/close?code=4001&path=public"
wait_until 5 has "$IT_DIR/c1.out" CLOSED || it_fail "c1 not closed"
it_check "close code 4001 observed" has "$IT_DIR/c1.out" "CLOSE code=4001"
sleep 0.5 # the private client must survive: give a wrong close time to show
it_check "private socket untouched by path=public" bash -c "! grep -q CLOSE '$IT_DIR/c1p.out'"
ctl "/sim/close?code=1001&path=private"
wait_until 5 has "$IT_DIR/c1p.out" CLOSED || it_fail "c1p not closed"
it_check "close code 1001 on private" has "$IT_DIR/c1p.out" "CLOSE code=1001"
it_check "close code 1006 refused (400)" test "$(http_status POST "$EXSIM_URL/sim/close?code=1006")" = 400

# drop: TCP gone, no close frame
wsc_bg c2 $P --secs 10 --send "$SUB"
wait_until 5 opened "$IT_DIR/c2.out" || it_fail "c2 no snapshot"
ctl /sim/drop
wait_until 5 has "$IT_DIR/c2.out" CLOSED || it_fail "c2 not closed by drop"
it_check "drop sends no close frame" bash -c "! grep -q 'CLOSE code' '$IT_DIR/c2.out'"

# silent: no frames, no JSON pongs, TCP open; resume brings a snapshot back
wsc_bg c3 $P --secs 15 --send "$SUB" --ping-json-ms 200 --wsping-ms 200
wait_until 5 opened "$IT_DIR/c3.out" || it_fail "c3 no snapshot"
wait_until 5 has "$IT_DIR/c3.out" WSPONG || it_fail "c3 no protocol pong"
ctl "/sim/silent?path=public"
sleep 0.3 # frames already in flight
n1=$(count_rx "$IT_DIR/c3.out")
p1=$(grep -c WSPONG "$IT_DIR/c3.out")
sleep 1.5 # observation window: nothing may arrive during it
n2=$(count_rx "$IT_DIR/c3.out")
p2=$(grep -c WSPONG "$IT_DIR/c3.out")
it_check "silent: nothing received for 1.5 s ($n1 -> $n2)" test "$n1" -eq "$n2"
it_check "silent: protocol pings unanswered ($p1 -> $p2)" test "$p1" -eq "$p2" -a "$p1" -gt 0
it_check "silent: TCP still open" bash -c "! grep -q CLOSED '$IT_DIR/c3.out'"
ctl /sim/resume
wait_until 5 rx_at_least "$IT_DIR/c3.out" $((n2 + 5)) || it_fail "no frames after resume"
it_check "resume resends a snapshot" test "$(grep -c '"type":"snapshot"' "$IT_DIR/c3.out")" -ge 2
# timed silence ends by itself
ctl "/sim/silent?secs=1&path=public"
sleep 0.2
n1=$(count_rx "$IT_DIR/c3.out")
wait_until 5 rx_at_least "$IT_DIR/c3.out" $((n1 + 5)) || it_fail "silent secs=1 did not end"

# refuse handshakes with 503 for N s
ctl "/sim/refuse?secs=2"
code=$(ws_handshake_code "$EXSIM_URL$P")
it_check "refused handshake is HTTP 503 ($code)" test "$code" = 503
it_check "refused client sees a connection error" bash -c "'$EXSIM_WSC' --url ws://127.0.0.1:$EXSIM_PORT$P --secs 2 | grep -q CONNERR"
wait_until 5 bash -c "'$EXSIM_WSC' --url ws://127.0.0.1:$EXSIM_PORT$P --secs 0.3 | grep -q OPEN" || it_fail "refuse did not expire"

# close_on_connect
ctl "/sim/close_on_connect?on=1"
it_check "close_on_connect closes with 1000" bash -c "'$EXSIM_WSC' --url ws://127.0.0.1:$EXSIM_PORT$P --secs 3 | grep -q 'CLOSE code=1000'"
ctl "/sim/close_on_connect?on=0"

# stale one symbol
wsc_bg c4 $P --secs 15 --send '{"op":"subscribe","args":["tickers.BTCUSDT","tickers.ETHUSDT"]}'
wait_until 5 has "$IT_DIR/c4.out" 'tickers.ETHUSDT","type":"delta' || it_fail "c4 no ETH"
ctl "/sim/stale?symbol=ETHUSDT&secs=30"
sleep 0.3
e1=$(grep -c 'tickers.ETHUSDT' "$IT_DIR/c4.out")
b1=$(grep -c 'tickers.BTCUSDT' "$IT_DIR/c4.out")
sleep 1.5
e2=$(grep -c 'tickers.ETHUSDT' "$IT_DIR/c4.out")
b2=$(grep -c 'tickers.BTCUSDT' "$IT_DIR/c4.out")
it_check "stale symbol stops ($e1 -> $e2)" test "$e1" -eq "$e2"
it_check "other symbol keeps ticking ($b1 -> $b2)" test "$b2" -gt "$b1"
it_check "stale unknown symbol is 400" test "$(http_status POST "$EXSIM_URL/sim/stale?symbol=NOPE")" = 400
ctl /sim/resume
wait_until 5 bash -c "test \$(grep -c tickers.ETHUSDT '$IT_DIR/c4.out') -gt $e2" || it_fail "stale not resumed"

# injected frames
wsc_bg c5 $P --secs 15 --send "$SUB"
wait_until 5 opened "$IT_DIR/c5.out" || it_fail "c5 no snapshot"
for k in malformed huge unknown nan negative snapshot; do ctl "/sim/send?kind=$k"; done
O=$IT_DIR/c5.out
wait_until 5 bash -c "grep -q '\"type\":\"snapshot\"' '$O' && test \$(grep -c '\"type\":\"snapshot\"' '$O') -ge 2" || it_fail "no second snapshot"
it_check "malformed frame received (not JSON)" bash -c "grep '^RX ' '$O' | sed 's/^RX //' | grep -F '\"lastPrice\":\"1' | grep -qv '}\$'"
it_check "huge frame is 2 MiB" has "$O" "BIG len=2097152"
it_check "unknown type frame" jq_has "$O" '.type=="unknown"'
it_check "nan price frame" jq_has "$O" '.data.lastPrice=="NaN"'
it_check "negative price frame" jq_has "$O" '(.data.lastPrice//"")|startswith("-")'
it_check "unknown send kind is 400" test "$(http_status POST "$EXSIM_URL/sim/send?kind=bogus")" = 400

# idle close: a socket without pings is dropped, one with pings survives
ctl "/sim/idle_close?secs=1"
wsc_bg c6 $P --secs 6 --send "$SUB"
wsc_bg c7 $P --secs 4 --send "$SUB" --ping-json-ms 300
wait_until 5 has "$IT_DIR/c6.out" CLOSED || it_fail "idle socket not closed"
wait_until 6 has "$IT_DIR/c7.out" TIMEOUT || it_fail "pinging client did not run to its end"
it_check "pinging socket not idle-closed" bash -c "! grep -q CLOSED '$IT_DIR/c7.out'"
ctl "/sim/idle_close?secs=0"

jcheck "health" "$(curl -s "$EXSIM_URL/sim/health")" '.ok==true'
it_done
