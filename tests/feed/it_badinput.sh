#!/usr/bin/env bash
# Malformed, unknown, NaN, negative and huge frames: counted, logged once
# each (rate-limited), nothing written for them, no crash, the other
# symbols unaffected; the 2 MiB frame drops the link (1009) and it comes back.
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/feed/feed_lib.sh"
it_init feed-badinput
feed_setup --rate 50

field_ge() { test "$(hf "$1")" -ge "$2"; }
for kind in malformed unknown nan negative; do
	sim_ctl "$EXSIM_URL" "/sim/send?kind=$kind"
	sleep 1.1 # one second apart, so the rate limiter lets each log line through
done
it_check "bad_frames counted (malformed, unknown type)" wait_until 3 field_ge bad_frames 2
it_check "bad_fields counted (NaN, negative)" wait_until 3 field_ge bad_fields 2
log=$IT_DIR/feed.log
it_check "log names the malformed frame" grep -q 'kind=json why="not JSON' "$log"
it_check "log names the unknown type" grep -q 'kind=frame why="type:' "$log"
it_check "log names the NaN field" grep -q 'why="lastPrice: not finite' "$log"
it_check "log names the negative field" grep -q 'why="lastPrice: negative' "$log"
bad_in_stream() {
	rcli XRANGE hean:ticks - + | awk 'prev=="last" && ($0 ~ /^-/ || $0 ~ /[Nn]a[Nn]|inf/) {bad=1} {prev=$0} END {exit !bad}'
}
no_bad_in_stream() { ! bad_in_stream; }
it_check "no NaN or negative price ever written" no_bad_in_stream
it_check "no reconnect for bad frames" test "$(sim_stat ws_connects)" = 1

t0=$(now_ms)
sim_ctl "$EXSIM_URL" "/sim/send?kind=huge"
it_check "huge frame: link dropped with 1009" wait_until 5 has_event_after "$t0" disconnected
it_check "disconnect detail says 1009" \
	bash -c "redis-cli -s '$IT_REDIS_SOCK' --raw XRANGE hean:events $t0 + | grep -q 'code=1009'"
it_check "reconnected and streaming" wait_until 5 feed_is streaming
it_check "every symbol ticks after" wait_until 5 all_symbols_fresh_after $(($(now_ms) * 1000))

# 500 bad frames in a burst: lines stay rate-limited, RSS stays put
rss0=$(awk '/VmRSS/ {print $2}' "/proc/$FEED_PID/status")
lines0=$(grep -c 'event=bad_frame' "$log")
for _ in $(seq 1 50); do
	for kind in malformed nan negative unknown; do
		curl -sf -X POST "$EXSIM_URL/sim/send?kind=$kind" >/dev/null
	done
done
it_check "burst counted" wait_until 5 field_ge bad_frames 100
lines=$(($(grep -c 'event=bad_frame' "$log") - lines0))
rss1=$(awk '/VmRSS/ {print $2}' "/proc/$FEED_PID/status")
figure feed_bad_burst_log_lines "$lines"
figure feed_bad_burst_rss_growth_kib $((rss1 - rss0))
it_check "log lines rate-limited (${lines} for 200 bad frames)" test "$lines" -le 10
it_check "suppressed count reported" grep -q 'suppressed=[1-9]' "$log"
it_check "feed never exited" feed_alive
it_check "still streaming" feed_is streaming
it_done
