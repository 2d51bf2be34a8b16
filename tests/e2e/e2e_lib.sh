# shellcheck shell=bash
# shellcheck source-path=SCRIPTDIR disable=SC2034,SC2317 # E2E_* are read by the cases; predicates run via wait_until
# End-to-end harness: the whole pipeline started THROUGH scripts/hean (up,
# stop, restart) in a throw-away HEAN_HOME, with compressed time, against
# the simulators on free ports. Faults go in through the simulators'
# /sim controls and signals; assertions read only Redis (redis-cli -s
# $HEAN_HOME/var/run/redis.sock) and the simulators' GET /sim/* views.
#
# The simulators are started here (lib.sh sim_start) rather than by
# `scripts/hean up`, because `up` passes them only --port and the suite
# needs --interval/--push-delay/--symbols; `up` finds them answering on the
# configured ports and uses them as they are. Redis, the four processes and
# the watchdog are all started by `scripts/hean up`.
#
# Use: . "$HEAN_SRC/tests/e2e/e2e_lib.sh"; e2e_init NAME; e2e_up; ...; it_done
# shellcheck source=../integration/lib.sh
. "${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/integration/lib.sh"

HEAN=$HEAN_SRC/scripts/hean
E2E_DAEMONS=(feed signals waves executor)
# Compressed time (overridable per case before e2e_init).
E2E_WI=${E2E_WI:-5}          # wave interval, s (sigsim --interval too)
E2E_WD=${E2E_WD:-2}          # HEAN_WAVE_DELAY_S
E2E_LATE=${E2E_LATE:-15}     # HEAN_WAVE_MAX_LATE_S
E2E_PUSH=${E2E_PUSH:-1}      # sigsim --push-delay
E2E_PER_WAVE=${E2E_PER_WAVE:-3}
# Enough symbols that positions never block a wave for the whole case.
E2E_SYMBOLS=${E2E_SYMBOLS:-BTCUSDT,ETHUSDT,SOLUSDT,XRPUSDT,DOGEUSDT,ADAUSDT,AVAXUSDT,LINKUSDT,DOTUSDT,LTCUSDT,BCHUSDT,ATOMUSDT,NEARUSDT,APTUSDT,ARBUSDT,OPUSDT}

e2e_log() { it_log "$*"; }

