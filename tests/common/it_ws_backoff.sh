#!/bin/bash
# Backoff: a server that closes every connection right after open (after
# sending "hello"). Without an owner reset, attempts follow the table
# (250, 500, 1000, 2000 ms +-20 %) although each session delivered a
# message; with hean_ws_backoff_reset on "hello" every delay is the first
# step. Attempts are counted over a 4 s window.
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/common/net_lib.sh"
it_init net-ws-backoff
start_wssrv
URL="ws://127.0.0.1:$WS_PORT/close_open?hello=1"

probe noreset --url "$URL" --duration-ms 4000
L=$IT_DIR/noreset.log
it_check "no reset: probe exits cleanly" probe_clean noreset
mapfile -t D < <(field "$L" reconnecting delay_ms)
mapfile -t G < <(gaps "$L")
figure delays_no_reset "${D[*]}"
figure attempts_in_4s_no_reset "$(exit_field "$L" opens)"
it_check "no reset: every session got hello" test "$(exit_field "$L" msgs)" = "$(exit_field "$L" opens)"
it_check "no reset: 4-6 attempts in 4 s" test "$(exit_field "$L" opens)" -ge 4 -a "$(exit_field "$L" opens)" -le 6
it_check "no reset: delays strictly increasing" strictly_increasing "${D[@]}"
it_check "no reset: gaps strictly increasing" strictly_increasing "${G[@]}"
ok=1
base=(250 500 1000 2000 5000)
for i in "${!D[@]}"; do
	b=${base[$i]:-5000}
	[ "${D[$i]}" -ge $((b * 80 / 100)) ] && [ "${D[$i]}" -le $((b * 120 / 100)) ] || ok=0
done
it_check "no reset: delays follow the table +-20 %" test "$ok" = 1

probe reset --url "$URL" --reset-on hello --duration-ms 2000
L=$IT_DIR/reset.log
it_check "reset: probe exits cleanly" probe_clean reset
mapfile -t D < <(field "$L" reconnecting delay_ms)
figure delays_with_reset "${D[*]}"
it_check "reset: every delay on the first step (<= 300 ms)" all_le 300 "${D[@]}"
it_check "reset: >= 6 attempts in 2 s" test "$(exit_field "$L" opens)" -ge 6
it_done
