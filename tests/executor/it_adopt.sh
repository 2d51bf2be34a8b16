#!/usr/bin/env bash
# Executor test 6: a position opened directly at the simulator (no stop)
# while hean runs is adopted and protected: through the private stream's
# push, and, with the private stream down, through the REST reconcile
# every HEAN_REST_POLL_S.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-adopt
. "$HEAN_SRC/tests/executor/exec_lib.sh"

start_redis
start_exsim --seed 23 --symbols BTCUSDT,ETHUSDT,SOLUSDT --rate 2 --fill-delay-ms 5
start_exec

stop_side_ok() { # SYM: a long's stop below / a short's above the entry
	local e s side
	e=$(pos_field "$1" avgPrice) s=$(pos_field "$1" stopLoss) side=$(pos_field "$1" side)
	awk -v e="$e" -v s="$s" -v side="$side" 'BEGIN { exit !(side == "Buy" ? s < e : s > e) }'
}

t0=$(now_ms)
sim_ctl "$EXSIM_URL" "/sim/position?symbol=SOLUSDT&side=Buy&qty=2"
it_check "long adopted and protected (private stream)" wait_until 5 protected SOLUSDT
figure adopt_private_ms $(( $(now_ms) - t0 ))
it_check "SOL stop below entry" stop_side_ok SOLUSDT
it_check "hean:position:SOLUSDT size 2" wait_until 3 out_eq 2.0 hget hean:position:SOLUSDT size

# private stream down (dropped, handshakes refused): REST reconcile adopts
sim_ctl "$EXSIM_URL" "/sim/refuse?secs=30"
sim_ctl "$EXSIM_URL" "/sim/drop?path=private"
it_check "degraded while the private stream is down" wait_state 5 executor degraded
t0=$(now_ms)
sim_ctl "$EXSIM_URL" "/sim/position?symbol=ETHUSDT&side=Sell&qty=0.1"
it_check "short adopted and protected (REST reconcile)" wait_until 5 protected ETHUSDT
figure adopt_rest_ms $(( $(now_ms) - t0 ))
it_check "within HEAN_REST_POLL_S (+500 ms)" test $(( $(now_ms) - t0 )) -le $(( HEAN_REST_POLL_S * 1000 + 500 ))
it_check "ETH stop above entry (short)" stop_side_ok ETHUSDT
it_check "naked_positions back to 0" wait_field 3 executor naked_positions 0
it_check "positions 2" wait_field 3 executor positions 2
# a position closed outside hean while the stream is down: size 0 after reconcile
sim_ctl "$EXSIM_URL" "/sim/position?symbol=SOLUSDT&side=Buy&qty=0"
it_check "closed position seen by reconcile" wait_until 5 out_eq 0 hget hean:position:SOLUSDT size
sim_ctl "$EXSIM_URL" "/sim/resume"
it_check "running again after the stream is back" wait_state 15 executor running
it_done
