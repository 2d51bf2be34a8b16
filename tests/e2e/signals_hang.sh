#!/bin/bash
# e2e 8 (reliability §5 test 7): hean-signals hung, not dead (kill -STOP).
# Its health hash goes stale; the watchdog (HEAN_WATCHDOG_STALE_S=3) kills
# it (TERM+CONT, KILL after the grace) and starts a new one; no other
# process is touched and no wave is missed. Measured: STOP -> stale
# verdict event, STOP -> the new pid's first healthy heartbeat.
# (SC2317: predicates called through wait_until look unreachable.)
# shellcheck source-path=SCRIPTDIR source=e2e_lib.sh disable=SC2317
. "${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/e2e/e2e_lib.sh"

e2e_init signals-hang
e2e_up
wait_until 15 has_waves || it_fail "no wave emitted after up"
FROM=$(first_wave)
S0=$(pid_of signals)
declare -A P0
for n in feed waves executor; do P0[$n]=$(pid_of "$n"); done

t_s=$(now_ms)
kill -STOP "$S0"
e2e_log "signals (pid $S0) stopped"
replaced() { new_pid signals "$S0" && is_healthy signals; }
if wait_until 20 replaced; then
	figure hang_to_new_healthy_ms $(($(now_ms) - t_s))
else
	it_fail "hung signals not replaced by the watchdog"
fi
v=$(event_ms watchdog stale "$t_s")
if [ -n "$v" ]; then
	figure hang_to_stale_verdict_ms $((v - t_s))
else
	it_fail "no watchdog 'stale' event"
fi
it_check "the hung pid is gone" bash -c "! [ -e /proc/$S0 ] || grep -q '^State:.*Z' /proc/$S0/status"
for n in feed waves executor; do
	it_check "$n not restarted" test "$(pid_of "$n")" = "${P0[$n]}"
done
TO=$(next_wave_due_after $(($(date +%s) + E2E_WI)))
wait_wave "$TO" || it_fail "wave $(iso_utc "$TO") not emitted"
check_waves "$FROM" "$TO"
figure missed_waves "$MISSED"
it_check "no wave missed" test "$MISSED" = 0
it_check "no wave doubled" test "$DOUBLED" = 0
it_check "no wave expired" test "$EXPIRED" = 0
it_check "every wave had the server's signals" test "$MISMATCH" = 0
it_done
