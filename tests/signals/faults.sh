#!/usr/bin/env bash
# Faults that must each heal by themselves: close 1000, close 1006 (TCP
# drop, no close frame), a silent half-open server, refused handshakes for
# 3 s, and an auth rejection followed by acceptance. Figures: time from
# the fault to the socket being open again (measured in the daemon) and to
# "authenticated" again (measured here).
. "$HEAN_SRC/tests/signals/signals_lib.sh"

sig_setup signals-faults
sig_start
wait_until 15 all_published || it_fail "initial buffer not published"

# recover NAME LIMIT_S: waits for a new auth at the sim and "authenticated"
# in health; prints the figure.
recover() {
	local name=$1 limit=$2 t1
	if wait_until "$limit" out_ge $((A0 + 1)) sigsim_stat auths &&
		wait_state "$limit" signals authenticated; then
		t1=$(now_ms)
		figure "${name}_recover_ms" $((t1 - T0))
		it_log "ok: $name recovered"
	else
		it_fail "$name: not authenticated again within $limit s"
	fi
}

# begin: remembers the log line, the sim's auth count and the time.
begin() {
	L0=$(log_lines)
	A0=$(sigsim_stat auths)
	T0=$(now_ms)
}

# --- close 1000 and close 1006: reconnect within 250 ms + first step ---
for fault in close1000 drop1006; do
	begin
	if [ $fault = close1000 ]; then
		sim_ctl "$SIGSIM_URL" "/sim/close?code=1000"
		code=1000
	else
		sim_ctl "$SIGSIM_URL" "/sim/drop"
		code=1006
	fi
	recover $fault 5
	read -r n ms < <(reconnect_ms_after "$L0")
	figure "${fault}_reconnect_ms" "$ms"
	it_check "$fault: disconnect logged with code $code" \
		[ "$(log_after "$L0" "event=disconnected code=$code ")" -ge 1 ]
	it_check "$fault: reconnect <= 250 ms + first step ($ms ms)" [ "$n" -ge 1 -a "$ms" -le 550 ]
	it_check "$fault: health event with the close code" wait_until 2 events_match "code=$code" "$T0"
done

# --- silent half-open: liveness (2 s) must drop it ---
begin
sim_ctl "$SIGSIM_URL" "/sim/silent?secs=3"
it_check "silent: liveness drop logged" \
	wait_until 5 out_ge 1 log_after "$L0" 'event=disconnected code=4900 '
figure silent_detect_ms $(($(now_ms) - T0))
recover silent 12

# --- refused handshakes for 3 s, then a close: backoff until accepted ---
begin
sim_ctl "$SIGSIM_URL" "/sim/refuse?secs=3"
sim_ctl "$SIGSIM_URL" "/sim/close?code=1001"
recover refuse 12
fails=$(log_after "$L0" 'event=ws_connect_failed')
figure refused_attempts "$fails"
it_check "refuse: failed attempts backed off (not hammered: $fails in 3 s)" \
	[ "$fails" -ge 1 -a "$fails" -le 6 ]

# --- auth rejected once (auth_response error + close 4001), then accepted ---
begin
sim_ctl "$SIGSIM_URL" "/sim/reject_auth?count=1"
sim_ctl "$SIGSIM_URL" "/sim/close?code=1000"
it_check "reject: health auth_failed" wait_state 5 signals auth_failed
it_check "reject: log says the token was refused" \
	wait_until 5 out_ge 1 log_after "$L0" 'event=auth_rejected .*refused the token'
it_check "reject: the token never appears in the log" \
	sh -c "! grep -q hean-sim-token '$SIG_LOG'"
recover reject_auth 16
rejects=$(sigsim_stat auth_rejects)
figure auth_rejects "$rejects"
it_check "reject: one rejected attempt, then slow step ($rejects)" [ "$rejects" -eq 1 ]

it_check "nothing missing after the faults" wait_until 5 all_published
figure reconnects_counter "$(health_field signals reconnects)"
check_no_dups
it_done
