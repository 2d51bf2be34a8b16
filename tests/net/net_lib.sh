# shellcheck shell=bash
# Helpers for the tests/net integration tests (common/ws, common/http).
# Source after tests/integration/lib.sh.

NET_BIN=$HEAN_BUILD/tests/net

tcp_open() { (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_wssrv [PORT]: the lws test server on a free (or the given) port.
# Sets WS_PORT and WSSRV_PID; its events go to $IT_DIR/wssrv.log.
start_wssrv() {
	WS_PORT=${1:-$(free_port)}
	bg wssrv "$NET_BIN/ws_testsrv" --port "$WS_PORT"
	WSSRV_PID=$LAST_PID
	wait_until 10 tcp_open "$WS_PORT" || it_fail "ws_testsrv did not listen on $WS_PORT"
}

# probe NAME ARGS...: runs ws_client_probe in the foreground; stdout (events)
# in $IT_DIR/NAME.log, stderr (common log, sanitizer reports) in NAME.err.
# Sets PROBE_RC.
probe() {
	local name=$1
	shift
	"$NET_BIN/ws_client_probe" "$@" >"$IT_DIR/$name.log" 2>"$IT_DIR/$name.err"
	PROBE_RC=$?
	if [ "$PROBE_RC" -ne 0 ]; then
		it_log "probe $name exited $PROBE_RC; stderr tail:"
		tail -n 20 "$IT_DIR/$name.err" >&2
	fi
}

# probe_bg NAME ARGS...: same, in the background. Sets PROBE_PID.
probe_bg() {
	local name=$1
	shift
	"$NET_BIN/ws_client_probe" "$@" >"$IT_DIR/$name.log" 2>"$IT_DIR/$name.err" &
	PROBE_PID=$!
	IT_PIDS+=("$PROBE_PID")
}

# count FILE PATTERN: number of lines matching the extended regex.
count() { grep -cE "$2" "$1" 2>/dev/null || true; }

# count_ge FILE PATTERN N: at least N matching lines (for wait_until).
count_ge() { [ "$(count "$1" "$2")" -ge "$3" ]; }

# field FILE EV KEY: values of KEY= on lines with ev=EV, one per line.
field() {
	grep -E " ev=$2( |$)" "$1" | sed -nE "s/.* $3=([^ ]*).*/\1/p"
}

# exit_field FILE KEY: KEY from the probe's final ev=exit line.
exit_field() { field "$1" exit "$2" | tail -n 1; }

# gaps FILE: ms from each ev=close to the following ev=open.
gaps() {
	awk '/ ev=close /{ sub("t=", "", $2); c = $2; have = 1 }
	     / ev=open / && have { sub("t=", "", $2); print $2 - c; have = 0 }' "$1"
}

# all_le LIMIT VALUES...: every value <= LIMIT (and at least one value).
all_le() {
	local lim=$1 v
	shift
	[ $# -gt 0 ] || return 1
	for v in "$@"; do
		[ "$v" -le "$lim" ] || return 1
	done
}

# strictly_increasing VALUES...
strictly_increasing() {
	local prev=-1 v
	[ $# -gt 1 ] || return 1
	for v in "$@"; do
		[ "$v" -gt "$prev" ] || return 1
		prev=$v
	done
}

# median VALUES...
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
max_of() { printf '%s\n' "$@" | sort -n | tail -n 1; }

# probe_clean NAME: exit 0 and no sanitizer report.
probe_clean() {
	[ "$PROBE_RC" -eq 0 ] && ! grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error" "$IT_DIR/$1.err"
}