# e2e_init NAME: temp HEAN_HOME, env, both simulators. Skips (77) when a
# binary, jq or curl is missing.
e2e_init() {
	local b
	it_init "e2e-$1"
	for b in feed/hean-feed signals/hean-signals waves/hean-waves executor/hean-executor \
		tests/sim/hean-exsim tests/sim/hean-sigsim; do
		[ -x "$HEAN_BUILD/$b" ] || it_skip "$b not built"
	done
	command -v jq >/dev/null || it_skip "jq not installed"
	command -v curl >/dev/null || it_skip "curl not installed"
	export HEAN_HOME=$IT_DIR/h
	mkdir -p "$HEAN_HOME/var/run" && chmod 700 "$HEAN_HOME/var" "$HEAN_HOME/var/run"
	IT_REDIS_SOCK=$HEAN_HOME/var/run/redis.sock
	E2E_LOGDIR=$HEAN_HOME/var/log
	unset HEAN_REDIS_URL HEAN_PROC_NAME HEANCTL_CONFIG
	export HEANCTL_BUILD_DIR=$HEAN_BUILD HEANCTL_UP_TIMEOUT=20 HEANCTL_STOP_GRACE=2
	export HEAN_SYMBOLS=$E2E_SYMBOLS
	export HEAN_WAVE_INTERVAL_S=$E2E_WI HEAN_WAVE_DELAY_S=$E2E_WD HEAN_WAVE_MAX_LATE_S=$E2E_LATE
	export HEAN_WAVE_MAX_TRADES=$E2E_PER_WAVE
	export HEAN_PING_INTERVAL_S=1 HEAN_LIVENESS_TIMEOUT_S=${E2E_LIVENESS:-3}
	export HEAN_STALE_S=${E2E_STALE:-3} HEAN_WATCHDOG_STALE_S=3 HEAN_REST_POLL_S=1
	export HEAN_WATCHDOG_UNHEALTHY_S=${E2E_UNHEALTHY:-20} HEAN_WATCHDOG_MAX_RESTARTS=20
	export HEAN_SIGNAL_POLL_S=${E2E_POLL:-2}
	export HEAN_TRAIL_ACTIVATION_PCT=${E2E_TRAIL_ACT:-0.05} HEAN_TRAIL_CALLBACK_PCT=0.5
	export HEAN_TRAIL_MIN_INTERVAL_MS=200
	export HEAN_LOG_LEVEL=${HEAN_LOG_LEVEL:-info}
	trap e2e_cleanup EXIT
	# The simulators run under the same ASan/LSan/UBSan check as the
	# pipeline (their lws context leak at exit was fixed in tests/sim).
	E2E_SIM_ASAN=${ASAN_OPTIONS:-}
	# The exchange at its worst (E2E_WORST=0: plain): JSON keys in random
	# order, every order filled in 3 parts, private pushes delayed up to
	# 200 ms (any order across topics), 20 % of them twice, order pushes
	# after the position push.
	local -a worst=()
	[ "${E2E_WORST:-1}" = 1 ] && worst=(--shuffle-keys --fill-parts 3 --fill-part-ms 30)
	ASAN_OPTIONS=$E2E_SIM_ASAN start_exsim --seed "${E2E_SEED:-7}" --symbols "$E2E_SYMBOLS" "${worst[@]}"
	[ -n "${EXSIM_PORT:-}" ] || it_skip "exsim did not start"
	if [ "${E2E_WORST:-1}" = 1 ]; then
		ctl exsim "/sim/push_faults?delay_ms=200&dup_pct=20&order_after_position=1"
	fi
	# Bybit documents no uniqueness window for orderLinkIds: with a short
	# memory the exchange accepts a reused link id, so only hean keeps
	# orders unique (dup_orders counts at the exchange).
	if [ -n "${E2E_LINK_MEMORY_MS:-}" ]; then
		ctl exsim "/sim/link_memory?ms=$E2E_LINK_MEMORY_MS"
	fi
	E2E_SIGSIM_ARGV=(--seed "${E2E_SEED:-7}" --interval "$E2E_WI" --push-delay "$E2E_PUSH"
		--per-wave "$E2E_PER_WAVE" --symbols "${E2E_SIGNAL_SYMBOLS:-$E2E_SYMBOLS}" --buffer-cap 600)
	ASAN_OPTIONS=$E2E_SIM_ASAN start_sigsim "${E2E_SIGSIM_ARGV[@]}"
	[ -n "${SIGSIM_PORT:-}" ] || it_skip "sigsim did not start"
}

# e2e_cleanup: stop everything the launcher started, keep the process logs
# next to the harness logs (sanitizer check and failure tails see them).
e2e_cleanup() {
	local rc=$? f
	"$HEAN" stop >"$IT_DIR/stop-final.out" 2>&1
	# a STOPped sim would hang nothing, but CONT anything we paused
	for f in "$E2E_LOGDIR"/*.log; do
		[ -f "$f" ] && cp "$f" "$IT_DIR/hean-${f##*/}"
	done
	(exit "$rc")
	it_cleanup
}

# hean ARGS...: scripts/hean with output in $IT_DIR/hean.out.
hean() { "$HEAN" "$@" >>"$IT_DIR/hean.out" 2>&1; }

# e2e_up: scripts/hean up; fails the case (and ends it) when it fails.
e2e_up() {
	local t0 rc
	t0=$(now_ms)
	"$HEAN" up --no-deps --no-build >"$IT_DIR/up.out" 2>&1
	rc=$?
	E2E_UP_MS=$(($(now_ms) - t0))
	if [ "$rc" -ne 0 ]; then
		cat "$IT_DIR/up.out" >&2
		it_fail "scripts/hean up exited $rc"
		it_done
	fi
	# The watchdog: `up` starts it; if this launcher did not, start it the
	# operator's way (and say so).
	if ! alive "$(pid_of watchdog)"; then
		e2e_log "note: scripts/hean up started no watchdog; scripts/hean restart watchdog"
		hean restart watchdog
	fi
	alive "$(pid_of watchdog)" || it_fail "no watchdog running after up"
	wait_until 10 all_healthy || it_fail "not every process healthy after up"
	wait_until 5 watchdog_healthy || it_fail "watchdog writes no health"
}
watchdog_healthy() { [ "$(health_field watchdog pid)" = "$(pid_of watchdog)" ]; }

