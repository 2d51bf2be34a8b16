#!/usr/bin/env bash
# Invalid signals of every kind hean-sigsim can send (missing field, bad
# side, NaN/Infinity/-Infinity scores, and mixed frames): each is dropped
# with a log line naming its id and field; the valid signals of the same
# frame are published; duplicates inside a frame are published once.
. "$HEAN_SRC/tests/signals/signals_lib.sh"

sig_setup signals-invalid
# This test is about data, not liveness: under a loaded CI machine a 2 s
# liveness window can drop the connection, and a frame broadcast while no
# client is connected is lost (as on the real server).
export HEAN_PING_INTERVAL_S=2 HEAN_LIVENESS_TIMEOUT_S=10
sig_start

# send_kind KIND: sends one invalid frame while authenticated; sets L0 and
# n. A frame sent across a reconnect is resent (at most 3 tries, logged).
send_kind() {
	local try
	for try in 1 2 3; do
		wait_state 10 signals authenticated || it_fail "$1: not authenticated"
		L0=$(log_lines)
		local i0 c0
		i0=$(sigsim_stat invalid_sent)
		c0=$(log_after 0 'event=(disconnected|reconnect)')
		sim_ctl "$SIGSIM_URL" "/sim/send_invalid?kind=$1"
		n=$(($(sigsim_stat invalid_sent) - i0))
		if [ "$n" -gt 0 ]; then
			wait_until 5 out_ge "$n" log_after "$L0" 'event=signal_invalid ' && return 0
		else
			wait_until 5 out_ge 1 log_after "$L0" 'event=signals_frame ' && return 0
		fi
		[ "$(log_after 0 'event=(disconnected|reconnect)')" -gt "$c0" ] || return 0
		echo "$1: connection dropped during try $try; sending again"
	done
}
wait_until 15 all_published || it_fail "initial buffer not published"

# kind -> the fields its invalid signals must be reported for
declare -A want=(
	[missing]="side wave_ts"
	[side]="side"
	[nan]="score_week score_month score_week"
	[dup]=""
	[mixed]="side side score_week wave_ts"
)
for kind in missing side nan dup mixed; do
	send_kind "$kind"
	got=$(tail -n +"$((L0 + 1))" "$SIG_LOG" | grep 'event=signal_invalid ' |
		grep -o 'field=[a-z_]*' | cut -d= -f2 | sort | tr '\n' ' ')
	exp=$(printf '%s\n' ${want[$kind]} | sed '/^$/d' | sort | tr '\n' ' ')
	figure "invalid_${kind}_fields" "\"$got\""
	it_check "$kind: $n invalid logged with fields [$exp]" [ "$got" = "$exp" ]
	it_check "$kind: every invalid line names an id" \
		[ "$(tail -n +"$((L0 + 1))" "$SIG_LOG" | grep 'event=signal_invalid ' |
			grep -cv 'id=[0-9]')" -eq 0 ]
	it_check "$kind: the valid ones of the frame are published" wait_until 5 all_published
done

it_check "invalid counter in health (10 sent)" wait_until 3 out_ge 10 health_field signals invalid
figure health_invalid "$(health_field signals invalid)"
figure health_received "$(health_field signals received)"
figure health_published "$(health_field signals published)"
figure health_duplicate "$(health_field signals duplicate)"
it_check "still authenticated (invalid data is not a reason to drop)" \
	[ "$(health_state signals)" = authenticated ]
check_no_dups
it_done
