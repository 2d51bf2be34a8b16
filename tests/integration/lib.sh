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

# it_skip REASON: exit 77 — unless a check already failed: a failure is
# never turned into a skip (e.g. a simulator that did not start, then a skip
# for its missing port).
it_skip() {
	if [ "$IT_FAILS" -gt 0 ]; then
		it_log "FAIL (not skipped: $IT_FAILS check(s) failed before): $*"
		IT_KEEP=1
		exit 1
	fi
	it_log "SKIP: $*"
	exit 77
}

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
	# A report fails the test even when it skipped afterwards (exit 77).
	if [ -n "$san" ]; then
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
# Ports come from below the kernel's ephemeral range (ip_local_port_range),
# where no outgoing connection of another test can be holding them.
free_port() {
	local p lo=32768
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	[ "$lo" -gt 11000 ] 2>/dev/null || lo=32768
	for _ in $(seq 1 200); do
		p=$((10000 + RANDOM % (lo - 10000)))
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
		# lws leaks 96 bytes inside its own failed-bind path: keep that
		# attempt's log out of the sanitizer check (*.log), not out of sight.
		mv -f "$IT_DIR/$kind.log" "$IT_DIR/$kind.port-taken-$try.txt"
	done
	it_fail "$kind did not start"
	return 1
}

# sim_up PORT PID: the simulator answers /sim/health (and is still alive).
# The process itself must listen on PORT: another program that took the
# probed port first must not pass for ours.
sim_up() { pid_listens "$1" "$2" && curl -sf "http://127.0.0.1:$1/sim/health" >/dev/null; }

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

# ===== Shared helpers of the component suites (feed, signals, waves,
# executor, redis, net, sim). Every "poll until" below takes a function
# re-run on every poll, never a "$(...)" argument expanded once.

# need_cmd CMD...: skips the test (77) when a command is not installed.
need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || it_skip "$c not installed"
	done
}

# need_built PATH...: skips the test when $HEAN_BUILD/PATH is not built,
# e.g. need_built executor/hean-executor tests/sim/hean-exsim.
need_built() {
	local b
	for b in "$@"; do
		[ -x "$HEAN_BUILD/$b" ] || it_skip "${b##*/} not built"
	done
}

# now_s: wall clock in s. iso_utc EPOCH_S: ISO 8601 UTC with +00:00.
# iso_s ISO: epoch seconds of an ISO 8601 time (any offset).
now_s() { date +%s; }
iso_utc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S+00:00; }
iso_s() { date -u -d "$1" +%s; }

# health_field PROC FIELD: one field of hean:health:PROC.
health_field() { hget "hean:health:$1" "$2"; }

# field_is PROC FIELD VALUE: true when that health field has VALUE now.
field_is() { [ "$(health_field "$1" "$2")" = "$3" ]; }

# wait_field SECONDS PROC FIELD VALUE (re-reads the hash on every poll).
wait_field() { wait_until "$1" field_is "$2" "$3" "$4"; }

# out_eq VALUE CMD...: CMD's output equals VALUE. out_ge N CMD...: CMD's
# output is an integer >= N. For wait_until/it_check: CMD is re-run each
# time, e.g. wait_until 5 out_ge 100 rcli XLEN hean:ticks.
out_eq() { [ "$("${@:2}")" = "$1" ]; }
out_ge() {
	local v
	v=$("${@:2}")
	[ -n "$v" ] && [ "$v" -ge "$1" ] 2>/dev/null
}

# never_within SECONDS CMD...: true if CMD does not succeed within SECONDS
# (a bounded poll for something that must not happen).
never_within() { ! wait_until "$@"; }

# dead PID: the process is gone (children are reaped by bash itself).
dead() { ! kill -0 "$1" 2>/dev/null; }

# stop_pid PID [SIG [SECONDS]]: sends SIG (TERM) and waits up to SECONDS
# (10) for the exit; fails the test (and kills -9) if it did not exit.
# Returns the process's exit status.
stop_pid() {
	kill "-${2:-TERM}" "$1" 2>/dev/null
	if ! wait_until "${3:-10}" dead "$1"; then
		it_fail "pid $1 did not exit on SIG${2:-TERM} within ${3:-10} s"
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
}

# count_matches FILE ERE [AFTER_LINE]: lines of FILE (after line number
# AFTER_LINE) matching ERE; 0 when none or no file.
count_matches() { tail -n +"$((${3:-0} + 1))" "$1" 2>/dev/null | grep -cE -- "$2" || true; }

