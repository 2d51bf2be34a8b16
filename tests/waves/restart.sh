#!/usr/bin/env bash
# hean-waves restarts: (A) stopped just before a due time and started
# just after it: that wave is processed once, late, inside its window;
# (B) kill -9 right after an emission and (C) 30 s down (3 waves): on
# restart nothing is emitted twice, the waves still in their window are
# processed, older ones recorded as expired, one entry each, in order.
# Every wave has signals (fed ahead, before the first start), so any wave
# missing or doubled is the clock's fault.
. "$HEAN_SRC/tests/waves/waves_lib.sh"
waves_setup waves-restart

# The first wave: due in 2..12 s. Feed 2 signals for each of 8 waves.
WA=$(first_wave_due_after $(($(now_ms) + 2000)))
for k in $(seq 0 7); do
	w=$((WA + k * WI))
	push $((1000 + k * 10 + 1)) BTCUSDT buy "$(iso_utc "$w")" 50
	push $((1000 + k * 10 + 2)) ETHUSDT sell "$(iso_dubai "$w")" 40
done

start_waves waves
P=$LAST_PID
wait_state 10 waves running || it_fail "hean-waves not running"

# (A) across the boundary of WA
DA=$(due_ms "$WA")
wait_ms $((DA - 700))
stop_pid "$P"
it_check "(A) WA not emitted before the stop" test "$(count_wave "$(iso_utc "$WA")")" = 0
wait_ms $((DA + 500))
start_waves waves
P=$LAST_PID
EA=$(iso_utc "$WA")
wait_until 8 has_wave "$EA" || it_fail "(A) WA not emitted after the restart"
it_check "(A) WA processed once, reason ok" test "$(count_wave "$EA")/$(ef "$EA" reason)" = 1/ok
it_check "(A) WA chosen 1001,1002" test "$(ids "$EA")" = 1001,1002
figure restart_boundary_lag_ms "$(lag_of "$EA")"

# (B) kill -9 right after WB's entry appears; (C) stay down 30 s
WB=$((WA + WI))
EB=$(iso_utc "$WB")
wait_until 15 has_wave "$EB" || it_fail "(B) WB not emitted"
stop_pid "$P" KILL
T0=$(now_ms)
it_log "killed at $(iso_utc $((T0 / 1000))), down for 30 s"
wait_ms $((T0 + 30000))
T1=$(now_ms)
start_waves waves
P=$LAST_PID
# every wave due before the restart, and the next one due after it
WN=$(first_wave_due_after "$T1")
EN=$(iso_utc "$WN")
wait_until 20 has_wave "$EN" || it_fail "(C) first wave due after the restart not emitted"
n_exp=0 n_ok=0
for ((w = WB + WI; w < WN; w += WI)); do
	e=$(iso_utc "$w")
	r=$(ef "$e" reason)
	d=$(due_ms "$w")
	if [ $((T1 - d)) -gt $((WL * 1000)) ]; then
		it_check "(C) $e (due $((T1 - d)) ms before restart) expired" test "$r" = expired
		n_exp=$((n_exp + 1))
	else
		# due during the stop but still in its window at restart (with
		# 800 ms of margin for the start itself)
		[ "$r" = ok ] || [ $((T1 - d)) -gt $((WL * 1000 - 800)) ] ||
			it_fail "(C) $e in window at restart but reason=$r"
		[ "$r" = ok ] && n_ok=$((n_ok + 1))
	fi
done
it_check "(C) at least 2 waves recorded as expired ($n_exp)" test "$n_exp" -ge 2
it_check "(C) the next wave processed normally" test "$(ef "$EN" reason)" = ok
figure catchup_expired "$n_exp"
figure catchup_processed_late "$n_ok"
grep -q "event=sync last=$EB" "$IT_DIR/waves.log" || it_fail "(C) no sync log from the marker"

check_invariants
# a first-ever start takes the wave still in its window (if any): it has
# no signals here, so it can only have been recorded as expired
EP=$(iso_utc $((WA - WI)))
it_check "the wave before WA absent or expired" test "$(ef "$EP" reason)" != ok
it_check "no wave_already_emitted needed (each restart resumed from the marker)" \
	test "$(grep -c wave_already_emitted "$IT_DIR/waves.log")" = 0
it_done
