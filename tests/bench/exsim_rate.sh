#!/bin/bash
# Benchmark (not a test): max ticker frames/s hean-exsim sends to one
# counting client (exsim-wsc --quiet) with --rate 0 (as fast as the client
# drains), with 1, 3 and 600 symbols subscribed. Prints a table. Usage: HEAN_BUILD=build tests/bench/exsim_rate.sh [SECS] [RUNS]
set -u
HEAN_SRC=${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HEAN_BUILD=${HEAN_BUILD:-$HEAN_SRC/build}
SECS=${1:-5}
RUNS=${2:-3}
SIM=$HEAN_BUILD/tests/sim/hean-exsim
WSC=$HEAN_BUILD/tests/sim/exsim-wsc
PORT=$((20000 + RANDOM % 40000))
"$SIM" --port "$PORT" --rate 0 --fast --instruments 600 2>/dev/null &
PID=$!
trap 'kill $PID 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/sim/health" >/dev/null && break; sleep 0.05; done
printf '%-28s %-5s %14s\n' "subscription" "run" "frames/s"
S600=$(seq 1 600 | xargs printf '"tickers.S%04dUSDT",' | sed 's/,$//')
for subs in '"tickers.BTCUSDT"' '"tickers.BTCUSDT","tickers.ETHUSDT","tickers.SOLUSDT"' "$S600"; do
	label=$(echo "$subs" | tr -d '"' | sed 's/tickers\.//g')
	[ "${#label}" -gt 28 ] && label="600 symbols S0001USDT.."
	for r in $(seq 1 "$RUNS"); do
		rate=$("$WSC" --url "ws://127.0.0.1:$PORT/v5/public/linear" --quiet --secs "$SECS" \
			--send "{\"op\":\"subscribe\",\"args\":[$subs]}" | awk '/^FRAMES/{print $6}')
		printf '%-28s %-5s %14s\n' "$label" "$r" "${rate%/s}"
	done
done
