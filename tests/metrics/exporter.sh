#!/usr/bin/env bash
# hean-metrics against a Redis filled the way the daemons fill it (health
# hashes, ticker hashes, streams with a consumer group, hean:pnl,
# hean:halt, hean:events; the executor fields as the executor contract
# names them): exact values on /metrics, `promtool check metrics` on the
# output, nothing exported for an absent executor, and (MODE dashboard)
# the Grafana dashboard: valid JSON whose every metric the exporter serves.
#   exporter.sh [values|dashboard]
MODE=${1:-values}
. "$HEAN_SRC/tests/metrics/metrics_lib.sh"
it_init "metrics-$MODE"
need promtool jq curl
DASH=$HEAN_SRC/scripts/metrics/grafana-dashboard.json
start_redis
now=$(now_ms)
# feed: fresh; signals: last wrote 100 s ago (down); waves; executor
rcli HSET hean:health:feed pid 11 state streaming updated_ms "$now" last_msg_ms "$now" reconnects 2 \
	ticks 1234 msgs 1300 stale_symbols 1 dropped 0 bad_frames 0 xadd_errors 0 \
	hist_recv_to_stored "5 1.250 0 1 3 4 5 5 5 5 5 5 5 5 5 5 5 5 5" >/dev/null
rcli HSET hean:health:signals pid 12 state connected updated_ms $((now - 100000)) reconnects 0 \
	received 10 invalid 2 duplicate 3 published 5 >/dev/null
rcli HSET hean:health:waves pid 13 state running updated_ms "$now" reconnects 0 processed 5 expired 1 \
	late 0 empty 2 last_emit_ms $((now - 4000)) next_wave x >/dev/null
rcli HSET hean:health:executor pid 14 state trading updated_ms "$now" reconnects 1 positions 2 naked_positions 1 rest_fallback 0 \
	orders_submitted 4 orders_filled 3 orders_rejected 1 \
	hist_wave_to_accepted "4 130.500 0 0 0 0 0 0 1 1 2 3 4 4 4 4 4 4 4" \
	hist_fill_to_stop "2 900.000 0 0 0 0 0 0 0 0 0 0 0 1 2 2 2 2 2" >/dev/null
rcli HSET hean:pnl day 2026-12-03 realized_usd -12.25 unrealized_usd 3.5 exposure_usd 400.5 \
	open_positions 2 naked_positions 1 limit max_open_positions halted 1 updated_ms "$now" >/dev/null
rcli SET hean:halt "ts_ms=$now by=test reason=drill" >/dev/null
rcli HSET hean:ticker:BTCUSDT symbol BTCUSDT last 1 ts 1 recv_us $(((now - 3000) * 1000)) n_ticks 42 >/dev/null
rcli HSET hean:ticker:ETHUSDT symbol ETHUSDT last 1 ts 1 recv_us $(((now - 200000) * 1000)) n_ticks 7 >/dev/null
for i in 1 2 3; do rcli XADD hean:waves '*' wave_ts "$i" >/dev/null; done
rcli XGROUP CREATE hean:waves executor 0 >/dev/null
id=$(rcli XREADGROUP GROUP executor x1 COUNT 2 STREAMS hean:waves '>' | sed -n 2p)
rcli XACK hean:waves executor "$id" >/dev/null
# the newest wave past its deadline (due + 300 s) + 5 s, minus one: one missed
# (as hean-waves writes it: ISO 8601; hean:wave:last_s is left out here)
wl=$((((now / 1000 - 1205) / 900) * 900 - 900))
rcli SET hean:wave:last "$(date -u -d "@$wl" +%Y-%m-%dT%H:%M:%S+00:00)" >/dev/null
export HEAN_WAVE_INTERVAL_S=900 HEAN_WAVE_DELAY_S=0 HEAN_WAVE_MAX_LATE_S=300
# a webhook nobody listens on: alerts fail and are counted, nothing else changes
HEAN_ALERT_WEBHOOK_URL=http://127.0.0.1:$(free_port)/hook
export HEAN_ALERT_WEBHOOK_URL
start_metrics
# an event after the exporter started: counted
sleep 1.2
rcli XADD hean:events '*' proc watchdog event restarted detail "feed exit=137 signal=KILL pid=11" >/dev/null
# waves exits cleanly (its last event), its hash stays as it was: stopped, not down
rcli XADD hean:events '*' proc waves event stopped detail running >/dev/null
wait_true 5 'scrape "$IT_DIR/m1.txt" && [ "$(mval "$IT_DIR/m1.txt" "hean_process_restarts_total{process=\"feed\"}")" = 1 ]' ||
	it_fail "restart event not counted"
scrape "$IT_DIR/m1.txt" || it_fail "scrape failed"
f=$IT_DIR/m1.txt

if [ "$MODE" = dashboard ]; then
	jq -e '.panels | length > 0' "$DASH" >/dev/null || it_fail "dashboard: not valid JSON or no panels"
	jq -r '.. | objects | .expr? // empty' "$DASH" | grep -o 'hean_[a-z_]*' | sort -u >"$IT_DIR/dash.txt"
	n=$(wc -l <"$IT_DIR/dash.txt")
	[ "$n" -ge 20 ] || it_fail "dashboard references only $n metrics"
	while read -r name; do
		base=$(printf '%s' "$name" | sed -E 's/_(bucket|sum|count)$//')
		if grep -q "^# TYPE $name " "$f" || grep -q "^# TYPE $base histogram" "$f"; then
			:
		else
			it_fail "dashboard uses $name, which hean-metrics does not export"
		fi
	done <"$IT_DIR/dash.txt"
	it_log "dashboard: $n metric names, all exported"
	it_done
fi

