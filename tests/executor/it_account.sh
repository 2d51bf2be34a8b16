#!/usr/bin/env bash
# Executor test: the account as position/list pages it. (A) Three positions
# opened outside hean, listed one per page: the cursors carry '=' and '&'
# (only a client that percent-encodes them reads page 2), every position
# is adopted and protected, and a wave for the one on the last page places
# no second order. (B) The same account switched to hedge mode
# (positionIdx 1/2): the executor refuses at start (state refused, event
# hedge_mode_refused) and a wave for a flat symbol places no order.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-account
. "$HEAN_SRC/tests/executor/exec_lib.sh"

start_redis
start_exsim --seed 43 --symbols BTCUSDT,ETHUSDT,SOLUSDT,XRPUSDT --rate 2 --fill-delay-ms 5
sim_ctl "$EXSIM_URL" "/sim/positions?page=1"
sim_ctl "$EXSIM_URL" "/sim/position?symbol=BTCUSDT&side=Buy&qty=0.01"
sim_ctl "$EXSIM_URL" "/sim/position?symbol=ETHUSDT&side=Sell&qty=0.1"
sim_ctl "$EXSIM_URL" "/sim/position?symbol=SOLUSDT&side=Buy&qty=2"
start_exec

pages() { curl -sf -X POST "$EXSIM_URL/sim/positions" | jq -r ".$1"; }
it_check "position/list pages 2 and 3 asked with their cursors" test "$(pages next_pages_served)" -ge 2
it_check "every cursor came back intact (encoded)" test "$(pages bad_cursors)" = 0
for s in BTCUSDT ETHUSDT SOLUSDT; do
	it_check "$s adopted from its page and protected" wait_until 5 protected "$s"
done
it_check "hean:position:SOLUSDT (page 3) size 2" wait_until 3 out_eq 2.0 hget hean:position:SOLUSDT size
T=$(($(now_s) - 5))
ID=$(xadd_wave "$T" SOLUSDT:buy)
it_check "wave acked" wait_until 10 wave_acked "$ID"
it_check "no second order for SOLUSDT" test "$(orders_for "h$T-SOLUSDT")" = 0
it_check "SOLUSDT skipped in hean:orders" has_status "h$T-SOLUSDT" skipped

# (B) hedge mode
stop_pid "$EXECUTOR_PID"
sim_ctl "$EXSIM_URL" "/sim/positions?page=0&hedge=1"
n0=$(n_orders)
start_daemon executor
it_check "hedge-mode account refused at start" wait_state 20 executor refused
it_check "health detail names hedge mode" wait_until 3 eval '[[ "$(health_field executor detail)" == *hedge-mode* ]]'
it_check "event hedge_mode_refused" wait_until 3 eval \
	'rcli XRANGE hean:events - + | grep -qx hedge_mode_refused'
ID=$(xadd_wave "$(($(now_s) - 5))" XRPUSDT:buy)
it_check "no order from a refused executor (3 s)" never_within 3 eval '[ "$(n_orders)" -gt "$n0" ]'
it_done
