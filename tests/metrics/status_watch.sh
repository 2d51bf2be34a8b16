#!/usr/bin/env bash
# scripts/hean status --watch: two frames (HEANCTL_WATCH_COUNT=2) against a
# Redis holding a position, hean:pnl, a halt and hean-metrics' alert list.
. "$HEAN_SRC/tests/metrics/metrics_lib.sh"
it_init metrics-status-watch
start_redis
rcli HSET hean:position:BTCUSDT side Buy size 0.01 entry 50000 stop_loss 49000 unrealized_pnl 1.5 >/dev/null
rcli HSET hean:pnl realized_usd -2.5 unrealized_usd 1.5 open_positions 1 >/dev/null
rcli SET hean:halt "ts_ms=1 by=test reason=drill" >/dev/null
rcli SET hean:wave:last 2026-12-03T11:30:00+00:00 >/dev/null
rcli HSET hean:health:metrics pid 1 state running updated_ms "$(now_ms)" detail "firing: naked_position/executor" >/dev/null
HEAN_HOME=$IT_DIR HEANCTL_BUILD_DIR=$HEAN_BUILD HEANCTL_WATCH_COUNT=2 \
	timeout 30 "$HEAN_SRC/scripts/hean" status --watch >"$IT_DIR/out.txt" 2>"$IT_DIR/err.txt" ||
	it_fail "status --watch failed: $(cat "$IT_DIR/err.txt")"
o=$IT_DIR/out.txt
it_check "two frames" test "$(grep -c 'hean status  20' "$o")" = 2
it_check "position with PnL" grep -q 'BTCUSDT *side=Buy size=0.01 entry=50000 stop=49000 upnl=1.5' "$o"
it_check "pnl" grep -q 'realized_usd=-2.5' "$o"
it_check "halt" grep -q 'halt: ts_ms=1 by=test reason=drill' "$o"
it_check "last wave" grep -q 'last wave: 2026-12-03T11:30:00+00:00' "$o"
it_check "alerts" grep -q 'alerts (hean-metrics): firing: naked_position/executor' "$o"
it_check "status table" grep -q '^metrics ' "$o"
it_done
