#!/bin/bash
# common/ws basics against ws_testsrv: echo, fragmented message reassembly,
# send before start, owner stop (close 1000, no reconnect), owner drop
# (close frame with the owner's code, then reconnect), and the shutdown
# helper hean_ws_ctx_shutdown (close 1000, wait, release).
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/common/net_lib.sh"
it_init net-ws-echo
start_wssrv
URL=ws://127.0.0.1:$WS_PORT

# 1. fragments + hello + echo
probe echo --url "$URL/frag?hello=1" --send-on-open hello2 --print-body --duration-ms 800
L=$IT_DIR/echo.log
it_check "probe exits cleanly" probe_clean echo
it_check "send before start is -ENOTCONN" grep -q "ev=send_before_start rc=-107" "$L"
it_check "fragmented message reassembled" grep -q "ev=msg len=28 rx_us_ok=1 body=frag-one|frag-two|frag-three$" "$L"
it_check "server hello delivered" grep -q "ev=msg len=5 rx_us_ok=1 body=hello$" "$L"
it_check "our message echoed" grep -q "ev=msg len=6 rx_us_ok=1 body=hello2$" "$L"
it_check "one open, no close" test "$(exit_field "$L" opens)/$(exit_field "$L" closes)" = "1/0"

# 2. hean_ws_stop from on_open: close 1000 reaches the server, no reconnect
probe stop --url "$URL/echo" --stop-after-opens 1 --duration-ms 1000
L=$IT_DIR/stop.log
it_check "stop: probe exits cleanly" probe_clean stop
it_check "stop: on_close 1000 once" test "$(count_matches "$L" 'ev=close code=1000 reason="stopped" state=disconnected send_rc=-107')" = 1
it_check "stop: no reconnect" test "$(exit_field "$L" reconnecting)/$(exit_field "$L" opens)" = "0/1"
it_check "stop: server got close 1000" wait_until 3 grep -q "ev=peer_close conn=[0-9]* code=1000" "$IT_DIR/wssrv.log"

# 3. hean_ws_drop from on_message: wire code 4001, on_close BY_OWNER, reconnect
probe drop --url "$URL/echo?hello=1" --drop-on hello --duration-ms 1200
L=$IT_DIR/drop.log
it_check "drop: probe exits cleanly" probe_clean drop
it_check "drop: state closing right after drop" grep -q "ev=dropped state=closing" "$L"
it_check "drop: on_close 4902" grep -q "ev=close code=4902 reason=\"probe drop\" state=disconnected send_rc=-107" "$L"
it_check "drop: server got close 4001" grep -q "ev=peer_close conn=[0-9]* code=4001" "$IT_DIR/wssrv.log"
it_check "drop: reconnected" test "$(exit_field "$L" opens)" -ge 2

# 4. hean_ws_ctx_shutdown on an open link: close 1000 reaches the server,
#    release once the link is down, well before the deadline
N0=$(count_matches "$IT_DIR/wssrv.log" 'ev=peer_close conn=[0-9]* code=1000')
probe shutdown --url "$URL/echo" --duration-ms 500 --shutdown-ms 2000
L=$IT_DIR/shutdown.log
it_check "shutdown: probe exits cleanly" probe_clean shutdown
it_check "shutdown: released with the link down" grep -q "ev=shutdown_done released=1 ms=[0-9]* state_at_release=disconnected$" "$L"
SD_MS=$(sed -n 's/.*ev=shutdown_done released=1 ms=\([0-9]*\).*/\1/p' "$L")
figure shutdown_open_ms "$SD_MS"
it_check "shutdown: done before its 2000 ms deadline (${SD_MS} ms)" test "${SD_MS:-9999}" -lt 1500
it_check "shutdown: server got close 1000" wait_until 3 out_ge $((N0 + 1)) count_matches "$IT_DIR/wssrv.log" 'ev=peer_close conn=[0-9]* code=1000'

it_done
