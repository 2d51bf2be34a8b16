#!/bin/bash
# e2e 9: the production path, TLS with verification on. Both simulators
# serve wss:// and https:// with a certificate from a CA made for this run;
# every hean connection goes over TLS (public and private WebSocket, REST,
# signal server), with HEAN_TLS_CA_FILE = that CA and HEAN_TLS_INSECURE=0,
# and names (localhost) go through hean's own resolver. The pipeline trades:
# waves selected, orders accepted at the exchange, none doubled.
# Then the feed is restarted trusting a wrong CA: it must refuse the
# exchange (a log line naming the peer and the reason), stay out of
# "streaming" and retry with backoff - never fall back to an unverified
# link; restarted with the right CA it streams again.
# (SC2317: predicates called through wait_until look unreachable.)
# shellcheck source-path=SCRIPTDIR source=e2e_lib.sh disable=SC2317
. "${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/e2e/e2e_lib.sh"
# shellcheck source=../common/net_lib.sh
. "$HEAN_SRC/tests/common/net_lib.sh"

# Both simulators (started by e2e_init) get the certificate; the CA is
# made on first use, in this case's directory.
eval "plain_$(declare -f sim_start)"
sim_start() {
	local kind=$1 bin=$2
	shift 2
	[ -f "$IT_DIR/ca/srv.pem" ] || make_test_ca "$IT_DIR/ca" || return 1
	plain_sim_start "$kind" "$bin" "$@" --tls-cert "$IT_DIR/ca/srv.pem" --tls-key "$IT_DIR/ca/srv.key"
}

e2e_init tls
CA=$IT_DIR/ca
export HEAN_TLS_CA_FILE=$CA/ca.pem HEAN_TLS_INSECURE=0
export HEAN_BYBIT_WS_PUBLIC=wss://127.0.0.1:$EXSIM_PORT/v5/public/linear
export HEAN_BYBIT_WS_PRIVATE=wss://localhost:$EXSIM_PORT/v5/private
export HEAN_BYBIT_REST=https://localhost:$EXSIM_PORT
export HEAN_SIGNAL_URL=wss://localhost:$SIGSIM_PORT/
e2e_up
LOGS=("$E2E_LOGDIR"/feed.log "$E2E_LOGDIR"/signals.log "$E2E_LOGDIR"/executor.log)
wss_open() { grep -q "event=ws_open name=$2[^ ]* url=wss://" "$E2E_LOGDIR/$1.log"; }
it_check "feed: public WebSocket open over wss" wss_open feed public
it_check "signals: signal server open over wss" wss_open signals signals
it_check "executor: private WebSocket open over wss" wss_open executor private
it_check "names resolved by hean (localhost)" grep -q "event=ws_resolved .*host=localhost addr=127.0.0.1" "$E2E_LOGDIR/signals.log"
it_check "every process trusted the run's CA" test "$(grep -l "event=ws_tls_ca file=$CA/ca.pem" "${LOGS[@]}" | wc -l)" = 3
it_check "nothing unverified" test "$(cat "${LOGS[@]}" | grep -c 'tls_insecure\|NOT verified')" = 0

# Trading over TLS: a wave with orders at the exchange (REST over https).
T0=$(now_ms)
orders_ok() { [ "$(orders_per_link | jq 'length')" -ge 1 ]; }
wait_until 30 orders_ok || it_fail "no order reached the exchange over https within 30 s"
figure ms_to_first_order_after_up $(($(now_ms) - T0))
W=$(next_wave_due_after "$(date +%s)")
wait_wave "$W" || it_fail "wave $(iso_utc "$W") not emitted"
norders() { orders_per_link | jq length; }
wait_until 10 out_ge 2 norders || it_fail "fewer than 2 orders"
NORD=$(norders)
figure orders_over_tls "$NORD"
figure ticks_over_wss "$(rcli XLEN hean:ticks)"
figure signals_over_wss "$(rcli XLEN hean:signals)"
it_check "orders accepted at the exchange" test "$NORD" -ge 2
it_check "no order doubled" test "$(dup_orders)" = 0
it_check "ticks over wss" test "$(rcli XLEN hean:ticks)" -gt 0
it_check "signals over wss" test "$(rcli XLEN hean:signals)" -gt 0

# Wrong CA: refused, logged, backoff; no insecure fallback.
FL=$E2E_LOGDIR/feed.log
n0=$(wc -l <"$FL")
export HEAN_TLS_CA_FILE=$CA/wrong.pem
t_wrong=$(now_ms)
hean restart feed
refused() { [ "$(count_matches "$FL" 'event=ws_connect_failed name=public[0-9]* peer=127.0.0.1:'"$EXSIM_PORT"' url=wss://[^ ]* reason="TLS certificate refused: unable to get local issuer certificate' "$n0")" -ge 3 ]; }
wait_until 15 refused || it_fail "feed with a wrong CA: no 3 refusals logged within 15 s"
figure wrong_ca_refusals "$(count_matches "$FL" "event=ws_connect_failed .*TLS certificate refused" "$n0")"
figure wrong_ca_first_refusal_ms "$(($(date -d "$(tail -n +"$((n0 + 1))" "$FL" | grep -m1 'TLS certificate refused' | cut -d' ' -f1)" +%s%3N) - t_wrong))"
mapfile -t D < <(tail -n +"$((n0 + 1))" "$FL" | sed -nE 's/.*event=ws_reconnect name=public[0-9]* delay_ms=([0-9]+).*/\1/p')
figure wrong_ca_backoff_ms "${D[*]}"
it_check "wrong CA: backoff delays growing (${D[*]})" strictly_increasing "${D[@]:0:3}"
it_check "wrong CA: never opened" test "$(count_matches "$FL" 'event=ws_open' "$n0")" = 0
it_check "wrong CA: never streaming" test "$(health_state feed)" != streaming
it_check "wrong CA: no insecure fallback" test "$(count_matches "$FL" 'tls_insecure|NOT verified' "$n0")" = 0
export HEAN_TLS_CA_FILE=$CA/ca.pem
t_fix=$(now_ms)
hean restart feed
wait_until 15 is_healthy feed || it_fail "feed with the right CA not streaming within 15 s"
figure ms_to_streaming_after_right_ca $(($(now_ms) - t_fix))
it_done
