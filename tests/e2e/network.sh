#!/bin/bash
# e2e 3 (reliability §5 test 3): network interruption. The exchange goes
# silent half-open (TCP up, no data, no pongs: /sim/silent) for
# E2E_SILENT_S (8 s here instead of the 20 s of the spec, to fit the suite
# budget; still > 2x HEAN_LIVENESS_TIMEOUT_S), then the signal server does
# the same. Both links recover by themselves (liveness verdict, reconnect),
# no wave is missed, and trading resumes: new orders in the exchange
# journal after the faults.
# (SC2317: predicates called through wait_until look unreachable.)
# shellcheck source-path=SCRIPTDIR source=e2e_lib.sh disable=SC2317
. "${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/e2e/e2e_lib.sh"

SILENT=${E2E_SILENT_S:-8}
e2e_init network
e2e_up
wait_until 15 has_waves || it_fail "no wave emitted after up"
FROM=$(first_wave)

# ----- the exchange: public and private WS silent -----
FREC0=$(health_field feed reconnects)
ticks_seen() { [ "$(rcli XLEN hean:ticks)" -gt "$1" ]; }
t0=$(now_ms)
ctl exsim "/sim/silent?secs=$SILENT&path=all"
feed_back() { [ "$(health_field feed reconnects)" -gt "$FREC0" ] && is_healthy feed; }
wait_until $((SILENT + 15)) feed_back || it_fail "feed did not recover from the silent exchange"
figure feed_recover_ms $(($(now_ms) - t0))
d=$(event_ms feed disconnected "$t0")
[ -n "$d" ] && figure feed_liveness_verdict_ms $((d - t0))
n=$(rcli XLEN hean:ticks)
wait_until 5 ticks_seen "$n" || it_fail "no ticks after the feed recovered"
wait_until 10 is_healthy executor || it_fail "executor not healthy after the exchange came back"

# ----- then the signal server -----
SREC0=$(health_field signals reconnects)
t1=$(now_ms)
ctl sigsim "/sim/silent?secs=$SILENT"
sig_back() { [ "$(health_field signals reconnects)" -gt "$SREC0" ] && is_healthy signals; }
wait_until $((SILENT + 15)) sig_back || it_fail "signals did not recover from the silent server"
figure signals_recover_ms $(($(now_ms) - t1))
d=$(event_ms signals disconnected "$t1")
[ -n "$d" ] && figure signals_liveness_verdict_ms $((d - t1))
t_end=$(now_ms)

# ----- trading resumes -----
recycle_positions || it_fail "positions not closed by their stops"
# an order for a wave whose signals came after the signal server's silence
W_AFF=$(next_wave_due_after $((t1 / 1000)))
orders_after() {
	[ "$(orders_per_link | jq --argjson w "$W_AFF" '[keys[] | ltrimstr("h") | split("-")[0]
		| tonumber | select(. >= $w)] | length')" -ge 1 ]
}
wait_until $((3 * E2E_WI + 5)) orders_after || it_fail "no order for a wave >= $(iso_utc "$W_AFF")"
t_order=$(exsim_journal | jq --argjson w "$W_AFF" '[.[] | select(.kind == "order"
	and ((.orderLinkId // "h0-") | ltrimstr("h") | split("-")[0] | tonumber) >= $w) | .t_ms | tonumber] | min // 0')
figure first_order_after_faults_ms $((t_order - t_end))
TO=$(last_wave)
check_waves "$FROM" "$TO"
figure waves_checked $(((TO - FROM) / E2E_WI + 1))
figure missed_waves "$MISSED"
figure expired_waves "$EXPIRED"
it_check "no wave missed" test "$MISSED" = 0
it_check "no wave doubled" test "$DOUBLED" = 0
it_check "no wave expired" test "$EXPIRED" = 0
it_check "every wave had the server's signals" test "$MISMATCH" = 0
it_check "duplicate orders at the exchange: 0" test "$(dup_orders)" = 0
nk=$(naked_max_ms)
figure naked_max_ms "$nk"
it_check "no naked position" test "$nk" -le 2000
it_done
