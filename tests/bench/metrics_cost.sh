#!/usr/bin/env bash
# What the feed's metrics cost (run by hand; not a test). Compares two
# hean-feed binaries, e.g. release builds of the commit before and after the
# metrics change, against the same simulator and Redis, placed as in
# feed_bench.sh (feed on CPU 1, simulator and Redis on CPU 0).
#
#   tests/bench/metrics_cost.sh icount FEED_A FEED_B [RATE] [SECS]
#       Instructions hean-feed executes per stored tick, under
#       valgrind --tool=callgrind: the simulator is paused (every symbol
#       stale), counters zeroed, SECS s of ticks at RATE msgs/s ("max": as
#       fast as the feed drains), paused again, counters dumped; divided by
#       the ticks stored in that window (calls to feed_pub_tick). Also the
#       cost per tick of the functions the metrics change touched, and their
#       sum. Independent of machine load. Defaults: RATE 1000, SECS 20.
#   tests/bench/metrics_cost.sh tput FEED_A FEED_B [ROUNDS] [SECS]
#       Stored msgs/s at the maximum rate (XLEN growth over SECS s), runs
#       interleaved A B A B ..., with the CPU % of feed, simulator and Redis
#       over the window, and the feed's CPU time per stored message (less
#       sensitive to other load on the machine than msgs/s); medians at the
#       end. Defaults: ROUNDS 5, SECS 8.
#
# BENCH_SYMS: symbol count (3). HEAN_BUILD: build dir holding
# tests/sim/hean-exsim (one simulator for both binaries). MC_KEEP=DIR keeps
# the callgrind dumps (for callgrind_annotate); MC_CG_OPTS adds callgrind
# options (e.g. "--cache-sim=yes --branch-sim=yes": misses and mispredicts).
set -u
HEAN_SRC=${HEAN_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
HEAN_BUILD=${HEAN_BUILD:-$HEAN_SRC/build}
case $HEAN_BUILD in /*) ;; *) HEAN_BUILD=$HEAN_SRC/$HEAN_BUILD ;; esac
export HEAN_SRC HEAN_BUILD
. "$HEAN_SRC/tests/integration/lib.sh"

MODE=${1:-}
FEED_A=${2:-}
FEED_B=${3:-}
[ -x "$FEED_A" ] && [ -x "$FEED_B" ] || { sed -n '2,25p' "$0" >&2; exit 2; }
[ -x "$HEAN_BUILD/tests/sim/hean-exsim" ] || { echo "no $HEAN_BUILD/tests/sim/hean-exsim" >&2; exit 2; }
command -v taskset >/dev/null || { echo "taskset (util-linux) needed" >&2; exit 2; }
it_init metrics-cost
NSYM=${BENCH_SYMS:-3}
SYMS=$(echo BTCUSDT,ETHUSDT,SOLUSDT,XRPUSDT,DOGEUSDT,ADAUSDT,AVAXUSDT,LINKUSDT | cut -d, -f1-"$NSYM")
FEED_CPU=$(($(nproc) > 1 ? 1 : 0))

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hf() { hget hean:health:feed "$1"; }
feed_is() { test "$(hf state)" = "$1"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
sim_pause() { # every symbol stale for an hour: no tickers, pings still answered
	local s
	for s in ${SYMS//,/ }; do curl -sf -X POST "$EXSIM_URL/sim/stale?symbol=$s&secs=3600" >/dev/null; done
}
sim_resume() { curl -sf -X POST "$EXSIM_URL/sim/resume" >/dev/null; }

# up RATE CMD...: Redis, simulator at RATE (msgs/s over all symbols, or max),
# and the feed started by CMD, streaming. Sets SIM, FEED.
up() {
	local rate=$1 simrate
	shift
	if [ "$rate" = max ]; then simrate=0; else simrate=$(awk -v r="$rate" -v n="$NSYM" 'BEGIN{printf "%.3f", r/n}'); fi
	start_redis
	rcli CONFIG SET appendonly no >/dev/null
	EXSIM_PORT=$(free_port)
	EXSIM_URL=http://127.0.0.1:$EXSIM_PORT
	taskset -c 0 "$HEAN_BUILD/tests/sim/hean-exsim" --port "$EXSIM_PORT" --symbols "$SYMS" \
		--rate "$simrate" --fast >>"$IT_DIR/exsim.log" 2>&1 &
	SIM=$!
	IT_PIDS+=("$SIM")
	wait_until 10 curl -sf "$EXSIM_URL/sim/health" || { echo "exsim did not start" >&2; return 1; }
	env HEAN_BYBIT_WS_PUBLIC="ws://127.0.0.1:$EXSIM_PORT/v5/public/linear" HEAN_SYMBOLS="$SYMS" \
		HEAN_TICKS_MAXLEN=10000000 HEAN_LOG_LEVEL=warn \
		taskset -c "$FEED_CPU" "$@" --log "$IT_DIR/feed.log" 2>>"$IT_DIR/feed.err" &
	FEED=$!
	IT_PIDS+=("$FEED")
	wait_until 120 feed_is streaming || { echo "feed did not stream" >&2; return 1; }
}

down() {
	kill -TERM "$FEED" "$SIM" 2>/dev/null
	wait "$FEED" "$SIM" 2>/dev/null
	stop_redis
	rm -rf "$IT_DIR/redis"
	IT_PIDS=()
}

# Functions the metrics change touched: self cost, except the two new
# hean_hist_* ones (inclusive: the histogram's whole cost, snprintf included).
FUNCS_SELF="put_i64_bulk feed_pub_format_hset feed_pub_tick xadd_done publish_counters"
FUNCS_INCL="hean_hist_observe hean_hist_format"

# calls_to DUMP FN: calls into FN recorded in a callgrind dump
calls_to() {
	awk -v F="$2" '
		match($0, /^c?fn=\([0-9]+\)/) {
			id = substr($0, RSTART, RLENGTH); sub(/^c?fn=/, "", id)
			rest = substr($0, RLENGTH + 2)
			if (rest != "") name[id] = rest
			cur = ($0 ~ /^cfn=/) ? name[id] : ""
			next
		}
		/^calls=/ && cur == F { split($0, a, /[= ]/); n += a[2] }
		END { print n + 0 }' "$1"
}

# fn_cost DUMP yes|no FN: FN's Ir in the dump (inclusive or self)
fn_cost() {
	callgrind_annotate --inclusive="$2" --threshold=100 "$1" 2>/dev/null |
		awk -v F="$3" '$0 ~ ":" F " \\[" {gsub(",", "", $1); print $1; exit}' | grep . || echo 0
}

# icount_one FEED RATE SECS TAG: prints "Ir ticks frames Ir/tick"; the
# per-function costs per tick go to $IT_DIR/fn.TAG. Ticks are the calls to
# feed_pub_tick inside the dumped window (exact, unlike the health
# counter, which at the maximum rate can still move while the feed drains
# its socket under valgrind); frames: the feed's health msgs, for reference.
icount_one() {
	local feed=$1 rate=$2 secs=$3 tag=$4 out dump m0 m1 ir ticks fn
	out=$IT_DIR/cg.out
	rm -f "$out"*
	# shellcheck disable=SC2086 # MC_CG_OPTS: extra callgrind options, split
	up "$rate" valgrind --tool=callgrind ${MC_CG_OPTS:-} --callgrind-out-file="$out" "$feed" || return 1
	sleep 2
	sim_pause
	sleep 3 # drained, and a health update (every 1 s) since
	m0=$(hf msgs)
	callgrind_control -z "$FEED" >/dev/null 2>&1
	sim_resume
	sleep "$secs"
	sim_pause
	sleep 3
	callgrind_control -d "$FEED" >/dev/null 2>&1
	m1=$(hf msgs)
	down
	dump=$(ls "$out".* | sort -V | tail -1) # the one -d made
	if [ -n "${MC_KEEP:-}" ]; then          # for callgrind_annotate
		mkdir -p "$MC_KEEP"
		cp "$dump" "$MC_KEEP/$(date -u +%H%M%S)-$tag-$rate.cg"
	fi
	ir=$(grep -h -m1 -E '^(summary|totals):' "$dump" | awk '{print $2}')
	ticks=$(calls_to "$dump" feed_pub_tick)
	: >"$IT_DIR/fn.$tag"
	for fn in $FUNCS_SELF; do
		echo "$fn $(fn_cost "$dump" no "$fn") $ticks" >>"$IT_DIR/fn.$tag"
	done
	for fn in $FUNCS_INCL; do
		echo "$fn $(fn_cost "$dump" yes "$fn") $ticks" >>"$IT_DIR/fn.$tag"
	done
	echo "$ir $ticks $((m1 - m0))" |
		awk '{printf "%.0f %d %d %.0f\n", $1, $2, $3, ($2 > 0) ? $1 / $2 : 0}'
}

# tput_one FEED SECS: prints "landed/s feed% sim% redis% feed-CPU-us/msg"
tput_one() {
	local feed=$1 secs=$2 x0 x1 f0 f1 s0 s1 r0 r1 t0 t1
	up max "$feed" || return 1
	sleep 1
	x0=$(rcli XLEN hean:ticks); f0=$(cpu_ticks "$FEED"); s0=$(cpu_ticks "$SIM"); r0=$(cpu_ticks "$IT_REDIS_PID")
	t0=$(date +%s%N)
	sleep "$secs"
	x1=$(rcli XLEN hean:ticks); f1=$(cpu_ticks "$FEED"); s1=$(cpu_ticks "$SIM"); r1=$(cpu_ticks "$IT_REDIS_PID")
	t1=$(date +%s%N)
	down
	awk -v x="$((x1 - x0))" -v f="$((f1 - f0))" -v s="$((s1 - s0))" -v r="$((r1 - r0))" \
		-v d="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" \
		'BEGIN {d /= 1e9; printf "%.0f %.0f %.0f %.0f %.2f\n", x / d, 100 * f / hz / d, 100 * s / hz / d, 100 * r / hz / d, 1e6 * f / hz / x}'
}

case $MODE in
icount)
	RATE=${4:-1000}
	SECS=${5:-20}
	echo "instructions per stored tick (callgrind), $NSYM symbols, $RATE msgs/s offered, ${SECS}s window"
	echo '| feed | Ir in window | ticks | frames | Ir / tick |'
	echo '|---|---|---|---|---|'
	for ab in A B; do
		if [ $ab = A ]; then f=$FEED_A; else f=$FEED_B; fi
		r=$(icount_one "$f" "$RATE" "$SECS" $ab) || exit 1
		read -r ir ticks msgs per <<<"$r"
		printf '| %s %s | %s | %s | %s | %s |\n' "$ab" "$f" "$ir" "$ticks" "$msgs" "$per"
		echo "$per" >>"$IT_DIR/per"
	done
	awk 'NR==1 {a=$1} NR==2 {b=$1} END {printf "B vs A: %+.2f %% instructions per tick (whole process)\n", 100 * (b - a) / a}' "$IT_DIR/per"
	echo '| function (Ir per tick) | A | B | B - A |'
	echo '|---|---|---|---|'
	paste -d' ' "$IT_DIR/fn.A" "$IT_DIR/fn.B" | awk -v a="$(head -1 "$IT_DIR/per")" '
		{x = $2 / $3; y = $5 / $6; d += y - x; printf "| %s | %.1f | %.1f | %+.1f |\n", $1, x, y, y - x}
		END {printf "metrics code: %+.1f Ir per tick = %+.2f %% of A\n", d, 100 * d / a}'
	;;
tput)
	ROUNDS=${4:-5}
	SECS=${5:-8}
	echo "stored msgs/s at max rate, $NSYM symbols, ${SECS}s windows, interleaved; load: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo '| run | feed | landed/s | feed CPU % | sim CPU % | redis CPU % | feed CPU us/msg |'
	echo '|---|---|---|---|---|---|---|'
	for i in $(seq 1 "$ROUNDS"); do
		for ab in A B; do
			if [ $ab = A ]; then f=$FEED_A; else f=$FEED_B; fi
			r=$(tput_one "$f" "$SECS") || exit 1
			read -r landed fc sc rc us <<<"$r"
			printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$i" "$ab" "$landed" "$fc" "$sc" "$rc" "$us"
			echo "$landed $fc $sc $us" >>"$IT_DIR/tput.$ab"
		done
	done
	for ab in A B; do
		printf '%s: median %s msgs/s (min %s, max %s), feed CPU median %s %%, sim CPU median %s %%, feed CPU median %s us/msg\n' "$ab" \
			"$(cut -d' ' -f1 "$IT_DIR/tput.$ab" | median)" \
			"$(cut -d' ' -f1 "$IT_DIR/tput.$ab" | sort -n | head -1)" \
			"$(cut -d' ' -f1 "$IT_DIR/tput.$ab" | sort -n | tail -1)" \
			"$(cut -d' ' -f2 "$IT_DIR/tput.$ab" | median)" \
			"$(cut -d' ' -f3 "$IT_DIR/tput.$ab" | median)" \
			"$(cut -d' ' -f4 "$IT_DIR/tput.$ab" | median)"
	done
	echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
	;;
*)
	sed -n '2,25p' "$0" >&2
	exit 2
	;;
esac
