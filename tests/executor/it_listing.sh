#!/usr/bin/env bash
# Executor test: a signal for a symbol listed after the instrument table was
# read (a listing of the day) is traded: the unknown symbol makes the
# executor read instruments-info again, at most once per wave read, before
# it decides. A symbol listed nowhere is still skipped as "unknown
# instrument"; two of them in one wave cause one read.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-listing
. "$HEAN_SRC/tests/executor/exec_lib.sh"

start_redis
start_exsim --seed 41 --symbols BTCUSDT,ETHUSDT --rate 2 --fill-delay-ms 5
start_exec
log=$IT_DIR/executor.log
loads() { count_matches "$log" 'event=instruments_loaded'; }
loads0=$(loads)

# listed after the executor read the table
sim_ctl "$EXSIM_URL" "/sim/list?symbol=NEWUSDT"
T1=$(now_s)
ID1=$(xadd_wave "$T1" NEWUSDT:buy)
it_check "NEWUSDT wave acked" wait_until 15 wave_acked "$ID1"
it_check "NEWUSDT ordered at the exchange" test "$(orders_for "h$T1-NEWUSDT")" = 1
it_check "NEWUSDT protected at the exchange" wait_until 5 protected NEWUSDT
it_check "one more instruments read for it" test "$(loads)" = $((loads0 + 1))
it_check "the read names the symbol" grep -q 'event=instruments_reload symbol=NEWUSDT' "$log"

# listed nowhere (two in one wave): one read, then skipped with its reason
T2=$(now_s)
ID2=$(xadd_wave "$T2" NOPEUSDT:buy NOPE2USDT:sell)
it_check "unknown symbols' wave acked" wait_until 15 wave_acked "$ID2"
for s in NOPEUSDT NOPE2USDT; do
	it_check "$s skipped" has_status "h$T2-$s" skipped
	it_check "$s: reason unknown instrument" grep -q "symbol=$s.*unknown instrument" "$log"
	it_check "no order for $s" test "$(orders_for "h$T2-$s")" = 0
done
it_check "one read for the wave" test "$(loads)" = $((loads0 + 2))
it_done