# ===== process identity =====

# pid_of NAME: pid in var/run/NAME.pid (empty if none).
pid_of() {
	local p
	{ read -r p _ <"$HEAN_HOME/var/run/$1.pid"; } 2>/dev/null && echo "$p"
}
alive() { [ -n "$1" ] && [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
healthy_state() { case $1 in streaming | authenticated | running) return 0 ;; esac; return 1; }
# is_healthy NAME: health hash written by the pid in the pid file, healthy
# state, fresh (< 3 s).
is_healthy() {
	local out pid st upd
	out=$(rcli HMGET "hean:health:$1" pid state updated_ms 2>/dev/null) || return 1
	{ read -r pid; read -r st; read -r upd; } <<<"$out"
	[ -n "$pid" ] && [ "$pid" = "$(pid_of "$1")" ] && healthy_state "$st" &&
		[ $(($(now_ms) - ${upd:-0})) -lt 3000 ]
}
all_healthy() {
	local n
	for n in "${E2E_DAEMONS[@]}"; do is_healthy "$n" || return 1; done
}
# new_pid NAME OLD: a live pid other than OLD in the pid file.
new_pid() {
	local p
	p=$(pid_of "$1")
	[ -n "$p" ] && [ "$p" != "$2" ] && alive "$p"
}

# ===== waves: Redis view and the sigsim ground truth =====

# due_s W: the time wave W (candle start, epoch s) is processed.
due_s() { echo $(($1 + E2E_WI + E2E_WD)); }
# last_due_before T: newest wave whose due time <= T (epoch s).
last_due_before() {
	local w=$((($1 - E2E_WI - E2E_WD) / E2E_WI * E2E_WI))
	echo "$w"
}

# waves_json: hean:waves as a JSON array of objects, stream order.
waves_json() {
	redis-cli -s "$IT_REDIS_SOCK" --json XRANGE hean:waves - + 2>/dev/null |
		jq -c '[.[] | .[1] | [range(0; length; 2) as $i | {(.[$i]): .[$i + 1]}] | add
			| . + {w: (.wave_ts | sub("\\+00:00$"; "Z") | fromdate)}]'
}
waves_count() { rcli XLEN hean:waves 2>/dev/null; }
# first_wave / last_wave: wave (epoch s) of the first / last hean:waves entry.
first_wave() { waves_json | jq '.[0].w // empty'; }
last_wave() { waves_json | jq '.[-1].w // empty'; }
has_waves() { [ -n "$(first_wave)" ]; }
# wave_entries W: how many hean:waves entries have wave W.
# sigsim_signals: sigsim's ground truth (every valid signal it generated).

# wave_emitted W: hean:waves has an entry for wave W (epoch s).
wave_emitted() {
	waves_json | jq -e --argjson w "$1" 'any(.[]; .w == $w)' >/dev/null
}
# wait_wave W [SLACK_S]: until wave W is in hean:waves (deadline: its due
# time + SLACK_S, default 8).
wait_wave() {
	local lim=$(($(due_s "$1") - $(date +%s) + ${2:-8}))
	[ "$lim" -lt 1 ] && lim=1
	wait_until "$lim" wave_emitted "$1"
}
# next_wave_due_after T: first wave W whose due time is > T (epoch s).
next_wave_due_after() {
	local w=$((($1 - E2E_WI - E2E_WD) / E2E_WI * E2E_WI))
	while [ "$(due_s "$w")" -le "$1" ]; do w=$((w + E2E_WI)); done
	echo "$w"
}

