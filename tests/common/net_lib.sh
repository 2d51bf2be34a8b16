# shellcheck shell=bash
# Helpers for the tests/common integration tests of common/ws and common/http (common/ws, common/http).
# Source after tests/integration/lib.sh.

NET_BIN=$HEAN_BUILD/tests/common

tcp_open() { (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
up_or_dead() { pid_listens "$1" "$2" || dead "$2"; }

# listen_bg NAME PORT CMD...: runs CMD in the background (each "@PORT@" in
# it replaced by the port; PORT empty: a free one) until it listens on
# 127.0.0.1:PORT. A server that exits at once (the port was taken after
# free_port probed it: EADDRINUSE) is started again, on a new free port.
# Sets LISTEN_PORT and LAST_PID; returns 1 (test failed) if it never listens.
listen_bg() {
	local name=$1 fixed=$2 try a args
	shift 2
	for try in 1 2 3 4 5; do
		LISTEN_PORT=${fixed:-$(free_port)}
		args=()
		for a in "$@"; do args+=("${a//@PORT@/$LISTEN_PORT}"); done
		bg "$name" "${args[@]}"
		wait_until 10 up_or_dead "$LISTEN_PORT" "$LAST_PID"
		pid_listens "$LISTEN_PORT" "$LAST_PID" && return 0
		dead "$LAST_PID" || break
		it_log "$name: not listening on $LISTEN_PORT (try $try), retrying"
		sleep 0.2
	done
	it_fail "$name did not listen on $LISTEN_PORT"
	return 1
}

# start_wssrv [PORT]: the lws test server on a free (or the given) port.
# Sets WS_PORT and WSSRV_PID; its events go to $IT_DIR/wssrv.log.
start_wssrv() {
	listen_bg wssrv "${1:-}" "$NET_BIN/ws_testsrv" --port @PORT@
	WS_PORT=$LISTEN_PORT
	WSSRV_PID=$LAST_PID
}

# start_httpsrv: the python3 stdlib HTTP fixture on a free port. Sets
# HTTP_PORT. Returns 1 (and fails the test) if it does not answer.
start_httpsrv() {
	listen_bg httpsrv "" python3 "$HEAN_SRC/tests/common/http_testsrv.py" @PORT@ || return 1
	HTTP_PORT=$LISTEN_PORT
	wait_until 10 curl -sf "http://127.0.0.1:$HTTP_PORT/get" || {
		it_fail "http fixture did not start"
		return 1
	}
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
	[ "$PROBE_RC" -eq 0 ] && no_sanitizer_report "$IT_DIR/$1.err"
}

# ===== TLS and DNS fixtures (it_tls.sh, it_dns.sh, tests/e2e/tls.sh) =====

# make_test_ca DIR: a throw-away CA (DIR/ca.pem), a server certificate it
# signed for 127.0.0.1, localhost and sim.hean.test (DIR/srv.pem,
# DIR/srv.key), and a second, unrelated CA (DIR/wrong.pem). Fails the
# test when openssl is missing or fails (never a skip).
make_test_ca() {
	local d=$1
	command -v openssl >/dev/null || { it_fail "openssl not installed"; return 1; }
	mkdir -p "$d"
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:sim.hean.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$d/ext.cnf"
	if ! {
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hean test CA $$" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" \
			-keyout "$d/ca.key" -out "$d/ca.pem" &&
			openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
				-keyout "$d/srv.key" -out "$d/srv.csr" &&
			openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
				-CAcreateserial -days 2 -extfile "$d/ext.cnf" -out "$d/srv.pem" &&
			openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=wrong CA $$" \
				-keyout "$d/wrong.key" -out "$d/wrong.pem"
	} >"$d/openssl.out" 2>&1; then
		cat "$d/openssl.out" >&2
		it_fail "openssl could not make the test CA"
		return 1
	fi
}

# start_dns_fixture MAP DROP_FILE: tests/common/dns_fixture.py on a free UDP
# port (answers MAP "name=ip,..."; drops every query while DROP_FILE
# exists). Sets DNS_PORT; its query log is $IT_DIR/dns.log.
start_dns_fixture() {
	local try
	need_cmd python3
	for try in 1 2 3 4 5; do
		DNS_PORT=$(free_port)
		bg dns python3 "$HEAN_SRC/tests/common/dns_fixture.py" "$DNS_PORT" "$1" "$2"
		wait_until 5 grep -q "^listening" "$IT_DIR/dns.log" && return 0
		dead "$LAST_PID" || break
		mv -f "$IT_DIR/dns.log" "$IT_DIR/dns.port-taken-$try.txt"
	done
	it_fail "dns fixture did not start"
	return 1
}
