#!/bin/bash
# Launcher test: scripts/hean up (twice), status, env, stop NAME, restart,
# stop, against a throw-away HEAN_HOME, simulators on free ports.
#   launcher.sh stub  stub programs (bash) in place of the binaries; one
#                     ignores TERM (KILL after grace), one is SIGSTOPped
#   launcher.sh real  the built binaries in $HEAN_BUILD (skip 77 if none)
# Checks: one copy of everything after two `up`s, own sessions, no lock fd
# in children, Redis has no TCP listener, redis-cli on var/run/redis.sock
# sees keys, secrets masked in var/run/hean.env, `stop` leaves none of our
# pids, foreign processes named by pid files are never killed.
# (SC2317: functions called through it_check and trap look unreachable.)
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh disable=SC2317
. "${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/integration/lib.sh"

MODE=${1:-stub}
it_init "launcher-$MODE"
command -v ss >/dev/null || it_skip "ss (iproute2) not installed"
command -v curl >/dev/null || it_skip "curl not installed"
HEAN=$HEAN_SRC/scripts/hean
export HEAN_HOME=$IT_DIR/home
RUN=$HEAN_HOME/var/run
mkdir -p "$RUN" && chmod 700 "$HEAN_HOME/var" "$RUN"
unset HEAN_REDIS_URL HEAN_PROC_NAME HEANCTL_CONFIG
export HEANCTL_UP_TIMEOUT=20 HEANCTL_STOP_GRACE=2

DAEMONS=(feed signals waves executor)
NAMES=(redis exsim sigsim feed signals waves executor)

# ----- programs: stubs or the real build -----
# shellcheck source=tests/scripts/stubs.sh
. "$HEAN_SRC/tests/scripts/stubs.sh"
make_stubs() {
	local b=$IT_DIR/build d
	mkdir -p "$b/tests/sim"
	for d in "${DAEMONS[@]}"; do
		mkdir -p "$b/$d"
		stub_daemon "$b/$d/hean-$d"
	done
	for d in exsim sigsim; do
		stub_sim "$b/tests/sim/hean-$d"
	done
	export HEANCTL_BUILD_DIR=$b
}

if [ "$MODE" = stub ]; then
	command -v python3 >/dev/null || it_skip "python3 not installed"
	make_stubs
	export STUB_IGNORE_TERM=waves
else
	export HEANCTL_BUILD_DIR=$HEAN_BUILD
	have=()
	for d in "${DAEMONS[@]}"; do
		[ -x "$HEAN_BUILD/$d/hean-$d" ] && have+=("$d")
	done
	[ "${#have[@]}" -gt 0 ] || it_skip "no daemon binary built in $HEAN_BUILD"
	DAEMONS=("${have[@]}")
	NAMES=(redis)
	for d in exsim sigsim; do
		[ -x "$HEAN_BUILD/tests/sim/hean-$d" ] && NAMES+=("$d")
	done
	NAMES+=("${DAEMONS[@]}")
fi

EXP=$(free_port) || it_fail "no free port"
SIGP=$(free_port) || it_fail "no free port"
while [ "$SIGP" = "$EXP" ]; do SIGP=$(free_port); done
export HEAN_BYBIT_WS_PUBLIC=ws://127.0.0.1:$EXP/v5/public/linear
export HEAN_BYBIT_WS_PRIVATE=ws://127.0.0.1:$EXP/v5/private
export HEAN_BYBIT_REST=http://127.0.0.1:$EXP
export HEAN_SIGNAL_URL=ws://127.0.0.1:$SIGP/

# On any exit: stop whatever the launcher started, then the harness cleanup.
cleanup() {
	"$HEAN" stop >/dev/null 2>&1
	[ -n "${FOREIGN_B:-}" ] && kill -TERM -- "-$FOREIGN_B" 2>/dev/null
	it_cleanup
}
trap cleanup EXIT

# ----- helpers -----
pidof_name() { read -r p _ <"$RUN/$1.pid" 2>/dev/null && echo "$p"; }
starttime() { awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$1/stat"; }
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
prog_of() { hean_prog_name "$1"; }
hean_prog_name() {
	case $1 in
	redis) echo redis-server ;;
	*) echo "hean-$1" ;;
	esac
}
# count_running NAME: processes whose argv[0] or argv[1] is NAME's program
# and that belong to this HEAN_HOME.
count_running() {
	local want n=0 f pid a0 a1
	want=$(prog_of "$1")
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		{ IFS= read -r -d "" a0 && IFS= read -r -d "" a1; } 2>/dev/null <"$f"
		a0=${a0%% *}
		if [ "${a0##*/}" = "$want" ] || [ "${a1##*/}" = "$want" ]; then
			if [ "$1" = redis ]; then
				tr '\0' ' ' <"$f" | grep -q "$HEAN_HOME/var/run/" && n=$((n + 1))
			elif tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "HEAN_HOME=$HEAN_HOME"; then
				n=$((n + 1))
			fi
		fi
		a0='' a1=''
	done
	echo "$n"
}

