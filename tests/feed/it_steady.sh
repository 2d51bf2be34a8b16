#!/usr/bin/env bash
# Steady state: thousands of snapshot+delta frames; the hashes equal the
# simulator's truth for every symbol, and ticks match frames sent.
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/feed/feed_lib.sh"
it_init feed-steady
feed_setup --rate 400 --fast

wait_until 20 out_ge 4000 rcli XLEN hean:ticks || it_fail "fewer than 4000 ticks in 20 s"
freeze_sim 60
# the health hash caught up too
settled() { ticks_quiet && field_is feed ticks "$(rcli XLEN hean:ticks)"; }
wait_until 10 settled || it_fail "ticks did not settle after freezing the sim"
it_check "hean:ticker:{SYM} == /sim/truth for every symbol" wait_until 5 all_truth_matches

# one snapshot: a pong sent between two reads would count in one only
stats=$(curl -sf "$EXSIM_URL/sim/stats")
frames=$(echo "$stats" | jq .frames_sent)
pongs=$(echo "$stats" | jq .pings)
ticks=$(health_field feed ticks)
xlen=$(rcli XLEN hean:ticks)
msgs=$(health_field feed msgs)
fast=$(health_field feed fast_path)
figure feed_ticks "$ticks"
figure feed_frames_sent "$frames"
figure feed_ticks_per_frame "$(awk -v a="$ticks" -v b="$frames" 'BEGIN{printf "%.4f", a/b}')"
figure feed_fast_path_share "$(awk -v a="$fast" -v b="$msgs" 'BEGIN{printf "%.4f", a/b}')"
# frames_sent also counts 3 subscribe acks and the pongs (a ping counted
# by the sim may have its pong still unsent: tolerance 1)
want=$((frames - 3 - pongs))
it_check "every ticker frame became a tick ($ticks ticks, $frames frames, $pongs pongs)" \
	test "$ticks" -ge "$want" -a "$ticks" -le $((want + 1))
it_check "stream holds every tick ($xlen)" test "$xlen" -eq "$ticks"
it_check "no bad frames" test "$(health_field feed bad_frames)" = 0
it_check "no deltas before snapshot" test "$(health_field feed deltas_before_snapshot)" = 0
it_check "nothing dropped" test "$(health_field feed dropped)" = 0
it_check "one connection, never reconnected" test "$(exsim_stat ws_connects)" = 1
it_check "pings sent (>= 1/s)" test "$pongs" -ge 2
it_done
