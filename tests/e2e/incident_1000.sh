#!/bin/bash
# e2e 7: a signal server that closes every connection with code 1000,
# compressed (a client once took such a close for "still authenticated" and
# failed for hours, missing 13 waves). The signal server answers every
# get_signals with a close 1000 (/sim/close_on_get_signals) for
# E2E_N_WAVES waves (default 13 waves of 5 s = 65 s instead of 13 waves of
# 15 min). The client must reconnect after every close and still get
# each wave (push or the initial buffer after re-auth): 0 missed, 0
# expired, each wave with the server's signals, and trading goes on (every
# selected signal has its order, none doubled).
# (SC2317: predicates called through wait_until look unreachable.)
# shellcheck source-path=SCRIPTDIR source=e2e_lib.sh disable=SC2317
. "${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/e2e/e2e_lib.sh"

N=${E2E_N_WAVES:-13}
e2e_init incident-1000
e2e_up
REC0=$(health_field signals reconnects)
st() { curl -sf -m 5 "$SIGSIM_URL/sim/stats"; }
GS0=$(st | jq '.get_signals // 0')
ctl sigsim "/sim/close_on_get_signals?on=1"
t_on=$(date +%s)
FROM=$(next_wave_due_after "$t_on")
TO=$((FROM + (N - 1) * E2E_WI))
e2e_log "close 1000 on every get_signals for waves $(iso_utc "$FROM")..$(iso_utc "$TO")"
for ((w = FROM; w <= TO; w += E2E_WI)); do
	wait_wave "$w" || it_fail "wave $(iso_utc "$w") not emitted in time"
	# keep symbols free so every wave can trade
	[ $(((w - FROM) / E2E_WI % 3)) = 2 ] && recycle_positions
done
ctl sigsim "/sim/close_on_get_signals?on=0"
figure fault_waves "$N"
figure fault_s $(($(date +%s) - t_on))
figure signals_reconnects_during_fault $(($(health_field signals reconnects) - REC0))
figure get_signals_closed $(($(st | jq '.get_signals // 0') - GS0))
settled() { [ "$(rcli XPENDING hean:waves executor | head -n 1)" = 0 ]; }
wait_until 10 settled || it_fail "executor left waves pending"

check_waves "$FROM" "$TO"
LOST=$(orders_lost "$FROM" "$TO")
NORD=$(orders_per_link | jq --argjson a "$FROM" --argjson b "$TO" '[keys[] | ltrimstr("h") | split("-")[0]
	| tonumber | select(. >= $a and . <= $b)] | length')
LAG=$(waves_json | jq --argjson a "$FROM" --argjson b "$TO" '[.[] | select(.w >= $a and .w <= $b)
	| (.emitted_ms | tonumber) - (.due_ms | tonumber)] | max // 0')
figure missed_waves "$MISSED"
figure expired_waves "$EXPIRED"
figure max_wave_lag_ms "$LAG"
figure orders_during_fault "$NORD"
figure lost_orders "$LOST"
it_check "the fault bit (signals reconnected)" test $(($(health_field signals reconnects) - REC0)) -ge 2
it_check "no wave missed" test "$MISSED" = 0
it_check "no wave doubled" test "$DOUBLED" = 0
it_check "no wave expired" test "$EXPIRED" = 0
it_check "every wave had the server's signals" test "$MISMATCH" = 0
it_check "trading went on" test "$NORD" -ge "$N"
it_check "no order lost" test "$LOST" = 0
it_check "no order doubled" test "$(dup_orders)" = 0
it_done
