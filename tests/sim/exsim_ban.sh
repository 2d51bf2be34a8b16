#!/bin/bash
# exsim at its worst, refusals: credentials taken from a file or the
# environment (never the command line), the REST IP ban (HTTP 403 for
# every call, by control or by going over the per-IP limit, each refused
# call counted), HTTP 429/401, WS handshakes refused with 403/429, and the
# ping-only fault (JSON pings unanswered while data keeps flowing).
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exsim-ban
. "$HEAN_SRC/tests/sim/exsim_lib.sh"

# --- credentials from a 0600 file in hean's env-file format ---
CRED=$IT_DIR/creds.env
(umask 077 && printf '# hean credentials\nexport HEAN_BYBIT_API_KEY=file-key-1\nHEAN_BYBIT_API_SECRET="file-secret-9"\n' >"$CRED")
start_exsim --rate 5 --seed 41 --credentials-file "$CRED"
Q="category=linear&symbol=BTCUSDT"
jcheck "key and secret from the file are accepted" "$(rest_get /v5/position/list "$Q" file-key-1 file-secret-9)" '.retCode==0'
jcheck "the built-in key is no longer accepted" "$(rest_get /v5/position/list "$Q")" '.retCode==10003'
it_check "the secret is not on the command line" bash -c "! tr '\\0' ' ' </proc/$EXSIM_PID/cmdline | grep -q file-secret-9"
EXSIM_KEY=file-key-1 EXSIM_SECRET=file-secret-9
O=$IT_DIR/auth.out
wsc_run /v5/private --secs 0.5 --auth --key file-key-1 --secret file-secret-9 >"$O"
it_check "WS auth with the file's credentials" jq_has "$O" '.op=="auth" and .success==true'

# --- the REST IP ban: 403 for every call, counted, lifted after secs ---
jcheck "no ban yet" "$(curl -s "$EXSIM_URL/sim/stats")" '.bans==0 and .banned_calls==0 and .banned==false'
ctl "/sim/ban?secs=3"
it_check "banned: public GET is 403" test "$(http_status GET "$EXSIM_URL/v5/market/time")" = 403
it_check "banned: signed GET is 403" test "$(curl -s -o /dev/null -w '%{http_code}' "$EXSIM_URL/v5/position/list?$Q")" = 403
it_check "banned: POST is 403" test "$(http_status POST "$EXSIM_URL/v5/order/create")" = 403
it_check "banned: the body says why" bash -c "curl -s '$EXSIM_URL/v5/market/time' | grep -q 'access too frequent'"
jcheck "every refused call counted (4)" "$(curl -s "$EXSIM_URL/sim/stats")" '.bans==1 and .banned_calls==4 and .banned==true'
jcheck "refused calls journalled with their path" "$(exsim_journal)" '[.[]|select(.kind=="banned_call")]|length==4 and (map(.path)|index("/v5/order/create")!=null)'
it_check "controls still answer during a ban" test "$(http_status GET "$EXSIM_URL/sim/health")" = 200
banned_off() { curl -s "$EXSIM_URL/sim/stats" | jq -e '.banned==false' >/dev/null; }
wait_until 6 banned_off || it_fail "ban did not end after 3 s"
it_check "served again after the ban" test "$(http_status GET "$EXSIM_URL/v5/market/time")" = 200
jcheck "calls after the ban are not counted" "$(curl -s "$EXSIM_URL/sim/stats")" '.banned_calls==4 and .banned==false'
# /sim/resume lifts a ban at once
ctl "/sim/ban"
it_check "default ban answers 403" test "$(http_status GET "$EXSIM_URL/v5/market/time")" = 403
ctl /sim/resume
it_check "resume lifts the ban" test "$(http_status GET "$EXSIM_URL/v5/market/time")" = 200

# over the per-IP limit: the call after the N-th within 5 s starts a ban
ctl "/sim/ip_limit?n=20&ban_secs=600"
codes=$(for _ in $(seq 1 25); do curl -s -o /dev/null -w '%{http_code}\n' "$EXSIM_URL/v5/market/time"; done | sort | uniq -c | tr -s ' ' | tr '\n' ';')
it_check "20 calls served, the rest refused ($codes)" test "$codes" = " 20 200; 5 403;"
jcheck "the limit started a 600 s ban" "$(exsim_journal)" '[.[]|select(.kind=="ban" and .why=="ip_limit")] | length==1 and (.[0].until_ms - .[0].t_ms) > 599000'
ctl /sim/resume
ctl "/sim/ip_limit?n=0"

