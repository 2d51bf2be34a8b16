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
unset HEAN_REDIS_URL HEAN_PROC_NAME HEANCTL_CONFIG HEAN_BYBIT_API_KEY HEAN_BYBIT_API_SECRET HEAN_SIGNAL_TOKEN
export HEANCTL_UP_TIMEOUT=20 HEANCTL_STOP_GRACE=2
# the endpoints below are free local ports: hean owns them (opt-in)
export HEANCTL_SIMULATORS=1

DAEMONS=(feed signals waves executor)
NAMES=(redis exsim sigsim feed signals waves executor)

# ----- programs: stubs or the real build -----
# shellcheck source=tests/scripts/stubs.sh
. "$HEAN_SRC/tests/scripts/stubs.sh"
stub_config_bin
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
	touch "$HEAN_HOME/ignore-term-waves"
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
	# hean-metrics is started and supervised like the daemons when built
	[ -x "$HEAN_BUILD/scripts/metrics/hean-metrics" ] && NAMES+=(metrics)
fi

EXP=$(free_port) || it_fail "no free port"
SIGP=$(free_port) || it_fail "no free port"
while [ "$SIGP" = "$EXP" ]; do SIGP=$(free_port); done
export HEAN_BYBIT_WS_PUBLIC=ws://127.0.0.1:$EXP/v5/public/linear
export HEAN_BYBIT_WS_PRIVATE=ws://127.0.0.1:$EXP/v5/private
export HEAN_BYBIT_REST=http://127.0.0.1:$EXP
export HEAN_SIGNAL_URL=ws://127.0.0.1:$SIGP/

# Secrets in the environment (the simulators' own values in real mode, so
# the pipeline authenticates) and a config file that names a process: the
# launcher must hand each secret only to its owner and give each daemon its
# own HEAN_PROC_NAME.
if [ "$MODE" = stub ]; then
	export HEAN_BYBIT_API_KEY=it-key-4f1d9a HEAN_BYBIT_API_SECRET=it-secret-77c2e0
	export HEAN_SIGNAL_TOKEN=it-token-a5b3c1
else
	export HEAN_BYBIT_API_KEY=hean-sim-key HEAN_BYBIT_API_SECRET=hean-sim-secret
	export HEAN_SIGNAL_TOKEN=hean-sim-token
fi
# HEAN_PROC_NAME in a config file (shared by the four) is refused by the
# daemons' configuration, so `up` refuses it too, naming it; an operator's
# HEAN_PROC_NAME in the environment reaches no daemon.
printf 'HEAN_PROC_NAME=oneforall\nHEAN_LOG_LEVEL=info\n' >"$IT_DIR/bad.conf"
chmod 600 "$IT_DIR/bad.conf"
HEANCTL_CONFIG=$IT_DIR/bad.conf "$HEAN" up --no-deps --no-build >"$IT_DIR/up-badconf.out" 2>&1
it_check "up refuses HEAN_PROC_NAME in the config file" test $? -ne 0
it_check "up names HEAN_PROC_NAME" grep -q 'HEAN_PROC_NAME: not allowed in a --config file' "$IT_DIR/up-badconf.out"
it_check "nothing started with that file" test ! -e "$RUN/redis.pid"
printf 'HEAN_LOG_LEVEL=info\n' >"$IT_DIR/hean.conf"
# real daemons: one renamed through the file (HEAN_PROC_NAME_<ROLE>); the
# launcher and watchdog must follow it to its health hash
[ "$MODE" = real ] && printf 'HEAN_PROC_NAME_WAVES=waves-b\n' >>"$IT_DIR/hean.conf"
chmod 600 "$IT_DIR/hean.conf"
export HEANCTL_CONFIG=$IT_DIR/hean.conf HEAN_PROC_NAME=oneforall

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
			if [ "$1" = redis ] || [ "$1" = metrics ]; then
				# (hean-metrics: its --log path names this HEAN_HOME)
				tr '\0' ' ' <"$f" | grep -q "$HEAN_HOME/var/" && n=$((n + 1))
			elif tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null |
				grep -qx "HEAN_HOME=$HEAN_HOME\|SIM_CREDENTIALS_FILE=$HEAN_HOME/.*"; then
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
it_check "first up exits 0" test "$rc" -eq 0 || cat "$IT_DIR/up1.out" >&2
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

