#!/usr/bin/env bash
# The shipped alert rules: `promtool check rules` and their unit tests
# (`promtool test rules`, synthetic series in hean.rules.test.yml).
. "$HEAN_SRC/tests/metrics/metrics_lib.sh"
it_init metrics-rules
need promtool
cd "$HEAN_SRC/scripts/metrics" || it_fail "no scripts/metrics"
if promtool check rules hean.rules.yml >"$IT_DIR/check.log" 2>&1; then
	it_log "ok: $(grep -o 'SUCCESS.*' "$IT_DIR/check.log")"
else
	it_fail "promtool check rules: $(cat "$IT_DIR/check.log")"
fi
# every alert the rules define has at least one test case
for a in $(sed -n 's/^ *- alert: //p' hean.rules.yml); do
	grep -q "alertname: $a\$" hean.rules.test.yml || it_fail "alert $a has no unit test"
done
if promtool test rules hean.rules.test.yml >"$IT_DIR/test.log" 2>&1; then
	it_log "ok: promtool test rules"
else
	it_fail "promtool test rules: $(cat "$IT_DIR/test.log")"
fi
it_done
