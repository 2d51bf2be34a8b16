#!/usr/bin/env bash
# Executor test: an IP ban (Bybit answers every REST call HTTP 403 for
# 10 minutes; here HEAN_REST_BAN_S=4 and a 4 s ban at the simulator). The
# executor stops calling REST after the first 403, never hammers the
# banned exchange, says so in its health, is not "stopped trying" for the
# watchdog, and resumes after the pause: a stop the exchange dropped during
# the ban is put back once it ends.
# (SC2317: predicates called through wait_until look unreachable.)
# shellcheck disable=SC2317,SC2119
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-ban
. "$HEAN_SRC/tests/executor/exec_lib.sh"
export HEAN_REST_POLL_S=1 HEAN_REST_BAN_S=4

start_redis
start_exsim --seed 41 --symbols AAAUSDT,BTCUSDT --rate 5 --fill-delay-ms 5
start_exec
ID=$(xadd_wave "$(($(now_s) - 5))" AAAUSDT:buy)
it_check "wave acked" wait_until 10 wave_acked "$ID"
it_check "position protected" wait_until 5 protected AAAUSDT

t0=$(now_ms)
sim_ctl "$EXSIM_URL" "/sim/ban?secs=4"
sim_ctl "$EXSIM_URL" "/sim/stop_drop?symbol=AAAUSDT"
banned() { [ "$(health_field executor detail | grep -c 'rest=banned')" = 1 ]; }
it_check "health detail says rest=banned" wait_until 3 banned
it_check "state degraded during the ban" state_is executor degraded
att=$(health_field executor last_attempt_ms)
it_check "waiting out the ban counts as trying (last_attempt_ms recent)" \
	test $(($(now_ms) - ${att:-0})) -lt 2000
while [ $(($(now_ms) - t0)) -lt 4000 ]; do sleep 0.2; done
n=$(exsim_stat banned_calls)
figure banned_calls_in_4s "$n"
it_check "at most 2 REST calls reached the banned exchange in 4 s ($n)" test "${n:-99}" -le 2
it_check "the dropped stop is put back after the pause" wait_until 6 protected AAAUSDT
it_check "running again after the pause" wait_state 5 executor running
figure ban_to_reprotect_ms $(($(now_ms) - t0))
it_done
