#!/usr/bin/env bash
# Benchmark (not a test): a wave of 10 signals against hean-exsim (10
# symbols, fill delay 0). Per wave: ms from the wave entry in hean:waves
# (its stream id) to all 10 orders accepted (hean:orders "submitted") and
# to all 10 filled with their stop-losses set ("filled" rows; the stop-loss
# rides on the order, tpslMode Full, and /sim/state is checked for it).
# Prints p50/p99/max over N waves (default 100).
#
# Usage: HEAN_BUILD=build-exec tests/bench/executor_bench.sh [WAVES]
# Waves are paced >= 1.05 s apart: the simulator allows 10 order/create per
# second (Bybit's default), so a faster pace would measure 10006 waits.
HEAN_SRC=${HEAN_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
export HEAN_SRC
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-bench
. "$HEAN_SRC/tests/executor/exec_lib.sh"
N=${1:-100}
export HEAN_LOG_LEVEL=${HEAN_LOG_LEVEL:-info}
SYMS=(AAAUSDT BBBUSDT CCCUSDT DDDUSDT EEEUSDT FFFUSDT GGGUSDT HHHUSDT IIIUSDT JJJUSDT)

start_redis
start_exsim --seed 31 --symbols "$(IFS=,; echo "${SYMS[*]}")" --rate 1 --fill-delay-ms 0
start_exec

# orders_ms WAVE_ISO STATUS: newest stream-id ms among hean:orders rows of
# that wave with STATUS, and how many there are ("ms count")
orders_ms() {
	rcli XRANGE hean:orders - + | awk -v w="$1" -v st="$2" '
		/^[0-9]+-[0-9]+$/ { if (ok) { n++; split(id, a, "-"); if (a[1] + 0 > m + 0) m = a[1] + 0 } id = $0; ok = 0; wv = ""; s = ""; next }
		prev == "wave_ts" { wv = $0 } prev == "status" { s = $0 }
		{ prev = $0; ok = (wv == w && s == st) }
		END { if (ok) { n++; split(id, a, "-"); if (a[1] + 0 > m + 0) m = a[1] + 0 } printf "%.0f %d\n", m, n }'
}
n_protected() { simstate | jq '[.positions[] | select((.stopLoss|tonumber) > 0)] | length'; }
filled_all() { [ "$(orders_ms "$1" filled | cut -d' ' -f2)" -ge 10 ]; }

T0=$(( $(now_s) - 1800 ))
: >"$IT_DIR/acc.txt"
: >"$IT_DIR/prot.txt"
fails=0
for i in $(seq 1 "$N"); do
	ts=$((T0 + i))
	iso_ts=$(iso "$ts")
	args=()
	for s in "${SYMS[@]}"; do args+=("$s:buy"); done
	tstart=$(now_ms)
	id=$(xadd_wave "$ts" "${args[@]}")
	id_ms=${id%-*}
	if ! wait_until 10 filled_all "$iso_ts"; then
		fails=$((fails + 1))
		it_log "wave $i: not all filled"
		continue
	fi
	read -r acc nacc <<<"$(orders_ms "$iso_ts" submitted)"
	read -r fil _ <<<"$(orders_ms "$iso_ts" filled)"
	[ "$nacc" -eq 10 ] || it_log "wave $i: $nacc submitted"
	[ "$(n_protected)" -eq 10 ] || { it_log "wave $i: not all protected"; fails=$((fails + 1)); }
	echo $((acc - id_ms)) >>"$IT_DIR/acc.txt"
	echo $((fil - id_ms)) >>"$IT_DIR/prot.txt"
	# flat again for the next wave (positions closed outside hean)
	for s in "${SYMS[@]}"; do sim_ctl "$EXSIM_URL" "/sim/position?symbol=$s&side=Buy&qty=0"; done
	wait_field 10 executor positions 0 || it_log "wave $i: positions not back to 0"
	left=$(( 1050 - ($(now_ms) - tstart) ))
	[ "$left" -gt 0 ] && sleep "$(printf '0.%03d' "$left")"
done

pct() { sort -n "$1" | awk -v p="$2" '{ a[NR] = $1 } END { if (!NR) { print "-"; exit } i = int((NR - 1) * p / 100 + 0.5) + 1; print a[i] }'; }
printf '\nexecutor_bench: %d waves x 10 signals, hean-exsim fill delay 0, 2 vCPU\n' "$N"
printf '%-44s %6s %6s %6s %6s\n' "metric (ms from XADD hean:waves)" p50 p90 p99 max
for f in acc prot; do
	[ $f = acc ] && name="all 10 orders accepted" || name="all 10 filled, stop-loss set"
	printf '%-44s %6s %6s %6s %6s\n' "$name" "$(pct "$IT_DIR/$f.txt" 50)" "$(pct "$IT_DIR/$f.txt" 90)" \
		"$(pct "$IT_DIR/$f.txt" 99)" "$(pct "$IT_DIR/$f.txt" 100)"
done
printf 'waves measured: %d, failed: %d, journal orders: %d, naked_positions now: %s\n' \
	"$(wc -l <"$IT_DIR/acc.txt")" "$fails" "$(n_orders)" "$(hfield executor naked_positions)"
IT_FAILS=$fails
it_done
