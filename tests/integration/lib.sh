# shellcheck shell=bash
# shellcheck disable=SC2034 # *_PID/*_URL variables are read by the sourcing tests
# Integration harness: a temp dir, an own redis-server on a Unix socket,
# free ports, simulators and daemons started in the background, readiness
# by polling under a deadline (never a fixed sleep), cleanup on any exit.
#
# Use:  . "$HEAN_SRC/tests/integration/lib.sh"; it_init NAME
# Exit codes: 0 pass, 1 fail, 77 skip (meson's convention).

set -u

HEAN_SRC=${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HEAN_BUILD=${HEAN_BUILD:-$HEAN_SRC/build}
IT_PIDS=()
IT_NAME=it
IT_DIR=
IT_FAILS=0

it_log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S.%3N)" "$IT_NAME" "$*" >&2; }

it_skip() { it_log "SKIP: $*"; exit 77; }

it_fail() {
	it_log "FAIL: $*"
	IT_FAILS=$((IT_FAILS + 1))
}

# Ends the test: exit 1 if any it_fail/it_check failed.
it_done() {
	if [ "$IT_FAILS" -gt 0 ]; then
		it_log "$IT_FAILS check(s) failed; logs in $IT_DIR"
		IT_KEEP=1
		exit 1
	fi
	it_log "PASS"
	exit 0
}