# ----- foreign processes named by pid files -----
sleep 300 &
FOREIGN_A=$!
IT_PIDS+=("$FOREIGN_A")
# B runs the exchange simulator's own program (outside this HEAN_HOME, on
# another port) but its pid file holds a wrong start time (a reused pid).
if [ -x "$HEANCTL_BUILD_DIR/tests/sim/hean-exsim" ]; then
	OTHERP=$(free_port)
	env -u HEAN_HOME setsid "$HEANCTL_BUILD_DIR/tests/sim/hean-exsim" --port "$OTHERP" \
		>"$IT_DIR/foreign-b.log" 2>&1 &
else
	sleep 300 &
fi
FOREIGN_B=$!
IT_PIDS+=("$FOREIGN_B")
# A: right start time, wrong program. B: right program, wrong start time.
echo "$FOREIGN_A $(starttime "$FOREIGN_A")" >"$RUN/${DAEMONS[0]}.pid"
echo "$FOREIGN_B 12345" >"$RUN/exsim.pid"

# ----- up, twice -----
t0=$(now_ms)
"$HEAN" up --no-deps --no-build >"$IT_DIR/up1.out" 2>&1
rc=$?
figure up_first_ms $(($(now_ms) - t0))
it_check "first up exits 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$IT_DIR/up1.out" >&2
declare -A PID1
for n in "${NAMES[@]}"; do
	PID1[$n]=$(pidof_name "$n")
	it_check "$n has a live pid after up" alive "${PID1[$n]:-0}"
done
it_check "foreign A (reused pid) alive after up" alive "$FOREIGN_A"
it_check "foreign B (wrong start time) alive after up" alive "$FOREIGN_B"
it_check "pid file no longer names foreign A" test "${PID1[${DAEMONS[0]}]}" != "$FOREIGN_A"

t0=$(now_ms)
"$HEAN" up --no-deps --no-build >"$IT_DIR/up2.out" 2>&1
rc=$?
figure up_second_ms $(($(now_ms) - t0))
it_check "second up exits 0" test "$rc" -eq 0
for n in "${NAMES[@]}"; do
	it_check "$n: same pid after second up" test "$(pidof_name "$n")" = "${PID1[$n]}"
	it_check "$n: exactly one running" test "$(count_running "$n")" -eq 1
done

# ----- children: own session, no lock fd -----
for n in "${NAMES[@]}"; do
	p=${PID1[$n]}
	sid=$(awk '{ sub(/.*\) /, ""); print $4 }' "/proc/$p/stat")
	it_check "$n is its own session leader" test "$sid" = "$p"
	it_check "$n holds no fd on hean.lock" \
		bash -c "! ls -l /proc/$p/fd 2>/dev/null | grep -q hean.lock"
done

# ----- Redis: Unix socket only, sees keys -----
SOCK=$RUN/redis.sock
rp=${PID1[redis]}
it_check "redis opens no TCP listener" bash -c "! ss -ltnpH | grep -q 'pid=$rp,'"
it_check "redis listens on var/run/redis.sock" bash -c "ss -lxpH | grep -q '$SOCK'"
it_check "var/run is mode 700" test "$(stat -c %a "$RUN")" = 700
it_check "redis.conf is mode 600" test "$(stat -c %a "$RUN/redis.conf")" = 600
it_check "redis.conf: port 0" grep -qx 'port 0' "$RUN/redis.conf"
nkeys=$(redis-cli -s "$SOCK" --raw KEYS 'hean:health:*' | grep -c .)
figure health_keys "$nkeys"
it_check "redis-cli -s var/run/redis.sock sees the health hashes" test "$nkeys" -ge "${#DAEMONS[@]}"

