#!/bin/bash
# common/http against a python3 stdlib HTTP fixture: GET/POST, headers,
# timeout on a server that never answers (loop keeps running), refused
# connect, body cap, parallel requests, destroy with requests in flight.
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/common/net_lib.sh"
it_init net-http
command -v python3 >/dev/null || it_skip "python3 not installed"
start_httpsrv
REFUSED=$(free_port)
"$NET_BIN/http_check" "http://127.0.0.1:$HTTP_PORT" "http://127.0.0.1:$REFUSED/x" \
	>"$IT_DIR/http_check.log" 2>"$IT_DIR/http_check.err"
rc=$?
cat "$IT_DIR/http_check.log" >&2
grep "^figure" "$IT_DIR/http_check.log" | while read -r _ f; do figure http "$f"; done
it_check "http_check passed" test "$rc" = 0
it_check "no sanitizer report" no_sanitizer_report "$IT_DIR/http_check.err"
it_done