it_cleanup() {
	local rc=$? p san=
	for p in "${IT_PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${IT_PIDS[@]}"; do
		for _ in $(seq 1 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "${IT_REDIS_PID:-}" ]; then
		kill -TERM "$IT_REDIS_PID" 2>/dev/null
	fi
	# Every process a test ran exits through its SIGTERM path here: an
	# AddressSanitizer, LeakSanitizer or UBSan report in any log fails the
	# test, so each integration test is also a leak and memory-error check.
	if [ -n "$IT_DIR" ]; then
		san=$(grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$IT_DIR"/*.log 2>/dev/null)
		if [ -n "$san" ]; then
			it_log "FAIL: sanitizer report in: $san"
			IT_KEEP=1
		fi
	fi
	if [ -n "$IT_DIR" ] && [ -z "${IT_KEEP:-}" ] && [ -z "${HEAN_KEEP:-}" ]; then
		rm -rf "$IT_DIR"
	elif [ -n "$IT_DIR" ]; then
		# Show the tail of every log, so CI output says why.
		local f
		for f in "$IT_DIR"/*.log; do
			[ -f "$f" ] || continue
			echo "----- $f (tail)" >&2
			tail -n 30 "$f" >&2
		done
	fi
	if [ -n "$san" ] && [ "$rc" -ne 77 ]; then
		exit 1
	fi
	return "$rc"
}

# it_init NAME: temp dir, traps, checks the build exists.
it_init() {
	IT_NAME=$1
	IT_DIR=$(mktemp -d "/tmp/hean-it-$1.XXXXXX")
	trap it_cleanup EXIT
	trap 'exit 1' INT TERM
	command -v redis-server >/dev/null || it_skip "redis-server not installed"
	command -v redis-cli >/dev/null || it_skip "redis-cli not installed"
}

# wait_until SECONDS CMD...: polls CMD every 50 ms until it succeeds.
# Returns 1 on timeout.
wait_until() {
	local limit=$1
	shift
	local end=$(($(date +%s%N) + limit * 1000000000))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# now_ms: wall clock in ms.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 40000))
		if ! (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# start_redis: own redis-server on $IT_DIR/redis.sock (no TCP), AOF on.
# Sets IT_REDIS_SOCK, IT_REDIS_PID and exports HEAN_REDIS_URL.
start_redis() {
	IT_REDIS_SOCK=$IT_DIR/redis.sock
	mkdir -p "$IT_DIR/redis"
	redis-server --port 0 --unixsocket "$IT_REDIS_SOCK" --unixsocketperm 700 \
		--dir "$IT_DIR/redis" --appendonly yes --appendfsync everysec --save '' \
		--logfile "$IT_DIR/redis.log" --daemonize no >/dev/null 2>&1 &
	IT_REDIS_PID=$!
	export HEAN_REDIS_URL="unix://$IT_REDIS_SOCK"
	wait_until 10 rcli ping || it_fail "redis did not start"
}

# stop_redis [KILL]: stops the test redis (kill -9 with KILL).
stop_redis() {
	if [ "${1:-}" = KILL ]; then
		kill -KILL "$IT_REDIS_PID" 2>/dev/null
	else
		kill -TERM "$IT_REDIS_PID" 2>/dev/null
	fi
	wait "$IT_REDIS_PID" 2>/dev/null
	rm -f "$IT_REDIS_SOCK"
}

# restart_redis: same dir and socket, so AOF data comes back.
restart_redis() {
	redis-server --port 0 --unixsocket "$IT_REDIS_SOCK" --unixsocketperm 700 \
		--dir "$IT_DIR/redis" --appendonly yes --appendfsync everysec --save '' \
		--logfile "$IT_DIR/redis.log" --daemonize no >/dev/null 2>&1 &
	IT_REDIS_PID=$!
	wait_until 10 rcli ping || it_fail "redis did not restart"
}

# rcli ARGS...: redis-cli against the test redis, raw output.
rcli() { redis-cli -s "$IT_REDIS_SOCK" --raw "$@"; }

# hget KEY FIELD
hget() { rcli HGET "$1" "$2"; }

# bg NAME CMD...: runs CMD in the background, output in $IT_DIR/NAME.log.
# Sets LAST_PID.
bg() {
	local name=$1
	shift
	"$@" >>"$IT_DIR/$name.log" 2>&1 &
	LAST_PID=$!
	IT_PIDS+=("$LAST_PID")
}

# sim_start KIND BINARY ARGS...: starts a simulator on a free port, retrying
# on a new port if another process took the probed one first. Sets SIM_PORT.
sim_start() {
	local kind=$1 bin=$2 try
	shift 2
	for try in 1 2 3 4 5; do
		SIM_PORT=$(free_port)
		bg "$kind" "$bin" --port "$SIM_PORT" "$@"
		if wait_until 10 sim_up "$SIM_PORT" "$LAST_PID"; then
			return 0
		fi
		kill -0 "$LAST_PID" 2>/dev/null && break
		it_log "$kind: port $SIM_PORT taken (try $try), retrying"
	done
	it_fail "$kind did not start"
	return 1
}

# sim_up PORT PID: the simulator answers /sim/health (and is still alive).
sim_up() { kill -0 "$2" && curl -sf "http://127.0.0.1:$1/sim/health" >/dev/null; }

# start_exsim [ARGS...]: the exchange simulator on a free port. Sets
# EXSIM_PORT, EXSIM_PID, EXSIM_URL and exports the HEAN_BYBIT_* URLs.
start_exsim() {
	sim_start exsim "$HEAN_BUILD/tests/sim/hean-exsim" "$@"
	EXSIM_PORT=$SIM_PORT
	EXSIM_PID=$LAST_PID
	EXSIM_URL=http://127.0.0.1:$EXSIM_PORT
	export HEAN_BYBIT_WS_PUBLIC=ws://127.0.0.1:$EXSIM_PORT/v5/public/linear
	export HEAN_BYBIT_WS_PRIVATE=ws://127.0.0.1:$EXSIM_PORT/v5/private
	export HEAN_BYBIT_REST=$EXSIM_URL
}

# start_sigsim [ARGS...]: the signal server simulator. Sets SIGSIM_PORT,
# SIGSIM_PID, SIGSIM_URL and exports HEAN_SIGNAL_URL.
start_sigsim() {
	sim_start sigsim "$HEAN_BUILD/tests/sim/hean-sigsim" "$@"
	SIGSIM_PORT=$SIM_PORT
	SIGSIM_PID=$LAST_PID
	SIGSIM_URL=http://127.0.0.1:$SIGSIM_PORT
	export HEAN_SIGNAL_URL=ws://127.0.0.1:$SIGSIM_PORT/
}

# sim_ctl URL PATH?QUERY: POSTs a fault control; fails the test if refused.
sim_ctl() { curl -sf -X POST "$1$2" >/dev/null || it_fail "control $2 refused"; }

# start_daemon ROLE: runs build/ROLE/hean-ROLE with the test env. Sets
# LAST_PID and <ROLE>_PID.
start_daemon() {
	local role=$1
	shift
	bg "$role" "$HEAN_BUILD/$role/hean-$role" --log "$IT_DIR/$role.log" "$@"
	printf -v "${role^^}_PID" '%s' "$LAST_PID"
}

# health_state PROC: the state field of hean:health:PROC.
health_state() { hget "hean:health:$1" state; }

# state_is PROC STATE: true when hean:health:PROC has that state now.
state_is() { [ "$(health_state "$1")" = "$2" ]; }

# wait_state SECONDS PROC STATE (re-reads the hash on every poll).
wait_state() { wait_until "$1" state_is "$2" "$3"; }

# wait_true SECONDS 'SHELL EXPR': polls an expression re-evaluated each time,
# e.g. wait_true 10 '[ "$(rcli XLEN hean:ticks)" -gt 100 ]'.
wait_true() {
	local limit=$1
	shift
	wait_until "$limit" eval "$*"
}

# it_check DESC CMD...: records a failure if CMD fails.
it_check() {
	local desc=$1
	shift
	if "$@"; then
		it_log "ok: $desc"
	else
		it_fail "$desc"
	fi
}

# figure NAME VALUE: one line a note can quote.
figure() { it_log "figure $1=$2"; }