# --- HTTP 429 and 401 as REST faults ---
ctl "/sim/rest_fault?kind=429&count=1"
it_check "429 fault" test "$(http_status GET "$EXSIM_URL/v5/market/time")" = 429
ctl "/sim/rest_fault?kind=401&count=1&path=/v5/position/list"
it_check "401 fault on its path only" test "$(http_status GET "$EXSIM_URL/v5/market/time")" = 200
it_check "401 fault" test "$(curl -s -o /dev/null -w '%{http_code}' "$EXSIM_URL/v5/position/list?$Q")" = 401
jcheck "fault used up" "$(rest_get /v5/position/list "$Q")" '.retCode==0'

# --- WS handshakes refused with 403 / 429 ---
P=/v5/public/linear
for code in 403 429; do
	ctl "/sim/refuse?secs=30&code=$code"
	got=$(ws_handshake_code "$EXSIM_URL$P")
	it_check "handshake refused with $code ($got)" test "$got" = "$code"
	ctl /sim/resume
done
it_check "refuse code 418 is 400" test "$(http_status POST "$EXSIM_URL/sim/refuse?code=418")" = 400
it_check "handshake accepted again" bash -c "'$EXSIM_WSC' --url ws://127.0.0.1:$EXSIM_PORT$P --secs 0.3 | grep -q OPEN"

# --- stop answering pings only: data flows, JSON and protocol pongs stop ---
O=$IT_DIR/pl.out
wsc_bg pl $P --secs 8 --send '{"op":"subscribe","args":["tickers.BTCUSDT"]}' --ping-json-ms 200 --wsping-ms 200
wait_until 5 has "$O" '"ret_msg":"pong"' || it_fail "no pong before the fault"
wait_until 5 has "$O" WSPONG || it_fail "no protocol pong before the fault"
ctl "/sim/pingless?path=public"
sleep 0.3 # pongs already queued
p1=$(grep -c '"ret_msg":"pong"' "$O")
w1=$(grep -c WSPONG "$O")
t1=$(grep -c '"topic":"tickers.BTCUSDT"' "$O")
sleep 1.5 # observation window: ~7 pings of each kind go out
p2=$(grep -c '"ret_msg":"pong"' "$O")
w2=$(grep -c WSPONG "$O")
t2=$(grep -c '"topic":"tickers.BTCUSDT"' "$O")
it_check "pingless: no JSON pong in 1.5 s ($p1 -> $p2)" test "$p1" -eq "$p2"
it_check "pingless: no protocol pong in 1.5 s ($w1 -> $w2)" test "$w1" -eq "$w2"
it_check "pingless: tickers keep flowing ($t1 -> $t2)" test "$t2" -gt "$t1"
it_check "pingless: pings counted as ignored" test "$(exsim_stat pings_ignored)" -ge 3
it_check "pingless: protocol pings dropped" test "$(exsim_stat ws_pings_dropped)" -ge 3
it_check "pingless: socket still open" bash -c "! grep -q CLOSED '$O'"
O2=$IT_DIR/pl2.out
wsc_run /v5/private --secs 0.5 --auth --key file-key-1 --secret file-secret-9 --send '{"req_id":"x","op":"ping"}' >"$O2"
it_check "path=public leaves private pongs alone" jq_has "$O2" '.op=="pong"'
ctl /sim/resume
wait_until 3 bash -c "test \$(grep -c '\"ret_msg\":\"pong\"' '$O') -gt $p2" || it_fail "JSON pongs did not come back after resume"
wait_until 3 bash -c "test \$(grep -c WSPONG '$O') -gt $w2" || it_fail "protocol pongs did not come back after resume"

# --- credentials from the environment ---
HEAN_BYBIT_API_KEY=env-key-2 HEAN_BYBIT_API_SECRET=env-secret-3 start_exsim --rate 1 --credentials-env
jcheck "key and secret from the environment" "$(rest_get /v5/position/list "$Q" env-key-2 env-secret-3)" '.retCode==0'
it_done
