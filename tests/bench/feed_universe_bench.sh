#!/usr/bin/env bash
# feed benchmark over a wide universe (run by hand; not a test): hean-exsim
# with synthetic perpetuals S0001USDT.. -> hean-feed -> Redis on loopback.
# Prints one markdown table row per case:
#   pace-600   600 symbols at Bybit's pacing (10 pushes/s each, 6k msg/s)
#   fast-600   600 symbols at 10x that (100 frames/s each, 60k msg/s)
#   lat-*      600 symbols at 10k, 50k, 150k msg/s offered (latency)
#   max-3/600  3 and 600 symbols, the simulator sending as fast as the
#              socket drains (the maximum rate stored)
#
#   HEAN_BUILD=build-rel tests/bench/feed_universe_bench.sh [SECS]
#   BENCH_CASES="pace-600 max-3"   run only these cases
#   BENCH_ALL=1                    HEAN_SYMBOLS=ALL (the feed reads the
#                                  universe from instruments-info) instead
#                                  of the explicit comma list
#
# After each window the market is paused (/sim/pause), the pipeline drains,
# and every stored entry is checked against the simulator's own counts:
#   lost     frames the simulator delivered to the feed's sockets (ticker
#            snapshots and deltas, /sim/symbols "delivered") minus entries
#            in hean:ticks; per-sym = sum over symbols of |delivered -
#            stored| (catches losses hidden by duplicates)
#   wrong    entries of symbol S whose last/bid/ask/mark lies outside S's
#            price band (S<k>USDT trades near (10000 + k) * 1000 USDT, so a
#            price names its symbol: a frame merged into another symbol's
#            ticker shows up here)
#   last!=   symbols whose hean:ticker:S last differs from the simulator's
#            last price for S once drained
#   skipped  frames the simulator skipped for a client that fell > ring
#            behind (replaced by a snapshot; Bybit does the same)
#   e2e      Redis stream id (Redis ms clock at XADD) minus the frame's ts
#            (simulator ms clock when the frame was made): whole ms, each
#            value within +-1 ms of the true latency
#   CPU      hean-feed's CPU over the window (% of one core); RSS at the
#            end of the window, and the peak (VmHWM); sim RSS: hean-exsim's;
#            sim / Redis CPU: theirs (both on CPU 0: when they add up to
#            ~100 %, CPU 0 and not the feed is what limits the rate)
# Placement: hean-feed pinned to CPU 1, simulator and Redis to CPU 0.
set -u
HEAN_SRC=${HEAN_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
HEAN_BUILD=${HEAN_BUILD:-$HEAN_SRC/build-rel}
case $HEAN_BUILD in /*) ;; *) HEAN_BUILD=$HEAN_SRC/$HEAN_BUILD ;; esac
export HEAN_SRC HEAN_BUILD
. "$HEAN_SRC/tests/integration/lib.sh"
SECS=${1:-10}
it_init feed-universe-bench
NCPU=$(nproc)
FEED_CPU=$((NCPU > 1 ? 1 : 0))
for c in taskset jq curl; do
	command -v "$c" >/dev/null || { echo "$c needed" >&2; exit 2; }
done
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pct() { sort -n | awk -v q="$1" '{a[NR]=$1} END {i=int(q*NR); if (i<1) i=1; print (NR ? a[i] : "-")}'; }
syms_list() { seq 1 "$1" | xargs printf 'S%04dUSDT\n' | paste -sd,; }
delivered() { curl -sf "$EXSIM_URL/sim/symbols" | jq '[.[].delivered]|add'; }
subscribed() { curl -sf "$EXSIM_URL/sim/conns" | jq '[.[]|select(.path=="public")|.symbols]|add // 0'; }
# all NSYM subscribed, or the feed (pid) died: stop waiting
subscribed_all() { ! kill -0 "$2" 2>/dev/null || test "$(subscribed)" -ge "$1"; }

# run_one CASE NSYM SIMARGS...
run_one() {
	local case=$1 nsym=$2
	shift 2
	start_redis
	taskset -p -c 0 "$IT_REDIS_PID" >/dev/null
	rcli CONFIG SET appendonly no >/dev/null
	EXSIM_PORT=$(free_port)
	EXSIM_URL=http://127.0.0.1:$EXSIM_PORT
	taskset -c 0 "$HEAN_BUILD/tests/sim/hean-exsim" --port "$EXSIM_PORT" --symbols '' \
		--instruments "$nsym" "$@" >>"$IT_DIR/exsim.log" 2>&1 &
	local sim=$!
	IT_PIDS+=("$sim")
	wait_until 10 curl -sf "$EXSIM_URL/sim/health" || { echo "exsim did not start" >&2; return 1; }
	local syms=ALL
	[ "${BENCH_ALL:-0}" = 1 ] || syms=$(syms_list "$nsym")
	env HEAN_BYBIT_WS_PUBLIC="ws://127.0.0.1:$EXSIM_PORT/v5/public/linear" \
		HEAN_BYBIT_REST="$EXSIM_URL" HEAN_SYMBOLS="$syms" \
		HEAN_TICKS_MAXLEN=10000000 HEAN_LOG_LEVEL=warn \
		taskset -c "$FEED_CPU" "$HEAN_BUILD/feed/hean-feed" --log "$IT_DIR/feed-$case.log" &
	local feed=$!
	IT_PIDS+=("$feed")
	wait_until 30 subscribed_all "$nsym" "$feed"
	if [ "$(subscribed)" -lt "$nsym" ]; then
		echo "$case: feed subscribed $(subscribed) of $nsym symbols" >&2
		kill "$feed" "$sim" 2>/dev/null
		wait "$feed" "$sim" 2>/dev/null
		stop_redis
		IT_PIDS=()
		return 1
	fi
	sleep 2 # warm-up (snapshots, first backlog) excluded from the window
	local c0 d0 x0 t0 ms0 c1 d1 x1 t1 ms1 s0 s1 r0 r1
	s0=$(cpu_ticks "$sim"); r0=$(cpu_ticks "$IT_REDIS_PID")
	c0=$(cpu_ticks "$feed"); d0=$(delivered); x0=$(rcli XLEN hean:ticks)
	t0=$(date +%s%N); ms0=$((t0 / 1000000))
	sleep "$SECS"
	s1=$(cpu_ticks "$sim"); r1=$(cpu_ticks "$IT_REDIS_PID")
	c1=$(cpu_ticks "$feed"); d1=$(delivered); x1=$(rcli XLEN hean:ticks)
	t1=$(date +%s%N); ms1=$((t1 / 1000000))
	local rss hwm simrss
	rss=$(awk '/VmRSS/ {print $2}' "/proc/$feed/status")
	hwm=$(awk '/VmHWM/ {print $2}' "/proc/$feed/status")
	simrss=$(awk '/VmRSS/ {print $2}' "/proc/$sim/status")
	curl -sf -X POST "$EXSIM_URL/sim/pause?on=1" >/dev/null
	# drain: every delivered frame stored, or nothing new for 5 s (60 s cap)
	local dn xn prev=-1 still=0
	for _ in $(seq 1 300); do
		sleep 0.2
		dn=$(delivered); xn=$(rcli XLEN hean:ticks)
		[ "$xn" -ge "$dn" ] && break
		if [ "$xn" = "$prev" ]; then still=$((still + 1)); else still=0; fi
		[ "$still" -ge 25 ] && break
		prev=$xn
	done
	sleep 0.5
	dn=$(delivered); xn=$(rcli XLEN hean:ticks)
	curl -sf "$EXSIM_URL/sim/symbols" >"$IT_DIR/symbols.json"
	# one pass over every stored entry, in pages of 200k
	local start=- last_id
	: >"$IT_DIR/entries.tsv"
	while :; do
		rcli XRANGE hean:ticks "$start" + COUNT 200000 | awk -v out="$IT_DIR/entries.tsv" '
			/^[0-9]+-[0-9]+$/ { if (id != "") print id, f["symbol"], f["last"], f["bid"], f["ask"], f["mark"], f["ts"] >> out
				id = $0; delete f; k = ""; next }
			k == "" { k = $0; next }
			{ f[k] = $0; k = "" }
			END { if (id != "") { print id, f["symbol"], f["last"], f["bid"], f["ask"], f["mark"], f["ts"] >> out; print id } }' >"$IT_DIR/last_id"
		last_id=$(cat "$IT_DIR/last_id")
		[ -n "$last_id" ] || break
		[ "$start" = "($last_id" ] && break
		start="($last_id"
	done
	# per-symbol stored counts, wrong-band entries, e2e of the window
	awk -v ms0="$ms0" -v ms1="$ms1" -v e2e="$IT_DIR/e2e.txt" -v cnt="$IT_DIR/counts.txt" '
		function band(v) { return int(v / 1000 + 0.5) - 10000 }
		BEGIN { wrong = 0 }
		{ split($1, a, "-"); n[$2]++
		  if ($2 ~ /^S[0-9]+USDT$/) {
			k = substr($2, 2, length($2) - 5) + 0
			for (j = 3; j <= 6; j++) if ($j != "" && band($j) != k) { wrong++; break }
		  }
		  if (a[1] >= ms0 && a[1] <= ms1 && $7 != "") print a[1] - $7 > e2e }
		END { for (s in n) print s, n[s] > cnt; print wrong }' "$IT_DIR/entries.tsv" >"$IT_DIR/wrong.txt" 2>/dev/null
	[ -s "$IT_DIR/e2e.txt" ] || : >"$IT_DIR/e2e.txt"
	local wrong persym lastbad skipped e50 e99 e999
	wrong=$(cat "$IT_DIR/wrong.txt")
	persym=$(jq -r '.[] | "\(.symbol) \(.delivered)"' "$IT_DIR/symbols.json" |
		awk 'NR==FNR {c[$1]=$2; next} {d=$2-c[$1]; s+= d<0 ? -d : d; delete c[$1]} END {for (k in c) s+=c[k]; print s+0}' "$IT_DIR/counts.txt" -)
	lastbad=0
	while read -r s want; do
		got=$(hget "hean:ticker:$s" last)
		awk -v a="$got" -v b="$want" 'BEGIN{exit !(a == "" || a + 0 != b + 0)}' && lastbad=$((lastbad + 1))
	done < <(jq -r '.[] | "\(.symbol) \(.lastPrice)"' "$IT_DIR/symbols.json")
	skipped=$(jq '[.[].skipped]|add' "$IT_DIR/symbols.json")
	e50=$(pct 0.50 <"$IT_DIR/e2e.txt"); e99=$(pct 0.99 <"$IT_DIR/e2e.txt"); e999=$(pct 0.999 <"$IT_DIR/e2e.txt")
	local dt sent stored cpu conns
	dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print (b-a)/1e9}')
	sent=$(awk -v a="$d0" -v b="$d1" -v d="$dt" 'BEGIN{printf "%.0f", (b-a)/d}')
	stored=$(awk -v a="$x0" -v b="$x1" -v d="$dt" 'BEGIN{printf "%.0f", (b-a)/d}')
	pcpu() { awk -v a="$1" -v b="$2" -v d="$dt" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.0f", 100*(b-a)/hz/d}'; }
	cpu=$(pcpu "$c0" "$c1")
	other="$(pcpu "$s0" "$s1") / $(pcpu "$r0" "$r1")"
	conns=$(curl -sf "$EXSIM_URL/sim/conns" | jq '[.[]|select(.path=="public")]|length')
	printf '| %-8s | %3s | %4s | %7s | %7s | %s | %s | %s | %s | %s | %s / %s / %s ms | %3s %% | %5.1f / %5.1f MB | %3.0f MB | %s %% |\n' \
		"$case" "$nsym" "$conns" "$sent" "$stored" "$((dn - xn))" "$persym" "$wrong" "$lastbad" "$skipped" \
		"$e50" "$e99" "$e999" "$cpu" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$(awk -v k="$hwm" 'BEGIN{print k/1024}')" "$(awk -v k="$simrss" 'BEGIN{print k/1024}')" "$other"
	kill -TERM "$feed" "$sim" 2>/dev/null
	wait "$feed" "$sim" 2>/dev/null
	stop_redis
	IT_PIDS=()
	rm -f "$IT_DIR/entries.tsv"
}

# CASE -> NSYM and simulator arguments
case_args() {
	case $1 in
	pace-600) echo "600 --rate 10" ;;
	fast-600) echo "600 --rate 100 --fast" ;;
	lat-10k) echo "600 --rate 16.667 --fast" ;;
	lat-50k) echo "600 --rate 83.333 --fast" ;;
	lat-150k) echo "600 --rate 250 --fast" ;;
	max-3) echo "3 --rate 0 --fast" ;;
	max-600) echo "600 --rate 0 --fast" ;;
	*) return 1 ;;
	esac
}

echo "feed universe benchmark: ${SECS}s windows, $NCPU CPUs, feed on CPU $FEED_CPU," \
	"HEAN_SYMBOLS=$([ "${BENCH_ALL:-0}" = 1 ] && echo ALL || echo 'explicit list'), $(date -u +%FT%TZ)"
echo '| case | sym | conns | sent/s | stored/s | lost | per-sym | wrong | last!= | skipped | e2e p50 / p99 / p99.9 | feed CPU | RSS / peak | sim RSS | sim / Redis CPU |'
echo '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|'
for c in ${BENCH_CASES:-pace-600 fast-600 lat-10k lat-50k lat-150k max-3 max-600}; do
	a=$(case_args "$c") || { echo "unknown case $c" >&2; continue; }
	# shellcheck disable=SC2086
	run_one "$c" $a
done