if promtool check metrics <"$f" >"$IT_DIR/promtool.txt" 2>&1; then
	it_log "ok: promtool check metrics ($(grep -c '^hean_' "$f") samples)"
else
	it_fail "promtool check metrics: $(cat "$IT_DIR/promtool.txt")"
fi
check_val "$f" 'hean_redis_up' 1
check_val "$f" 'hean_process_up{process="feed"}' 1
check_val "$f" 'hean_process_up{process="signals"}' 0
check_val "$f" 'hean_process_state{process="executor",state="trading"}' 1
check_val "$f" 'hean_process_up{process="waves"}' 0
check_val "$f" 'hean_process_state{process="waves",state="stopped"}' 1
it_check "no process_down alert for the cleanly stopped waves" \
	bash -c "! grep -qF 'hean_alert_firing{alert=\"process_down\",process=\"waves\"}' '$f'"
check_val "$f" 'hean_process_reconnects_total{process="feed"}' 2
check_val "$f" 'hean_process_restarts_total{process="feed"}' 1
check_val "$f" 'hean_process_restarts_total{process="waves"}' 0
check_val "$f" 'hean_events_total{process="watchdog",event="restarted"}' 1
check_val "$f" 'hean_feed_ticks_total{process="feed"}' 1234
check_val "$f" 'hean_feed_stale_symbols{process="feed"}' 1
check_val "$f" 'hean_feed_symbol_ticks_total{symbol="BTCUSDT"}' 42
check_val "$f" 'hean_feed_symbol_ticks_total{symbol="ETHUSDT"}' 7
age=$(mval "$f" 'hean_feed_tick_age_seconds{symbol="ETHUSDT"}')
awk -v a="$age" 'BEGIN{exit !(a >= 200 && a < 215)}' || it_fail "ETHUSDT tick age $age, expected 200..215"
check_val "$f" 'hean_feed_receive_to_store_seconds_bucket{process="feed",le="0.0001"}' 1
check_val "$f" 'hean_feed_receive_to_store_seconds_bucket{process="feed",le="+Inf"}' 5
check_val "$f" 'hean_feed_receive_to_store_seconds_sum{process="feed"}' 0.00125
check_val "$f" 'hean_signals_received_total{process="signals"}' 10
check_val "$f" 'hean_signals_invalid_total{process="signals"}' 2
check_val "$f" 'hean_signals_duplicate_total{process="signals"}' 3
check_val "$f" 'hean_waves_emitted_total{process="waves"}' 5
check_val "$f" 'hean_waves_expired_total{process="waves"}' 1
check_val "$f" 'hean_waves_missed_total' 1
check_val "$f" 'hean_wave_last_timestamp_seconds' "$wl"
check_val "$f" 'hean_stream_length{stream="waves"}' 3
check_val "$f" 'hean_stream_group_pending{stream="waves",group="executor"}' 1
check_val "$f" 'hean_stream_group_lag{stream="waves",group="executor"}' 1
check_val "$f" 'hean_orders_total{process="executor",outcome="filled"}' 3
check_val "$f" 'hean_orders_total{process="executor",outcome="rejected"}' 1
check_val "$f" 'hean_wave_to_orders_accepted_seconds_bucket{process="executor",le="0.01"}' 1
check_val "$f" 'hean_wave_to_orders_accepted_seconds_bucket{process="executor",le="0.05"}' 3
check_val "$f" 'hean_wave_to_orders_accepted_seconds_count{process="executor"}' 4
check_val "$f" 'hean_fill_to_stop_confirmed_seconds_bucket{process="executor",le="0.25"}' 1
check_val "$f" 'hean_fill_to_stop_confirmed_seconds_bucket{process="executor",le="1"}' 2
check_val "$f" 'hean_fill_to_stop_confirmed_seconds_sum{process="executor"}' 0.9
check_val "$f" 'hean_positions_open' 2
check_val "$f" 'hean_positions_naked' 1
check_val "$f" 'hean_exposure_usd' 400.5
check_val "$f" 'hean_pnl_realized_usd' -12.25
check_val "$f" 'hean_pnl_unrealized_usd' 3.5
check_val "$f" 'hean_halted' 1
check_val "$f" 'hean_risk_limit_reached' 1
check_val "$f" 'hean_risk_limit_info{limit="max_open_positions"}' 1
check_val "$f" 'hean_alert_firing{alert="halted",process="pipeline"}' 1
check_val "$f" 'hean_alert_firing{alert="process_down",process="signals"}' 1

# no executor, no hean:pnl: nothing made up
rcli DEL hean:health:executor hean:pnl hean:halt >/dev/null
wait_true 5 'scrape "$IT_DIR/m2.txt" && ! grep -q "^hean_orders_total" "$IT_DIR/m2.txt"' || true
f=$IT_DIR/m2.txt
for m in hean_orders_total hean_positions_open hean_positions_naked hean_exposure_usd \
	hean_pnl_realized_usd hean_pnl_unrealized_usd hean_risk_limit_reached \
	hean_wave_to_orders_accepted_seconds_bucket hean_fill_to_stop_confirmed_seconds_count; do
	check_absent "$f" "$m"
done
check_val "$f" 'hean_halted' 0
promtool check metrics <"$f" >"$IT_DIR/promtool2.txt" 2>&1 || it_fail "promtool (no executor): $(cat "$IT_DIR/promtool2.txt")"

# Redis gone: the target still answers and says so
stop_redis
wait_true 10 'scrape "$IT_DIR/m3.txt" && [ "$(mval "$IT_DIR/m3.txt" hean_redis_up)" = 0 ]' ||
	it_fail "hean_redis_up not 0 with Redis stopped"
it_done
