#!/bin/bash
# shellcheck disable=SC2016 # polled expressions are evaluated by wait_true
# Each daemon, run under valgrind against the simulators, stops on SIGTERM
# with exit 0, no memory error and no definite/indirect leak (issue 3).
# valgrind cannot run ASan binaries: in a sanitizer build this skips, and the
# same property is checked there by LeakSanitizer on every integration test.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init valgrind

command -v valgrind >/dev/null || it_skip "valgrind not installed"
san=$(python3 -c 'import json,sys
print(next((o["value"] for o in json.load(open(sys.argv[1])) if o["name"] == "b_sanitize"), "none"))' \
	"$HEAN_BUILD/meson-info/intro-buildoptions.json" 2>/dev/null)
if [ "${san:-none}" != none ]; then
	it_skip "sanitizer build ($san): LeakSanitizer covers this (see lib.sh)"
fi

start_redis
start_exsim --rate 20 --fast
start_sigsim --interval 10 --push-delay 1
export HEAN_PING_INTERVAL_S=1 HEAN_LIVENESS_TIMEOUT_S=3 HEAN_WAVE_INTERVAL_S=10 HEAN_WAVE_DELAY_S=1

ran=0
for role in feed signals waves executor; do
	bin=$HEAN_BUILD/$role/hean-$role
	[ -x "$bin" ] || {
		it_log "no $bin: not checked"
		continue
	}
	ran=$((ran + 1))
	bg "vg-$role" valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=3 --log-file="$IT_DIR/vg-$role.valgrind" "$bin" --log "$IT_DIR/vg-$role.log"
	pid=$LAST_PID
	# Up and writing health under valgrind (slow start: generous deadline).
	it_check "$role writes its health hash under valgrind" \
		wait_true 60 '[ -n "$(rcli HGET hean:health:'"$role"' updated_ms)" ]'
	# Let it run its loop for a moment (connections, timers, a few messages).
	wait_true 20 '[ "$(rcli HGET hean:health:'"$role"' state)" != starting ]'
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	IT_PIDS=("${IT_PIDS[@]/$pid/}")
	figure "valgrind_${role}_exit" "$rc"
	if [ "$rc" -ne 0 ]; then
		it_fail "$role under valgrind exited $rc after SIGTERM"
		grep -E 'definitely|indirectly|Invalid|uninitialised' "$IT_DIR/vg-$role.valgrind" | head -20 >&2
	else
		it_log "ok: $role exits 0 under valgrind with no leak"
	fi
done
[ "$ran" -gt 0 ] || it_skip "no daemon built"
it_done