# no_sanitizer_report FILE...: no ASan/LSan/UBSan report in the files (for
# outputs the exit check of it_cleanup does not read: it reads *.log only).
no_sanitizer_report() { ! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error' -- "$@" 2>/dev/null; }

# stream_field KEY FIELD [START]: the value of FIELD in every entry of the
# stream KEY (ids >= START, default all), in stream order.
stream_field() { rcli XRANGE "$1" "${3:--}" + | awk -v f="$2" 'p == f { print } { p = $0 }'; }

# stream_entries KEY [START]: the stream as one JSON object per entry, in
# stream order (needs jq).
stream_entries() {
	redis-cli -s "$IT_REDIS_SOCK" --json XRANGE "$1" "${2:--}" + |
		jq -c '.[] | .[1] | [range(0; length; 2) as $i | {(.[$i]): .[$i + 1]}] | add'
}

# events_after SINCE_MS EVENT: how many hean:events entries named EVENT
# have an id (ms) >= SINCE_MS.
events_after() {
	rcli XRANGE hean:events "$1" + | awk -v e="$2" 'prev=="event" && $0==e {n++} {prev=$0} END {print n+0}'
}

# event_ts_after SINCE_MS EVENT: ts_ms of the first such event, or empty.
event_ts_after() {
	rcli XRANGE hean:events "$1" + | awk -v e="$2" '
		/^[0-9]+-[0-9]+$/ {hit=0}
		prev=="event" && $0==e {hit=1}
		prev=="ts_ms" && hit {print $0; exit}
		{prev=$0}'
}
has_event_after() { test -n "$(event_ts_after "$1" "$2")"; }

# events_match ERE [SINCE_MS]: some field of a hean:events entry (id >=
# SINCE_MS, default all) matches ERE, e.g. events_match 'code=1009' "$t0".
events_match() { rcli XRANGE hean:events "${2:--}" + | grep -Eq -- "$1"; }

# events_have VALUE [SINCE_MS]: some field of such an entry is exactly VALUE.
events_have() { rcli XRANGE hean:events "${2:--}" + | grep -qxF -- "$1"; }

# sim_stat URL NAME: one numeric counter of GET URL/sim/stats (no jq);
# exsim_stat NAME / sigsim_stat NAME: the same for the started simulator.
sim_stat() { curl -sf -m 5 "$1/sim/stats" | grep -o "\"$2\":-\?[0-9]*" | head -n 1 | cut -d: -f2; }
exsim_stat() { sim_stat "$EXSIM_URL" "$1"; }
sigsim_stat() { sim_stat "$SIGSIM_URL" "$1"; }

# The simulators' GET views (5 s limit, nothing on an HTTP error).
exsim_journal() { curl -sf -m 5 "$EXSIM_URL/sim/journal"; }
exsim_state() { curl -sf -m 5 "$EXSIM_URL/sim/state"; }
exsim_truth() { curl -sf -m 5 "$EXSIM_URL/sim/truth?symbol=$1"; }
sigsim_signals() { curl -sf -m 5 "$SIGSIM_URL/sim/signals"; }

# journal_count KIND [SINCE_MS]: exsim journal entries of KIND with t_ms >
# SINCE_MS (default all; needs jq).
journal_count() {
	exsim_journal | jq --arg k "$1" --argjson t "${2:-0}" \
		'[.[] | select(.kind == $k and (.t_ms | tonumber) > $t)] | length'
}

# http_status METHOD URL: the HTTP status code of a request (000: none in 5 s).
http_status() { curl -s -o /dev/null -m 5 -w '%{http_code}' -X "$1" "$2"; }

# ws_handshake_code URL: HTTP status of a WebSocket upgrade request to URL
# (http://...): 101 accepted, 503 refused, 000 no answer within 5 s.
ws_handshake_code() {
	curl -s -o /dev/null -w '%{http_code}' -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
		-H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
		--max-time 5 "$1"
}

# pid_listens PORT PID: PID is alive and itself listens on TCP PORT (with
# ss: another process that took the port does not count; without ss: the
# port accepts connections).
pid_listens() {
	kill -0 "$2" 2>/dev/null || return 1
	if command -v ss >/dev/null; then
		ss -Hltnp "sport = :$1" 2>/dev/null | grep -q "pid=$2,"
	else
		(echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}
