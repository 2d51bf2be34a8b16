#!/bin/bash
# e2e 5 (reliability §5 test 13): kill -9 of hean-executor mid-wave. REST
# answers are delayed (/sim/latency) so the wave's orders are at the
# exchange but unanswered when the executor dies; at the same moment a
# position without a stop appears at the exchange (/sim/position). The
# watchdog restarts the executor, which re-reads its pending wave: no
# duplicate order (one accepted order per orderLinkId, i.e. per (wave,
# symbol)), no lost order (every selected signal of the wave has its
# order), and no position stands without a stop-loss longer than the
# restart takes (from the exchange's stop timeline). The exchange forgets
# orderLinkIds after 200 ms (E2E_LINK_MEMORY_MS), so the replay cannot lean
# on 110072: duplicates are counted at the exchange whatever their link id.
# (SC2317: predicates called through wait_until look unreachable.)
# shellcheck source-path=SCRIPTDIR source=e2e_lib.sh disable=SC2317
. "${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/e2e/e2e_lib.sh"

E2E_LINK_MEMORY_MS=${E2E_LINK_MEMORY_MS:-200}
e2e_init executor-kill
e2e_up
wait_until 15 has_waves || it_fail "no wave emitted after up"
EXEC0=$(pid_of executor)
declare -A P0
for n in feed signals waves; do P0[$n]=$(pid_of "$n"); done

ctl exsim "/sim/latency?ms=${E2E_LATENCY_MS:-1500}"
# the next wave with orders to place
W=
for try in 1 2 3 4; do
	recycle_positions
	w=$(next_wave_due_after "$(date +%s)")
	wait_wave "$w" 3 || { it_fail "wave $(iso_utc "$w") not emitted"; break; }
	reason=$(waves_json | jq -r --argjson w "$w" '[.[] | select(.w == $w)][0].reason')
	if [ "$reason" = ok ]; then
		W=$w
		break
	fi
	e2e_log "wave $(iso_utc "$w") is $reason; next one"
done
[ -n "$W" ] || { it_fail "no wave with orders"; it_done; }
# mid-wave: the orders are in flight (answers held by the latency)
sent() { journal_ge order 1 $(($(due_s "$W") * 1000 - 1)); }
wait_until 3 sent || it_fail "no order of wave $(iso_utc "$W") reached the exchange"
free=$(exsim_state | jq -r --arg all "$E2E_SYMBOLS" '[.positions[] | select((.size | tonumber) > 0) | .symbol] as $u
	| [$all | split(",")[] | select(. as $s | $u | index($s) | not)] | last')
t_k=$(now_ms)
kill -KILL "$EXEC0"
curl -sf -X POST "$EXSIM_URL/sim/position?symbol=$free&side=Buy&qty=100" >/dev/null ||
	it_fail "/sim/position refused"
e2e_log "executor killed mid-wave $(iso_utc "$W"); naked position $free opened"
ctl exsim "/sim/latency?ms=0"
wait_until 10 new_pid executor "$EXEC0" || it_fail "watchdog did not restart the executor"
t_new=$(now_ms)
wait_until 15 is_healthy executor || it_fail "restarted executor not healthy"
t_ok=$(now_ms)
figure executor_restart_ms $((t_new - t_k))
figure executor_healthy_after_kill_ms $((t_ok - t_k))
protected() { [ "$(exsim_state | jq -r --arg s "$free" '[.positions[] | select(.symbol == $s)][0].stopLoss | tonumber > 0')" = true ]; }
wait_until 10 protected || it_fail "the naked position $free got no stop-loss"

# one more wave handled by the new executor
W2=$(next_wave_due_after "$(date +%s)")
wait_wave "$W2" || it_fail "wave $(iso_utc "$W2") not emitted"
settled() { [ "$(rcli XPENDING hean:waves executor | head -n 1)" = 0 ]; }
wait_until 10 settled || it_fail "executor left waves pending"

DJ=$(dup_orders_json)
DUP=$(jq length <<<"$DJ")
e2e_log "duplicate orders at the exchange: $DJ"
figure duplicate_orders "$DUP"
it_check "one accepted order per (wave, symbol)" test "$DUP" = 0
WANT=$(waves_json | jq -c --argjson w "$W" '[.[] | select(.w == $w)][0].signals | fromjson | map(.symbol) | sort')
LINKS=$(orders_per_link)
HAVE=$(jq -c --arg p "h$W-" '[to_entries[] | select(.key | startswith($p)) | .key | ltrimstr($p)] | sort' <<<"$LINKS")
e2e_log "wave $(iso_utc "$W"): selected $WANT, orders at the exchange $HAVE"
it_check "every selected signal of the killed wave has its order" test "$WANT" = "$HAVE"
ND=$(rcli XRANGE hean:orders - + | grep -cx duplicate)
figure replayed_as_duplicate "$ND"
NJ=$(naked_json)
e2e_log "naked: $NJ"
nk=$(jq '[.[].naked_ms] | max // 0' <<<"$NJ")
figure naked_max_ms "$nk"
it_check "no position naked longer than the restart (+2 s)" test "$nk" -le $((t_ok - t_k + 2000))
for n in feed signals waves; do
	it_check "$n not restarted" test "$(pid_of "$n")" = "${P0[$n]}"
done
it_done