# check_waves FROM TO: every wave W in [FROM, TO] (epoch s, step E2E_WI)
# has exactly one hean:waves entry; entries in order; each "ok" or
# "empty" entry considered exactly the sigsim truth's signals of W, by id:
# the ids it selected plus the ids it skipped are the truth's ids of W (and
# their count is its "considered"). Sets MISSED, DOUBLED, MISMATCH (waves
# whose ids or count differ), EXPIRED (entries recorded expired).
check_waves() {
	local from=$1 to=$2 wj tj res
	wj=$(waves_json)
	tj=$(sigsim_signals) || { it_fail "GET /sim/signals failed"; return 1; }
	# the data goes through files: a day of waves or signals is larger
	# than one argument may be (128 KiB)
	printf '%s' "$wj" >"$IT_DIR/cw-waves.json"
	printf '%s' "$tj" >"$IT_DIR/cw-truth.json"
	res=$(jq -n -c --slurpfile W0 "$IT_DIR/cw-waves.json" --slurpfile T0 "$IT_DIR/cw-truth.json" \
		--argjson a "$from" --argjson b "$to" \
		--argjson i "$E2E_WI" '
		$W0[0] as $W | $T0[0] as $T
		| [range($a; $b + 1; $i)] as $due
		| ($W | map(.w)) as $ws
		| ($T | map(select(.wave_ts != null)) | map(. + {w: (.wave_ts | sub("\\.[0-9]+"; "")
			| sub("\\+00:00$"; "Z") | sub("(?<o>[+-][0-9][0-9]):(?<m>[0-9][0-9])$"; "\(.o)\(.m)")
			| strptime("%Y-%m-%dT%H:%M:%S%z") | mktime)})) as $T2
		| {missed: [$due[] | select(. as $x | $ws | index($x) | not)],
		   doubled: [$due[] | select(. as $x | [$ws[] | select(. == $x)] | length > 1)],
		   expired: [$W[] | select(.w >= $a and .w <= $b and .reason == "expired") | .w],
		   order: ($ws == ($ws | sort)),
		   mismatch: [$due[] as $x | ($W | map(select(.w == $x and .reason != "expired")) | first) as $e
				| select($e != null)
				| ($T2 | map(select(.w == $x) | .id | tostring) | sort) as $want
				| ([($e.signals // "[]" | fromjson)[], ($e.skipped // "[]" | fromjson)[]]
					| map(.id | tostring) | sort) as $have
				| select(($e.considered | tonumber) != ($want | length) or $have != $want)
				| {w: $x, considered: $e.considered, truth: ($want | length),
				   missing: ($want - $have), extra: ($have - $want)}]}')
	if [ -z "$res" ]; then
		it_fail "check_waves: the comparison produced nothing"
		MISSED=-1 DOUBLED=-1 MISMATCH=-1 EXPIRED=-1
		return 1
	fi
	MISSED=$(jq '.missed | length' <<<"$res")
	DOUBLED=$(jq '.doubled | length' <<<"$res")
	MISMATCH=$(jq '.mismatch | length' <<<"$res")
	EXPIRED=$(jq '.expired | length' <<<"$res")
	it_log "waves $(iso_utc "$from")..$(iso_utc "$to"): $res"
	[ "$(jq .order <<<"$res")" = true ] || it_fail "hean:waves out of order"
}

# ===== the exchange journal =====

journal_ge() { [ "$(journal_count "$1" "$3")" -ge "$2" ]; }
# dup_orders: duplicate orders counted at the exchange, whatever their
# orderLinkIds (the simulator may forget link ids: E2E_LINK_MEMORY_MS).
dup_orders() { dup_orders_json | jq length; }
# dup_orders_json: the accepted opening orders (not reduce-only, not a
# stop's own order) that are a second one for one (wave, symbol). The wave
# of an order is the one its link id names when it has hean's form
# h<wave>-<its symbol>; any other link id (a resend under a new id, say)
# gets the wave being processed when the exchange accepted it (the newest
# wave whose due time, W + E2E_WI + E2E_WD, is at or before). An order
# whose link id is not hean's also counts when the exchange already held a
# position in that symbol (its stop timeline): hean never adds to one.
# Output: [{symbol, orderLinkId, t_ms, why}].
dup_orders_json() {
	exsim_journal | jq -c --argjson wi "$E2E_WI" --argjson wd "$E2E_WD" '
		def num: (. // "0") | tostring | tonumber? // 0;
		[to_entries[] | .value + {i: .key}] as $J
		| [$J[] | select(.kind == "order" and (.retCode | num) == 0 and .reduceOnly != true
			and (.stopOrderType // "UNKNOWN") == "UNKNOWN")
			| (.orderLinkId // "") as $l
			| (if ($l | test("^h[0-9]+-")) and ($l | sub("^h[0-9]+-"; "")) == .symbol
			   then ($l | capture("^h(?<w>[0-9]+)-").w | tonumber) else null end) as $lw
			| . + {lw: $lw,
			       w: ($lw // ((((.t_ms | num) / 1000 - $wi - $wd) / $wi | floor) * $wi))}] as $O
		| [$J[] | select(.kind == "stops")] as $S
		| [$O[] as $o
		   | [$O[] | select(.symbol == $o.symbol and .i < $o.i)] as $prev
		   | select($prev | length > 0)
		   | ([$S[] | select(.symbol == $o.symbol and .i < $o.i)] | last) as $st
		   | (if any($prev[]; .w == $o.w) then "same wave"
		      elif $o.lw == null and $st != null and ($st.size | num) > 0 then "position open"
		      else empty end) as $why
		   | {symbol: $o.symbol, orderLinkId: $o.orderLinkId, t_ms: $o.t_ms, why: $why}]'
}
# naked_json: from the exchange's stop timeline (journal kind "stops": one
# entry per change of a symbol's position or stops, at the instant the
# exchange made it), every interval in which a position was open without a
# stop (stopLoss and trailingStop both 0): opened without one, its stop
# dropped by the exchange, a trading-stop answered but not applied, a
# position opened outside hean. An interval still open counts until now.
# Output: [{symbol, from_ms, to_ms (null: still naked), naked_ms}].
naked_json() {
	exsim_journal | jq -c --argjson now "$(now_ms)" '
		def num: (. // "0") | tostring | tonumber? // 0;
		def naked: (.size | num) > 0 and (.protected | not);
		[to_entries[] | .value + {i: .key} | select(.kind == "stops")]
		| group_by(.symbol)
		| map(sort_by(.i) | . as $e
			| [range(0; length) as $k
			   | select(($e[$k] | naked) and ($k == 0 or ($e[$k - 1] | naked | not)))
			   | ([$e[$k + 1:][] | select(naked | not)] | first) as $fin
			   | {symbol: $e[$k].symbol, from_ms: $e[$k].t_ms, to_ms: ($fin.t_ms // null),
			      naked_ms: (($fin.t_ms // $now) - $e[$k].t_ms)}])
		| add // []'
}
naked_max_ms() { naked_json | jq '[.[].naked_ms] | max // 0'; }
naked_total_ms() { naked_json | jq '[.[].naked_ms] | add // 0'; }

# orders_per_link: JSON {link: count} of accepted orders (retCode 0).
orders_per_link() {
	exsim_journal | jq -c '[.[] | select(.kind == "order" and ((.retCode // 0) | tostring) == "0")
		| .orderLinkId] | group_by(.) | map({key: .[0], value: length}) | from_entries'
}

# ===== faults =====

# ctl SIM PATH?QUERY: POST a fault control to exsim or sigsim.
ctl() {
	local url
	case $1 in exsim) url=$EXSIM_URL ;; sigsim) url=$SIGSIM_URL ;; esac
	sim_ctl "$url" "$2"
}

# e2e_events PROC EVENT: count of hean:events entries.
e2e_events() {
	redis-cli -s "$IT_REDIS_SOCK" --json XRANGE hean:events - + 2>/dev/null |
		jq --arg p "$1" --arg e "$2" '[.[] | .[1] | [range(0; length; 2) as $i
			| {(.[$i]): .[$i + 1]}] | add | select(.proc == $p and .event == $e)] | length'
}

# sigsim_kill: kill -9 of the signal server simulator.
sigsim_kill() {
	kill -KILL "$SIGSIM_PID" 2>/dev/null
	wait "$SIGSIM_PID" 2>/dev/null
}
# sigsim_restart: a new signal server on the same port, same arguments
# (same seed: the same signals for every wave). Fails the case on timeout.
sigsim_restart() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		ASAN_OPTIONS=$E2E_SIM_ASAN bg sigsim "$HEAN_BUILD/tests/sim/hean-sigsim" \
			--port "$SIGSIM_PORT" "${E2E_SIGSIM_ARGV[@]}"
		SIGSIM_PID=$LAST_PID
		wait_until 3 sim_up "$SIGSIM_PORT" "$SIGSIM_PID" && return 0
		sleep 0.2 # port still in TIME_WAIT-bound use: retry
	done
	it_fail "sigsim did not restart on port $SIGSIM_PORT"
	return 1
}

# recycle_positions: frees symbols for new waves: moves the price of every
# open position through its stop-loss, so the exchange closes it
# (stop_triggered); waits for those closes.
recycle_positions() {
	local line sym side sl p n=0 t
	t=$(now_ms)
	while read -r line; do
		read -r sym side sl <<<"$line"
		[ -n "$sym" ] || continue
		if [ "$side" = Buy ]; then
			p=$(jq -n --argjson s "$sl" '$s * 0.99')
		else
			p=$(jq -n --argjson s "$sl" '$s * 1.01')
		fi
		curl -sf -X POST "$EXSIM_URL/sim/price?symbol=$sym&price=$p" >/dev/null && n=$((n + 1))
	done < <(exsim_state | jq -r '.positions[] | select((.size | tonumber) > 0 and (.stopLoss | tonumber) > 0)
		| "\(.symbol) \(.side) \(.stopLoss)"')
	wait_until 5 journal_ge stop_triggered "$n" "$((t - 1))"
}

# event_ms PROC EVENT SINCE_MS: ts_ms of the first hean:events entry of
# PROC/EVENT at or after SINCE_MS (empty if none).
event_ms() {
	redis-cli -s "$IT_REDIS_SOCK" --json XRANGE hean:events "$3" + 2>/dev/null |
		jq -r --arg p "$1" --arg e "$2" '[.[] | .[1] | [range(0; length; 2) as $i
			| {(.[$i]): .[$i + 1]}] | add | select(.proc == $p and .event == $e)
			| .ts_ms | tonumber] | min // empty'
}

# signals_check FROM TO: compares hean:signals with the sigsim truth for the
# waves in [FROM, TO]: sets SIG_LOST (truth ids absent), SIG_DOUBLED (ids
# present more than once).
signals_check() {
	local sj tj res
	sj=$(redis-cli -s "$IT_REDIS_SOCK" --json XRANGE hean:signals - + 2>/dev/null |
		jq -c '[.[] | .[1] | [range(0; length; 2) as $i | {(.[$i]): .[$i + 1]}] | add | .id]')
	tj=$(sigsim_signals) || { it_fail "GET /sim/signals failed"; return 1; }
	printf '%s' "$sj" >"$IT_DIR/sc-signals.json"
	printf '%s' "$tj" >"$IT_DIR/sc-truth.json"
	res=$(jq -n -c --slurpfile S0 "$IT_DIR/sc-signals.json" --slurpfile T0 "$IT_DIR/sc-truth.json" \
		--argjson a "$1" --argjson b "$2" '
		$S0[0] as $S | $T0[0] as $T |
		[$T[] | select(.wave_ts != null)
		 | select((.wave_ts | sub("\\+00:00$"; "Z") | fromdate) as $w | $w >= $a and $w <= $b)
		 | .id | tostring] as $want
		| ($S | map(tostring)) as $have
		| {want: ($want | length),
		   lost: [$want[] | select(. as $x | $have | index($x) | not)],
		   doubled: [$have | group_by(.)[] | select(length > 1) | .[0]]}')
	if [ -z "$res" ]; then
		it_fail "signals_check: the comparison produced nothing"
		SIG_LOST=-1 SIG_DOUBLED=-1
		return 1
	fi
	SIG_LOST=$(jq '.lost | length' <<<"$res")
	SIG_DOUBLED=$(jq '.doubled | length' <<<"$res")
	it_log "signals $(iso_utc "$1")..$(iso_utc "$2"): $(jq -c '{want, lost, doubled}' <<<"$res")"
}

# orders_lost FROM TO: selected signals of the "ok" waves in [FROM, TO]
# with no accepted order at the exchange (orderLinkId h<wave>-<symbol>).
orders_lost() {
	waves_json >"$IT_DIR/ol-waves.json"
	orders_per_link >"$IT_DIR/ol-links.json"
	jq -n --slurpfile W0 "$IT_DIR/ol-waves.json" --slurpfile L0 "$IT_DIR/ol-links.json" \
		--argjson a "$1" --argjson b "$2" '
		$W0[0] as $W | $L0[0] as $L |
		[$W[] | select(.w >= $a and .w <= $b and .reason == "ok") | .w as $w
		 | .signals | fromjson | .[] | "h\($w)-\(.symbol)" | select($L[.] == null)] | length'
}
