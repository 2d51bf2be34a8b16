#!/usr/bin/env bash
# Two hean-waves at once (same config, same name: "started twice by
# mistake"): each wave is still written exactly once, because emission is
# one Lua compare-and-XADD on the marker. Both race for every wave: the
# loser logs wave_already_emitted and moves on.
. "$HEAN_SRC/tests/waves/waves_lib.sh"
waves_setup waves-dual
# Without the active/standby lease (common/lease.c) the second copy would
# wait as a standby: this test is about the Lua CAS that still guards a
# lease-less setup.
export HEAN_LEASE_TTL_MS=0

W1=$(first_wave_due_after $(($(now_ms) + 2500)))
W2=$((W1 + WI))
# history for a marker: last emitted = the wave before W1, so that the
# first start does not take an extra in-window wave without signals
rcli SET hean:wave:last_s $((W1 - WI)) >/dev/null
rcli SET hean:wave:last "$(iso_utc $((W1 - WI)))" >/dev/null
for w in "$W1" "$W2"; do
	push $((w % 100000 * 10 + 1)) BTCUSDT buy "$(iso_utc "$w")" 50
	push $((w % 100000 * 10 + 2)) ETHUSDT sell "$(iso_dubai "$w")" 40
done

start_waves waves_a
PA=$LAST_PID
start_waves waves_b
PB=$LAST_PID
wait_state 10 waves running || it_fail "hean-waves not running"
# a live signal for W2, delivered by the group to one of the two only
push $((W2 % 100000 * 10 + 3)) SOLUSDT buy "$(iso_utc "$W2")" 30

E1=$(iso_utc "$W1") E2=$(iso_utc "$W2")
wait_until 20 has_wave "$E2" || it_fail "W2 not emitted"
# the loser of W2 needs its EVAL reply too
lost() { [ "$(cat "$IT_DIR"/waves_a.log "$IT_DIR"/waves_b.log | grep -c wave_already_emitted)" -ge 2 ]; }
wait_until 5 lost
it_check "both processes alive" kill -0 "$PA" "$PB"
it_check "W1 exactly once" test "$(count_wave "$E1")" = 1
it_check "W2 exactly once" test "$(count_wave "$E2")" = 1
it_check "W1 chosen from the rebuilt index" test "$(ids "$E1")" = "$((W1 % 100000 * 10 + 1)),$((W1 % 100000 * 10 + 2))"
n_a=$(grep -c "event=wave_emitted" "$IT_DIR/waves_a.log")
n_b=$(grep -c "event=wave_emitted" "$IT_DIR/waves_b.log")
n_l=$(cat "$IT_DIR"/waves_a.log "$IT_DIR"/waves_b.log | grep -c wave_already_emitted)
it_log "emitted by a=$n_a b=$n_b, lost races=$n_l"
it_check "2 waves emitted in total" test $((n_a + n_b)) = 2
it_check "every wave raced (2 already_emitted)" test "$n_l" = 2
figure dual_lost_races "$n_l"
it_log "W2 considered=$(ef "$E2" considered) (the live signal went to one instance)"
check_invariants
it_done
