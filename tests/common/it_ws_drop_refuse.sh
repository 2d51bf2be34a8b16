#!/bin/bash
# TCP loss without a close frame (1006), refused connects (code 0) spaced
# by the backoff, and recovery once the server is back on the same port.
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/common/net_lib.sh"
it_init net-ws-drop-refuse
start_wssrv
URL=ws://127.0.0.1:$WS_PORT

# 1. server kills TCP on the first message
probe drop --url "$URL/drop_nth?n=1" --send-on-open get_signals --duration-ms 1200
L=$IT_DIR/drop.log
it_check "drop: probe exits cleanly" probe_clean drop
it_check "drop: on_close 1006" grep -q "ev=close code=1006 .* state=disconnected send_rc=-107" "$L"
it_check "drop: every close is 1006" test "$(count_matches "$L" 'ev=close code=1006')" = "$(exit_field "$L" closes)"
it_check "drop: reconnected" test "$(exit_field "$L" opens)" -ge 2

# 2. kill -9 the server, count refused attempts, restart, recover
probe_bg kill --url "$URL/echo" --duration-ms 15000
K=$IT_DIR/kill.log
it_check "kill: open" wait_until 5 grep -q " ev=open n=1" "$K"
t_kill=$(now_ms)
kill -KILL "$WSSRV_PID"
wait "$WSSRV_PID" 2>/dev/null
it_check "kill: 1006 seen" wait_until 3 grep -q "ev=close code=1006" "$K"
figure close_1006_after_kill9_ms $(($(now_ms) - t_kill))
it_check "kill: 3 refused attempts" wait_until 5 out_ge 3 count_matches "$K" 'ev=close code=0 '
it_check "kill: refused -> connect failed, state disconnected" \
	grep -q 'ev=close code=0 reason="[^"]*" state=disconnected send_rc=-107' "$K"
start_wssrv "$WS_PORT"
it_check "kill: reopened after the server came back" wait_until 5 grep -q " ev=open n=2" "$K"
kill -TERM "$PROBE_PID"
wait "$PROBE_PID"
PROBE_RC=$?
it_check "kill: probe exits cleanly on SIGTERM" probe_clean kill
mapfile -t D < <(field "$K" reconnecting delay_ms)
figure delays_while_refused "${D[*]}"
it_check "kill: delays grow while refused" strictly_increasing "${D[@]:0:4}"

# 3. TCP accepted but the handshake never answered: our connect deadline
if command -v python3 >/dev/null; then
	start_httpsrv
	probe hang --url "ws://127.0.0.1:$HTTP_PORT/hang" --connect-timeout 1 --duration-ms 1500
	L=$IT_DIR/hang.log
	it_check "hang: probe exits cleanly" probe_clean hang
	it_check "hang: connect timeout reported as code 0" \
		grep -q 'ev=close code=0 reason="connect timeout" state=disconnected send_rc=-107' "$L"
	t=$(grep -m1 " ev=close " "$L" | sed -E 's/^probe t=([0-9]+) .*/\1/')
	figure connect_timeout_1s_fired_at_ms "$t"
	it_check "hang: deadline fired at 1 s (+300 ms)" test "$t" -ge 950 -a "$t" -le 1300
	it_check "hang: reconnect scheduled" grep -q "ev=reconnecting" "$L"
	it_check "hang: no open" test "$(exit_field "$L" opens)" = 0
fi
it_done
