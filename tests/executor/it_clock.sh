#!/usr/bin/env bash
# Executor test 7: the exchange clock jumps +3 s (/sim/clock) while hean
# runs with HEAN_RECV_WINDOW_MS=2000, so every request signed with the old
# offset is outside the window (10002). The client resyncs with
# /v5/market/time and retries once: the order succeeds, and the private
# stream re-authenticates with the corrected expires.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-clock
. "$HEAN_SRC/tests/executor/exec_lib.sh"
export HEAN_RECV_WINDOW_MS=2000

start_redis
start_exsim --seed 29 --symbols BTCUSDT,ETHUSDT,SOLUSDT --rate 2 --fill-delay-ms 5
start_exec
off0=$(health_field executor clock_offset_ms)
it_log "initial offset ${off0} ms"

sim_ctl "$EXSIM_URL" "/sim/clock?offset_ms=3000"
T=$(( $(now_s) - 10 ))
ID=$(xadd_wave "$T" BTCUSDT:buy ETHUSDT:sell)
it_check "wave acked" wait_until 10 wave_acked "$ID"
for s in BTCUSDT ETHUSDT; do
	it_check "$s submitted after resync" has_status "h$T-$s" submitted
	it_check "one order for $s" test "$(orders_for "h$T-$s")" = 1
	it_check "$s protected" wait_until 5 protected "$s"
done
n10002=$(exsim_journal | jq '[.[] | select(.retCode==10002)] | length')
figure requests_rejected_10002 "$n10002"
it_check "10002 happened (the test bites)" test "$n10002" -ge 1
it_check "at most one 10002 per request in flight" test "$n10002" -le 4
offset_ok() { awk -v o="$(health_field executor clock_offset_ms)" 'BEGIN { exit !(o > 2800 && o < 3200) }'; }
it_check "offset resynced to ~3000 ms" wait_until 3 offset_ok
figure offset_ms "$(health_field executor clock_offset_ms)"
# the private stream re-authenticates with the corrected clock
r0=$(health_field executor reconnects)
sim_ctl "$EXSIM_URL" "/sim/close?code=1000&path=private"
reconnected() { [ "$(health_field executor reconnects)" -gt "$r0" ]; }
it_check "private stream closed" wait_until 5 reconnected
it_check "private stream back (running)" wait_state 10 executor running
sim_ctl "$EXSIM_URL" "/sim/position?symbol=SOLUSDT&side=Buy&qty=1"
it_check "adoption works with the shifted clock" wait_until 5 protected SOLUSDT
it_done
