# shellcheck shell=bash
# Shared set-up of the signals integration tests: a redis, hean-sigsim with
# compressed waves (10 s candles, pushed 1 s after the close) and
# hean-signals with short timers. Assertions go through redis-cli and the
# sim's GET /sim/* views only.
. "$HEAN_SRC/tests/integration/lib.sh"

# sig_setup NAME [sigsim args...]: temp dir, redis, sigsim, the env.
sig_setup() {
	it_init "$1"
	shift
	need_built signals/hean-signals tests/sim/hean-sigsim
	start_redis
	start_sigsim --interval 10 --push-delay 1 --buffer-cap 300 "$@"
	export HEAN_HOME=$IT_DIR
	export HEAN_PROC_NAME=signals
	export HEAN_SIGNAL_TOKEN=hean-sim-token
	export HEAN_PING_INTERVAL_S=1 HEAN_LIVENESS_TIMEOUT_S=2
	export HEAN_WAVE_INTERVAL_S=10 HEAN_WAVE_DELAY_S=1 HEAN_SIGNAL_POLL_S=2
	export HEAN_LOG_LEVEL=${HEAN_LOG_LEVEL:-info}
	SIG_LOG=$IT_DIR/signals.log
}

# sig_start: starts hean-signals and waits for "authenticated".
sig_start() {
	start_daemon signals
	wait_state 10 signals authenticated || it_fail "signals not authenticated within 10 s"
}

# Every valid id the sim has generated or sent, sorted as text.
sim_ids() { sigsim_signals | grep -o '"id":[0-9]*' | cut -d: -f2 | sort; }

# The id field of every hean:signals entry, sorted as text (with repeats).
stream_ids() { stream_field hean:signals id | sort; }

# Number of ids present more than once in hean:signals.
stream_dups() { stream_ids | uniq -d | wc -l; }

# Ids the sim has that hean:signals lacks.
missing_ids() { comm -23 <(sim_ids) <(stream_ids | uniq); }

all_published() { [ -n "$(sim_ids | head -1)" ] && [ -z "$(missing_ids | head -1)" ]; }

# log_after LINE REGEX: matching lines of the signals log after line LINE.
log_after() { count_matches "$SIG_LOG" "$2" "$1"; }

log_lines() { wc -l <"$SIG_LOG"; }

# Reconnect figures (close -> socket open, measured in the daemon) since
# line LINE: prints "n max_ms".
reconnect_ms_after() {
	tail -n +"$(($1 + 1))" "$SIG_LOG" | grep -o 'event=reconnected after_ms=[0-9]*' |
		cut -d= -f3 | awk '{ n++; if ($1 > m) m = $1 } END { printf "%d %d\n", n, m }'
}

# no_dups: the core invariant, checked by every test.
check_no_dups() {
	local d
	d=$(stream_dups)
	figure stream_len "$(rcli XLEN hean:signals)"
	figure duplicate_ids "$d"
	it_check "no id twice in hean:signals" [ "$d" -eq 0 ]
}
