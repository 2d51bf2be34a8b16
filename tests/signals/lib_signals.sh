# shellcheck shell=bash
# Shared set-up of the signals integration tests: a redis, hean-sigsim with
# compressed waves (10 s candles, pushed 1 s after the close) and
# hean-signals with short timers. Assertions go through redis-cli and the
# sim's GET /sim/* views only.
. "$HEAN_SRC/tests/integration/lib.sh"

SIGNALS_BIN=$HEAN_BUILD/signals/hean-signals
SIGSIM_BIN=$HEAN_BUILD/tests/sim/hean-sigsim

# sig_setup NAME [sigsim args...]: temp dir, redis, sigsim, the env.
sig_setup() {
	it_init "$1"
	shift
	[ -x "$SIGNALS_BIN" ] || it_skip "hean-signals not built"
	[ -x "$SIGSIM_BIN" ] || it_skip "hean-sigsim not built"
	start_redis
	sig_start_sigsim --interval 10 --push-delay 1 --buffer-cap 300 "$@"
	export HEAN_HOME=$IT_DIR
	export HEAN_PROC_NAME=signals
	export HEAN_SIGNAL_TOKEN=hean-sim-token
	export HEAN_PING_INTERVAL_S=1 HEAN_LIVENESS_TIMEOUT_S=2
	export HEAN_WAVE_INTERVAL_S=10 HEAN_WAVE_DELAY_S=1 HEAN_SIGNAL_POLL_S=2
	export HEAN_LOG_LEVEL=${HEAN_LOG_LEVEL:-info}
	SIG_LOG=$IT_DIR/signals.log
}

# Polled predicates: wait_until runs its arguments as given, so anything
# to re-read on every poll must be inside a function (a "$(...)" argument
# would be expanded once, before the first poll).
is_state() { [ "$(health_state signals)" = "$1" ]; }
sig_wait_state() { wait_until "$1" is_state "$2"; }
# out_ge N CMD...: CMD's output (an integer) >= N.
out_ge() {
	local n=$1 v
	shift
	v=$("$@")
	[ -n "$v" ] && [ "$v" -ge "$n" ]
}
out_eq() {
	local n=$1 v
	shift
	v=$("$@")
	[ "$v" = "$n" ]
}

# sig_start_sigsim ARGS...: lib.sh's start_sigsim, but a sim that exits at
# once (its free port was taken in between: EADDRINUSE) is retried on
# another port instead of failing the test.
sig_start_sigsim() {
	local try i
	for try in 1 2 3; do
		SIGSIM_PORT=$(free_port)
		bg sigsim "$SIGSIM_BIN" --port "$SIGSIM_PORT" "$@"
		SIGSIM_PID=$LAST_PID
		SIGSIM_URL=http://127.0.0.1:$SIGSIM_PORT
		export HEAN_SIGNAL_URL=ws://127.0.0.1:$SIGSIM_PORT/
		for i in $(seq 1 200); do
			curl -sf "$SIGSIM_URL/sim/health" >/dev/null 2>&1 && return 0
			kill -0 "$SIGSIM_PID" 2>/dev/null || break
			sleep 0.05
		done
		it_log "sigsim on port $SIGSIM_PORT did not start (try $try)"
	done
	it_fail "sigsim did not start"
}

# sig_start: starts hean-signals and waits for "authenticated".
sig_start() {
	start_daemon signals
	sig_wait_state 10 authenticated || it_fail "signals not authenticated within 10 s"
}

# Every valid id the sim has generated or sent, sorted as text.
sim_ids() { curl -sf "$SIGSIM_URL/sim/signals" | grep -o '"id":[0-9]*' | cut -d: -f2 | sort; }

# The id field of every hean:signals entry, sorted as text (with repeats).
stream_ids() { rcli XRANGE hean:signals - + | awk 'p == "id" { print } { p = $0 }' | sort; }

# Number of ids present more than once in hean:signals.
stream_dups() { stream_ids | uniq -d | wc -l; }

# Ids the sim has that hean:signals lacks.
missing_ids() { comm -23 <(sim_ids) <(stream_ids | uniq); }

all_published() { [ -n "$(sim_ids | head -1)" ] && [ -z "$(missing_ids | head -1)" ]; }

# sim_stat NAME: one integer of GET /sim/stats.
sim_stat() { curl -sf "$SIGSIM_URL/sim/stats" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }

# log_count REGEX: matching lines in the signals log.
log_count() { grep -cE "$1" "$SIG_LOG" 2>/dev/null || true; }

# log_after LINE REGEX: matching lines after line number LINE.
log_after() { tail -n +"$(($1 + 1))" "$SIG_LOG" | grep -cE "$2" || true; }

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
