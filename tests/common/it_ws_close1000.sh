#!/bin/bash
# The close-1000 incident: the server answers every request with close 1000. The
# client must see each close, go DISCONNECTED (send = -ENOTCONN, never a
# "send error loop" on a dead socket) and reconnect on the first backoff
# step every time (the owner resets backoff when the link proved useful:
# here the server's "hello"). Runs 3 s and must never exit early.
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/common/net_lib.sh"
it_init net-ws-close1000
start_wssrv
URL="ws://127.0.0.1:$WS_PORT/close_nth?n=1&hello=1"

probe c1000 --url "$URL" --send-on-open get_signals --reset-on hello \
	--send-every-ms 20 --duration-ms 3000
L=$IT_DIR/c1000.log
it_check "probe exits cleanly" probe_clean c1000
opens=$(exit_field "$L" opens)
closes=$(exit_field "$L" closes)
figure sessions_in_3s "$opens"
it_check "kept reconnecting (>= 6 sessions in 3 s)" test "$opens" -ge 6
it_check "every close is 1000 from the peer" test "$(count_matches "$L" 'ev=close code=1000 reason="bye"')" = "$closes"
it_check "state DISCONNECTED and send -ENOTCONN inside every on_close" \
	test "$(count_matches "$L" 'ev=close .* state=disconnected send_rc=-107')" = "$closes"
it_check "no bad state / no other send errors" \
	test "$(exit_field "$L" bad_close_state)/$(exit_field "$L" bad_send_after_close)/$(exit_field "$L" sends_other)" = "0/0/0"
it_check "a reconnect scheduled after every close" test "$(exit_field "$L" reconnecting)" = "$closes"
it_check "ran the whole window (never exits)" grep -qE "probe t=(29[0-9][0-9]|[3-9][0-9]{3}) ev=exit" "$L"
mapfile -t G < <(gaps "$L")
figure reconnect_after_close1000_ms "median=$(median "${G[@]}") max=$(max_of "${G[@]}") n=${#G[@]}"
# first backoff step 250 ms + 20 % jitter = 300, + 250 ms margin
it_check "every reconnect within 550 ms of the close" all_le 550 "${G[@]}"
it_check "server saw every session" test "$(count_matches "$IT_DIR/wssrv.log" 'ev=close_sent')" -ge "$closes"
it_done