# ----- each child's environment: only what it needs -----
# env_of PID: its environment, one VAR=value a line.
env_of() { tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null; }
# env_has PID TEXT: TEXT occurs in PID's environment.
env_has() { env_of "$1" | grep -qF -- "$2"; }
for n in "${NAMES[@]}"; do
	p=${PID1[$n]}
	for v in "$HEAN_BYBIT_API_SECRET" "$HEAN_BYBIT_API_KEY"; do
		if [ "$n" = executor ]; then
			it_check "executor's environment has the exchange credential" env_has "$p" "=$v"
		else
			it_check "$n's environment has no exchange credential" bash -c "! tr '\0' '\n' </proc/$p/environ | grep -qF -- '=$v'"
		fi
	done
	if [ "$n" = signals ]; then
		it_check "signals' environment has the signal token" env_has "$p" "=$HEAN_SIGNAL_TOKEN"
	else
		it_check "$n's environment has no signal token" bash -c "! tr '\0' '\n' </proc/$p/environ | grep -qF -- '=$HEAN_SIGNAL_TOKEN'"
	fi
	it_check "$n's command line holds no secret" bash -c \
		"! tr '\0' '\n' </proc/$p/cmdline | grep -qF -e '$HEAN_BYBIT_API_SECRET' -e '$HEAN_SIGNAL_TOKEN' -e '$HEAN_BYBIT_API_KEY'"
	case $n in
	redis | exsim | sigsim)
		it_check "$n's environment has no HEAN_* variable" bash -c "! tr '\0' '\n' </proc/$p/environ | grep -q '^HEAN_'"
		;;
	*) it_check "$n does not get the operator's HEAN_PROC_NAME" bash -c "! tr '\0' '\n' </proc/$p/environ | grep -q '^HEAN_PROC_NAME='" ;;
	esac
done
if [ "$MODE" = stub ]; then
	it_check "exsim credentials file: the configured key and secret, mode 600" bash -c \
		"grep -qx 'HEAN_BYBIT_API_KEY=$HEAN_BYBIT_API_KEY' '$RUN/exsim.credentials' &&
		 grep -qx 'HEAN_BYBIT_API_SECRET=$HEAN_BYBIT_API_SECRET' '$RUN/exsim.credentials' &&
		 [ \$(stat -c %a '$RUN/exsim.credentials') = 600 ]"
	it_check "sigsim credentials file: the configured token" grep -qx "HEAN_SIGNAL_TOKEN=$HEAN_SIGNAL_TOKEN" "$RUN/sigsim.credentials"
	it_check "exsim is told where its credentials are" env_has "${PID1[exsim]}" "SIM_CREDENTIALS_FILE=$RUN/exsim.credentials"
	for n in "${DAEMONS[@]}"; do
		it_check "health hash named $n (not the operator's HEAN_PROC_NAME)" \
			test "$(redis-cli -s "$RUN/redis.sock" --raw HGET "hean:health:$n" pid)" = "${PID1[$n]}"
	done
fi

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
it_check "env: API key listed, masked" bash -c "grep -q '^HEAN_BYBIT_API_KEY=' '$ENVF' && ! grep -qF '$HEAN_BYBIT_API_KEY' '$ENVF'"
it_check "env: secret listed" grep -q '^HEAN_BYBIT_API_SECRET=.' "$ENVF"
it_check "env: token listed" grep -q '^HEAN_SIGNAL_TOKEN=.' "$ENVF"
it_check "env: no secret value anywhere" bash -c "! grep -qF -e '$HEAN_BYBIT_API_SECRET' -e '$HEAN_SIGNAL_TOKEN' '$ENVF'"
it_check "env: defaults listed" grep -qx 'HEAN_WAVE_INTERVAL_S=900' "$ENVF"
it_check "env: configured URL listed" grep -qx "HEAN_BYBIT_REST=http://127.0.0.1:$EXP" "$ENVF"
it_check "env: secrets as ****" bash -c "grep -qx 'HEAN_BYBIT_API_SECRET=\*\*\*\*' '$ENVF' && grep -qx 'HEAN_SIGNAL_TOKEN=\*\*\*\*' '$ENVF'"
# Redis passwords in URLs: masked whole, whatever they hold ('/', '?', '@',
# %-escapes); `env` prints what the daemons print.
for pw in pw123 's3cr/et' 'a?b=c' 'x@y@z' 'p%2Fq%40r'; do
	url="redis://hean:$pw@127.0.0.1:1/0"
	HEAN_REDIS_URL=$url HEAN_HOME=$IT_DIR/other "$HEAN" env >"$IT_DIR/env-mask.out" 2>&1
	it_check "env masks the Redis password '$pw'" grep -qxF 'HEAN_REDIS_URL=redis://hean:****@127.0.0.1:1/0' "$IT_DIR/env-mask.out"
	it_check "env shows nothing of the Redis password '$pw'" bash -c "! grep -qF -- '$pw' '$IT_DIR/env-mask.out'"
