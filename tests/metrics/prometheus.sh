#!/usr/bin/env bash
# A real Prometheus (temp dir, free port, 1 s scrape interval, the shipped
# rules loaded) scrapes hean-metrics while hean-feed streams from the
# exchange simulator into Redis; PromQL queries over the HTTP API answer
# with the expected values, and the shipped "halted" alert fires.
. "$HEAN_SRC/tests/metrics/metrics_lib.sh"
. "$HEAN_SRC/tests/feed/feed_lib.sh"
it_init metrics-prometheus
need prometheus promtool jq curl
feed_setup --rate 50
start_metrics
rcli HSET hean:pnl day 2026-12-03 realized_usd 0 unrealized_usd 0 exposure_usd 123.5 open_positions 1 \
	naked_positions 0 limit '' halted 0 updated_ms "$(now_ms)" >/dev/null

PROM_PORT=$(free_port)
PROM=http://127.0.0.1:$PROM_PORT
mkdir -p "$IT_DIR/prom"
cp "$HEAN_SRC/scripts/metrics/hean.rules.yml" "$IT_DIR/prom/"
cat >"$IT_DIR/prom/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [hean.rules.yml]
scrape_configs:
  - job_name: hean
    static_configs:
      - targets: ['127.0.0.1:$MX_PORT']
YML
bg prometheus prometheus --config.file="$IT_DIR/prom/prometheus.yml" \
	--storage.tsdb.path="$IT_DIR/prom/data" --web.listen-address="127.0.0.1:$PROM_PORT" \
	--log.level=warn
wait_until 30 curl -sf "$PROM/-/ready" || it_fail "prometheus not ready in 30 s"

# q PROMQL: the first result's value ('' if none)
q() { curl -sf --max-time 5 -G "$PROM/api/v1/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // empty'; }
# expect SECONDS PROMQL VALUE
expect() {
	EQ=$2 EV=$3
	if wait_true "$1" '[ "$(q "$EQ")" = "$EV" ]'; then
		it_log "ok: $2 = $3"
	else
		it_fail "$2: expected $3, got '$(q "$2")'"
	fi
}
expect 20 'up{job="hean"}' 1
expect 10 'hean_process_up{job="hean",process="feed"}' 1
expect 10 'count(hean_feed_tick_age_seconds{job="hean"})' 3
expect 10 'hean_exposure_usd{job="hean"}' 123.5
# stop the market, let the feed's health hash catch up; then Prometheus
# must show exactly what the feed wrote into Redis
freeze_sim 60
settled() { ticks_quiet && [ "$(hget hean:health:feed ticks)" = "$(rcli XLEN hean:ticks)" ]; }
wait_until 10 settled || it_fail "feed did not settle after freezing the sim"
ticks=$(hget hean:health:feed ticks)
acked=$(hget hean:health:feed xadd_acked)
[ "${ticks:-0}" -gt 0 ] || it_fail "feed stored no tick"
expect 10 'hean_feed_ticks_total{process="feed"}' "$ticks"
expect 10 'sum(hean_feed_symbol_ticks_total)' "$ticks"
expect 10 'hean_feed_receive_to_store_seconds_count{process="feed"}' "$acked"
expect 10 'hean_feed_receive_to_store_seconds_bucket{process="feed",le="+Inf"}' "$acked"
# a shipped alert rule fires through this Prometheus
rcli SET hean:halt "ts_ms=$(now_ms) by=test reason=drill" >/dev/null
expect 15 'ALERTS{alertname="halted",alertstate="firing"}' 1
it_done
