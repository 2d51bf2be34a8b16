# shellcheck shell=bash
# Helpers shared by the sigsim conformance tests (tests/sim/sigsim_*.sh).
# Source after tests/integration/lib.sh and it_init.

command -v jq >/dev/null || it_skip "jq not installed"
command -v curl >/dev/null || it_skip "curl not installed"
SIGSIM_PROBE=$HEAN_BUILD/tests/sim/sigsim-probe
[ -x "$SIGSIM_PROBE" ] || it_skip "sigsim-probe not built"

# probe ARGS...: runs the WS probe against the sim (foreground).
probe() { "$SIGSIM_PROBE" --port "$SIGSIM_PORT" "$@"; }

# ctl PATH?QUERY: POST a control, must answer 200.
ctl() { sim_ctl "$SIGSIM_URL" "$1"; }

# http_code METHOD PATH: prints the HTTP status of a request.
http_code() { curl -s -o /dev/null -w '%{http_code}' -X "$1" "$SIGSIM_URL$2"; }

# frame FILE N: text of the N-th received frame in a probe output.
frame() { grep '^FRAME ' "$1" | sed -n "${2}p" | cut -d' ' -f4-; }

# frame_ms FILE N: receive time (ms) of the N-th frame.
frame_ms() { grep '^FRAME ' "$1" | sed -n "${2}p" | cut -d' ' -f2; }

# nframes FILE: frames received so far.
nframes() { grep -c '^FRAME ' "$1"; }

# has_frames FILE N: at least N frames received.
has_frames() { [ "$(nframes "$1")" -ge "$2" ]; }

# iso_s ISO: epoch seconds of an ISO 8601 time with offset.
iso_s() { date -u -d "$1" +%s; }

# sim_signals: GET /sim/signals.
sim_signals() { curl -sf "$SIGSIM_URL/sim/signals"; }

# stat NAME: one counter of GET /sim/stats.
stat() { curl -sf "$SIGSIM_URL/sim/stats" | jq -r ".$1"; }

# probe_bg NAME ARGS...: probe in the background reading stdin from a fifo;
# output in $IT_DIR/NAME.out; opens fd PROBE_FD_<NAME> for writing lines.
probe_bg() {
	local name=$1
	shift
	rm -f "$IT_DIR/$name.in"
	mkfifo "$IT_DIR/$name.in"
	"$SIGSIM_PROBE" --port "$SIGSIM_PORT" --stdin "$@" <"$IT_DIR/$name.in" \
		>"$IT_DIR/$name.out" 2>&1 &
	IT_PIDS+=("$!")
	local fd
	exec {fd}>"$IT_DIR/$name.in"
	printf -v "PROBE_FD_$name" '%s' "$fd"
}

# probe_say NAME TEXT: send one frame through a background probe.
probe_say() {
	local v="PROBE_FD_$1"
	printf '%s\n' "$2" >&"${!v}"
}

# grep_out NAME PATTERN: fixed-string search in a background probe output.
grep_out() { grep -qF -- "$2" "$IT_DIR/$1.out"; }

# never_within SECS CMD...: true if CMD does not succeed within SECS
# (a bounded poll for something that must not happen).
never_within() { ! wait_until "$@"; }

# jqe ARGS...: jq -e without output (for it_check).
jqe() { jq -e "$@" >/dev/null; }
