# shellcheck shell=bash
# Helpers of the metrics tests (on top of tests/integration/lib.sh):
# hean-metrics on a free port, scrapes, sample values, a webhook receiver.
. "$HEAN_SRC/tests/integration/lib.sh"

MX_BIN=$HEAN_BUILD/scripts/metrics/hean-metrics

# need TOOL...: a missing tool fails the test (never a skip).
need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { it_fail "$t not installed (scripts/lib/deps.sh HD_PKGS_TEST)"; it_done; }
	done
}

# start_metrics [NAME]: hean-metrics on a free port. Sets MX_PORT, MX_URL,
# MX_PID.
start_metrics() {
	local name=${1:-metrics}
	MX_PORT=$(free_port)
	MX_URL=http://127.0.0.1:$MX_PORT/metrics
	# its own name (a test may have exported the feed's): one lease per name
	HEAN_PROC_NAME=$name HEAN_METRICS_LISTEN=127.0.0.1:$MX_PORT bg "$name" "$MX_BIN" --log "$IT_DIR/$name.log"
	MX_PID=$LAST_PID
	wait_until 10 curl -sf "$MX_URL" || it_fail "$name did not answer on $MX_URL"
}

# scrape FILE: the exporter's output into FILE.
scrape() { curl -sf --max-time 5 "$MX_URL" >"$1"; }

# mval FILE 'name{labels}': the sample's value ('' if absent). Labels in
# the exporter's order.
mval() { awk -v k="$2" '$1 == k {print $2; exit}' "$1"; }

# check_val FILE SAMPLE EXPECTED
check_val() {
	local v
	v=$(mval "$1" "$2")
	if [ "$v" = "$3" ]; then
		it_log "ok: $2 = $3"
	else
		it_fail "$2: expected $3, got '${v}'"
	fi
}

# check_absent FILE METRIC: no sample of METRIC at all.
check_absent() {
	if grep -q "^$2[{ ]" "$1"; then
		it_fail "$2 exported although its source is absent: $(grep -m1 "^$2[{ ]" "$1")"
	else
		it_log "ok: $2 absent"
	fi
}

# start_sink MODE: a webhook receiver on a free port (socat). MODE ok:
# answers 204 and appends "<recv ms> <body>" to $IT_DIR/sink.txt; fail:
# answers 500 (bodies logged too); hang: accepts and never answers.
# Sets SINK_PORT, SINK_URL.
start_sink() {
	SINK_PORT=$(free_port)
	SINK_URL=http://127.0.0.1:$SINK_PORT/hook
	: >"$IT_DIR/sink.txt"
	if [ "$1" = hang ]; then
		bg sink-hang socat "TCP-LISTEN:$SINK_PORT,bind=127.0.0.1,reuseaddr,fork" SYSTEM:'sleep 600'
	else
		bg "sink-$1" socat "TCP-LISTEN:$SINK_PORT,bind=127.0.0.1,reuseaddr,fork" \
			SYSTEM:"bash $HEAN_SRC/tests/metrics/sink.sh $1 $IT_DIR/sink.txt"
	fi
	wait_until 5 bash -c "echo >/dev/tcp/127.0.0.1/$SINK_PORT" || it_fail "webhook receiver did not start"
}
