#!/bin/bash
# Watchdog test: scripts/hean up (which starts scripts/watchdog) in a
# throw-away HEAN_HOME, simulators on free ports, short knobs
# (HEAN_WATCHDOG_STALE_S=3, UNHEALTHY_S=4, MAX_RESTARTS=3, grace 2 s).
#   watchdog.sh stub  stub daemons (bash, health every 0.2 s; a file
#                     $HEAN_HOME/crash-ROLE makes one exit at start, a file
#                     state-ROLE sets its state): every case, deterministic
#   watchdog.sh real  the built daemons and simulators (a stub for any
#                     daemon not built): crash and hang of real processes,
#                     figures with real heartbeats and ticks
# Cases: kill -9 feed -> restarted < 1 s (event with the signal); SIGSTOP
# signals -> stale -> new pid; crash loop of waves -> restart_storm, status
# line, slower retries, then recovery; an outage 3.5 x UNHEALTHY_S long
# (executor degraded, feed disconnected, both still trying) -> 0 restarts;
# a feed that stopped trying -> restarted; stop
# NAME stays down, restart NAME is adopted; a foreign pid in a pid file is never
# killed; kill -9 watchdog -> processes survive, a new one adopts the same
# pids, a second one is refused; Redis hung for > STALE_S -> no restart;
# the executor's pid never changes.
# (SC2317: functions called through it_check and trap look unreachable;
# SC2016: wait_true/eval expressions are expanded when polled.)
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh disable=SC2317,SC2016
. "${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/integration/lib.sh"

MODE=${1:-stub}
it_init "watchdog-$MODE"
command -v curl >/dev/null || it_skip "curl not installed"
command -v python3 >/dev/null || it_skip "python3 not installed"
HEAN=$HEAN_SRC/scripts/hean
export HEAN_HOME=$IT_DIR/home
RUN=$HEAN_HOME/var/run
mkdir -p "$RUN" && chmod 700 "$HEAN_HOME/var" "$RUN"
unset HEAN_REDIS_URL HEAN_PROC_NAME HEANCTL_CONFIG HEANCTL_WATCHDOG
export HEANCTL_UP_TIMEOUT=20 HEANCTL_STOP_GRACE=2
# the endpoints below are free local ports: hean owns them (opt-in)
export HEANCTL_SIMULATORS=1
export HEAN_WATCHDOG_STALE_S=3 HEAN_WATCHDOG_UNHEALTHY_S=4 HEAN_WATCHDOG_MAX_RESTARTS=3
# the stubs "stop trying" at will: 3 s without an attempt is stuck (the
# real daemons keep the default, twice their 30 s backoff cap)
[ "$MODE" = stub ] && export HEANCTL_WATCHDOG_NO_ATTEMPT_S=3
SOCK=$RUN/redis.sock
DAEMONS=(feed signals waves executor)
B=$IT_DIR/build

# ----- programs -----
# shellcheck source=tests/scripts/stubs.sh
. "$HEAN_SRC/tests/scripts/stubs.sh"
stub_config_bin
mkdir -p "$B/tests/sim"
REAL=()
for d in "${DAEMONS[@]}"; do
	mkdir -p "$B/$d"
	if [ "$MODE" = real ] && [ -x "$HEAN_BUILD/$d/hean-$d" ]; then
		ln -s "$HEAN_BUILD/$d/hean-$d" "$B/$d/hean-$d"
		REAL+=("$d")
	else
		stub_daemon "$B/$d/hean-$d"
	fi
done
for s in exsim sigsim; do
	if [ "$MODE" = real ] && [ -x "$HEAN_BUILD/tests/sim/hean-$s" ]; then
		ln -s "$HEAN_BUILD/tests/sim/hean-$s" "$B/tests/sim/hean-$s"
	else
		stub_sim "$B/tests/sim/hean-$s"
	fi
done
if [ "$MODE" = real ]; then
	for x in feed/hean-feed signals/hean-signals tests/sim/hean-exsim tests/sim/hean-sigsim; do
		[ -x "$HEAN_BUILD/$x" ] || it_skip "$x not built in $HEAN_BUILD"
	done
	# (degraded is looked at after 3 s; still never restarted while trying)
	export HEAN_WATCHDOG_UNHEALTHY_S=3 HEAN_LOG_LEVEL=info
fi
export HEANCTL_BUILD_DIR=$B

