#!/bin/bash
# A 2 MiB message over max_msg (1 MiB default): close 1009 to the server,
# on_close 1009, reconnect. With max_msg 4 MiB the same message arrives whole.
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/common/net_lib.sh"
it_init net-ws-huge
start_wssrv
URL="ws://127.0.0.1:$WS_PORT/huge"

probe huge --url "$URL" --duration-ms 1500
L=$IT_DIR/huge.log
it_check "probe exits cleanly" probe_clean huge
it_check "on_close 1009" grep -q "ev=close code=1009 .* state=disconnected send_rc=-107" "$L"
it_check "no message delivered" test "$(exit_field "$L" msgs)" = 0
it_check "server got close 1009" grep -q "ev=peer_close conn=1 code=1009" "$IT_DIR/wssrv.log"
it_check "reconnected" test "$(exit_field "$L" opens)" -ge 2
G=$(gaps "$L" | head -n 1)
figure reconnect_after_1009_ms "$G"

probe big --url "$URL" --max-msg 4194304 --duration-ms 1000
L=$IT_DIR/big.log
it_check "big: probe exits cleanly" probe_clean big
it_check "big: 2 MiB delivered whole" grep -q "ev=msg len=2097152$" "$L"
it_check "big: no close" test "$(exit_field "$L" closes)" = 0
it_done
