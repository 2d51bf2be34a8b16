# shellcheck shell=bash
# Helpers shared by the sigsim conformance tests (tests/sim/sigsim_*.sh).
# Source after tests/integration/lib.sh and it_init.

need_cmd jq curl
need_built tests/sim/sigsim-probe
SIGSIM_PROBE=$HEAN_BUILD/tests/sim/sigsim-probe

# probe ARGS...: runs the WS probe against the sim (foreground).
probe() { "$SIGSIM_PROBE" --port "$SIGSIM_PORT" "$@"; }

# ctl PATH?QUERY: POST a control, must answer 200.
ctl() { sim_ctl "$SIGSIM_URL" "$1"; }

# http_code METHOD PATH: prints the HTTP status of a request.
http_code() { http_status "$1" "$SIGSIM_URL$2"; }

# frame FILE N: text of the N-th received frame in a probe output.
frame() { grep '^FRAME ' "$1" | sed -n "${2}p" | cut -d' ' -f4-; }

# frame_ms FILE N: receive time (ms) of the N-th frame.
frame_ms() { grep '^FRAME ' "$1" | sed -n "${2}p" | cut -d' ' -f2; }

# nframes FILE: frames received so far.
nframes() { grep -c '^FRAME ' "$1"; }

# has_frames FILE N: at least N frames received.
has_frames() { [ "$(nframes "$1")" -ge "$2" ]; }

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

# jqe ARGS...: jq -e without output (for it_check).
jqe() { jq -e "$@" >/dev/null; }
