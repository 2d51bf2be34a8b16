# shellcheck shell=bash
# Shared set-up of the waves integration tests: an own redis, hean-waves
# with compressed time (10 s waves, due 2 s after the close, 5 s window),
# signals fed straight into hean:signals with redis-cli XADD. Assertions
# go through redis-cli (hean:waves read as JSON with jq) only.
. "$HEAN_SRC/tests/integration/lib.sh"

WI=10 WD=2 WL=5

# waves_setup NAME: temp dir, redis, the env.
waves_setup() {
	it_init "$1"
	need_built waves/hean-waves
	need_cmd jq
	start_redis
	export HEAN_HOME=$IT_DIR
	export HEAN_WAVE_INTERVAL_S=$WI HEAN_WAVE_DELAY_S=$WD HEAN_WAVE_MAX_LATE_S=$WL
	export HEAN_LOG_LEVEL=${HEAN_LOG_LEVEL:-info}
	unset HEAN_PROC_NAME
}

# start_waves NAME [VAR=value...]: a hean-waves logging to NAME.log; sets
# LAST_PID.
start_waves() {
	local name=$1
	shift
	bg "$name" env "$@" "$HEAN_BUILD/waves/hean-waves" --log "$IT_DIR/$name.log"
}

# Time helpers (UTC epoch seconds / ms; iso_utc is lib.sh's).
iso_dubai() { TZ=Asia/Dubai date -d "@$1" +%Y-%m-%dT%H:%M:%S+04:00; }
iso_ny() { TZ=America/New_York date -d "@$1" +%Y-%m-%dT%H:%M:%S%:z; }
due_ms() { echo $((($1 + WI + WD) * 1000)); }
# first_wave_due_after MS: the oldest wave whose due time is >= MS.
first_wave_due_after() {
	local t=$((($1 + 999) / 1000 - WI - WD))
	local w=$((t / WI * WI))
	[ "$w" -lt "$t" ] && w=$((w + WI))
	echo "$w"
}
past_ms() { [ "$(now_ms)" -ge "$1" ]; }
# wait_ms MS: polls (50 ms) until the wall clock reaches MS.
wait_ms() { wait_until 120 past_ms "$1"; }

# push ID SYMBOL SIDE WAVE_TS SCORE_WEEK [SCORE_MONTH]: one signal.
push() {
	rcli XADD hean:signals '*' id "$1" symbol "$2" side "$3" wave_ts "$4" \
		score_week "$5" score_month "${6:-1}" raw '{}' >/dev/null
}

# entries: hean:waves as one JSON object per line, stream order.
entries() { stream_entries hean:waves; }
# entry ISO: the entry of that wave_ts (first one), or nothing.
entry() { entries | jq -c --arg w "$1" 'select(.wave_ts == $w)' | head -n 1; }
count_wave() { entries | jq -s --arg w "$1" 'map(select(.wave_ts == $w)) | length'; }
has_wave() { [ "$(count_wave "$1")" -ge 1 ]; }
# ef ISO FIELD: one field of a wave's entry.
ef() { entry "$1" | jq -r --arg f "$2" '.[$f]'; }
# ids ISO: the chosen signal ids, sorted, comma-separated.
ids() { entry "$1" | jq -r '.signals | fromjson | map(.id) | sort | map(tostring) | join(",")'; }

# check_invariants: every wave once, in order, contiguous, due_ms right,
# reason consistent with the window. Prints a summary line.
check_invariants() {
	local all
	all=$(entries | jq -s '.')
	it_check "each wave_ts exactly once" \
		test "$(jq '[.[].wave_ts] | length - (unique | length)' <<<"$all")" = 0
	it_check "waves in order and contiguous (step $WI s)" \
		test "$(jq --argjson i "$WI" '[.[].wave_ts | sub("\\+00:00$"; "Z") | fromdate] as $a
			| [range(1; $a | length) | $a[.] - $a[. - 1]] | all(. == $i)' <<<"$all")" = true
	it_check "due_ms = wave_ts + interval + delay" \
		test "$(jq --argjson i "$WI" --argjson d "$WD" 'all(.[];
			(.due_ms | tonumber) == ((.wave_ts | sub("\\+00:00$"; "Z") | fromdate) + $i + $d) * 1000)' <<<"$all")" = true
	it_check "expired iff emitted after the window" \
		test "$(jq --argjson l "$WL" 'all(.[]; ((.emitted_ms | tonumber) - (.due_ms | tonumber) > $l * 1000) == (.reason == "expired"))' <<<"$all")" = true
	it_check "no wave emitted before its due time" \
		test "$(jq 'all(.[]; (.emitted_ms | tonumber) >= (.due_ms | tonumber))' <<<"$all")" = true
	it_log "hean:waves: $(jq -c '[.[] | "\(.wave_ts[11:19]) \(.reason) +\((.emitted_ms | tonumber) - (.due_ms | tonumber))ms"]' <<<"$all")"
}

# max_lag_ok: largest emitted_ms - due_ms of the ok waves given as args.
lag_of() { echo $(($(ef "$1" emitted_ms) - $(ef "$1" due_ms))); }