# ----- env: every value, secrets masked -----
ENVF=$RUN/hean.env
it_check "hean.env is mode 600" test "$(stat -c %a "$ENVF")" = 600
it_check "env prints hean.env" cmp -s "$ENVF" <("$HEAN" env 2>/dev/null)
it_check "env: API key masked" grep -qx 'HEAN_BYBIT_API_KEY=hean...(redacted)' "$ENVF"
it_check "env: secret masked" grep -qx 'HEAN_BYBIT_API_SECRET=(redacted)' "$ENVF"
it_check "env: token masked" grep -qx 'HEAN_SIGNAL_TOKEN=(redacted)' "$ENVF"
it_check "env: no secret value anywhere" bash -c "! grep -q 'hean-sim-secret\|hean-sim-token' '$ENVF'"
it_check "env: defaults listed" grep -qx 'HEAN_WAVE_INTERVAL_S=900' "$ENVF"
it_check "env: configured URL listed" grep -qx "HEAN_BYBIT_REST=http://127.0.0.1:$EXP" "$ENVF"
it_check "masking of a redis URL password" bash -c \
	"HEAN_REDIS_URL=redis://u:pw123@127.0.0.1:1/0 HEAN_HOME='$IT_DIR/other' '$HEAN' env 2>/dev/null |
	 grep -qx 'HEAN_REDIS_URL=redis://u:(redacted)@127.0.0.1:1/0'"

# ----- status -----
"$HEAN" status >"$IT_DIR/status.out" 2>&1
it_check "status exits 0" test $? -eq 0
cat "$IT_DIR/status.out" >&2
for n in "${NAMES[@]}"; do
	it_check "status: one '$n' row, alive, right pid" \
		test "$(awk -v n="$n" -v p="${PID1[$n]}" '$1 == n && $2 == p && $3 == "yes"' "$IT_DIR/status.out" | wc -l)" -eq 1
done
it_check "status: stream lengths" grep -q '^streams: hean:ticks=' "$IT_DIR/status.out"

# ----- stop NAME / restart NAME -----
last=${DAEMONS[${#DAEMONS[@]} - 1]}
"$HEAN" stop "$last" >/dev/null 2>&1
it_check "stop $last exits 0" test $? -eq 0
it_check "$last stopped" bash -c "! kill -0 ${PID1[$last]} 2>/dev/null || grep -q '^State:.*Z' /proc/${PID1[$last]}/status"
it_check "$last.down written" test -e "$RUN/$last.down"
it_check "status shows $last stopped" bash -c "'$HEAN' status 2>/dev/null | awk '\$1 == \"$last\"' | grep -q stopped"
"$HEAN" restart "$last" >/dev/null 2>&1
it_check "restart $last exits 0" test $? -eq 0
RESTARTED=$(pidof_name "$last")
it_check "$last has a new live pid" alive "${RESTARTED:-0}"
it_check "$last.down removed" test ! -e "$RUN/$last.down"

# ----- full stop: stopped and TERM-ignoring processes too -----
if [ "$MODE" = stub ]; then
	kill -STOP "${PID1[signals]}"
fi
t0=$(now_ms)
"$HEAN" stop >"$IT_DIR/stop.out" 2>&1
rc=$?
figure stop_ms $(($(now_ms) - t0))
it_check "stop exits 0" test "$rc" -eq 0
for n in "${NAMES[@]}"; do
	it_check "$n (pid ${PID1[$n]}) gone after stop" bash -c "! [ -e /proc/${PID1[$n]} ] || grep -q '^State:.*Z' /proc/${PID1[$n]}/status"
	it_check "$n: none running after stop" test "$(count_running "$n")" -eq 0
done
it_check "restarted $last gone after stop" bash -c "! [ -e /proc/$RESTARTED ] || grep -q '^State:.*Z' /proc/$RESTARTED/status"
it_check "no pid files left" bash -c "! ls '$RUN'/*.pid >/dev/null 2>&1"
it_check "foreign A alive after stop" alive "$FOREIGN_A"
it_check "foreign B alive after stop" alive "$FOREIGN_B"
if [ "$MODE" = stub ]; then
	it_check "TERM-ignoring waves was killed after the grace" grep -q 'waves: still running 2s after TERM; sending KILL' "$IT_DIR/stop.out"
	it_check "SIGSTOPped signals ended by TERM+CONT (no KILL)" bash -c "! grep -q 'signals: still running' '$IT_DIR/stop.out'"
fi

# ----- stop NAME with a foreign pid in the pid file -----
echo "$FOREIGN_A $(starttime "$FOREIGN_A")" >"$RUN/feed.pid"
"$HEAN" stop feed >/dev/null 2>&1
it_check "stop feed on a foreign pid file exits 0" test $? -eq 0
it_check "foreign A alive after stop feed" alive "$FOREIGN_A"
"$HEAN" stop >/dev/null 2>&1
it_check "foreign A alive after a second stop" alive "$FOREIGN_A"

it_done
