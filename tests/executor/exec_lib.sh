# shellcheck shell=bash
# Helpers for the executor integration tests (source after
# integration/lib.sh). Waves are XADDed straight into hean:waves (no waves
# process); the exchange is hean-exsim; assertions read Redis and the
# simulator's /sim/journal and /sim/state.

need_cmd jq
need_built executor/hean-executor tests/sim/hean-exsim

# Short timing knobs for tests (the brief's values), and a wave clock that
# accepts any wave_ts of the last hour.
export HEAN_REST_POLL_S=${HEAN_REST_POLL_S:-1}
export HEAN_STALE_S=${HEAN_STALE_S:-2}
export HEAN_TRAIL_MIN_INTERVAL_MS=${HEAN_TRAIL_MIN_INTERVAL_MS:-200}
export HEAN_WAVE_INTERVAL_S=60 HEAN_WAVE_DELAY_S=0 HEAN_WAVE_MAX_LATE_S=3600
export HEAN_PING_INTERVAL_S=2 HEAN_LIVENESS_TIMEOUT_S=5
export HEAN_POSITION_USD=${HEAN_POSITION_USD:-200}
export HEAN_STOP_LOSS_PCT=${HEAN_STOP_LOSS_PCT:-2.0}
export HEAN_LOG_LEVEL=${HEAN_LOG_LEVEL:-info}
# scripts/hean (halt, resume, flatten, status) reads the configuration
# from the daemons of this build
export HEANCTL_BUILD_DIR=$HEAN_BUILD
unset HEAN_BYBIT_API_KEY HEAN_BYBIT_API_SECRET

# group_ready: the executor's consumer group exists on hean:waves
group_ready() { rcli XINFO GROUPS hean:waves 2>/dev/null | grep -qx executor; }

# start_exec [ARGS]: starts hean-executor, waits for state running and the group
start_exec() {
	start_daemon executor "$@"
	wait_state 20 executor running || it_fail "executor not running: $(health_state executor) $(health_field executor detail)"
	wait_until 10 group_ready || it_fail "no consumer group on hean:waves"
}

# The names tests/bench/executor_bench.sh uses for lib.sh's iso_utc,
# exsim_state, health_field and journal_count order.
iso() { iso_utc "$1"; }
simstate() { exsim_state; }
hfield() { health_field "$1" "$2"; }
n_orders() { journal_count order; }

# signals_json SYM:side ...: the wave's signals array
signals_json() {
	local s out="" i=0
	for s in "$@"; do
		i=$((i + 1))
		out="$out${out:+,}{\"id\":\"t$i-${s%%:*}\",\"symbol\":\"${s%%:*}\",\"side\":\"${s##*:}\",\"score_week\":1.5,\"score_month\":2.5}"
	done
	printf '[%s]' "$out"
}

# xadd_wave EPOCH_S SYM:side ...: XADDs one wave entry, prints its id
xadd_wave() {
	local ts=$1
	shift
	rcli XADD hean:waves '*' wave_ts "$(iso_utc "$ts")" signals "$(signals_json "$@")" \
		considered "$#" skipped 0 reason test
}

# id_ge A B: stream id A >= B
id_ge() {
	local a1=${1%-*} a2=${1#*-} b1=${2%-*} b2=${2#*-}
	[ "$a1" -gt "$b1" ] || { [ "$a1" -eq "$b1" ] && [ "$a2" -ge "$b2" ]; }
}

# wave_acked ID: the executor read the entry and acknowledged it
wave_acked() {
	local last
	last=$(rcli XINFO GROUPS hean:waves | awk 'p { print; exit } $0 == "last-delivered-id" { p = 1 }')
	[ -n "$last" ] && id_ge "$last" "$1" || return 1
	! rcli XPENDING hean:waves executor "$1" "$1" 1 | grep -q .
}

# orders_for LINK: number of accepted order/create entries for that orderLinkId
orders_for() { exsim_journal | jq --arg l "$1" '[.[] | select(.kind=="order" and .orderLinkId==$l)] | length'; }

# pos_field SYM FIELD: a field of the simulator's position (empty if flat)
pos_field() { exsim_state | jq -r --arg s "$1" --arg f "$2" '.positions[] | select(.symbol==$s) | .[$f]'; }

# protected SYM: the simulator's position has a non-zero stopLoss
protected() {
	local sl
	sl=$(pos_field "$1" stopLoss)
	[ -n "$sl" ] && awk -v v="$sl" 'BEGIN { exit !(v + 0 > 0) }'
}

# n_positions: open positions at the simulator
n_positions() { exsim_state | jq '.positions | length'; }

# orders_status LINK: statuses in hean:orders for that orderLinkId, space-separated
orders_status() {
	rcli XRANGE hean:orders - + | awk -v l="$1" '
		prev == "order_link_id" { link = $0 }
		prev == "status" { if (link == l) printf "%s ", $0 }
		{ prev = $0 }'
}

# truth_last SYM: the simulator's last price
truth_last() { exsim_truth "$1" | jq -r .lastPrice; }

# has_status LINK STATUS: hean:orders holds STATUS for that orderLinkId
has_status() { orders_status "$1" | grep -qw "$2"; }

# pos_size_gt0 SYM: hean:position:SYM size > 0
pos_size_gt0() { awk -v v="$(hget "hean:position:$1" size)" 'BEGIN { exit !(v + 0 > 0) }'; }

# max_stop SYM: the highest stopLoss a successful trading_stop set for SYM
max_stop() {
	exsim_journal | jq -r --arg s "$1" '[.[] | select(.kind=="trading_stop" and .symbol==$s and .retCode==0)
		| .stopLoss | tonumber] | max // 0'
}
# stop_at_least SYM V
stop_at_least() { awk -v a="$(max_stop "$1")" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
# triggered SYM: the simulator fired the position's stop
triggered() { exsim_journal | jq -e --arg s "$1" 'any(.[]; .kind=="stop_triggered" and .symbol==$s)' >/dev/null; }
# first_ts_ms SYM MIN: t_ms of the first successful trading_stop for SYM with stopLoss >= MIN
first_ts_ms() {
	exsim_journal | jq -r --arg s "$1" --argjson m "$2" '[.[] | select(.kind=="trading_stop" and .symbol==$s
		and .retCode==0 and (.stopLoss|tonumber) >= $m) | .t_ms] | min // 0'
}
# start_feed SYMS: hean-feed for SYMS (skips the test if it is not built)
start_feed() {
	[ -x "$HEAN_BUILD/feed/hean-feed" ] || return 1
	HEAN_SYMBOLS=$1 start_daemon feed
	wait_state 15 feed streaming
}

# start_ticks SYMBOL: writes hean:ticks entries by hand at the simulator's
# price every 100 ms (the feed's part, without a feed); TICKS is the pid of
# the loop (kill it to stop the ticks).
start_ticks() {
	local sym=$1 p
	while :; do
		p=$(truth_last "$sym")
		[ -n "$p" ] && rcli XADD hean:ticks MAXLEN '~' 1000 '*' symbol "$sym" last "$p" \
			bid "$p" ask "$p" mark "$p" ts "$(now_ms)" recv_us "$(($(now_ms) * 1000))" >/dev/null
		sleep 0.1
	done &
	TICKS=$!
	IT_PIDS+=("$TICKS")
}
