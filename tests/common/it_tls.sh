#!/bin/bash
# TLS on the production path, common/ws (lws) and common/http (libcurl) on
# one loop (ws_client_probe), against hean-exsim serving wss:// and
# https:// with a certificate from a throw-away CA made here:
#  1. HEAN_TLS_CA_FILE = that CA: WebSocket opens, REST answers 200;
#  2. system store only, then a wrong CA: refused with a log line naming
#     the peer and the reason, then disconnected -> backoff -> reconnect
#     (delays growing), never an open and never a REST answer;
#  3. HEAN_TLS_INSECURE=1: accepted, and said loudly in the log;
#  4. a name from DNS (tests/common/dns_fixture.py): sim.hean.test, in the
#     certificate, opens while the connection goes to the resolved address
#     (Host, SNI and the name check use the name); other.hean.test, same
#     address but not in the certificate: refused ("hostname mismatch").
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/common/net_lib.sh"
it_init net-tls
need_built tests/sim/hean-exsim tests/common/ws_client_probe
make_test_ca "$IT_DIR/ca" || it_done
CA=$IT_DIR/ca
start_exsim --tls-cert "$CA/srv.pem" --tls-key "$CA/srv.key"
[ -n "${EXSIM_PORT:-}" ] || it_done
P=$EXSIM_PORT
it_check "control plane still plain http" curl -sf -m 5 "http://127.0.0.1:$P/sim/health"
it_check "curl --cacert trusts the sim over https" curl -sf -m 5 --cacert "$CA/ca.pem" "https://127.0.0.1:$P/sim/health"

WSS=wss://127.0.0.1:$P/v5/public/linear
HTTPS=https://127.0.0.1:$P/v5/market/time

# 1. verification on, our CA
probe good --url "$WSS" --ca-file "$CA/ca.pem" --duration-ms 1500 \
	--send-on-open '{"op":"subscribe","args":["tickers.BTCUSDT"]}' --http-url "$HTTPS" --http-every-ms 500
L=$IT_DIR/good.log
it_check "good CA: probe exits cleanly" probe_clean good
it_check "good CA: wss opened once, no close" test "$(exit_field "$L" opens)/$(exit_field "$L" closes)" = 1/0
it_check "good CA: subscribed, ticker frames over wss" test "$(exit_field "$L" msgs)" -ge 3
it_check "good CA: https answered 200" test "$(exit_field "$L" http_ok)/$(exit_field "$L" http_fail)" = 3/0

# 2. verification on, no usable CA: never open, reconnect with backoff
for c in system wrong; do
	args=()
	[ "$c" = wrong ] && args=(--ca-file "$CA/wrong.pem")
	probe "$c" --url "$WSS" "${args[@]}" --duration-ms 2200 --http-url "$HTTPS" --http-every-ms 700
	L=$IT_DIR/$c.log
	E=$IT_DIR/$c.err
	mapfile -t D < <(field "$L" reconnecting delay_ms)
	it_check "$c CA: probe exits cleanly" probe_clean "$c"
	it_check "$c CA: never opened" test "$(exit_field "$L" opens)" = 0
	it_check "$c CA: refused, reason in on_close" grep -q 'ev=close code=0 reason="TLS certificate refused: unable to get local issuer certificate (depth 0' "$L"
	it_check "$c CA: ws log line names peer and reason" grep -q "event=ws_connect_failed name=probe peer=127.0.0.1:$P url=$WSS reason=\"TLS certificate refused: unable to get local issuer certificate" "$E"
	it_check "$c CA: REST log line names peer and reason" grep -q "event=http_tls_failed peer=127.0.0.1:$P curl_code=60 reason=\"SSL certificate problem: unable to get local issuer certificate\"" "$E"
	it_check "$c CA: REST never answered" test "$(exit_field "$L" http_ok)" = 0 -a "$(exit_field "$L" http_fail)" -ge 2
	it_check "$c CA: >= 3 attempts, each followed by a reconnect" test "$(exit_field "$L" closes)" -ge 3 -a "$(exit_field "$L" reconnecting)" = "$(exit_field "$L" closes)"
	it_check "$c CA: backoff delays growing (${D[*]})" strictly_increasing "${D[@]}"
	figure "${c}_ca_reconnect_delays_ms" "${D[*]}"
done

# 3. HEAN_TLS_INSECURE=1 (what the config sets): accepted, loudly
probe insecure --url "$WSS" --insecure 1 --duration-ms 1200 --http-url "$HTTPS" --http-every-ms 500
L=$IT_DIR/insecure.log
E=$IT_DIR/insecure.err
it_check "insecure: probe exits cleanly" probe_clean insecure
it_check "insecure: wss opened" test "$(exit_field "$L" opens)" = 1
it_check "insecure: https answered" test "$(exit_field "$L" http_ok)" -ge 2 -a "$(exit_field "$L" http_fail)" = 0
it_check "insecure: ws says so (WARN)" grep -q 'WARN .*event=ws_tls_insecure name=probe .*NOT verified' "$E"
it_check "insecure: REST says so (WARN)" grep -q 'WARN .*event=http_tls_insecure .*NOT verified' "$E"

# 4. names through our resolver: SNI/host check on the name, connect to the address
start_dns_fixture sim.hean.test=127.0.0.1,other.hean.test=127.0.0.1 "$IT_DIR/dns.drop" || it_done
for n in sim other; do
	probe "dns_$n" --url "wss://$n.hean.test:$P/v5/public/linear" --ca-file "$CA/ca.pem" \
		--dns-server "127.0.0.1:$DNS_PORT" --duration-ms 1200 \
		--http-url "https://$n.hean.test:$P/v5/market/time" --http-every-ms 500
	it_check "dns $n: probe exits cleanly" probe_clean "dns_$n"
done
L=$IT_DIR/dns_sim.log
it_check "sim.hean.test: resolved by our DNS, not /etc/hosts" grep -q "event=ws_resolved name=probe host=sim.hean.test addr=127.0.0.1" "$IT_DIR/dns_sim.err"
it_check "sim.hean.test: wss opened with verification on" test "$(exit_field "$L" opens)/$(exit_field "$L" closes)" = 1/0
it_check "sim.hean.test: https 200 with verification on" test "$(exit_field "$L" http_ok)" -ge 2 -a "$(exit_field "$L" http_fail)" = 0
L=$IT_DIR/dns_other.log
it_check "other.hean.test: wss refused (hostname mismatch)" grep -q 'ev=close code=0 reason="TLS certificate refused: hostname mismatch' "$L"
it_check "other.hean.test: never opened" test "$(exit_field "$L" opens)" = 0
it_check "other.hean.test: https refused" grep -q "ev=http status=0 curl=60 err=\"SSL: no alternative certificate subject name matches target host name 'other.hean.test'\"" "$L"
it_check "other.hean.test: REST never answered" test "$(exit_field "$L" http_ok)" = 0
it_done
