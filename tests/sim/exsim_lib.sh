# shellcheck shell=bash
# Helpers for the exsim conformance tests (source after integration/lib.sh).

EXSIM_WSC=$HEAN_BUILD/tests/sim/exsim-wsc
EXSIM_KEY=hean-sim-key
EXSIM_SECRET=hean-sim-secret
need_cmd jq openssl

# wsc_bg NAME PATH ARGS...: background WS client, output in $IT_DIR/NAME.out
wsc_bg() {
	local name=$1 path=$2
	shift 2
	"$EXSIM_WSC" --url "ws://127.0.0.1:$EXSIM_PORT$path" "$@" >"$IT_DIR/$name.out" 2>&1 &
	LAST_PID=$!
	IT_PIDS+=("$LAST_PID")
}

# wsc_run PATH ARGS...: foreground WS client, output on stdout
wsc_run() {
	local path=$1
	shift
	"$EXSIM_WSC" --url "ws://127.0.0.1:$EXSIM_PORT$path" "$@"
}

# frames FILE: the JSON frames a client received, one per line (invalid skipped)
frames() { sed -n 's/^RX //p' "$1" | jq -c -R 'fromjson? // empty'; }

# count_rx FILE: number of RX lines so far
count_rx() { grep -c '^RX \|^BIG ' "$1" 2>/dev/null || true; }

# has FILE PATTERN: grep -q
has() { grep -q -- "$2" "$1"; }

# jq_has FILE FILTER: some frame matches the jq select filter
jq_has() { frames "$1" | jq -e -s "map(select($2)) | length > 0" >/dev/null; }

sign_hex() { printf %s "$2" | openssl dgst -sha256 -hmac "$1" | awk '{print $NF}'; }

# rest_get PATH QUERY [KEY SECRET OFFSET_MS]: signed GET, prints body
# rest_post PATH BODY [KEY SECRET OFFSET_MS]: signed POST, prints body
rest_get() { rest_signed GET "$@"; }
rest_post() { rest_signed POST "$@"; }

# rest_signed GET|POST PATH QUERY|BODY [KEY SECRET OFFSET_MS]: the signed
# request (X-BAPI-* headers; the payload is the query or the body).
rest_signed() {
	local key=${4:-$EXSIM_KEY} sec=${5:-$EXSIM_SECRET} off=${6:-0} ts sig
	ts=$(($(date +%s%N) / 1000000 + off))
	sig=$(sign_hex "$sec" "$ts${key}5000$3")
	local hdr=(-H "X-BAPI-API-KEY: $key" -H "X-BAPI-TIMESTAMP: $ts"
		-H "X-BAPI-RECV-WINDOW: 5000" -H "X-BAPI-SIGN: $sig")
	if [ "$1" = GET ]; then
		curl -s -m 5 "${hdr[@]}" -H "X-BAPI-SIGN-TYPE: 2" "$EXSIM_URL$2?$3"
	else
		curl -s -m 5 -H "Content-Type: application/json" "${hdr[@]}" -d "$3" "$EXSIM_URL$2"
	fi
}

# jcheck DESC JSON FILTER: it_check on a jq -e filter over JSON
jcheck() {
	local desc=$1 json=$2 filter=$3
	if printf '%s' "$json" | jq -e "$filter" >/dev/null 2>&1; then
		it_log "ok: $desc"
	else
		it_fail "$desc: got ${json:0:400}"
	fi
}

# ctl PATH?QUERY: POST a control to the exsim, must answer 200.
ctl() { sim_ctl "$EXSIM_URL" "$1"; }

# rx_at_least FILE N: the client printed at least N frames (for wait_until)
rx_at_least() { test "$(count_rx "$1")" -ge "$2"; }

# jqq ARGS...: jq with output discarded (for it_check)
jqq() { jq "$@" >/dev/null 2>&1; }
