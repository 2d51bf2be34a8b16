#!/usr/bin/env bash
# Executor test: a position's ticks stop while HEAN_STALE_S is long (120 s):
# REST prices take over within HEAN_REST_POLL_S for that position, so the
# trailing stop follows a move made at the exchange after the last tick.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-stale
. "$HEAN_SRC/tests/executor/exec_lib.sh"
export HEAN_STALE_S=120 HEAN_REST_POLL_S=1

start_redis
start_exsim --seed 41 --symbols AAAUSDT,BTCUSDT --rate 5 --fill-delay-ms 5
start_exec

start_ticks AAAUSDT # ticks by hand, at the simulator's price, every 100 ms
sleep 0.5
ID=$(xadd_wave "$(( $(now_s) - 5 ))" AAAUSDT:buy)
it_check "wave acked" wait_until 10 wave_acked "$ID"
it_check "position protected" wait_until 5 protected AAAUSDT
it_check "on the stream" wait_field 3 executor rest_fallback 0
kill "$TICKS"
wait "$TICKS" 2>/dev/null
p0=$(truth_last AAAUSDT)
p1=$(awk -v p="$p0" 'BEGIN { printf "%.4f", p * 1.03 }')
want=$(awk -v p="$p1" 'BEGIN { printf "%.4f", p * 0.993 }')
t0=$(now_ms)
sim_ctl "$EXSIM_URL" "/sim/price?symbol=AAAUSDT&price=$p1"
it_check "stop trailed from REST prices after the ticks stopped" wait_until 6 stop_at_least AAAUSDT "$want"
t1=$(first_ts_ms AAAUSDT "$want")
figure stale_trail_reaction_ms $(( t1 - t0 ))
it_check "within HEAN_REST_POLL_S + 1 s" test "$t1" -gt 0 -a $(( t1 - t0 )) -le $(( HEAN_REST_POLL_S * 1000 + 1000 ))
it_check "rest_fallback 1" wait_field 3 executor rest_fallback 1
it_done
