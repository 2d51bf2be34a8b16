#!/bin/bash
# `scripts/hean up` against exchange and signal endpoints that hean does not
# serve: a local gateway (tests/scripts/gateway.py, which forwards to the
# simulators but is not one: /sim/... answers 404) on the configured ports,
# with HEANCTL_SIMULATORS=1 (hean may start simulators on local ports).
# up must use the endpoints as they are (start no simulator), exit 0 once
# every process is healthy, and the pipeline must trade through them
# (orders accepted at the exchange behind the gateway). Then the executor
# with a wrong API key: up exits 1 and names the executor and the
# exchange's refusal; status exits 1 (degraded).
# (SC2317: predicates called through wait_until look unreachable.)
# shellcheck source-path=SCRIPTDIR source=../e2e/e2e_lib.sh disable=SC2317
. "${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/e2e/e2e_lib.sh"

command -v python3 >/dev/null || { it_fail "python3 not installed"; it_done; }
e2e_init endpoints
# the gateway in front of each simulator
GX=$(free_port) || it_fail "no free port"
GS=$(free_port) || it_fail "no free port"
while [ "$GS" = "$GX" ]; do GS=$(free_port); done
python3 "$HEAN_SRC/tests/scripts/gateway.py" "$GX" "$EXSIM_PORT" >"$IT_DIR/gw-exchange.log" 2>&1 &
IT_PIDS+=("$!")
python3 "$HEAN_SRC/tests/scripts/gateway.py" "$GS" "$SIGSIM_PORT" >"$IT_DIR/gw-signals.log" 2>&1 &
IT_PIDS+=("$!")
# (connect and close, sending nothing: a bare newline crashes hean-exsim)
wait_until 5 bash -c "(exec 3<>/dev/tcp/127.0.0.1/$GX) && (exec 3<>/dev/tcp/127.0.0.1/$GS)" ||
	it_fail "gateway did not start"
it_check "the gateway is not a simulator (/sim/health 404)" \
	test "$(http_status GET "http://127.0.0.1:$GX/sim/health")" = 404
export HEAN_BYBIT_WS_PUBLIC=ws://127.0.0.1:$GX/v5/public/linear
export HEAN_BYBIT_WS_PRIVATE=ws://127.0.0.1:$GX/v5/private
export HEAN_BYBIT_REST=http://127.0.0.1:$GX
export HEAN_SIGNAL_URL=ws://127.0.0.1:$GS/
export HEANCTL_SIMULATORS=1

t0=$(now_ms)
"$HEAN" up --no-deps --no-build >"$IT_DIR/up.out" 2>&1
rc=$?
figure up_ms $(($(now_ms) - t0))
[ "$rc" -eq 0 ] || cat "$IT_DIR/up.out" >&2
it_check "up through the gateway exits 0" test "$rc" -eq 0
it_check "up says every process is healthy" grep -q '^up: ok' "$IT_DIR/up.out"
it_check "up used the exchange endpoint as it is" grep -q "exsim: 127.0.0.1:$GX answers; used as it is" "$IT_DIR/up.out"
it_check "no simulator started by up" test ! -e "$HEAN_HOME/var/run/exsim.pid" -a ! -e "$HEAN_HOME/var/run/sigsim.pid"
"$HEAN" status >"$IT_DIR/status.out" 2>&1
it_check "status exits 0 (healthy)" test $? -eq 0
# orders the exchange accepted (retCode 0), from its own journal
accepted() { exsim_journal | jq '[.[] | select(.kind == "order" and ((.retCode // 0) | tostring) == "0")] | length'; }
filled() { [ "$(accepted)" -ge 1 ]; }
t0=$(now_ms)
it_check "orders reach the exchange behind the gateway" wait_until 30 filled
figure first_order_ms $(($(now_ms) - t0))
figure orders_accepted "$(accepted)"

# ----- a wrong API key: up names the refusal, status says degraded -----
# (the watchdog starts the daemons with its own environment: stop all)
"$HEAN" stop >/dev/null 2>&1
export HEAN_BYBIT_API_KEY=not-the-key
HEANCTL_UP_TIMEOUT=6 "$HEAN" up --no-deps --no-build >"$IT_DIR/up-badkey.out" 2>&1
rc=$?
cat "$IT_DIR/up-badkey.out" >&2
it_check "up with a wrong API key exits 1" test "$rc" -eq 1
it_check "up names the executor as not healthy" grep -q 'executor: not healthy within 6s' "$IT_DIR/up-badkey.out"
it_check "up names the exchange's refusal" grep -Eq 'executor: last warning: .*(Invalid apikey|API key is invalid)' "$IT_DIR/up-badkey.out"
it_check "up does not say ok" bash -c "! grep -q '^up: ok' '$IT_DIR/up-badkey.out'"
"$HEAN" status >"$IT_DIR/status-badkey.out" 2>&1
it_check "status exits 1 (degraded)" test $? -eq 1
it_done
