#!/usr/bin/env bash
# Webhook notifications of hean-metrics, with compressed waves (4 s waves,
# due at the close, 2 s window; no signals, so each wave is recorded at its
# deadline, as expired):
#  1. hean-waves hangs (SIGSTOP): the missed wave reaches a local HTTP
#     receiver within 60 s of its deadline, in the documented JSON shape;
#  2. further missed waves inside HEAN_ALERT_REPEAT_S are suppressed
#     (one message, the rest counted);
#  3. a naked position fires after 5 s and sends "resolved" when it clears;
#  4. a second exporter whose webhook accepts and never answers keeps
#     serving /metrics at once and keeps counting (retries counted).
. "$HEAN_SRC/tests/metrics/metrics_lib.sh"
it_init metrics-webhook
need socat jq curl
start_redis
export HEAN_HOME=$IT_DIR HEAN_WAVE_INTERVAL_S=4 HEAN_WAVE_DELAY_S=0 HEAN_WAVE_MAX_LATE_S=2
export HEAN_WATCHDOG_STALE_S=3 HEAN_ALERT_REPEAT_S=30 HEAN_LOG_LEVEL=info
unset HEAN_PROC_NAME
bg waves "$HEAN_BUILD/waves/hean-waves" --log "$IT_DIR/waves.log"
WAVES_PID=$LAST_PID
wait_true 15 '[ -n "$(rcli GET hean:wave:last_s)" ]' || it_fail "waves recorded no wave in 15 s"

start_sink ok
HEAN_ALERT_WEBHOOK_URL=$SINK_URL start_metrics metrics
M1_URL=$MX_URL
start_sink hang
HANG_URL=$SINK_URL
HEAN_ALERT_WEBHOOK_URL=$HANG_URL HEAN_PROC_NAME=metrics2 start_metrics metrics2
M2_URL=$MX_URL
MX_URL=$M1_URL
rcli HSET hean:pnl naked_positions 1 open_positions 1 updated_ms "$(now_ms)" >/dev/null
naked_ms=$(now_ms)

# 1. hang waves right after an emission: the next wave is missed
last=$(rcli GET hean:wave:last_s)
wait_true 6 '[ "$(rcli GET hean:wave:last_s)" != "$last" ]'
kill -STOP "$WAVES_PID"
last=$(rcli GET hean:wave:last_s)
missed=$((last + 4))
due_ms=$(((missed + 4 + 2) * 1000)) # the deadline: due + HEAN_WAVE_MAX_LATE_S
it_log "waves stopped after wave $last; wave $missed: deadline $due_ms ms"
msg() { grep "\"what\":\"$1\"" "$IT_DIR/sink.txt" | grep "\"status\":\"${2:-firing}\""; }
if wait_true 70 'msg wave_missed >/dev/null'; then
	line=$(msg wave_missed | head -1)
	recv=${line%% *}
	body=${line#* }
	it_log "wave_missed received $((recv - due_ms)) ms after the deadline: $body"
	[ $((recv - due_ms)) -le 60000 ] || it_fail "wave_missed came $((recv - due_ms)) ms after the deadline (> 60 s)"
	[ $((recv - due_ms)) -ge 0 ] || it_fail "wave_missed came before the deadline"
	echo "$body" | jq -e --arg w "$(date -u -d "@$missed" +%Y-%m-%dT%H:%M:%S)" '
		.what == "wave_missed" and .proc == "waves" and .status == "firing" and
		(.ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|\\+00:00)$")) and
		(.detail | contains($w)) and (.text | length > 0) and .version == "4" and
		.alerts[0].labels.alertname == "wave_missed" and .alerts[0].labels.severity == "critical" and
		.alerts[0].status == "firing" and (.alerts[0].annotations.description | length > 0)' >/dev/null ||
		it_fail "wave_missed payload not in the documented shape: $body"
else
	it_fail "no wave_missed message within 70 s"
fi

# 2. two more missed waves within HEAN_ALERT_REPEAT_S: still one message
wait_true 20 'curl -sf "$MX_URL" | grep -q "^hean_waves_missed_total [3-9]"' ||
	it_fail "missed waves not counted (>= 3 expected)"
n=$(msg wave_missed | wc -l)
[ "$n" = 1 ] || it_fail "$n wave_missed messages inside HEAN_ALERT_REPEAT_S (want 1)"
scrape "$IT_DIR/m.txt"
sup=$(mval "$IT_DIR/m.txt" 'hean_alert_webhook_messages_total{result="suppressed"}')
[ "${sup:-0}" -ge 2 ] || it_fail "suppressed messages counted: '${sup}' (want >= 2)"
it_log "repeat suppression: 1 wave_missed message, $sup suppressed"

# 3. naked position: firing after > 5 s, resolved when it clears
wait_true 10 'msg naked_position >/dev/null' || it_fail "no naked_position message"
line=$(msg naked_position | head -1)
[ $((${line%% *} - naked_ms)) -ge 5000 ] || it_fail "naked_position sent after $((${line%% *} - naked_ms)) ms (< 5 s)"
rcli HSET hean:pnl naked_positions 0 >/dev/null
wait_true 10 'msg naked_position resolved >/dev/null' || it_fail "no resolved message for naked_position"
msg naked_position resolved | head -1 | cut -d' ' -f2- |
	jq -e '.alerts[0].endsAt != "0001-01-01T00:00:00Z" and .alerts[0].status == "resolved"' >/dev/null ||
	it_fail "resolved payload wrong"

# 4. the exporter with a receiver that never answers still serves at once
MX_URL=$M2_URL
slow=0
for i in 1 2 3 4 5 6 7 8; do
	t=$(curl -s -o /dev/null -w '%{time_total}' --max-time 5 "$MX_URL")
	awk -v t="$t" 'BEGIN{exit !(t < 1.0)}' || slow=$((slow + 1))
	sleep 0.5
done
[ "$slow" = 0 ] || it_fail "$slow of 8 scrapes took >= 1 s with a hanging webhook"
scrape "$IT_DIR/m2.txt"
r=$(mval "$IT_DIR/m2.txt" hean_alert_webhook_retries_total)
s=$(mval "$IT_DIR/m2.txt" 'hean_alert_webhook_messages_total{result="sent"}')
m=$(mval "$IT_DIR/m2.txt" hean_waves_missed_total)
it_log "hanging webhook: retries=$r sent=$s missed=$m"
[ "${r:-0}" -ge 1 ] || it_fail "no retry counted against the hanging webhook"
[ "${s:-x}" = 0 ] || it_fail "messages counted as sent to a receiver that never answers: $s"
[ "${m:-0}" -ge 3 ] || it_fail "exporter with a hanging webhook stopped counting missed waves ($m)"
kill -CONT "$WAVES_PID"
it_done
