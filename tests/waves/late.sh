#!/usr/bin/env bash
# hean-waves, live: (1) signals that arrive after the due time are
# processed late but within the window; (2) +04:00 / -05:00 signals select
# the same wave as their UTC twins (a +04:00 string with the UTC digits is
# another instant and does not); (3) a wave with no signals waits for its
# whole window; the marker hean:wave:last written by hand in +04:00 (no
# last_s) is honoured by the Lua compare (no entry for that wave, the
# clock moves on to the next one);
# (4) on-time lag figure; (5) unknown outcome: Redis frozen (SIGSTOP)
# while the EVAL of W4 is in flight: the reply deadline drops the link,
# the marker re-read after the reconnect decides, W4 is written once.
. "$HEAN_SRC/tests/waves/waves_lib.sh"
waves_setup waves-late

start_waves waves
wait_state 10 waves running || it_fail "hean-waves not running"

W1=$(first_wave_due_after $(($(now_ms) + 1500)))
W2=$((W1 + WI)) W3=$((W1 + 2 * WI)) W4=$((W1 + 3 * WI))
D1=$(due_ms "$W1") D2=$(due_ms "$W2") D3=$(due_ms "$W3")
it_log "W1=$(iso_utc "$W1") due in $((D1 - $(now_ms))) ms"

# W2, ahead of time: a UTC signal, its +04:00 twin (same id: a duplicate),
# a +04:00 one, a -05:00 one, and a "+04:00 with UTC digits" one (4 h earlier).
push 201 BTCUSDT buy "$(iso_utc "$W2")" 80
push 201 BTCUSDT buy "$(iso_dubai "$W2")" 80
push 202 ETHUSDT sell "$(iso_dubai "$W2")" 70
push 204 XRPUSDT buy "$(iso_ny "$W2")" 60
push 203 SOLUSDT buy "$(date -u -d "@$W2" +%Y-%m-%dT%H:%M:%S)+04:00" 99

# W4: one signal with an invalid symbol, so no position read: the EVAL
# ("empty") goes out right at the due time
push 401 bad-sym buy "$(iso_utc "$W4")" 10

# (1) nothing for W1 at its due time; its signals come 1.5 s late
wait_ms $((D1 + 1500))
it_check "W1 not emitted while waiting for signals" test "$(count_wave "$(iso_utc "$W1")")" = 0
push 101 BTCUSDT buy "$(iso_utc "$W1")" 50
push 102 ADAUSDT sell "$(iso_utc "$W1")" 40
push 103 bad-sym buy "$(iso_utc "$W1")" 90
wait_until 6 has_wave "$(iso_utc "$W1")" || it_fail "W1 not emitted"
E1=$(iso_utc "$W1")
it_check "W1 late: reason ok" test "$(ef "$E1" reason)" = ok
it_check "W1 late: chosen 101,102" test "$(ids "$E1")" = 101,102
it_check "W1 late: considered 3" test "$(ef "$E1" considered)" = 3
it_check "W1 late: 103 skipped for its symbol" \
	test "$(ef "$E1" skipped | jq -r '.[0].reason')" = symbol
L1=$(lag_of "$E1")
it_check "W1 processed after the late signals, inside the window ($L1 ms)" \
	test "$L1" -ge 1500 -a "$L1" -le $((WL * 1000))
figure late_wave_lag_ms "$L1"

# (2) offsets: W2 on time, with the twins
E2=$(iso_utc "$W2")
wait_until 15 has_wave "$E2" || it_fail "W2 not emitted"
it_check "W2: +04:00 / -05:00 / UTC twins select the same wave (201,202,204)" \
	test "$(ids "$E2")" = 201,202,204
it_check "W2: the duplicate id counted once, the 4 h-off one not at all" \
	test "$(ef "$E2" considered)" = 3
L2=$(lag_of "$E2")
figure ontime_lag_ms "$L2"
it_check "W2 on time (lag $L2 ms < 1000)" test "$L2" -lt 1000
grep -q "event=wave_emitted wave_ts=$E2 due=.* due_local=.* now=" "$IT_DIR/waves.log" ||
	it_fail "log line with wave_ts/due/due_local/now missing"

# (3) W3 has no signals; meanwhile "another instance" emitted W3 and
# wrote only hean:wave:last, in +04:00. The Lua compare must parse it.
rcli DEL hean:wave:last_s >/dev/null
rcli SET hean:wave:last "$(iso_dubai "$W3")" >/dev/null
already() { grep -q "event=wave_already_emitted wave_ts=$(iso_utc "$W3")" "$IT_DIR/waves.log"; }
wait_until 20 already || it_fail "W3 not reported as already emitted"
it_check "W3 waited its whole window before giving up" past_ms $((D3 + WL * 1000))
it_check "W3: no entry (marker honoured)" test "$(count_wave "$(iso_utc "$W3")")" = 0
E4=$(iso_utc "$W4")
# a wrong offset in the Lua parse would move the marker hours away;
# the health hash is rewritten every second: poll it
it_check "health: next_wave is W4 right after the stale W3" wait_field 3 waves next_wave "$E4"
it_check "markers untouched by the stale compare" \
	test "$(rcli GET hean:wave:last)/$(rcli EXISTS hean:wave:last_s)" = "$(iso_dubai "$W3")/0"
it_check "health: last_emitted W2" wait_field 3 waves last_emitted "$E2"
it_check "health: late=1" wait_field 3 waves late 1
it_check "health: processed=2" wait_field 3 waves processed 2
it_check "health: already_emitted=1" wait_field 3 waves already_emitted 1
it_check "health: state running" wait_field 3 waves state running

# (5) freeze Redis from 300 ms before W4's due time to 3 s after it
D4=$(due_ms "$W4")
wait_ms $((D4 - 300))
kill -STOP "$IT_REDIS_PID"
wait_ms $((D4 + 3000))
kill -CONT "$IT_REDIS_PID"
# The EVAL's reply normally misses the 2 s deadline: link dropped, the
# outcome unknown, resolved by the marker re-read. (Seen once under load:
# the cmd link's deadline did not fire and the reply came after SIGCONT;
# then there is nothing to resolve.) Either way: written exactly once.
wait_until 10 has_wave "$E4" || it_fail "W4 never written"
if grep -q "event=wave_emit_unknown wave_ts=$E4" "$IT_DIR/waves.log"; then
	resolved() { grep -q "event=wave_emit_resolved wave_ts=$E4" "$IT_DIR/waves.log"; }
	wait_until 10 resolved || it_fail "W4: unknown outcome not resolved by a marker re-read"
	it_log "$(grep -o "event=wave_emit_resolved.*" "$IT_DIR/waves.log")"
	figure unknown_outcome_resolved 1
else
	it_log "W4: reply arrived after SIGCONT (no reply deadline on the cmd link)"
	figure unknown_outcome_resolved 0
fi
it_check "W4 written exactly once" test "$(count_wave "$E4")" = 1
it_check "health: next_wave W5 after the resolution" \
	wait_field 5 waves next_wave "$(iso_utc $((W4 + WI)))"
it_check "markers at W4" test "$(rcli GET hean:wave:last_s)" = "$W4"
it_done
