#!/usr/bin/env bash
# Executor test: flatten through hean:control. Three open positions are
# closed with reduce-only market orders, position/list confirms them flat
# (flatten_done), and no position is ever seen at the exchange without its
# stop-loss while it is open (sampled every 100 ms from /sim/state). A
# repeated request places nothing; a request interrupted by kill -9 is
# re-read after the restart and finishes.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-flatten
. "$HEAN_SRC/tests/executor/exec_lib.sh"

start_redis
start_exsim --seed 53 --symbols BTCUSDT,ETHUSDT,SOLUSDT --rate 2 --fill-delay-ms 5
start_exec
all_protected() { exsim_state | jq -e '[.positions[] | (.stopLoss | tonumber) > 0] | all' >/dev/null; }
reduce_orders() { exsim_journal | jq '[.[] | select(.kind=="order" and .reduceOnly==true)] | length'; }
flatten() { rcli XADD hean:control '*' cmd flatten symbol "$1" req_id "$2" >/dev/null; }
# done_for REQ: a flatten_done event for that req_id
done_for() { rcli XRANGE hean:events - + | grep -A2 -x flatten_done | grep -q -- "^req_id=$1 "; }

T=$(( $(now_s) - 20 ))
ID=$(xadd_wave "$T" BTCUSDT:buy ETHUSDT:sell SOLUSDT:buy)
it_check "wave acked" wait_until 10 wave_acked "$ID"
it_check "three positions" wait_until 5 out_eq 3 n_positions
it_check "all protected" wait_until 5 all_protected
# metrics: order counters and the two histograms (hean_hist text: "count sum c0 ... c16")
hist_count() { health_field executor "$1" | awk '{ print $1 + 0 }'; }
it_check "orders_submitted 3" wait_field 3 executor orders_submitted 3
it_check "hist_wave_to_accepted counts 3" wait_until 3 out_eq 3 hist_count hist_wave_to_accepted
it_check "hist_fill_to_stop counts 3" wait_until 3 out_eq 3 hist_count hist_fill_to_stop
it_check "histogram has 19 fields" test "$(health_field executor hist_fill_to_stop | wc -w)" = 19

naked_sampler() {
	while :; do
		exsim_state | jq '[.positions[] | select((.size|tonumber) > 0 and (.stopLoss|tonumber) == 0)] | length'
		sleep 0.1
	done >"$IT_DIR/naked.txt"
}
naked_sampler &
IT_PIDS+=("$!")
SAMPLER=$!
sim_ctl "$EXSIM_URL" "/sim/latency?ms=400" # slow answers: the sampler sees the flatten
t0=$(now_ms)
# the operator's command: scripts/hean flatten (waits for flatten_done)
mkdir -p "$IT_DIR/home/var/run" && chmod 700 "$IT_DIR/home/var" "$IT_DIR/home/var/run"
HEAN_HOME=$IT_DIR/home HEANCTL_FLATTEN_TIMEOUT=15 "$HEAN_SRC/scripts/hean" flatten >"$IT_DIR/flatten.out" 2>&1
it_check "scripts/hean flatten: confirmed flat (exit 0)" test $? = 0
it_check "scripts/hean flatten said flat" grep -q "^flat: ALL" "$IT_DIR/flatten.out"
it_check "flatten_started" events_match "flatten_started"
figure flatten_ms $(( $(now_ms) - t0 ))
kill "$SAMPLER"
wait "$SAMPLER" 2>/dev/null
sim_ctl "$EXSIM_URL" "/sim/latency?ms=0"
it_check "no position left" test "$(n_positions)" = 0
it_check "three reduce-only orders" test "$(reduce_orders)" = 3
samples=$(grep -c . "$IT_DIR/naked.txt")
naked=$(grep -cv '^0$' "$IT_DIR/naked.txt")
figure naked_samples "$naked of $samples"
it_check "sampled during the flatten" test "$samples" -ge 2
it_check "no naked sample" test "$naked" = 0
it_check "control entry acked" test "$(rcli XPENDING hean:control executor | head -1)" = 0

# repeat: already flat, nothing placed
flatten ALL f2
it_check "flatten_done f2" wait_until 10 done_for f2
it_check "repeat placed nothing" test "$(reduce_orders)" = 3

# interrupted: kill -9 right after the request, restart finishes it
ID=$(xadd_wave "$(( T + 1 ))" ETHUSDT:buy)
it_check "ETH open again" wait_until 10 protected ETHUSDT
sim_ctl "$EXSIM_URL" "/sim/latency?ms=1500"
flatten ETHUSDT f3
it_check "f3 started" wait_until 5 events_match "^req_id=f3 "
kill -9 "$EXECUTOR_PID"
wait "$EXECUTOR_PID" 2>/dev/null
sim_ctl "$EXSIM_URL" "/sim/latency?ms=0"
rcli DEL hean:health:executor >/dev/null
start_exec
it_check "flatten_done f3 after the restart" wait_until 15 done_for f3
it_check "flat" test "$(n_positions)" = 0
it_check "control pending list empty" test "$(rcli XPENDING hean:control executor | head -1)" = 0
it_done