done

# ----- status -----
"$HEAN" status >"$IT_DIR/status.out" 2>&1
it_check "status exits 0" test $? -eq 0
cat "$IT_DIR/status.out" >&2
for n in "${NAMES[@]}"; do
	it_check "status: one '$n' row, alive, right pid" \
		test "$(awk -v n="$n" -v p="${PID1[$n]}" '$1 == n && $2 == p && $3 == "yes"' "$IT_DIR/status.out" | wc -l)" -eq 1
done
it_check "status: stream lengths" grep -q '^streams: hean:ticks=' "$IT_DIR/status.out"

# ----- status exit codes and --json -----
# json_field FILE EXPR: a value of the status --json object (python3).
json_field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
"$HEAN" status --json >"$IT_DIR/status.json" 2>/dev/null
it_check "status --json exits 0 when healthy" test $? -eq 0
it_check "status --json: status healthy, exit_code 0" \
	test "$(json_field "$IT_DIR/status.json" 'd["status"], d["exit_code"]')" = "('healthy', 0)"
it_check "status --json: every process, with its pid" \
	test "$(json_field "$IT_DIR/status.json" '",".join("%s=%s" % (p["name"], p["pid"]) for p in d["processes"] if p["name"] != "watchdog")')" = \
	"$(for n in "${NAMES[@]}"; do printf '%s=%s,' "$n" "${PID1[$n]}"; done | sed 's/,$//')"
if [ "$MODE" = stub ]; then
	# executor degraded (e.g. its private stream refused): status 1, and up
	# (which waits for every process to be healthy) fails naming the reason
	echo degraded >"$HEAN_HOME/state-executor"
	echo 'private_ws=down: Invalid apikey' >"$HEAN_HOME/detail-executor"
	sleep 0.5
	"$HEAN" status >"$IT_DIR/status-degraded.out" 2>&1
	it_check "status exits 1 when the executor is degraded" test $? -eq 1
	it_check "status names the degraded executor" grep -q '^  executor: degraded (private_ws=down: Invalid apikey' "$IT_DIR/status-degraded.out"
	"$HEAN" status --json >"$IT_DIR/status-degraded.json" 2>/dev/null
	it_check "status --json exits 1 when degraded" test $? -eq 1
	it_check "status --json: degraded, executor not healthy" \
		test "$(json_field "$IT_DIR/status-degraded.json" 'd["status"], [p["healthy"] for p in d["processes"] if p["name"] == "executor"]')" = "('degraded', [False])"
	HEANCTL_UP_TIMEOUT=2 "$HEAN" up --no-deps --no-build >"$IT_DIR/up-degraded.out" 2>&1
	it_check "up exits 1 while the executor is degraded" test $? -eq 1
	it_check "up names the reason" grep -q 'executor: not healthy within 2s: state degraded (private_ws=down: Invalid apikey)' "$IT_DIR/up-degraded.out"
	it_check "up does not say ok" bash -c "! grep -q 'up: ok' '$IT_DIR/up-degraded.out'"
	rm -f "$HEAN_HOME/state-executor" "$HEAN_HOME/detail-executor"
	it_check "status exits 0 again once the executor recovers" wait_until 5 "$HEAN" status
	# a standby copy of the executor (same name, another host) waiting for
	# the lease writes hean:health:executor:standby: status shows it
	redis-cli -s "$RUN/redis.sock" HSET hean:health:executor:standby pid 424242 state standby \
		updated_ms "$(now_ms)" detail 'holder hostA/1/x' >/dev/null
	"$HEAN" status >"$IT_DIR/status-standby.out" 2>&1
	it_check "status with a standby copy exits 0" test $? -eq 0
	it_check "status shows the standby copy in the executor row" \
		grep -q '^executor .*standby copy: pid 424242 (holder hostA/1/x)' "$IT_DIR/status-standby.out"
	redis-cli -s "$RUN/redis.sock" DEL hean:health:executor:standby >/dev/null
fi

