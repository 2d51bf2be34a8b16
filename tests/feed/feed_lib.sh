# shellcheck shell=bash
# Helpers shared by the feed integration tests (sourced after lib.sh).

# feed_setup NAME [SIM ARGS...]: redis, exsim, then hean-feed with short
# timing knobs; waits for "streaming". Symbols: $FEED_SYMS.
FEED_SYMS=${FEED_SYMS:-BTCUSDT,ETHUSDT,SOLUSDT}
feed_setup() {
	start_redis
	start_exsim --symbols "$FEED_SYMS" "$@"
	export HEAN_SYMBOLS=$FEED_SYMS HEAN_PROC_NAME=feed
	export HEAN_PING_INTERVAL_S=${HEAN_PING_INTERVAL_S:-1}
	export HEAN_LIVENESS_TIMEOUT_S=${HEAN_LIVENESS_TIMEOUT_S:-2}
	export HEAN_STALE_S=${HEAN_STALE_S:-30}
	export HEAN_LOG_LEVEL=info
	start_daemon feed
	wait_state 10 feed streaming || it_fail "feed never reached streaming"
}

# last_recv_us SYM: recv_us in hean:ticker:SYM (0 if none).
last_recv_us() { local v; v=$(hget "hean:ticker:$1" recv_us); echo "${v:-0}"; }

# first_tick_after_us US: recv_us (µs) of the first hean:ticks entry received
# after US, scanning entries added from (US/1000 - 1000) ms on; empty if none.
first_tick_after_us() {
	stream_field hean:ticks recv_us $(($1 / 1000 - 1000)) | awk -v t="$1" '$0+0 > t+0 {print $0; exit}'
}

# all_symbols_fresh_after US: every symbol's hash has recv_us > US.
all_symbols_fresh_after() {
	local s
	for s in ${FEED_SYMS//,/ }; do
		[ "$(last_recv_us "$s")" -gt "$1" ] || return 1
	done
}

# truth_matches SYM: last/bid/ask/mark of hean:ticker:SYM equal /sim/truth
# (numerically).
truth_matches() {
	local t
	t=$(exsim_truth "$1") || return 1
	local f j h
	for f in last:lastPrice bid:bid1Price ask:ask1Price mark:markPrice; do
		h=$(hget "hean:ticker:$1" "${f%%:*}")
		j=$(echo "$t" | jq -r ".${f#*:}")
		awk -v a="$h" -v b="$j" 'BEGIN { exit !(a != "" && a + 0 == b + 0) }' || return 1
	done
}

all_truth_matches() {
	local s
	for s in ${FEED_SYMS//,/ }; do
		truth_matches "$s" || return 1
	done
}

# freeze_sim SECS: stop every symbol's ticks for SECS.
freeze_sim() {
	local s
	for s in ${FEED_SYMS//,/ }; do
		sim_ctl "$EXSIM_URL" "/sim/stale?symbol=$s&secs=$1"
	done
}

# ticks_quiet: hean:ticks did not grow for 0.3 s (after freeze_sim: the
# feed has written everything it received).
ticks_quiet() {
	local a b
	a=$(rcli XLEN hean:ticks)
	sleep 0.3
	b=$(rcli XLEN hean:ticks)
	[ "$a" = "$b" ]
}
