#!/usr/bin/env bash
# Restarts of hean-signals in the middle of publishing (kill -9, then
# SIGTERM): the next process rebuilds its id set from hean:signals, the
# Redis-side markers catch anything in between, and no id ever appears
# twice in hean:signals; nothing the sim has is missing afterwards.
. "$HEAN_SRC/tests/signals/signals_lib.sh"

sig_setup signals-restart --buffer-cap 8000

# 1. kill -9 while the 8000-signal initial buffer is being published.
start_daemon signals
wait_until 10 out_ge 1 rcli XLEN hean:signals || it_fail "nothing published"
kill -KILL "$SIGNALS_PID"
wait "$SIGNALS_PID" 2>/dev/null
n1=$(rcli XLEN hean:signals)
figure published_before_kill9 "$n1"
it_check "killed mid-stream (published $n1 of 8000)" [ "$n1" -lt 8000 ]

sig_start
it_check "all published after kill -9" wait_until 15 all_published
it_check "rebuilt the id set from the stream" \
	test "$(count_matches "$SIG_LOG" 'event=dedupe_rebuilt ids=[1-9]')" -ge 1
grep -o 'event=dedupe_rebuilt [^ ]* [^ ]* ms=[0-9]*' "$SIG_LOG" | tail -1 |
	while read -r line; do figure rebuild "\"$line\""; done

# 2. SIGTERM while a burst of new waves arrives (waves ahead of the sim's
#    clock, so they stay in its buffer like real new waves do).
base=$(($(date -u +%s) / 10 * 10 + 100))
for i in 0 1 2 3 4 5 6 7; do
	ts=$(date -u -d "@$((base + i * 10))" +%Y-%m-%dT%H:%M:%S%%2B00:00)
	sim_ctl "$SIGSIM_URL" "/sim/push_wave?wave_ts=$ts"
done
kill -TERM "$SIGNALS_PID"
it_check "SIGTERM: exits cleanly within 5 s" wait_until 5 dead "$SIGNALS_PID"
wait "$SIGNALS_PID"
rc=$?
figure sigterm_exit_code "$rc"
it_check "SIGTERM: exit code 0" [ "$rc" -eq 0 ]

sig_start
it_check "all published after SIGTERM (pushed waves come in the buffer)" \
	wait_until 15 all_published
figure duplicates_after_sigterm_restart "$(health_field signals duplicate)"

# 3. The Redis-side markers alone: empty the stream (so the rebuilt memory
#    set is empty too) and start again; the initial buffer's ids must not
#    be published a second time.
stream_ids >"$IT_DIR/ids_before"
kill -KILL "$SIGNALS_PID"
wait "$SIGNALS_PID" 2>/dev/null
rcli XTRIM hean:signals MAXLEN 0 >/dev/null
rcli DEL hean:health:signals >/dev/null
L0=$(log_lines)
sig_start
it_check "markers: the buffer came in" wait_until 10 out_ge 1 log_after "$L0" 'event=signals_frame count=[1-9]'
it_check "markers: its ids counted as duplicates at Redis" \
	wait_until 10 out_ge 250 health_field signals duplicate
again=$(comm -12 "$IT_DIR/ids_before" <(stream_ids) | wc -l)
figure republished_after_trim "$again"
it_check "markers: no id published again ($again)" [ "$again" -eq 0 ]
check_no_dups
it_done
