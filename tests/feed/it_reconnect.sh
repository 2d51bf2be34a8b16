#!/usr/bin/env bash
# Every way a public socket dies resumes by itself: close 1000, TCP drop,
# handshakes refused for 5 s, silent half-open. Prints the recovery figures.
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/feed/feed_lib.sh"
it_init feed-reconnect
feed_setup --rate 50 --fast

# recover NAME T0_MS LIMIT_MS: waits for the new connection after T0 and
# for every symbol to tick on it; prints the ms from T0 to the first new tick.
recover() {
	local name=$1 t0=$2 limit=$3 first ms tc
	if ! wait_until $(((limit + 3000) / 1000 + 1)) has_event_after "$t0" connected; then
		it_fail "$name: never reconnected"
		return
	fi
	tc=$(event_ts_after "$t0" connected)
	if ! wait_until 5 all_symbols_fresh_after $((tc * 1000)); then
		it_fail "$name: ticks did not resume for every symbol"
		return
	fi
	first=$(first_tick_after_us $((tc * 1000)))
	ms=$(((first / 1000) - t0))
	figure "feed_${name}_first_tick_ms" "$ms"
	it_check "$name: first new tick within ${limit} ms (${ms})" test "$ms" -le "$limit"
}

# settle_conn: wait until the session is up and delivering again
settle() { wait_state 10 feed streaming; }

# 1. clean close 1000: one backoff step (250 ms +-20%) + resubscribe
c0=$(exsim_stat ws_connects)
t0=$(now_ms)
sim_ctl "$EXSIM_URL" "/sim/close?code=1000"
recover close1000 "$t0" 500
it_check "close1000: exactly one reconnect" test "$(exsim_stat ws_connects)" -eq $((c0 + 1))
it_check "close1000: disconnected event carries code 1000" events_match code=1000 "$t0"
settle

# 2. TCP drop, no close frame (1006)
t0=$(now_ms)
sim_ctl "$EXSIM_URL" "/sim/drop"
recover drop "$t0" 500
settle

# 3. handshakes refused for 5 s: backoff while refused, back by itself
t0=$(now_ms)
sim_ctl "$EXSIM_URL" "/sim/refuse?secs=5"
sim_ctl "$EXSIM_URL" "/sim/close?code=1000"
recover refuse5s "$t0" 11000
n=$(events_after "$t0" reconnecting)
figure feed_refuse5s_attempts "$n"
it_check "refuse: backoff spaced the attempts (${n} in ~5 s)" test "$n" -ge 3 -a "$n" -le 8
settle

# 4. silent half-open: no data, no pongs; liveness (2 s) must catch it
t0=$(now_ms)
sim_ctl "$EXSIM_URL" "/sim/silent?secs=30"
wait_until 6 has_event_after "$t0" disconnected
td=$(event_ts_after "$t0" disconnected)
if [ -z "$td" ]; then
	it_fail "silent: never detected"
else
	figure feed_silent_detect_ms $((td - t0))
	it_check "silent: detected within 3000 ms ($((td - t0)))" test $((td - t0)) -le 3000
	it_check "silent: closed for liveness (4900)" events_match code=4900 "$t0"
fi
recover silent "$t0" 4000
sim_ctl "$EXSIM_URL" "/sim/resume"

it_check "feed never exited" kill -0 "$FEED_PID"
it_check "reconnects counted in health" test "$(health_field feed reconnects)" -ge 4
it_check "no deltas were merged without a snapshot" test "$(health_field feed deltas_before_snapshot)" = 0
it_done
