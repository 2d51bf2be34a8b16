#!/usr/bin/env bash
# Executor test: the wave is acknowledged only after its hean:orders rows
# are stored. hean:orders is made unwritable (a string key: XADD fails):
# the order goes out, but the wave stays pending. Once the key is writable
# again and the executor restarts, the replayed wave finds the order by
# orderLinkId (no second order/create), stores its row and is acked.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-audit
. "$HEAN_SRC/tests/executor/exec_lib.sh"

start_redis
start_exsim --seed 43 --symbols BTCUSDT,ETHUSDT --rate 2 --fill-delay-ms 5
start_exec

rcli SET hean:orders blocked >/dev/null
T=$(( $(now_s) - 10 ))
ID=$(xadd_wave "$T" BTCUSDT:buy)
it_check "order placed" wait_until 10 out_eq 1 orders_for "h$T-BTCUSDT"
sleep 1.5
it_check "wave not acked while its row is not stored" test "$(rcli XPENDING hean:waves executor | head -1)" = 1
stop_pid "$EXECUTOR_PID"
rcli DEL hean:orders >/dev/null
start_exec
it_check "replayed wave acked" wait_until 10 wave_acked "$ID"
it_check "still one order" test "$(orders_for "h$T-BTCUSDT")" = 1
it_check "row stored: duplicate (found by orderLinkId)" has_status "h$T-BTCUSDT" duplicate
it_check "BTC protected" wait_until 5 protected BTCUSDT
it_done
