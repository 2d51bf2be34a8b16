#!/usr/bin/env bash
# it-ops-harden: a daemon holding secrets cannot leak them through a core
# dump or to another process of its own user (common/app.c hean_app_harden;
# the executor in full, then feed, signals and waves):
#  - /proc/PID/limits: core file size 0 (soft and hard)
#  - a process of the SAME unprivileged user cannot read /proc/PID/environ
#    (where the secrets are) nor attach (PR_SET_DUMPABLE 0); a plain
#    process of that user (control: `sleep`) can, so the check can fail.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init ops-harden
command -v setpriv >/dev/null || it_fail "setpriv (util-linux) is not installed"
need_built executor/hean-executor

AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
chmod 755 "$IT_DIR"
# No Redis: the daemon stays up, retrying; the secret is in its environment.
HEAN_REDIS_URL=unix://$IT_DIR/none.sock HEAN_HOME=$IT_DIR HEAN_BYBIT_API_SECRET=planted-secret-4242 \
	bg exec "${AS_NOBODY[@]}" "$HEAN_BUILD/executor/hean-executor"
XP=$LAST_PID
wait_until 10 grep -q 'event=start ' "$IT_DIR/exec.log" || it_fail "executor did not start"
HEAN_BYBIT_API_SECRET=planted-secret-4242 bg control "${AS_NOBODY[@]}" sleep 30
CP=$LAST_PID
uid_is() { [ "$(stat -c %u "/proc/$1" 2>/dev/null)" = "$2" ]; }
wait_until 5 uid_is "$CP" 65534 || it_fail "control process not running as nobody"

it_check "executor runs as uid 65534" grep -qE '^Uid:\s+65534' "/proc/$XP/status"
it_check "core file size limit 0 0" grep -qE '^Max core file size +0 +0 ' "/proc/$XP/limits"
it_check "control: same user reads a plain process's environ" \
	"${AS_NOBODY[@]}" grep -q planted-secret-4242 "/proc/$CP/environ"
it_check "same user cannot read the executor's environ" \
	bash -c "! ${AS_NOBODY[*]} cat /proc/$XP/environ >/dev/null 2>&1"
it_check "/proc/PID owned by root (not dumpable)" test "$(stat -c %u "/proc/$XP/environ")" = 0
# What the launcher and watchdog (same user) identify a process by stays
# readable: /proc/PID/stat (start time, field 22) and /proc/PID/cmdline.
st22=$("${AS_NOBODY[@]}" awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$XP/stat")
it_check "same user reads the start time in /proc/PID/stat ($st22)" test "${st22:-0}" -gt 0
it_check "same user reads /proc/PID/cmdline" bash -c "${AS_NOBODY[*]} cat /proc/$XP/cmdline | grep -qa hean-executor"
# The other daemons harden the same way (signals holds the signal token).
for d in feed signals waves; do
	need_built "$d/hean-$d"
	HEAN_REDIS_URL=unix://$IT_DIR/none.sock HEAN_HOME=$IT_DIR HEAN_SIGNAL_TOKEN=planted-secret-4242 \
		bg "$d" "${AS_NOBODY[@]}" "$HEAN_BUILD/$d/hean-$d"
	DP=$LAST_PID
	wait_until 10 grep -q 'event=start ' "$IT_DIR/$d.log" || it_fail "$d did not start"
	it_check "$d: core file size limit 0 0" grep -qE '^Max core file size +0 +0 ' "/proc/$DP/limits"
	it_check "$d: same user cannot read its environ" \
		bash -c "! ${AS_NOBODY[*]} cat /proc/$DP/environ >/dev/null 2>&1"
	kill -TERM "$DP"
	wait "$DP"
	it_check "$d exit 0 on SIGTERM" test $? = 0
done
kill -TERM "$XP" "$CP"
wait "$XP"
it_check "executor exit 0 on SIGTERM" test $? = 0
wait "$CP" 2>/dev/null
it_done
