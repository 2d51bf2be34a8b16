#!/bin/bash
# e2e 4 (reliability §5 test 6): kill -9 of hean-feed with open positions.
# The watchdog restarts feed (measured: kill -> new pid, target < 1 s). The
# exchange refuses the restarted feed's WebSocket for E2E_REFUSE_S (6 s) so
# the ticks really stop: the executor must notice the stale stream, switch
# to REST prices (health rest_fallback=1) and keep trailing its stops
# (trading_stop entries in the exchange journal while the price moves in
# the position's favour), then return to the stream (rest_fallback=0).
# No other process is restarted.
# (SC2317: predicates called through wait_until look unreachable.)
# shellcheck source-path=SCRIPTDIR source=e2e_lib.sh disable=SC2317
. "${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/e2e/e2e_lib.sh"

REFUSE=${E2E_REFUSE_S:-6}
e2e_init feed-kill
e2e_up
has_position() { [ "$(exsim_state | jq '[.positions[] | select((.size | tonumber) > 0 and (.stopLoss | tonumber) > 0)] | length')" -ge 1 ]; }
wait_until 20 has_position || it_fail "no position opened"
read -r SYM SIDE PX < <(exsim_state | jq -r '[.positions[] | select((.size | tonumber) > 0)][0] | "\(.symbol) \(.side) \(.avgPrice)"')
e2e_log "position $SYM $SIDE at $PX"
declare -A P0
for n in signals waves executor; do P0[$n]=$(pid_of "$n"); done
FEED0=$(pid_of feed)

ctl exsim "/sim/refuse?secs=$REFUSE"
t_k=$(now_ms)
kill -KILL "$FEED0"
wait_until 5 new_pid feed "$FEED0" || it_fail "watchdog did not restart feed"
t_new=$(now_ms)
figure feed_restart_ms $((t_new - t_k))
it_check "watchdog restarted feed within 1 s" test $((t_new - t_k)) -le 1000

# Move the price in the position's favour, 0.2 % every 0.5 s, while the
# feed is locked out; the executor has only REST to see it.
fallback() { [ "$(health_field executor rest_fallback)" = 1 ]; }
i=0 t_fb=
while [ $(($(now_ms) - t_k)) -lt $((REFUSE * 1000)) ]; do
	i=$((i + 1))
	if [ "$SIDE" = Buy ]; then f=$(jq -n "1 + 0.002 * $i"); else f=$(jq -n "1 - 0.002 * $i"); fi
	curl -sf -X POST "$EXSIM_URL/sim/price?symbol=$SYM&price=$(jq -n "$PX * $f")" >/dev/null
	[ -z "$t_fb" ] && fallback && t_fb=$(now_ms)
	sleep 0.5
done
[ -n "$t_fb" ] || { wait_until 3 fallback && t_fb=$(now_ms); }
if [ -n "$t_fb" ]; then
	figure rest_fallback_after_kill_ms $((t_fb - t_k))
else
	it_fail "executor never reported rest_fallback=1"
fi
wait_until 15 is_healthy feed || it_fail "feed not streaming after the refusal ended"
t_back=$(now_ms)
figure feed_down_ms $((t_back - t_k))
stream_again() { [ "$(health_field executor rest_fallback)" = 0 ]; }
wait_until 10 stream_again || it_fail "executor stayed on REST prices after the feed came back"

NTS=$(exsim_journal | jq --arg s "$SYM" --argjson a "${t_fb:-$t_k}" --argjson b "$t_back" \
	'[.[] | select(.kind == "trading_stop" and .symbol == $s and ((.retCode // 0) | tostring) == "0"
		and (.t_ms | tonumber) >= $a and (.t_ms | tonumber) <= $b)] | length')
figure trading_stops_during_outage "$NTS"
it_check "stops trailed from REST while the feed was down" test "$NTS" -ge 1
for n in signals waves executor; do
	it_check "$n not restarted" test "$(pid_of "$n")" = "${P0[$n]}"
done
figure executor_restarts_caused_by_others $(($(pid_of executor) != P0[executor]))
nk=$(naked_max_ms)
figure naked_max_ms "$nk"
it_check "no naked position" test "$nk" -le 2000
it_done
