#!/usr/bin/env bash
# Executor test 2: kill -9 between sending the orders and acking the wave
# (answers delayed by /sim/latency so the orders are in flight). After the
# restart the pending wave is re-read: no second order in the journal (the
# exchange answers 110072 -> duplicate), every position protected.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-crash
. "$HEAN_SRC/tests/executor/exec_lib.sh"

start_redis
start_exsim --seed 11 --symbols BTCUSDT,ETHUSDT,SOLUSDT --rate 2 --fill-delay-ms 5
start_exec

sim_ctl "$EXSIM_URL" "/sim/latency?ms=3000"
T=$(( $(now_s) - 20 ))
ID=$(xadd_wave "$T" BTCUSDT:buy ETHUSDT:buy SOLUSDT:sell)
it_check "3 orders reached the exchange" wait_until 10 out_eq 3 journal_count order
kill -9 "$EXECUTOR_PID"
wait "$EXECUTOR_PID" 2>/dev/null
it_check "wave not acked (answers were still in flight)" test "$(rcli XPENDING hean:waves executor | head -1)" = 1
sim_ctl "$EXSIM_URL" "/sim/latency?ms=0"

t0=$(now_ms)
start_exec
it_check "pending wave drained after restart" wait_until 15 wave_acked "$ID"
figure pel_drain_ms $(( $(now_ms) - t0 ))
for s in BTCUSDT ETHUSDT SOLUSDT; do
	it_check "exactly one order h$T-$s" test "$(orders_for "h$T-$s")" = 1
	it_check "$s protected at the exchange" wait_until 5 protected "$s"
	it_check "$s duplicate in hean:orders" wait_until 5 has_status "h$T-$s" duplicate
done
it_check "one position per symbol" test "$(n_positions)" = 3
it_check "naked_positions 0" wait_field 5 executor naked_positions 0
figure duplicate_orders_in_journal $(( $(journal_count order) - 3 ))
it_done