if [ "$MODE" = real ] && [ -x "$HEAN_BUILD/waves/hean-waves" ]; then
	# a second hean-waves with the same name waits as the standby: status
	# shows it in the waves row, and still exits 0
	(cd "$HEAN_HOME" && exec env -u HEAN_PROC_NAME "$HEAN_BUILD/waves/hean-waves" --config "$HEANCTL_CONFIG" \
		>"$IT_DIR/waves-standby.log" 2>&1) &
	SB=$!
	IT_PIDS+=("$SB")
	it_check "waves runs as waves-b (HEAN_PROC_NAME_WAVES in the file)" \
		test "$(redis-cli -s "$RUN/redis.sock" --raw HGET hean:health:waves-b pid)" = "${PID1[waves]}"
	it_check "the second waves writes hean:health:waves-b:standby" wait_until 10 \
		bash -c "[ \"\$(redis-cli -s '$RUN/redis.sock' --raw HGET hean:health:waves-b:standby pid)\" = $SB ]"
	"$HEAN" status >"$IT_DIR/status-standby.out" 2>&1
	it_check "status with a standby copy exits 0" test $? -eq 0
	it_check "status shows the standby copy in the waves row" \
		grep -q "^waves .*standby copy: pid $SB" "$IT_DIR/status-standby.out"
	kill -TERM "$SB"
	wait_until 5 bash -c "! kill -0 $SB 2>/dev/null"
fi

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
"$HEAN" status >"$IT_DIR/status-stopped.out" 2>&1
it_check "status exits 3 when nothing runs" test $? -eq 3
"$HEAN" status --json >"$IT_DIR/status-stopped.json" 2>/dev/null
it_check "status --json exits 3 and says not_running" bash -c \
	"[ \$? -eq 3 ] || true; python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d[\"status\"] != \"not_running\" or d[\"exit_code\"] != 3)' '$IT_DIR/status-stopped.json'"
it_check "foreign A alive after stop" alive "$FOREIGN_A"
it_check "foreign B alive after stop" alive "$FOREIGN_B"
if [ "$MODE" = stub ]; then
	it_check "TERM-ignoring waves was killed after the grace" grep -q 'waves: still running 2s after TERM; sending KILL' "$IT_DIR/stop.out"
	it_check "SIGSTOPped signals ended by TERM+CONT (no KILL)" bash -c "! grep -q 'signals: still running' '$IT_DIR/stop.out'"
fi

# ----- HEANCTL_SIMULATORS=auto: no simulator on endpoints hean does not own -----
# (the endpoints here are free ports, not the built-in defaults)
if [ "$MODE" = stub ]; then
	HEANCTL_SIMULATORS=auto "$HEAN" up --no-deps --no-build >"$IT_DIR/up-auto.out" 2>&1
	it_check "auto: up exits 0 (stub daemons need no endpoint)" test $? -eq 0
	it_check "auto: no simulator started on a configured endpoint" \
		test ! -e "$RUN/exsim.pid" -a ! -e "$RUN/sigsim.pid"
	it_check "auto: up says the endpoint is used as it is" \
		grep -q "exsim: http://127.0.0.1:$EXP is not hean's to simulate; used as it is" "$IT_DIR/up-auto.out"
	"$HEAN" stop >/dev/null 2>&1
fi

# ----- a Redis password with '/', '?', '@' and '%', %-encoded in the URL -----
# The launcher must AUTH with the password the daemons decode
# (--redis-target): status sees Redis up only if it does.
RP=$(free_port) || it_fail "no free port"
redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
	--user default off --user hean on '>s3/cr?e@t%x' '~*' '&*' '+@all' >"$IT_DIR/redis-tcp.log" 2>&1 &
IT_PIDS+=("$!")
wait_until 5 bash -c "redis-cli -p $RP PING | grep -q NOAUTH"
export HEAN_REDIS_URL="redis://hean:s3%2Fcr%3Fe%40t%25x@127.0.0.1:$RP/0"
"$HEAN" status --json >"$IT_DIR/status-tcp.json" 2>"$IT_DIR/status-tcp.err"
it_check "status reaches a Redis whose password needs %-decoding" \
	python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["redis"] is not True)' "$IT_DIR/status-tcp.json"
it_check "status prints no part of the Redis password" bash -c "! grep -qF -e 's3/cr' -e 's3%2Fcr' '$IT_DIR/status-tcp.json' '$IT_DIR/status-tcp.err'"
export HEAN_REDIS_URL="redis://hean:wrong@127.0.0.1:$RP/0"
"$HEAN" status --json >"$IT_DIR/status-tcp-bad.json" 2>/dev/null
it_check "with a wrong password status sees Redis down" \
	python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["redis"] is not False)' "$IT_DIR/status-tcp-bad.json"
unset HEAN_REDIS_URL

# ----- stop NAME with a foreign pid in the pid file -----
echo "$FOREIGN_A $(starttime "$FOREIGN_A")" >"$RUN/feed.pid"
"$HEAN" stop feed >/dev/null 2>&1
it_check "stop feed on a foreign pid file exits 0" test $? -eq 0
it_check "foreign A alive after stop feed" alive "$FOREIGN_A"
"$HEAN" stop >/dev/null 2>&1
it_check "foreign A alive after a second stop" alive "$FOREIGN_A"

it_done
