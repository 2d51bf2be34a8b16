#!/bin/bash
# e2e 9: the exchange takes protection away; the executor must put a stop
# back within HEAN_REST_POLL_S (plus a margin for the REST round trips).
# Naked time comes from the exchange's stop timeline (journal "stops"),
# never from what hean believes:
#   A. a position opened outside hean (/sim/position, pushed as usual);
#   B. the exchange drops that position's stop without a push
#      (/sim/stop_drop);
#   C. a trading-stop answered OK but not applied, without a push
#      (/sim/tpsl_ignore), for the stop of a second outside position.
# B and C leave no trace on the private stream: only a periodic look at the
# exchange's positions (position/list) finds them.
# (SC2317: predicates called through wait_until look unreachable.)
# shellcheck source-path=SCRIPTDIR source=e2e_lib.sh disable=SC2317
. "${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/e2e/e2e_lib.sh"

# Waves trade only the first symbols; the last two are left to the faults.
# No trailing (activation far away): only a re-protection can end a fault.
E2E_SIGNAL_SYMBOLS=BTCUSDT,ETHUSDT,SOLUSDT,XRPUSDT,DOGEUSDT,ADAUSDT,AVAXUSDT,LINKUSDT
E2E_TRAIL_ACT=90
e2e_init protection
e2e_up
BOUND=$((HEAN_REST_POLL_S * 1000 + ${E2E_PROTECT_MARGIN_MS:-1500}))
WAIT_S=$((BOUND / 1000 + 3))
figure reprotect_bound_ms "$BOUND"

X1=OPUSDT X2=ARBUSDT # no signal names them
stop_of() { exsim_state | jq -r --arg s "$1" '[.positions[] | select(.symbol == $s)][0].stopLoss // "0" | tonumber'; }
protected() { [ "$(stop_of "$1")" != 0 ]; }
# naked_after SYM T [T2]: longest naked interval of SYM that began in [T, T2).
naked_after() {
	naked_json | jq --arg s "$1" --argjson t "$2" --argjson u "${3:-1e15}" \
		'[.[] | select(.symbol == $s and .from_ms >= $t and .from_ms < $u) | .naked_ms] | max // 0'
}

# A: opened outside hean
t_a=$(now_ms)
ctl exsim "/sim/position?symbol=$X1&side=Buy&qty=100"
wait_until "$WAIT_S" protected "$X1" || it_fail "outside position $X1 got no stop in ${WAIT_S}s"
e2e_log "A: $X1 opened outside hean, stop $(stop_of "$X1")"

# B: the exchange drops the stop, silently
t_b=$(now_ms)
ctl exsim "/sim/stop_drop?symbol=$X1"
protected "$X1" && it_fail "/sim/stop_drop left the stop of $X1"
wait_until "$WAIT_S" protected "$X1" || it_fail "dropped stop of $X1 not replaced in ${WAIT_S}s"
e2e_log "B: stop of $X1 dropped, now $(stop_of "$X1")"

# C: the next trading-stop is answered OK but not applied
t_c=$(now_ms)
ctl exsim "/sim/tpsl_ignore?count=1"
ctl exsim "/sim/position?symbol=$X2&side=Buy&qty=100"
wait_until "$WAIT_S" protected "$X2" || it_fail "$X2 (trading-stop ignored) got no stop in ${WAIT_S}s"
IGN=$(exsim_journal | jq --arg s "$X2" '[.[] | select(.kind == "trading_stop" and .symbol == $s
	and .applied == false)] | length')
it_check "the executor's trading-stop for $X2 was answered but not applied" test "$IGN" -ge 1
e2e_log "C: $X2 stop $(stop_of "$X2") after $IGN ignored trading-stop(s)"

NA=$(naked_after "$X1" "$t_a" "$t_b")
NB=$(naked_after "$X1" "$t_b")
NC=$(naked_after "$X2" "$t_c")
e2e_log "naked: $(naked_json)"
figure naked_ms_outside_position "$NA"
figure naked_ms_stop_dropped "$NB"
figure naked_ms_tpsl_ignored "$NC"
it_check "outside position protected within ${BOUND} ms" test "$NA" -le "$BOUND"
it_check "dropped stop replaced within ${BOUND} ms" test "$NB" -le "$BOUND"
it_check "ignored trading-stop replaced within ${BOUND} ms" test "$NC" -le "$BOUND"
it_check "the timeline saw each fault (naked > 0)" test "$NA" -gt 0 -a "$NB" -gt 0 -a "$NC" -gt 0
it_done
