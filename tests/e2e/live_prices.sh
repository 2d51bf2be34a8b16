#!/bin/bash
# e2e 11: live prices follow the trading. The feed is configured with
# HEAN_SYMBOLS=BTCUSDT only; the signal server names ETHUSDT only.
#   1. a wave opens ETHUSDT: hean:ticker:ETHUSDT is fresh within 2 s of the
#      fill (the instant comes from the exchange's stop timeline);
#   2. the signal server goes away and every signalled wave passes: the open
#      position alone (hean:want:executor) keeps ETHUSDT streamed past the
#      unsubscribe grace;
#   3. the position is closed at the exchange: ETHUSDT is unsubscribed after
#      the grace and its hash stops moving, while BTCUSDT streams on.
# (SC2317: predicates called through wait_until look unreachable.)
# shellcheck source-path=SCRIPTDIR source=e2e_lib.sh disable=SC2317
. "${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/e2e/e2e_lib.sh"

E2E_SIGNAL_SYMBOLS=ETHUSDT
E2E_PER_WAVE=1
E2E_TRAIL_ACT=90 # no trailing: the stop stays where the position is closed by
e2e_init live-prices
export HEAN_SYMBOLS=BTCUSDT HEAN_FEED_UNSUB_GRACE_S=3
e2e_up
FLOG=$E2E_LOGDIR/feed.log

recv_us() { local v; v=$(hget "hean:ticker:$1" recv_us); echo "${v:-0}"; }
# fill_ms SYM: t_ms of the first instant the exchange held a position in SYM.
fill_ms() {
	exsim_journal | jq --arg s "$1" '[.[] | select(.kind == "stops" and .symbol == $s
		and ((.size // "0") | tostring | tonumber) > 0)][0].t_ms // empty'
}
has_fill() { [ -n "$(fill_ms "$1")" ]; }
fresh_after_ms() { [ "$(recv_us "$1")" -gt $(($2 * 1000)) ]; }
open_size() {
	exsim_state | jq --arg s "$1" '[.positions[] | select(.symbol == $s) | .size | tonumber] | add // 0'
}
unsubscribed() { [ "$(count_matches "$FLOG" "event=unsubscribe symbol=$1" "${2:-0}")" -ge 1 ]; }
still_subscribed() { ! unsubscribed "$@"; }

# 1. the first ETHUSDT fill
wait_until $((2 * E2E_WI + E2E_WD + 8)) has_fill ETHUSDT || it_fail "no ETHUSDT position opened"
F=$(fill_ms ETHUSDT)
it_check "hean:ticker:ETHUSDT fresh within 2 s of the fill" \
	wait_until $((F / 1000 + 2 - $(now_ms) / 1000 + 1)) fresh_after_ms ETHUSDT "$F"
R=$(recv_us ETHUSDT)
figure fill_to_fresh_ms $((R / 1000 - F))
it_check "... and that within 2000 ms of the fill (receive time $((R / 1000 - F)) ms)" \
	test $((R / 1000 - F)) -le 2000

# 2. no more signals: once the signalled waves are over only the position
# keeps ETHUSDT wanted
L0=$(wc -l <"$FLOG")
sigsim_kill
sleep $((2 * E2E_WI + E2E_WD))
wait_until 5 eval '[ "$(rcli SCARD hean:want:waves)" = 0 ]' ||
	e2e_log "note: hean:want:waves still holds $(rcli SMEMBERS hean:want:waves | tr '\n' ' ')"
if [ "$(open_size ETHUSDT)" = 0 ]; then
	it_fail "ETHUSDT position closed before the check (stop hit?)"
fi
sleep $((HEAN_FEED_UNSUB_GRACE_S + 3))
it_check "an open ETHUSDT position keeps it streamed past the grace" still_subscribed ETHUSDT "$L0"
t=$(now_ms)
it_check "ETHUSDT still fresh while the position is open" wait_until 2 fresh_after_ms ETHUSDT "$t"
it_check "hean:want:executor names ETHUSDT" \
	[ "$(rcli SISMEMBER hean:want:executor ETHUSDT)" = 1 ]

# 3. the exchange closes the position (price through its stop)
recycle_positions
wait_until 5 eval '[ "$(open_size ETHUSDT)" = 0 ]' || it_fail "ETHUSDT position not closed"
C=$(now_ms)
it_check "ETHUSDT unsubscribed after the position closed and the grace passed" \
	wait_until $((HEAN_FEED_UNSUB_GRACE_S + 2 + 4)) unsubscribed ETHUSDT "$L0"
figure close_to_unsubscribe_ms $(($(now_ms) - C))
sleep 1
e1=$(recv_us ETHUSDT)
t=$(now_ms)
sleep 1.5
it_check "ETHUSDT hash no longer moves" [ "$(recv_us ETHUSDT)" = "$e1" ]
it_check "BTCUSDT streams on" fresh_after_ms BTCUSDT "$t"
it_check "the feed never reconnected" [ "$(health_field feed reconnects)" = 0 ]
it_done
