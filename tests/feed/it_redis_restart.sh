#!/usr/bin/env bash
# Redis killed mid-stream and restarted: the WebSocket stays up, the feed
# never exits, ticks resume, and each hash ends with the latest state.
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/feed/feed_lib.sh"
it_init feed-redis-restart
feed_setup --rate 100 --fast

wait_until 10 out_ge 300 rcli XLEN hean:ticks || it_fail "no ticks before the fault"
c0=$(exsim_stat ws_connects)
t0=$(now_ms)
stop_redis KILL
sleep 2 # the outage itself (the feed keeps reading the exchange meanwhile)
it_check "feed alive while Redis is down" kill -0 "$FEED_PID"
restart_redis
t1=$(now_ms)
before=$(rcli XLEN hean:ticks)
it_check "ticks resume after restart" wait_until 10 out_ge $((before + 100)) rcli XLEN hean:ticks
figure feed_redis_restart_resume_ms $(($(now_ms) - t1))
it_check "WebSocket stayed up (no reconnect)" test "$(exsim_stat ws_connects)" = "$c0"
it_check "health hash rewritten" wait_state 5 feed streaming
ticks_in_outage() {
	stream_field hean:ticks recv_us | awk -v a=$((t0 * 1000 + 300000)) -v b=$((t1 * 1000 - 300000)) '
		$0+0 > a && $0+0 < b {n++} END {exit !(n > 0)}'
}
it_check "ticks received during the outage were queued and written" ticks_in_outage

freeze_sim 60
wait_until 10 ticks_quiet
it_check "hashes end with the latest state (== /sim/truth)" wait_until 5 all_truth_matches

# Redis comes back empty (no persistence) while no tick arrives: only the
# re-sync on "redis up" can restore the hashes
stop_redis KILL
rm -rf "$IT_DIR/redis" && mkdir -p "$IT_DIR/redis"
restart_redis
it_check "empty Redis: hashes rewritten from the latest state" wait_until 5 all_truth_matches
it_check "nothing dropped (queue bounded, not reached)" test "$(health_field feed dropped)" = 0
it_check "feed never exited" kill -0 "$FEED_PID"
it_done
