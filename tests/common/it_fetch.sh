#!/bin/bash
# common/fetch (HTTP GET on the lws context, what the feed reads
# instruments-info with) against local fixtures, no libcurl involved:
#  1. the python3 stdlib HTTP fixture: 200 with a body, 404, bodies over
#     the cap (Content-Length and close-delimited), a server that never
#     answers (deadline while the loop runs), a refused connect, cancel and
#     abort without callbacks, a GET started from a callback;
#  2. hean-exsim over https with a certificate of a throw-away CA: that CA
#     (HEAN_TLS_CA_FILE) -> 200 by address and by name (localhost, through
#     common/resolve, Host/SNI/name check on the name); the system store
#     and an unrelated CA -> refused, naming the reason; HEAN_TLS_INSECURE
#     -> accepted, said loudly.
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/common/net_lib.sh"
it_init net-fetch
command -v python3 >/dev/null || { it_fail "python3 not installed"; it_done; }
need_built tests/sim/hean-exsim tests/common/fetch_check

# fc NAME ARGS...: fetch_check in the foreground; stdout in NAME.log,
# stderr (common log, sanitizer reports) in NAME.err. Sets FC_RC.
fc() {
	local name=$1
	shift
	"$NET_BIN/fetch_check" "$@" >"$IT_DIR/$name.log" 2>"$IT_DIR/$name.err"
	FC_RC=$?
	cat "$IT_DIR/$name.log" >&2
	[ "$FC_RC" -eq 0 ] || tail -n 20 "$IT_DIR/$name.err" >&2
}
fc_clean() { [ "$FC_RC" -eq 0 ] && no_sanitizer_report "$IT_DIR/$1.err"; }

# 1. plain http
start_httpsrv || it_done
REFUSED=$(free_port)
fc plain plain "http://127.0.0.1:$HTTP_PORT" "http://127.0.0.1:$REFUSED/x"
it_check "plain: every case passed, no sanitizer report" fc_clean plain
grep "^figure" "$IT_DIR/plain.log" | while read -r _ f; do figure plain "$f"; done

# 2. https against the exchange simulator
make_test_ca "$IT_DIR/ca" || it_done
CA=$IT_DIR/ca
start_exsim --tls-cert "$CA/srv.pem" --tls-key "$CA/srv.key"
[ -n "${EXSIM_PORT:-}" ] || it_done
P=$EXSIM_PORT
Q="v5/market/instruments-info?category=linear&limit=1000"
fc tls_ca get "https://127.0.0.1:$P/$Q" 200 - "$CA/ca.pem"
it_check "https, our CA: 200 with the instruments" fc_clean tls_ca
it_check "https, our CA: body is the instruments list" grep -q "^status=200 .*body_len=[1-9]" "$IT_DIR/tls_ca.log"
fc tls_name get "https://localhost:$P/$Q" 200 - "$CA/ca.pem"
it_check "https by name (localhost), our CA: 200" fc_clean tls_name
fc tls_system get "https://127.0.0.1:$P/$Q" 0 "TLS certificate refused: unable to get local issuer certificate"
it_check "https, system store: refused with the reason" fc_clean tls_system
fc tls_wrong get "https://127.0.0.1:$P/$Q" 0 "TLS certificate refused" "$CA/wrong.pem"
it_check "https, unrelated CA: refused" fc_clean tls_wrong
it_check "refusal logged with the peer" grep -q "event=fetch_failed peer=127.0.0.1:$P status=0 .*TLS certificate refused" "$IT_DIR/tls_wrong.err"
fc tls_insecure get "https://127.0.0.1:$P/$Q" 200 - - insecure
it_check "https, HEAN_TLS_INSECURE: accepted" fc_clean tls_insecure
it_check "https, HEAN_TLS_INSECURE: said loudly (WARN)" grep -q 'WARN .*event=fetch_tls_insecure .*NOT verified' "$IT_DIR/tls_insecure.err"
fc refused get "http://127.0.0.1:$REFUSED/x" 0 ""
it_check "plain GET to a closed port: an error, no status" fc_clean refused
it_done
