#!/usr/bin/env bash
# Executor test 5: no feed running (no ticks): trailing continues from
# REST prices within HEAN_REST_POLL_S (health rest_fallback 1); when ticks
# appear in hean:ticks (XADDed by hand here) it switches back
# (rest_fallback 0), and falls back again when they stop.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-fallback
. "$HEAN_SRC/tests/executor/exec_lib.sh"

start_redis
start_exsim --seed 19 --symbols AAAUSDT,BTCUSDT --rate 5 --fill-delay-ms 5
start_exec

T=$(( $(now_s) - 10 ))
ID=$(xadd_wave "$T" AAAUSDT:buy)
it_check "wave acked" wait_until 10 wave_acked "$ID"
it_check "position protected" wait_until 5 protected AAAUSDT
it_check "rest_fallback 1 without ticks" wait_field 5 executor rest_fallback 1

t0=$(now_ms)
sim_ctl "$EXSIM_URL" "/sim/price?symbol=AAAUSDT&price=1.0200"
it_check "stop trailed from REST prices" wait_until 5 stop_at_least AAAUSDT 1.0140
t1=$(first_ts_ms AAAUSDT 1.0140)
figure rest_trail_reaction_ms $(( t1 - t0 ))
it_check "within HEAN_REST_POLL_S (+300 ms)" test $(( t1 - t0 )) -le $(( HEAN_REST_POLL_S * 1000 + 300 ))

start_ticks AAAUSDT # ticks by hand, at the simulator's price, every 100 ms
t0=$(now_ms)
it_check "rest_fallback 0 once ticks are fresh" wait_field 5 executor rest_fallback 0
figure switch_to_stream_ms $(( $(now_ms) - t0 ))
sim_ctl "$EXSIM_URL" "/sim/price?symbol=AAAUSDT&price=1.0300"
it_check "stop trailed from stream prices" wait_until 5 stop_at_least AAAUSDT 1.0240
it_check "still on the stream" field_is executor rest_fallback 0
kill "$TICKS"
wait "$TICKS" 2>/dev/null
t0=$(now_ms)
it_check "rest_fallback 1 after HEAN_STALE_S without ticks" wait_field 6 executor rest_fallback 1
figure switch_to_rest_ms $(( $(now_ms) - t0 ))
sim_ctl "$EXSIM_URL" "/sim/price?symbol=AAAUSDT&price=1.0400"
it_check "trailing continues on REST" wait_until 5 stop_at_least AAAUSDT 1.0340
it_check "naked_positions 0" field_is executor naked_positions 0
it_done
