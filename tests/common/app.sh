#!/usr/bin/env bash
# it-redis-app: common/app through a tiny daemon (test_app_daemon).
#  - --help exits 0; a config error exits 2 with the message on stderr
#  - runs, writes health ("running", real pid), exits 0 on SIGTERM, fast
#    (ev_run returns by itself, not through the 5 s force timer)
#  - once under valgrind --leak-check=full: clean shutdown, no leak
#    (skipped under ASan; exit 77 if valgrind is missing)
. "$HEAN_SRC/tests/integration/lib.sh"
it_init redis-app

APP=$HEAN_BUILD/tests/common/test_app_daemon
need_built tests/common/test_app_daemon
P=apptest
# up_as PID: the health hash is written by PID, state running
up_as() { field_is "$P" pid "$1" && state_is "$P" running; }

start_redis

timeout 10 "$APP" --help >"$IT_DIR/help.log" 2>&1
it_check "--help exits 0" test $? = 0
HEAN_PING_INTERVAL_S=abc timeout 10 "$APP" >"$IT_DIR/bad.out" 2>"$IT_DIR/bad.err"
it_check "config error exits 2" test $? = 2
it_check "config error names the variable on stderr" grep -q HEAN_PING_INTERVAL_S "$IT_DIR/bad.err"

bg app "$APP" --log "$IT_DIR/daemon.log"
AP=$LAST_PID
wait_until 5 up_as "$AP" ||
	it_fail "daemon not running (state=$(health_state "$P"))"
wait_until 3 out_ge 6 health_field "$P" work_ticks || it_fail "work timer not running"
it_check "no config dump at info level" bash -c "! grep -q 'config HEAN_' '$IT_DIR/daemon.log'"
t0=$(now_ms)
kill -TERM "$AP"
wait "$AP"
rc=$?
stop_ms=$(($(now_ms) - t0))
figure app_sigterm_to_exit_ms "$stop_ms"
it_check "exit 0 on SIGTERM" test "$rc" = 0
it_check "stopped in < 2 s ($stop_ms ms: not the force timer)" test "$stop_ms" -lt 2000
it_check "event stopped flushed before exit" events_have stopped

# debug level: the effective config is dumped, secrets masked.
HEAN_LOG_LEVEL=debug HEAN_BYBIT_API_SECRET=sekrit-value-123 bg app-debug "$APP" --log "$IT_DIR/debug.log"
DP=$LAST_PID
wait_field 5 "$P" pid "$DP" || it_fail "debug daemon not up"
kill -TERM "$DP"
wait "$DP"
it_check "debug daemon exit 0" test $? = 0
it_check "config dumped at debug" grep -q 'config HEAN_' "$IT_DIR/debug.log"
it_check "secret not in the dump" bash -c "! grep -q sekrit-value-123 '$IT_DIR/debug.log'"

if ldd "$APP" 2>/dev/null | grep -q libasan; then
	it_log "valgrind part skipped: ASan build"
	it_done
fi
command -v valgrind >/dev/null || {
	[ "$IT_FAILS" -gt 0 ] && it_done
	it_skip "valgrind not installed (other checks passed)"
}
bg valgrind valgrind --leak-check=full --error-exitcode=1 --track-fds=no "$APP" --log "$IT_DIR/vg-daemon.log"
VP=$LAST_PID
if wait_until 30 up_as "$VP"; then
	kill -TERM "$VP"
	wait "$VP"
	vrc=$?
	it_check "valgrind: exit 0, no errors, no leak (rc=$vrc)" test "$vrc" = 0
	grep -E 'ERROR SUMMARY|definitely lost|possibly lost|All heap blocks' "$IT_DIR/valgrind.log" | while read -r l; do it_log "valgrind: $l"; done
else
	it_fail "daemon under valgrind never running"
fi

it_done
