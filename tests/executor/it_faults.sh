#!/usr/bin/env bash
# Executor test 3: 10006 and 5xx answers on order/create are retried and
# succeed; a lost answer (the order applied, the reply dropped) and a held
# request (client timeout) do not produce a second order: the order is
# looked up by orderLinkId before anything is re-sent.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-faults
. "$HEAN_SRC/tests/executor/exec_lib.sh"

start_redis
start_exsim --seed 13 --symbols BTCUSDT,ETHUSDT,SOLUSDT,AAAUSDT,BBBUSDT,CCCUSDT,DDDUSDT,EEEUSDT --rate 2 --fill-delay-ms 5
start_exec

T=$(( $(now_s) - 100 ))
run_wave() { # KIND COUNT TS SYMS...: arm the fault, send the wave, wait for the ack
	local kind=$1 count=$2 ts=$3 t0 id
	shift 3
	sim_ctl "$EXSIM_URL" "/sim/rest_fault?kind=$kind&count=$count&path=/v5/order/create"
	t0=$(now_ms)
	id=$(xadd_wave "$ts" "$@")
	it_check "$kind: wave acked" wait_until 20 wave_acked "$id"
	figure "${kind}_wave_ms" $(( $(now_ms) - t0 ))
	for s in "$@"; do
		s=${s%%:*}
		it_check "$kind: one order h$ts-$s" test "$(orders_for "h$ts-$s")" = 1
		# a lost answer may come back as 110072: curl itself re-sends a request
		# whose reused connection died without a byte (Curl_retry_request)
		it_check "$kind: $s submitted/duplicate" has_status "h$ts-$s" "submitted\|duplicate"
		it_check "$kind: $s protected" wait_until 5 protected "$s"
	done
}
rejects() { exsim_journal | jq --arg k "$1" '[.[] | select(.kind=="reject" and (.retCode|tostring)==$k)] | length'; }

run_wave 10006 2 "$T" BTCUSDT:buy ETHUSDT:buy
it_check "10006 answers happened" test "$(rejects 10006)" -ge 2
run_wave 5xx 2 "$((T + 1))" SOLUSDT:buy AAAUSDT:sell
it_check "502 answers happened" test "$(rejects 502)" -ge 2
run_wave lost 2 "$((T + 2))" BBBUSDT:buy CCCUSDT:buy
run_wave timeout 1 "$((T + 3))" DDDUSDT:buy
it_check "no sell-side or extra orders" test "$(journal_count order)" = 7
it_check "retries counted" test "$(health_field executor retries)" -ge 4
it_check "naked_positions 0" wait_field 5 executor naked_positions 0
figure retries "$(health_field executor retries)"
it_done
