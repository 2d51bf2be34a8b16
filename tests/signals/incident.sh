#!/usr/bin/env bash
# The close-1000 incident replayed: the signal server answers every get_signals with a
# close 1000. For SIG_INCIDENT_S seconds of 10 s waves, every wave's
# signals must still reach hean:signals (checked against GET /sim/signals
# WHILE the fault is on), each close must show up in the log as a
# disconnect followed by a reconnect, never as a stream of send errors,
# and no id may be published twice.
. "$HEAN_SRC/tests/signals/signals_lib.sh"

sig_setup signals-incident
sig_start
wait_until 15 all_published || it_fail "initial buffer not published"

DUR=${SIG_INCIDENT_S:-30} # e2e-incident-1000 replays 13 waves through the pipeline
L0=$(log_lines)
c0=$(sigsim_stat server_closes)
w0=$(sigsim_stat waves_pushed)
a0=$(sigsim_stat auths)
t0=$(now_ms)
sim_ctl "$SIGSIM_URL" "/sim/close_on_get_signals?on=1"

# Sample the health state every 0.5 s while the server misbehaves (the
# sleep paces the sampling; nothing waits on it).
samples=0
authed=0
end=$((t0 + DUR * 1000))
while [ "$(now_ms)" -lt "$end" ]; do
	samples=$((samples + 1))
	[ "$(health_state signals)" = authenticated ] && authed=$((authed + 1))
	sleep 0.5
done

# Still under the fault: every signal the sim has must be there.
it_check "every wave reached hean:signals during the fault" wait_until 6 all_published
[ -z "$(missing_ids | head -1)" ] || it_log "missing: $(missing_ids | head -5 | tr '\n' ' ')"
c1=$(sigsim_stat server_closes)
w1=$(sigsim_stat waves_pushed)
a1=$(sigsim_stat auths)
sim_ctl "$SIGSIM_URL" "/sim/close_on_get_signals?on=0"

closes=$((c1 - c0))
waves=$((w1 - w0))
auths=$((a1 - a0))
disc=$(log_after "$L0" 'event=disconnected code=1000 ')
reco=$(log_after "$L0" 'event=reconnected ')
fails=$(log_after "$L0" 'event=request_failed')
read -r nrec maxrec < <(reconnect_ms_after "$L0")

# Publication lag of each wave pushed in the window: newest entry of the
# wave minus the push time (wave + 10 s + 1 s).
maxlag=0
nw=0
while read -r wts ms; do
	ws=$(date -u -d "$wts" +%s) || continue
	push_ms=$(((ws + 11) * 1000))
	[ "$push_ms" -ge "$t0" ] || continue
	lag=$((ms - push_ms))
	nw=$((nw + 1))
	[ "$lag" -gt "$maxlag" ] && maxlag=$lag
done < <(rcli XRANGE hean:signals "$t0" + | awk '
	/^[0-9]+-[0-9]+$/ { split($0, a, "-"); cur = a[1] }
	p == "wave_ts" { if (cur > m[$0]) m[$0] = cur }
	{ p = $0 }
	END { for (w in m) print w, m[w] }')

figure incident_s "$DUR"
figure server_closes "$closes"
figure auths "$auths"
figure waves_pushed "$waves"
figure waves_seen_in_stream "$nw"
figure log_disconnects_1000 "$disc"
figure log_reconnects "$reco"
figure request_failed_lines "$fails"
figure reconnect_max_ms "$maxrec"
figure wave_publish_max_lag_ms "$maxlag"
figure authenticated_samples "$authed/$samples"

it_check "the server closed at least once per 3 s ($closes)" [ "$closes" -ge $((DUR / 3)) ]
it_check "waves were pushed during the fault ($waves)" [ "$waves" -ge $((DUR / 10 - 1)) ]
it_check "every pushed wave is in the stream ($nw of $waves)" [ "$nw" -ge "$waves" ]
it_check "a re-auth per close ($auths for $closes)" [ "$auths" -ge $((closes - 1)) ]
it_check "a logged disconnect per close ($disc for $closes)" [ "$disc" -ge $((closes - 1)) ]
it_check "a logged reconnect per close ($reco for $closes)" [ "$reco" -ge $((closes - 1)) ]
it_check "no stream of send errors ($fails)" [ "$fails" -le 2 ]
it_check "reconnect after a close <= 250 ms + first step ($maxrec ms)" [ "$maxrec" -le 550 ]
it_check "each wave published within 3 s of its push ($maxlag ms)" [ "$maxlag" -le 3000 ]
it_check "authenticated most of the time ($authed/$samples)" [ $((authed * 2)) -ge "$samples" ]

# And it settles: authenticated, nothing missing, no duplicates.
it_check "authenticated after the fault" wait_state 5 signals authenticated
check_no_dups
it_done
