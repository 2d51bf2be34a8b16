#!/bin/bash
# e2e 1: the signal server is killed (kill -9) and restarted on the same
# port ~7 s later. Signals resume by themselves and no wave is missed:
# every wave due during the run has
# exactly one hean:waves entry, none expired, each with exactly the
# signals the server generated for it (sigsim /sim/signals).
# (SC2317: predicates called through wait_until look unreachable.)
# shellcheck source-path=SCRIPTDIR source=e2e_lib.sh disable=SC2317
. "${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/e2e/e2e_lib.sh"

e2e_init signals-restart
e2e_up
wait_until 15 has_waves || it_fail "no wave emitted after up"
FROM=$(first_wave)
wait_wave $((FROM + E2E_WI)) || it_fail "second wave not emitted"
REC0=$(health_field signals reconnects)

t_kill=$(now_ms)
sigsim_kill
e2e_log "sigsim killed; down for ${E2E_DOWN_S:-7} s"
# Let at least one wave's push pass while the server is dead.
wait_until "${E2E_DOWN_S:-7}" false
t_up=$(now_ms)
sigsim_restart
reauth() { [ "$(health_field signals reconnects)" -gt "$REC0" ] && is_healthy signals; }
wait_until 20 reauth || it_fail "signals did not re-authenticate after the server came back"
figure sigsim_down_ms $((t_up - t_kill))
figure signals_reauth_ms $(($(now_ms) - t_up))

# Two more waves after the restart, then the whole window is checked.
TO=$(next_wave_due_after $(($(date +%s) + E2E_WI)))
wait_wave "$TO" || it_fail "wave $(iso_utc "$TO") not emitted"
check_waves "$FROM" "$TO"
figure waves_checked $(((TO - FROM) / E2E_WI + 1))
figure missed_waves "$MISSED"
figure doubled_waves "$DOUBLED"
figure expired_waves "$EXPIRED"
figure signal_mismatch_waves "$MISMATCH"
it_check "no wave missed" test "$MISSED" = 0
it_check "no wave doubled" test "$DOUBLED" = 0
it_check "no wave expired" test "$EXPIRED" = 0
it_check "every wave had the server's signals" test "$MISMATCH" = 0
it_check "executor untouched (same pid)" test "$(health_field executor pid)" = "$(pid_of executor)"
it_done
