#!/bin/bash
# Half-open peer: the server echoes two app pings, then stops reading and
# writing but keeps TCP open. With ping 1 s / liveness 2 s the client must
# declare the link dead (4900) within ping + liveness (+ margin) of the
# last message, kill the socket and reconnect.
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/common/net_lib.sh"
it_init net-ws-silent
start_wssrv
URL="ws://127.0.0.1:$WS_PORT/silent_nth?n=3"

estab() { [ "$(ss -Htn state established "( sport = :$WS_PORT )" | wc -l)" = "$1" ]; }

probe_bg silent --url "$URL" --ping 1 --liveness 2 --duration-ms 5600
L=$IT_DIR/silent.log
it_check "second session opened" wait_until 8 grep -q " ev=open n=2" "$L"
# the dropped session must not stay ESTABLISHED: only the new one is
it_check "old TCP connection closed by us" wait_until 2 estab 1
wait "$PROBE_PID"
PROBE_RC=$?
it_check "probe exits cleanly" probe_clean silent
last_msg=$(grep -m2 " ev=msg " "$L" | tail -n 1 | sed -E 's/^probe t=([0-9]+) .*/\1/')
closed=$(grep -m1 " ev=close " "$L" | sed -E 's/^probe t=([0-9]+) .*/\1/')
it_check "two pings answered before silence" test -n "$last_msg"
it_check "closed with 4900 (liveness)" grep -q "ev=close code=4900 reason=\"no data for" "$L"
det=$((closed - last_msg))
figure silent_detection_ms_after_last_rx "$det"
it_check "detected >= liveness (1900 ms) after the last message" test "$det" -ge 1900
it_check "detected within ping + liveness + 500 ms" test "$det" -le 3500
mapfile -t G < <(gaps "$L")
it_check "reconnected within 550 ms" all_le 550 "${G[0]:-99999}"
it_done
