#!/usr/bin/env bash
# it-ops-lease: two copies of hean-waves with the same HEAN_PROC_NAME on one
# Redis (common/lease.c), HEAN_LEASE_TTL_MS=4000:
#  - one is active (its pid in hean:health:waves), the other logs
#    event=standby and writes only hean:health:waves:standby (state standby)
#  - kill -STOP the active: the standby takes over within TTL + 1 s poll +
#    2 s margin, not before the lease lapsed; kill -CONT the old one: it exits 3 (lease lost) without
#    writing the active hash again
#  - kill -9 the active with a standby waiting: the dead holder is seen at
#    once (same host), takeover well under the TTL
#  - SIGTERM releases the lease (the key is gone), exit 0
#  - Redis killed under an active copy: it exits 3 within 0.8 TTL
#  - never both active: every HSET of hean:health:waves (MONITOR) carries
#    the pid of the copy holding the lease at that time; pids never go back
. "$HEAN_SRC/tests/integration/lib.sh"
it_init ops-lease
need_built waves/hean-waves
start_redis
export HEAN_LEASE_TTL_MS=4000 HEAN_HOME=$IT_DIR
unset HEAN_PROC_NAME
WAVES=$HEAN_BUILD/waves/hean-waves
rcli MONITOR >"$IT_DIR/monitor.txt" 2>/dev/null &
MON=$!
IT_PIDS+=("$MON")
wait_until 5 test -e "$IT_DIR/monitor.txt"

active_is() { field_is waves pid "$1"; }
standby_is() { [ "$(rcli HGET hean:health:waves:standby pid)" = "$1" ] &&
	[ "$(rcli HGET hean:health:waves:standby state)" = standby ]; }

bg a "$WAVES"
A=$LAST_PID
wait_until 10 active_is "$A" || it_fail "first copy not active"
bg b "$WAVES"
B=$LAST_PID
it_check "second copy is standby (hash :standby, state standby)" wait_until 10 standby_is "$B"
it_check "standby logged event=standby naming the holder" grep -q "event=standby key=hean:lease:waves holder=.*/$A/" "$IT_DIR/b.log"
it_check "standby never started the daemon" bash -c "! grep -q event=waves_config '$IT_DIR/b.log'"
sleep 1.5
it_check "active hash still written by the first copy" active_is "$A"

# Hung active copy: the lease lapses, the standby takes over.
t0=$(now_ms)
kill -STOP "$A"
wait_until 10 active_is "$B"
took=$(($(now_ms) - t0))
figure lease_takeover_after_stop_ms "$took"
it_check "takeover after SIGSTOP within TTL+3 s ($took ms <= 7000)" test "$took" -le 7000
# a stopped holder is alive: the standby must wait for the lease to lapse
# (renewed <= 1 s before the STOP, so >= TTL - 1 s; margin for load)
it_check "takeover only once the lease lapsed ($took ms >= 2000)" test "$took" -ge 2000
it_check "a stopped (live) holder is not taken for dead" bash -c "! grep -q event=lease_takeover '$IT_DIR/b.log'"
it_check "standby hash gone once active" wait_until 3 test -z "$(rcli HGET hean:health:waves:standby pid)"
kill -CONT "$A"
wait "$A"
rc=$?
it_check "resumed old copy exits 3 (lease lost), rc=$rc" test "$rc" = 3
it_check "old copy logged event=lease_lost" grep -q 'event=lease_lost' "$IT_DIR/a.log"
sleep 1.2
it_check "active hash still the new copy's" active_is "$B"

# Crashed active copy with a standby waiting on the same host.
bg c "$WAVES"
C=$LAST_PID
wait_until 10 standby_is "$C" || it_fail "third copy not standby"
t0=$(now_ms)
kill -KILL "$B"
wait "$B" 2>/dev/null
wait_until 10 active_is "$C"
took=$(($(now_ms) - t0))
figure lease_takeover_after_kill9_ms "$took"
it_check "dead holder taken over fast ($took ms < 3000, TTL 4000)" test "$took" -lt 3000
it_check "takeover logged as lease_takeover" grep -q 'event=lease_takeover' "$IT_DIR/c.log"

kill -TERM "$C"
wait "$C"
it_check "SIGTERM: exit 0" test $? = 0
it_check "SIGTERM released the lease" test -z "$(rcli GET hean:lease:waves)"

# Redis unreachable: the active copy cannot confirm its lease and fences
# itself (exit 3) before the key could lapse (0.8 TTL), while Redis is
# still down, so no copy elsewhere can be active alongside it.
bg d "$WAVES"
D=$LAST_PID
wait_until 10 active_is "$D" || it_fail "fourth copy not active"
stop_redis KILL
t0=$(now_ms)
wait_until 8 dead "$D"
gone=$(($(now_ms) - t0))
figure lease_fence_after_redis_loss_ms "$gone"
it_check "active copy fenced itself while Redis was down ($gone ms <= 4000)" test "$gone" -le 4000
wait "$D"
rc=$?
it_check "fenced copy exit 3, rc=$rc" test "$rc" = 3
restart_redis
rcli MONITOR >>"$IT_DIR/monitor.txt" 2>/dev/null &
MON2=$!
IT_PIDS+=("$MON2")
sleep 1.2

# Never both active: the sequence of pids writing the active hash.
kill "$MON" "$MON2" 2>/dev/null
wait "$MON" "$MON2" 2>/dev/null
seq=$(grep -F '"HSET" "hean:health:waves" "pid"' "$IT_DIR/monitor.txt" |
	sed -E 's/.*"HSET" "hean:health:waves" "pid" "([0-9]+)".*/\1/' | uniq | tr '\n' ' ')
it_log "writers of hean:health:waves in order: $seq"
it_check "writers were exactly A, B, C, D in turn" test "$seq" = "$A $B $C $D "
it_check "no pid wrote the active hash in two separate turns" test "$(echo "$seq" | wc -w)" = 4
it_check "no sanitizer report" no_sanitizer_report "$IT_DIR"/[abcd].log
it_done