EXP=$(free_port) || it_fail "no free port"
SIGP=$(free_port) || it_fail "no free port"
while [ "$SIGP" = "$EXP" ]; do SIGP=$(free_port); done
export HEAN_BYBIT_WS_PUBLIC=ws://127.0.0.1:$EXP/v5/public/linear
export HEAN_BYBIT_WS_PRIVATE=ws://127.0.0.1:$EXP/v5/private
export HEAN_BYBIT_REST=http://127.0.0.1:$EXP
export HEAN_SIGNAL_URL=ws://127.0.0.1:$SIGP/

cleanup() {
	local f
	for f in "$RUN"/*.pid; do
		[ -e "$f" ] && read -r p _ <"$f" && kill -CONT "$p" 2>/dev/null
	done
	[ -n "${RPID:-}" ] && kill -CONT "$RPID" 2>/dev/null
	"$HEAN" stop >"$IT_DIR/final-stop.out" 2>&1
	# the process logs where lib.sh looks for sanitizer reports and tails them
	for f in "$HEAN_HOME"/var/log/*.log; do
		[ -e "$f" ] && cp "$f" "$IT_DIR/proc-${f##*/}"
	done
	it_cleanup
}
trap cleanup EXIT

# ----- helpers -----
rc_() { redis-cli -s "$SOCK" --raw "$@"; }
pid_of() { read -r p _ <"$RUN/$1.pid" 2>/dev/null && echo "$p"; }
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
gone() { ! alive "$1"; }
starttime() { awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$1/stat"; }
# new_pid NAME OLD: NAME's pid file names a live pid other than OLD.
new_pid() {
	local p
	p=$(pid_of "$1") && [ "$p" != "$2" ] && alive "$p"
}
# health_by NAME PID: hean:health:NAME was last written by PID.
health_by() { [ "$(rc_ HGET "hean:health:$1" pid)" = "$2" ]; }
# wd_events EVENT: details of the watchdog's EVENT entries, one a line.
wd_events() {
	rc_ XRANGE hean:events - + | awk -v want="$1" '
		function flush() { if (p == "watchdog" && e == want) print d; p = e = d = "" }
		k == "" && /^[0-9]+-[0-9]+$/ { flush(); next }
		k == "" { k = $0; next }
		{ if (k == "proc") p = $0; else if (k == "event") e = $0; else if (k == "detail") d = $0; k = "" }
		END { flush() }'
}
ev_n() { wd_events "$1" | grep -c -- "${2:-}"; }
has_event() { [ "$(ev_n "$1" "${2:-}")" -gt 0 ]; }
declare -A P
snapshot() {
	local n
	for n in "${DAEMONS[@]}" redis exsim sigsim watchdog; do P[$n]=$(pid_of "$n"); done
}
# unchanged NAME...: same pid as the last snapshot, alive.
unchanged() {
	local n
	for n in "$@"; do
		[ "$(pid_of "$n")" = "${P[$n]}" ] && alive "${P[$n]}" || return 1
	done
}

# ----- up: everything plus the watchdog -----
t0=$(now_ms)
"$HEAN" up --no-deps --no-build >"$IT_DIR/up.out" 2>&1
rc=$?
figure up_ms $(($(now_ms) - t0))
it_check "up exits 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$IT_DIR/up.out" >&2
snapshot
EXEC0=${P[executor]}
for n in "${DAEMONS[@]}" redis exsim sigsim watchdog; do
	it_check "$n running after up" alive "${P[$n]:-0}"
done
it_check "watchdog health written by its pid" wait_until 5 health_by watchdog "${P[watchdog]}"
it_check "watchdog health state running" test "$(rc_ HGET hean:health:watchdog state)" = running
it_check "watchdog adopted redis and the simulators" wait_until 5 eval '[ "$(ev_n adopted)" -eq 3 ]'
it_check "watchdog started the 4 daemons (its children)" wait_until 5 eval '[ "$(ev_n started)" -eq 4 ]'
for n in "${DAEMONS[@]}" redis exsim sigsim; do
	it_check "$n holds no fd on watchdog.lock" \
		bash -c "! ls -l /proc/${P[$n]}/fd 2>/dev/null | grep -q watchdog.lock"
done
kill -HUP "${P[watchdog]}"
it_check "watchdog survives SIGHUP" bash -c "sleep 0.7; [ -e /proc/${P[watchdog]} ] && ! grep -q '^State:.*Z' /proc/${P[watchdog]}/status"
"$HEAN" status >"$IT_DIR/status0.out" 2>&1
it_check "status shows the watchdog alive" \
	test "$(awk -v p="${P[watchdog]}" '$1 == "watchdog" && $2 == p && $3 == "yes" && $4 == "running"' "$IT_DIR/status0.out" | wc -l)" -eq 1

# ----- crash: kill -9 feed -----
old=${P[feed]}
t0=$(now_ms)
kill -KILL "$old"
it_check "feed restarted within 5 s" wait_until 5 new_pid feed "$old"
t1=$(now_ms)
NEWFEED=$(pid_of feed)
figure kill9_to_new_pid_ms $((t1 - t0))
it_check "feed: new pid within 1000 ms of kill -9" test $((t1 - t0)) -lt 1000
it_check "feed: new pid writes health" wait_until 10 health_by feed "$NEWFEED"
figure kill9_to_first_health_ms $(($(now_ms) - t0))
it_check "event restarted 'feed exit=137 signal=KILL'" \
	wait_until 3 has_event restarted "^feed exit=137 signal=KILL pid=$old .*new_pid=$NEWFEED"
if [ "$MODE" = real ]; then
	# shellcheck disable=SC2034 # read by the wait_true expression
	tl=$(rc_ XREVRANGE hean:ticks + - COUNT 1 | head -1)
	it_check "ticks flow again from the new feed" wait_true 15 \
		'[ "$(rc_ XREVRANGE hean:ticks + - COUNT 1 | head -1)" != "$tl" ]'
	figure kill9_to_first_new_tick_ms $(($(now_ms) - t0))
fi
it_check "isolation: executor pid unchanged after feed crash" unchanged executor signals waves
snapshot

# ----- hang: SIGSTOP signals -> stale verdict -> new pid -----
old=${P[signals]}
t0=$(now_ms)
kill -STOP "$old"
it_check "signals replaced after SIGSTOP" wait_until 15 new_pid signals "$old"
t1=$(now_ms)
figure stop_to_new_pid_ms $((t1 - t0))
it_check "signals: no stale verdict before STALE_S - 1 heartbeat" test $((t1 - t0)) -ge 1900
it_check "signals: replaced within STALE_S + tick + grace" test $((t1 - t0)) -lt 7000
it_check "event stale for signals" has_event stale '^signals no health update'
it_check "event restarted 'signals ... after stale verdict'" \
	wait_until 3 has_event restarted '^signals exit=.* after stale verdict'
it_check "the stopped signals (pid $old) is gone" wait_until 5 gone "$old"
NEWSIG=$(pid_of signals)
it_check "signals: new pid writes health" wait_until 10 health_by signals "$NEWSIG"
figure stop_to_first_health_ms $(($(now_ms) - t0))
it_check "isolation: executor, feed, waves unchanged after signals hang" unchanged executor feed waves
snapshot

if [ "$MODE" = real ]; then
	# ----- a real exchange outage, compressed: 4 x UNHEALTHY_S -----
	# exsim drops every WebSocket and refuses new ones: the feed is
	# disconnected and the executor degraded (private stream down), both
	# reconnecting with backoff. Nothing may be restarted.
	nr=$(ev_n restarted) nu=$(ev_n unhealthy)
	outage_s=$((4 * HEAN_WATCHDOG_UNHEALTHY_S))
	curl -sf -X POST "http://127.0.0.1:$EXP/sim/refuse?secs=$outage_s" >/dev/null &&
		curl -sf -X POST "http://127.0.0.1:$EXP/sim/drop" >/dev/null
	it_check "exsim refuses and drops the WebSockets" test $? -eq 0
	t0=$(now_ms)
	it_check "outage: the feed notices (state not streaming)" wait_until 10 \
		eval '[ "$(rc_ HGET hean:health:feed state)" != streaming ]'
	while [ $(($(now_ms) - t0)) -lt $((outage_s * 1000)) ]; do sleep 0.2; done
	figure real_outage_ms $(($(now_ms) - t0))
	figure real_outage_restarts $(($(ev_n restarted) - nr))
	it_check "outage: 0 restarts" test "$(ev_n restarted)" -eq "$nr"
	it_check "outage: no unhealthy verdict" test "$(ev_n unhealthy)" -eq "$nu"
	it_check "outage: same pids everywhere" unchanged "${DAEMONS[@]}" redis exsim sigsim watchdog
	it_check "outage: the feed's degraded event says it keeps trying" \
		has_event degraded '^feed .*last attempt [0-9]*ms ago: still trying'
	it_check "outage: the executor's degraded event says it keeps trying" \
		has_event degraded '^executor .*last attempt [0-9]*ms ago: still trying'
	it_check "after the outage the feed streams again" wait_until 20 \
		eval '[ "$(rc_ HGET hean:health:feed state)" = streaming ]'
	it_check "after the outage the executor is running again" wait_until 20 \
		eval '[ "$(rc_ HGET hean:health:executor state)" = running ]'
	snapshot
fi

if [ "$MODE" = stub ]; then
	# ----- crash loop: waves exits at once -----
	touch "$HEAN_HOME/crash-waves"
	n0=$(ev_n restarted '^waves')
	t0=$(now_ms)
	kill -KILL "${P[waves]}"
	it_check "restart_storm event for waves" wait_until 10 has_event restart_storm '^waves'
	figure crash_to_storm_ms $(($(now_ms) - t0))
	n1=$(ev_n restarted '^waves')
	figure restarts_before_storm $((n1 - n0))
	it_check "exactly MAX_RESTARTS (3) immediate restarts before the storm" test $((n1 - n0)) -eq 3
	it_check "status: restart storm line for waves" bash -c \
		"'$HEAN' status 2>/dev/null | awk '\$1 == \"waves\"' | grep -q 'RESTART STORM'"
	"$HEAN" status >"$IT_DIR/status-storm.out" 2>&1
	it_check "watchdog health names the storm" bash -c \
		"redis-cli -s '$SOCK' --raw HGET hean:health:watchdog detail | grep -q 'restart_storm: waves'"
	# keeps trying, slower: two more attempts, the second gap larger
	it_check "still retrying after the storm" wait_until 10 eval '[ "$(ev_n restarted "^waves")" -ge $((n1 + 2)) ]'
	mapfile -t ts < <(rc_ XRANGE hean:events - + | awk '
		k == "" && /^[0-9]+-[0-9]+$/ { if (p == "watchdog" && e == "restarted" && d ~ /^waves/) print t; p = e = d = t = ""; next }
		k == "" { k = $0; next }
		{ if (k == "proc") p = $0; else if (k == "event") e = $0; else if (k == "detail") d = $0; else if (k == "ts_ms") t = $0; k = "" }
		END { if (p == "watchdog" && e == "restarted" && d ~ /^waves/) print t }')
	cnt=${#ts[@]}
	g1=$((ts[cnt - 2] - ts[cnt - 3]))
	g2=$((ts[cnt - 1] - ts[cnt - 2]))
	figure storm_retry_gaps_ms "$g1,$g2"
	it_check "backoff: retry gaps >= 900 ms and growing ($g1, $g2)" test "$g1" -ge 900 -a "$g2" -gt "$g1"
	it_check "isolation: executor, feed, signals unchanged during the crash loop" unchanged executor feed signals
	rm -f "$HEAN_HOME/crash-waves"
	it_check "waves recovers when the fault is gone" wait_until 12 eval 'p=$(pid_of waves) && alive "$p" && health_by waves "$p"'
	# its `restarted` event is in Redis before the next case counts events
	it_check "event restarted names the recovered waves" wait_until 5 has_event restarted "^waves .*new_pid=$(pid_of waves)\$"
	snapshot

	# ----- an exchange outage (compressed): degraded, still trying -----
	# The executor (private stream refused) and the feed (disconnected)
	# keep reconnecting (last_attempt_ms advances) for 3.5 x UNHEALTHY_S:
	# nothing is restarted, each gets one `degraded` event, then
	# `recovered` when the outage ends.
	nr=$(ev_n restarted) nu=$(ev_n unhealthy)
	touch "$HEAN_HOME/trying-executor" "$HEAN_HOME/trying-feed"
	echo degraded >"$HEAN_HOME/state-executor"
	echo disconnected >"$HEAN_HOME/state-feed"
	t0=$(now_ms)
	outage_ms=$((3500 * HEAN_WATCHDOG_UNHEALTHY_S))
	while [ $(($(now_ms) - t0)) -lt "$outage_ms" ]; do sleep 0.2; done
	figure outage_ms "$outage_ms"
	figure outage_restarts $(($(ev_n restarted) - nr))
	it_check "outage: 0 restarts of any process" test "$(ev_n restarted)" -eq "$nr"
	it_check "outage: no unhealthy verdict" test "$(ev_n unhealthy)" -eq "$nu"
	it_check "outage: same pids everywhere" unchanged "${DAEMONS[@]}" redis exsim sigsim watchdog
	it_check "outage: one degraded event for the executor" test "$(ev_n degraded '^executor state=degraded')" -eq 1
	it_check "outage: one degraded event for the feed" test "$(ev_n degraded '^feed state=disconnected')" -eq 1
	it_check "degraded event says it is still trying" has_event degraded '^executor .*last attempt [0-9]*ms ago: still trying, not restarted'
	rm -f "$HEAN_HOME/state-executor" "$HEAN_HOME/state-feed" "$HEAN_HOME/trying-executor" "$HEAN_HOME/trying-feed"
	it_check "event recovered for the executor after the outage" wait_until 3 has_event recovered '^executor state=running after'

	# ----- a standby copy: heartbeats in hean:health:NAME:standby -----
	# waves waits for the lease held by another copy (on another host):
	# its active hash goes stale, the :standby one is fresh; never killed
	nr=$(ev_n restarted)
	touch "$HEAN_HOME/standby-waves"
	t0=$(now_ms)
	while [ $(($(now_ms) - t0)) -lt $((2500 * HEAN_WATCHDOG_STALE_S)) ]; do sleep 0.2; done
	it_check "standby: waves not restarted in 2.5 x STALE_S" test "$(ev_n restarted)" -eq "$nr"
	it_check "standby: same waves pid" unchanged waves
	it_check "standby: no stale event for waves" test "$(ev_n stale '^waves')" -eq 0
	it_check "status shows the local waves as standby" bash -c \
		"'$HEAN' status 2>/dev/null | awk '\$1 == \"waves\"' | grep -q 'standby copy: pid ${P[waves]}'"
	rm -f "$HEAN_HOME/standby-waves"
	rc_ DEL hean:health:waves:standby >/dev/null

	# ----- degraded and no longer trying: restarted -----
	# the stub's last_attempt_ms stays at its start: no attempt for longer
	# than HEANCTL_WATCHDOG_NO_ATTEMPT_S
	old=${P[feed]}
	echo disconnected >"$HEAN_HOME/state-feed"
	t0=$(now_ms)
	it_check "feed that stopped trying replaced" wait_until 12 new_pid feed "$old"
	figure stopped_trying_to_new_pid_ms $(($(now_ms) - t0))
	rm -f "$HEAN_HOME/state-feed"
	it_check "event unhealthy 'feed state=disconnected ... stopped trying'" has_event unhealthy '^feed state=disconnected for [0-9]*ms and no connection attempt for [0-9]*ms .*stopped trying'
	it_check "isolation: executor, waves, signals unchanged after feed unhealthy" unchanged executor waves signals
	snapshot

	# ----- stop NAME stays down; restart NAME is adopted -----
	"$HEAN" stop signals >/dev/null 2>&1
	it_check "stop signals exits 0" test $? -eq 0
	it_check "event stopped for signals" wait_until 3 has_event stopped '^signals'
	sleep_until=$(($(now_ms) + 2000 * HEAN_WATCHDOG_STALE_S))
	down_ok=1
	while [ "$(now_ms)" -lt "$sleep_until" ]; do
		[ -e "$RUN/signals.pid" ] && alive "$(pid_of signals)" && down_ok=0 && break
		sleep 0.2
	done
	it_check "signals stays down for 2 x STALE_S" test "$down_ok" = 1
	it_check "status shows signals stopped" bash -c "'$HEAN' status 2>/dev/null | awk '\$1 == \"signals\"' | grep -q stopped"
	"$HEAN" restart signals >/dev/null 2>&1
	it_check "restart signals exits 0" test $? -eq 0
	RS=$(pid_of signals)
	it_check "watchdog adopts the restarted signals" wait_until 3 has_event adopted "^signals pid=$RS"
	kill -KILL "$RS"
	it_check "the adopted signals is restarted after kill -9" wait_until 5 new_pid signals "$RS"
	it_check "isolation: executor unchanged after stop/restart" unchanged executor
	snapshot

	# ----- a foreign pid in a pid file is never killed -----
	sleep 300 &
	FOREIGN=$!
	IT_PIDS+=("$FOREIGN")
	"$HEAN" stop feed >/dev/null 2>&1
	echo "$FOREIGN $(starttime "$FOREIGN")" >"$RUN/feed.pid"
	rm -f "$RUN/feed.down" # the watchdog starts feed again, over the foreign pid file
	it_check "feed started again despite the foreign pid file" wait_until 5 new_pid feed "$FOREIGN"
	it_check "foreign sleep alive" alive "$FOREIGN"
	snapshot
fi

# ----- kill -9 the watchdog: processes survive, a new one adopts -----
kill -KILL "${P[watchdog]}"
wait_until 2 gone "${P[watchdog]}"
n0=$(ev_n adopted)
it_check "all processes alive after the watchdog's death" unchanged "${DAEMONS[@]}" redis exsim sigsim
t0=$(now_ms)
"$HEAN" up --no-deps --no-build >"$IT_DIR/up2.out" 2>&1
it_check "up after the watchdog's death exits 0" test $? -eq 0
figure watchdog_respawn_ms $(($(now_ms) - t0))
W2=$(pid_of watchdog)
it_check "a new watchdog runs" test -n "$W2" -a "$W2" != "${P[watchdog]}"
it_check "same pids: nothing restarted" unchanged "${DAEMONS[@]}" redis exsim sigsim
it_check "new watchdog adopted 7 processes" wait_until 5 eval '[ "$(ev_n adopted)" -ge $((n0 + 7)) ]'
t0=$(now_ms)
timeout -k 1 10 "$HEAN_SRC/scripts/watchdog" >"$IT_DIR/second.out" 2>&1
rc=$?
figure second_watchdog_refused_ms $(($(now_ms) - t0))
it_check "a second watchdog is refused (exit 1)" test "$rc" -eq 1
it_check "refusal names the lock" grep -q 'another watchdog' "$IT_DIR/second.out"
it_check "first watchdog still alive" alive "$W2"
old=${P[feed]}
t0=$(now_ms)
kill -KILL "$old"
it_check "adopted feed replaced after kill -9" wait_until 5 new_pid feed "$old"
figure adopted_kill9_to_new_pid_ms $(($(now_ms) - t0))
it_check "event restarted for the adopted feed" wait_until 3 has_event restarted "^feed exit=? (adopted.*pid=$old"
if [ "$MODE" = stub ]; then
	it_check "foreign sleep still alive" alive "$FOREIGN"
fi
it_check "isolation: executor unchanged" unchanged executor
snapshot

# ----- Redis hung longer than STALE_S: no verdicts, no restarts -----
if [ "$MODE" = stub ]; then
	RPID=${P[redis]}
	nr=$(ev_n restarted)
	kill -STOP "$RPID"
	hung_until=$(($(now_ms) + 1000 * (HEAN_WATCHDOG_STALE_S + 2)))
	while [ "$(now_ms)" -lt "$hung_until" ]; do sleep 0.2; done
	kill -CONT "$RPID"
	calm_until=$(($(now_ms) + 1000 * (HEAN_WATCHDOG_STALE_S + 1)))
	while [ "$(now_ms)" -lt "$calm_until" ]; do sleep 0.2; done
	it_check "Redis hang: same pids everywhere" unchanged "${DAEMONS[@]}" redis exsim sigsim watchdog
	it_check "Redis hang: no restart event" test "$(ev_n restarted)" -eq "$nr"
	it_check "Redis hang: no stale event" test "$(ev_n stale '^feed')" -eq 0
	it_check "watchdog health fresh again" wait_until 3 eval \
		'[ $(( $(now_ms) - $(rc_ HGET hean:health:watchdog updated_ms) )) -lt 2000 ]'
fi

it_check "isolation: the executor kept pid $EXEC0 throughout" test "$(pid_of executor)" = "$EXEC0"

# ----- stop: the watchdog goes first, nothing comes back -----
"$HEAN" stop >"$IT_DIR/stop.out" 2>&1
it_check "stop exits 0" test $? -eq 0
it_check "no pid files left" bash -c "! ls '$RUN'/*.pid >/dev/null 2>&1"
it_check "the watchdog exited cleanly on TERM, leaving the rest to stop" \
	grep -q "event=stopped detail=\"watchdog pid $W2 exiting on TERM" "$HEAN_HOME/var/log/watchdog.log"
if [ "$MODE" = stub ]; then
	it_check "foreign sleep alive after stop" alive "$FOREIGN"
fi
it_done
