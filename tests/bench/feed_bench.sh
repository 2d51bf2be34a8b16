#!/usr/bin/env bash
# feed benchmark (run by hand; not a test): hean-exsim -> hean-feed -> Redis
# on loopback. For each symbol count and offered rate: msgs/s landed in
# Redis (XLEN growth, MAXLEN large), latency, CPU and RSS of hean-feed.
#
#   HEAN_BUILD=build-feed tests/bench/feed_bench.sh [SECS]
#
# Latency columns:
#   ack p50/p99/p99.9  socket read (recv_us, µs) -> XADD reply, measured in
#                      hean-feed itself (health fields ack_p*_us; cumulative
#                      over the run, log buckets ~6 %).
#   e2e p50/p99/p99.9  sim send -> XADD applied: stream entry id (Redis ms
#                      clock at XADD) minus the frame's ts (sim ms clock at
#                      send). Both are whole ms, so each value is the true
#                      latency rounded to within +-1 ms.
# Placement: hean-feed pinned to CPU 1, sim + Redis to CPU 0 (2-core box).
set -u
HEAN_SRC=${HEAN_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
HEAN_BUILD=${HEAN_BUILD:-$HEAN_SRC/build}
case $HEAN_BUILD in /*) ;; *) HEAN_BUILD=$HEAN_SRC/$HEAN_BUILD ;; esac
export HEAN_SRC HEAN_BUILD
. "$HEAN_SRC/tests/integration/lib.sh"
SECS=${1:-8}
it_init feed-bench
NCPU=$(nproc)
FEED_CPU=$((NCPU > 1 ? 1 : 0))

command -v taskset >/dev/null || { echo "taskset (util-linux) needed" >&2; exit 77; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hf() { hget hean:health:feed "$1"; }
feed_is() { test "$(hf state)" = "$1"; }
pct() { sort -n | awk -v q="$1" '{a[NR]=$1} END {i=int(q*NR); if (i<1) i=1; print a[i]}'; }

syms_of() {
	local all=BTCUSDT,ETHUSDT,SOLUSDT,XRPUSDT,DOGEUSDT,ADAUSDT,AVAXUSDT,LINKUSDT,DOTUSDT,LTCUSDT,BCHUSDT,TRXUSDT,NEARUSDT,APTUSDT,ARBUSDT,OPUSDT
	echo "$all" | cut -d, -f1-"$1"
}

run_one() {
	local nsym=$1 rate=$2 simrate syms
	syms=$(syms_of "$nsym")
	if [ "$rate" = max ]; then simrate=0; else simrate=$(awk -v r="$rate" -v n="$nsym" 'BEGIN{printf "%.3f", r/n}'); fi
	start_redis
	rcli CONFIG SET appendonly no >/dev/null
	EXSIM_PORT=$(free_port)
	taskset -c 0 "$HEAN_BUILD/tests/sim/hean-exsim" --port "$EXSIM_PORT" --symbols "$syms" --rate "$simrate" --fast \
		>>"$IT_DIR/exsim.log" 2>&1 &
	local sim=$!
	IT_PIDS+=("$sim")
	EXSIM_URL=http://127.0.0.1:$EXSIM_PORT
	wait_until 10 curl -sf "$EXSIM_URL/sim/health" || { echo "exsim did not start" >&2; kill "$sim"; stop_redis; return 1; }
	env HEAN_BYBIT_WS_PUBLIC="ws://127.0.0.1:$EXSIM_PORT/v5/public/linear" HEAN_SYMBOLS="$syms" \
		HEAN_TICKS_MAXLEN=10000000 HEAN_LOG_LEVEL=warn \
		taskset -c "$FEED_CPU" "$HEAN_BUILD/feed/hean-feed" --log "$IT_DIR/feed.log" &
	local feed=$!
	IT_PIDS+=("$feed")
	if ! wait_until 10 feed_is streaming; then
		echo "feed did not stream" >&2
		kill "$feed" "$sim"
		stop_redis
		return 1
	fi
	sleep 1 # warm-up excluded from the window
	local x0 c0 f0 t0 x1 c1 f1 t1 ms0
	x0=$(rcli XLEN hean:ticks); c0=$(cpu_ticks "$feed"); f0=$(curl -sf "$EXSIM_URL/sim/stats" | jq .frames_sent)
	t0=$(date +%s%N); ms0=$((t0 / 1000000))
	sleep "$SECS" # the measurement window
	x1=$(rcli XLEN hean:ticks); c1=$(cpu_ticks "$feed"); f1=$(curl -sf "$EXSIM_URL/sim/stats" | jq .frames_sent)
	t1=$(date +%s%N)
	local dt landed offered cpu rss
	dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print (b-a)/1e9}')
	landed=$(awk -v a="$x0" -v b="$x1" -v d="$dt" 'BEGIN{printf "%.0f", (b-a)/d}')
	offered=$(awk -v a="$f0" -v b="$f1" -v d="$dt" 'BEGIN{printf "%.0f", (b-a)/d}')
	cpu=$(awk -v a="$c0" -v b="$c1" -v d="$dt" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.0f", 100*(b-a)/hz/d}')
	rss=$(awk '/VmRSS/ {print $2}' "/proc/$feed/status")
	# let the pipeline drain, then read the counters
	sleep 1.5
	local ack50 ack99 ack999 msgs ticks dropped xlen
	ack50=$(hf ack_p50_us); ack99=$(hf ack_p99_us); ack999=$(hf ack_p999_us)
	msgs=$(hf msgs); ticks=$(hf ticks); dropped=$(hf dropped)
	# e2e from (up to) 200k entries of the window
	rcli XRANGE hean:ticks "$ms0" + COUNT 200000 | awk '
		/^[0-9]+-[0-9]+$/ {split($0, a, "-"); id=a[1]}
		prev=="ts" {print id - $0}
		{prev=$0}' >"$IT_DIR/e2e.txt"
	local e50 e99 e999
	e50=$(pct 0.50 <"$IT_DIR/e2e.txt"); e99=$(pct 0.99 <"$IT_DIR/e2e.txt"); e999=$(pct 0.999 <"$IT_DIR/e2e.txt")
	printf '| %3s | %6s | %8s | %8s | %5s / %5s / %6s us | %4s / %4s / %4s ms | %4s %% | %6s | %s |\n' \
		"$nsym" "$rate" "$offered" "$landed" "$ack50" "$ack99" "$ack999" "$e50" "$e99" "$e999" \
		"$cpu" "$rss" "msgs=$msgs ticks=$ticks dropped=$dropped"
	kill -TERM "$feed" "$sim" 2>/dev/null
	wait "$feed" "$sim" 2>/dev/null
	stop_redis
	IT_PIDS=()
}

echo "feed benchmark: ${SECS}s windows, $(nproc) CPUs, feed on CPU $FEED_CPU"
echo '| sym | offered | sent/s | landed/s | ack p50 / p99 / p99.9 | e2e p50 / p99 / p99.9 | feed CPU | RSS KiB | counters |'
echo '|-----|---------|--------|----------|-----------------------|-----------------------|----------|---------|----------|'
for nsym in ${BENCH_SYMS:-3 16}; do
	for rate in ${BENCH_RATES:-1000 10000 50000 max}; do
		run_one "$nsym" "$rate"
	done
done
