#!/bin/bash
# Name resolution never blocks a loop. A DNS server that drops every query
# (tests/common/dns_fixture.py, HEAN_DNS_SERVER) for NET_DNS_BLACKHOLE_S
# (30) seconds, then answers. Two clients of the name sim.hean.test:
#  - hean-feed (its public WebSocket): its health heartbeat (updated_ms in
#    hean:health:feed, written every 1 s by the loop) is read every 20 ms;
#    no interval between two heartbeats may exceed 1 s + 100 ms;
#  - ws_client_probe (common/ws + common/http on one loop): a 10 ms timer
#    on its loop may never pause more than 100 ms.
# Every failed lookup ends the session (disconnected -> backoff ->
# reconnect); once the server answers, both connect (and the feed streams).
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/common/net_lib.sh"
it_init net-dns
need_built tests/sim/hean-exsim tests/common/ws_client_probe feed/hean-feed
need_cmd python3
BH=${NET_DNS_BLACKHOLE_S:-30}
SYMS=BTCUSDT,ETHUSDT
start_redis
start_exsim --symbols "$SYMS"
[ -n "${EXSIM_PORT:-}" ] || it_done
P=$EXSIM_PORT
DROP=$IT_DIR/dns.drop
touch "$DROP"
start_dns_fixture sim.hean.test=127.0.0.1 "$DROP" || it_done

export HEAN_BYBIT_WS_PUBLIC=ws://sim.hean.test:$P/v5/public/linear
export HEAN_DNS_SERVER=127.0.0.1:$DNS_PORT HEAN_SYMBOLS=$SYMS HEAN_PROC_NAME=feed
export HEAN_PING_INTERVAL_S=1 HEAN_LIVENESS_TIMEOUT_S=2 HEAN_STALE_S=30 HEAN_LOG_LEVEL=info
start_daemon feed
wait_until 10 out_ge 1 health_field feed updated_ms || it_fail "feed writes no health"
# every heartbeat value, sampled every 20 ms (one redis-cli process)
bg hbsample redis-cli -s "$IT_REDIS_SOCK" -r $((BH * 50)) -i 0.02 HGET hean:health:feed updated_ms
HB_PID=$LAST_PID
probe_bg probe --url "$HEAN_BYBIT_WS_PUBLIC" --dns-server "$HEAN_DNS_SERVER" \
	--duration-ms $(((BH + 15) * 1000)) --http-url "http://sim.hean.test:$P/v5/market/time" \
	--http-every-ms 1000
t0=$(now_ms)
sleep "$BH" # the fault's duration
st_bh=$(health_state feed)
rm -f "$DROP"
t_fix=$(now_ms)
it_log "DNS answers again after $((t_fix - t0)) ms of blackhole"
wait_state 20 feed streaming || it_fail "feed not streaming within 20 s of DNS answering"
t_feed=$(now_ms)
wait_until 20 grep -q " ev=open " "$IT_DIR/probe.log" || it_fail "probe did not open within 20 s of DNS answering"
t_probe=$(now_ms)
wait_until 5 dead "$HB_PID"
kill -TERM "$PROBE_PID" 2>/dev/null
wait "$PROBE_PID"
PROBE_RC=$?
L=$IT_DIR/probe.log
FL=$IT_DIR/feed.log

HB_MAX=$(awk 'NF && $1 != p { if (p != "" && $1 - p > m) m = $1 - p; p = $1 } END { print m + 0 }' "$IT_DIR/hbsample.log")
HB_N=$(sort -u "$IT_DIR/hbsample.log" | grep -c .)
DROPS=$(grep -c " drop$" "$IT_DIR/dns.log")
FEED_FAILS=$(count_matches "$FL" 'event=ws_connect_failed name=public[0-9]* .*reason="name lookup failed: DNS timeout for sim.hean.test')
PROBE_FAILS=$(count_matches "$L" 'ev=close code=0 reason="name lookup failed: DNS timeout for sim.hean.test')
figure dns_blackhole_s "$BH"
figure dns_queries_dropped "$DROPS"
figure feed_heartbeat_max_interval_ms "$HB_MAX"
figure feed_heartbeats_seen "$HB_N"
figure probe_loop_max_gap_ms "$(exit_field "$L" max_gap_ms)"
figure feed_lookup_failures "$FEED_FAILS"
figure probe_lookup_failures "$PROBE_FAILS"
figure feed_streaming_ms_after_dns_fix $((t_feed - t_fix))
figure probe_open_ms_after_dns_fix $((t_probe - t_fix))
it_check "probe exited cleanly" test "$PROBE_RC" = 0
it_check "the resolver was asked and never answered ($DROPS queries dropped)" test "$DROPS" -ge 4
it_check "feed was not streaming during the blackhole (state $st_bh)" test "$st_bh" != streaming
it_check "feed heartbeat kept going ($HB_N values in ${BH}s)" test "$HB_N" -ge $((BH - 2))
it_check "feed heartbeat never paused > 1100 ms ($HB_MAX)" test "$HB_MAX" -le 1100
it_check "probe loop never paused > 100 ms" test "$(exit_field "$L" max_gap_ms)" -le 100
it_check "feed: each failed lookup logged, then reconnect (>= 3)" test "$FEED_FAILS" -ge 3
it_check "probe: >= 3 failed lookups, each on_close then reconnecting" test "$PROBE_FAILS" -ge 3 -a "$(exit_field "$L" reconnecting)" -ge "$PROBE_FAILS"
it_check "probe: no open before DNS answered" test "$(field "$L" open n | head -n 1)" = 1 -a \
	"$(grep -m1 ' ev=open ' "$L" | sed -E 's/.* t=([0-9]+) .*/\1/')" -ge $((BH * 1000 - 1000))
it_check "probe: REST (curl via our lookup) answered after the fix" test "$(exit_field "$L" http_ok)" -ge 1
it_check "probe: REST failed during the blackhole, at its own deadline" grep -q 'ev=http status=0 curl=28 err="timeout after 3000 ms resolving sim.hean.test' "$L"
it_check "feed got ticks after the fix" wait_until 5 out_ge 1 rcli XLEN hean:ticks
stop_pid "$FEED_PID"
it_done
