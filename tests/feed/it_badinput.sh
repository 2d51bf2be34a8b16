#!/usr/bin/env bash
# Malformed, unknown, NaN, negative and huge frames: counted, logged once
# each (rate-limited), nothing written for them, no crash, the other
# symbols unaffected; the 2 MiB frame drops the link (1009) and it comes back.
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/feed/feed_lib.sh"
it_init feed-badinput
feed_setup --rate 50 --fast

for kind in malformed unknown nan negative; do
	sim_ctl "$EXSIM_URL" "/sim/send?kind=$kind"
	sleep 1.1 # one second apart, so the rate limiter lets each log line through
done
it_check "bad_frames counted (malformed, unknown type)" wait_until 3 out_ge 2 health_field feed bad_frames
it_check "bad_fields counted (NaN, negative)" wait_until 3 out_ge 2 health_field feed bad_fields
log=$IT_DIR/feed.log
it_check "log names the malformed frame" grep -q 'kind=json why="not JSON' "$log"
it_check "log names the unknown type" grep -q 'kind=frame why="type:' "$log"
it_check "log names the NaN field" grep -q 'why="lastPrice: not finite' "$log"
it_check "log names the negative field" grep -q 'why="lastPrice: negative' "$log"
no_bad_in_stream() { ! stream_field hean:ticks last | grep -Eq '^-|[Nn]a[Nn]|inf'; }
it_check "no NaN or negative price ever written" no_bad_in_stream
it_check "no reconnect for bad frames" test "$(exsim_stat ws_connects)" = 1

t0=$(now_ms)
sim_ctl "$EXSIM_URL" "/sim/send?kind=huge"
it_check "huge frame: link dropped with 1009" wait_until 5 has_event_after "$t0" disconnected
it_check "disconnect detail says 1009" events_match code=1009 "$t0"
it_check "reconnected and streaming" wait_state 5 feed streaming
it_check "every symbol ticks after" wait_until 5 all_symbols_fresh_after $(($(now_ms) * 1000))

# 500 bad frames in a burst: lines stay rate-limited, RSS stays put
rss0=$(awk '/VmRSS/ {print $2}' "/proc/$FEED_PID/status")
log0=$(wc -l <"$log")
for _ in $(seq 1 50); do
	for kind in malformed nan negative unknown; do
		curl -sf -X POST "$EXSIM_URL/sim/send?kind=$kind" >/dev/null
	done
done
it_check "burst counted" wait_until 5 out_ge 100 health_field feed bad_frames
lines=$(count_matches "$log" 'event=bad_frame' "$log0")
rss1=$(awk '/VmRSS/ {print $2}' "/proc/$FEED_PID/status")
figure feed_bad_burst_log_lines "$lines"
figure feed_bad_burst_rss_growth_kib $((rss1 - rss0))
it_check "log lines rate-limited (${lines} for 200 bad frames)" test "$lines" -le 10

# A line reports how many were suppressed since the one before it. One more
# bad frame a second after the burst is logged with the burst's remainder,
# so lines + their suppressed counts account for all 201 frames, however
# fast the burst went (it can fit in one rate-limit window).
sleep 1.1
sim_ctl "$EXSIM_URL" "/sim/send?kind=malformed"
accounted() {
	tail -n +"$((log0 + 1))" "$log" | grep 'event=bad_frame' |
		sed -n 's/.* suppressed=\([0-9]*\).*/\1/p' | awk '{ n++; s += $1 } END { print n + s }'
}
it_check "every bad frame logged or counted as suppressed (201)" wait_until 3 out_eq 201 accounted
it_check "feed never exited" kill -0 "$FEED_PID"
it_check "still streaming" state_is feed streaming
it_done
