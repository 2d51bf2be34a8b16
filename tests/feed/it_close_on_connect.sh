#!/usr/bin/env bash
# A server that closes every new socket at once (code 1000, before any
# subscription ack): attempts are spaced by backoff (no tight loop), the
# process never exits, and it recovers by itself once the server behaves.
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/feed/feed_lib.sh"
it_init feed-close-on-connect
feed_setup --rate 20 --fast

sim_ctl "$EXSIM_URL" "/sim/close_on_connect?on=1"
c0=$(exsim_stat ws_connects)
t0=$(now_ms)
sim_ctl "$EXSIM_URL" "/sim/close?code=1000"
sleep 10 # the observation window itself (not a synchronisation)
c1=$(exsim_stat ws_connects)
n=$((c1 - c0))
figure feed_close_on_connect_attempts_10s "$n"
it_check "attempts in 10 s spaced by backoff (${n}: 2..8)" test "$n" -ge 2 -a "$n" -le 8
it_check "feed still running" kill -0 "$FEED_PID"
it_check "health says disconnected/connecting, not streaming" test "$(health_field feed state)" != streaming
it_check "reconnecting events carry growing delays" \
	events_match 'delay_ms=(1[0-9]{3}|[2-9][0-9]{3})' "$t0"

sim_ctl "$EXSIM_URL" "/sim/close_on_connect?on=0"
t1=$(now_ms)
# the next attempt is at most one (slowest reached) backoff step away
it_check "streaming again after the server recovers" wait_state 15 feed streaming
it_check "ticks flow for every symbol" wait_until 5 all_symbols_fresh_after $((t1 * 1000))
figure feed_close_on_connect_recovery_ms $(($(now_ms) - t1))
it_check "feed never exited" kill -0 "$FEED_PID"
it_done
