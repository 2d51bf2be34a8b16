#!/usr/bin/env bash
# Executor test: the executor tells the feed which symbols it needs, in the
# SET hean:want:executor (common/want).
#  - an order in flight (the exchange answers slowly) is wanted before any
#    position exists
#  - after the wave's fill the open position's symbol is wanted, within 1 s
#  - after the position is closed at the exchange the symbol is gone within
#    1 s + the refresh (HEAN_WANT_REFRESH_S = 2)
#  - after the executor is killed (SIGKILL) the key lapses within its TTL
#    (HEAN_WANT_TTL_S = 10) + 2 s margin
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-want
. "$HEAN_SRC/tests/executor/exec_lib.sh"

K=hean:want:executor
want_has() { rcli SISMEMBER "$K" "$1" | grep -qx 1; }
want_lacks() { ! want_has "$1"; }
key_gone() { test "$(rcli EXISTS "$K")" = 0; }
pos_open() { test -n "$(pos_field "$1" size)"; }

start_redis
start_exsim --seed 41 --symbols BTCUSDT,ETHUSDT,SOLUSDT --rate 2 --fill-delay-ms 5
start_exec
it_check "nothing wanted without positions or orders" key_gone

# An order in flight: every REST answer takes 1.5 s.
sim_ctl "$EXSIM_URL" "/sim/latency?ms=1500"
T=$(( $(now_s) - 5 ))
ID=$(xadd_wave "$T" ETHUSDT:buy)
it_check "ETH wanted within 1 s of the wave (order in flight)" wait_until 1 want_has ETHUSDT
it_check "... while the exchange has no ETH position yet" test -z "$(pos_field ETHUSDT size)"
sim_ctl "$EXSIM_URL" "/sim/latency?ms=0"
it_check "ETH wave acked" wait_until 15 wave_acked "$ID"
it_check "ETH position open at the exchange" wait_until 5 pos_open ETHUSDT
it_check "ETH wanted within 1 s of the position" wait_until 1 want_has ETHUSDT
ttl=$(rcli PTTL "$K")
it_check "TTL ${ttl} ms in (0, 10000]" test "$ttl" -gt 0 -a "$ttl" -le 10000
it_check "only ETH wanted ($(rcli SMEMBERS "$K" | tr '\n' ' '))" test "$(rcli SCARD "$K")" = 1
# the reservation of the filled order is gone: the position alone holds it
sleep 2.5
it_check "ETH still wanted after a refresh" want_has ETHUSDT

# Closed at the exchange (outside hean): gone within 1 s + refresh.
t0=$(now_ms)
sim_ctl "$EXSIM_URL" "/sim/position?symbol=ETHUSDT&side=Buy&qty=0"
it_check "ETH no longer wanted within 3 s of the close" wait_until 3 want_lacks ETHUSDT
figure want_close_ms $(( $(now_ms) - t0 ))
it_check "hean:position:ETHUSDT closed" test "$(hget hean:position:ETHUSDT size)" = 0
it_check "health want_writes counts writes" out_ge 2 health_field executor want_writes
it_check "health want_errors 0" test "$(health_field executor want_errors)" = 0

# SIGKILL: the wishes of a dead executor lapse with the TTL.
T=$(( $(now_s) - 4 ))
ID=$(xadd_wave "$T" BTCUSDT:buy)
it_check "BTC position open" wait_until 10 pos_open BTCUSDT
it_check "BTC wanted" wait_until 1 want_has BTCUSDT
stop_pid "$EXECUTOR_PID" KILL
t0=$(now_ms)
it_check "key still there 1 s after the kill" never_within 1 key_gone
it_check "key gone within TTL + 2 s of the kill" wait_until 12 key_gone
figure want_lapse_ms $(( $(now_ms) - t0 ))
it_done
