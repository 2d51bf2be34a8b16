#!/bin/bash
# e2e 6 (reliability §5 test 11): Redis is killed (kill -9) right after a
# wave was emitted (inside the AOF everysec window) and comes back from its
# AOF (restarted by the watchdog, which supervises the Redis `up` started).
# Every process reconnects by itself and none is restarted; no signal, wave
# or order is lost or doubled: hean:signals holds each of the server's
# signals once, hean:waves each wave once, the exchange one accepted order
# per (wave, symbol) and one for every selected signal, and no position
# ever stands without a stop. The exchange forgets orderLinkIds after
# 200 ms (E2E_LINK_MEMORY_MS): uniqueness is hean's to keep.
# (SC2317: predicates called through wait_until look unreachable.)
# shellcheck source-path=SCRIPTDIR source=e2e_lib.sh disable=SC2317
. "${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/e2e/e2e_lib.sh"

E2E_LINK_MEMORY_MS=${E2E_LINK_MEMORY_MS:-200}
e2e_init redis-restart
e2e_up
wait_until 15 has_waves || it_fail "no wave emitted after up"
FROM=$(first_wave)
declare -A P0
for n in "${E2E_DAEMONS[@]}"; do P0[$n]=$(pid_of "$n"); done
R0=$(pid_of redis)

W=$(next_wave_due_after "$(date +%s)")
wait_wave "$W" || it_fail "wave $(iso_utc "$W") not emitted"
t_k=$(now_ms)
kill -KILL "$R0"
e2e_log "redis killed right after wave $(iso_utc "$W")"
redis_back() { new_pid redis "$R0" && rcli PING | grep -q PONG; }
if wait_until 10 redis_back; then
	figure redis_restart_ms $(($(now_ms) - t_k))
else
	it_fail "watchdog did not restart redis; scripts/hean restart redis"
	hean restart redis
fi
t_r=$(now_ms)
# each process writes its health again (a hash restored from the AOF does
# not count: updated_ms must be newer than the restart)
rewrote() { is_healthy "$1" && [ "$(health_field "$1" updated_ms)" -gt "$t_r" ]; }
for n in "${E2E_DAEMONS[@]}"; do
	if wait_until 15 rewrote "$n"; then
		figure "reconnect_ms_$n" $(($(now_ms) - t_r))
	else
		it_fail "$n did not write its health after the redis restart"
	fi
done

TO=$(next_wave_due_after $(($(date +%s) + E2E_WI)))
wait_wave "$TO" || it_fail "wave $(iso_utc "$TO") not emitted"
settled() { [ "$(rcli XPENDING hean:waves executor | head -n 1)" = 0 ]; }
wait_until 10 settled || it_fail "executor left waves pending"
check_waves "$FROM" "$TO"
signals_check "$FROM" "$TO"
LOST=$(orders_lost "$FROM" "$TO")
DUP=$(dup_orders)
NK=$(naked_max_ms)
figure missed_waves "$MISSED"
figure doubled_waves "$DOUBLED"
figure lost_signals "$SIG_LOST"
figure doubled_signals "$SIG_DOUBLED"
figure lost_orders "$LOST"
figure duplicate_orders "$DUP"
figure naked_max_ms "$NK"
it_check "no wave missed" test "$MISSED" = 0
it_check "no wave doubled" test "$DOUBLED" = 0
it_check "no wave expired" test "$EXPIRED" = 0
it_check "every wave had the server's signals" test "$MISMATCH" = 0
it_check "no signal lost" test "$SIG_LOST" = 0
it_check "no signal doubled" test "$SIG_DOUBLED" = 0
it_check "no order lost" test "$LOST" = 0
it_check "no order doubled" test "$DUP" = 0
it_check "no position without a stop at the exchange" test "$NK" = 0
for n in "${E2E_DAEMONS[@]}"; do
	it_check "$n not restarted" test "$(pid_of "$n")" = "${P0[$n]}"
done
it_done
