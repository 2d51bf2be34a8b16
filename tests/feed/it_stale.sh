#!/usr/bin/env bash
# One silent symbol -> 'stale' event + health detail, then 'resumed'. Every
# symbol of a connection silent while the socket is open -> reconnect.
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/feed/feed_lib.sh"
it_init feed-stale
export HEAN_STALE_S=2
feed_setup --rate 20 --fast

t0=$(now_ms)
sim_ctl "$EXSIM_URL" "/sim/stale?symbol=ETHUSDT&secs=4"
it_check "stale event for ETHUSDT" wait_until 4 has_event_after "$t0" stale
ts=$(event_ts_after "$t0" stale)
figure feed_stale_detect_ms $((ts - t0))
detail_has() { health_field feed detail | grep -q "$1"; }
not_detail_has() { ! detail_has "$1"; }
all_fresh_but_eth() {
	[ "$(last_recv_us BTCUSDT)" -gt "$1" ] && [ "$(last_recv_us SOLUSDT)" -gt "$1" ]
}
it_check "health detail names the stale symbol" wait_until 3 detail_has "stale=ETHUSDT"
it_check "stale_symbols=1" wait_field 3 feed stale_symbols 1
it_check "other symbols keep ticking" wait_until 2 all_fresh_but_eth $(($(now_ms) * 1000))
it_check "resumed event after the symbol comes back" wait_until 5 has_event_after "$t0" resumed
it_check "detail cleared" wait_until 3 not_detail_has "stale="
it_check "no reconnect for one stale symbol" test "$(exsim_stat ws_connects)" = 1

# every symbol silent: the connection is declared dead and replaced
t1=$(now_ms)
freeze_sim 5
it_check "all_stale -> reconnect" wait_until 6 has_event_after "$t1" all_stale
it_check "a new connection was made" wait_until 5 out_ge 2 exsim_stat ws_connects
sim_ctl "$EXSIM_URL" "/sim/resume"
it_check "every symbol ticks again" wait_until 8 all_symbols_fresh_after $(($(now_ms) * 1000))
it_check "streaming" wait_state 5 feed streaming
it_check "feed never exited" kill -0 "$FEED_PID"
it_done
