#!/bin/bash
# The final line of `scripts/hean test`, computed from meson's testlog.json
# (one JSON object a line): passed / failed (FAIL, TIMEOUT, ERROR, ... and
# SKIP: a test never skips silently), a failure when meson itself failed
# with no test to show it, and a failure when no test ran at all.
set -u
src=${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../../scripts/hean
. "$src/scripts/hean"
dir=$(mktemp -d /tmp/hean-summary.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fails=0
check() { # check DESC EXPECTED_OUTPUT EXPECTED_RC LOG MESON_RC [LOG...]
	local out rc
	out=$(test_summary "$4" "$5" "${@:6}")
	rc=$?
	if [ "$out" = "$2" ] && [ "$rc" = "$3" ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1: got '$out' rc=$rc, want '$2' rc=$3"
		fails=$((fails + 1))
	fi
}
row() { printf '{"name": "%s", "stdout": "%s", "result": "%s", "duration": 0.1}\n' "$1" "$2" "$3"; }
{
	row a 'x \"result\": \"FAIL\" y' OK
	row b '' OK
	row c '' FAIL
	row d '' TIMEOUT
	row e '' SKIP
	row f '' ERROR
	row g '' EXPECTEDFAIL
	row h '' UNEXPECTEDPASS
} >"$dir/mixed.json"
{
	row a '' OK
	row b '' OK
} >"$dir/ok.json"
{
	row a '' OK
	row b '' SKIP
} >"$dir/skip.json"
{
	row v '' OK
	row w '' FAIL
} >"$dir/mixed-ok.json"
: >"$dir/empty.json"
nl=$'\n'
check "mixed results" "skipped, counted as failed: e${nl}3 passed, 5 failed" 1 "$dir/mixed.json" 1
check "all passed" "2 passed, 0 failed" 0 "$dir/ok.json" 0
check "a skip is a failure" "skipped, counted as failed: b${nl}1 passed, 1 failed" 1 "$dir/skip.json" 0
check "meson failed, no log" "no test ran${nl}0 passed, 1 failed" 1 "$dir/none.json" 1
check "meson failed, all tests ok" "2 passed, 1 failed" 1 "$dir/ok.json" 1
check "no test ran (suite not registered)" "no test ran${nl}0 passed, 1 failed" 1 "$dir/empty.json" 0
check "second log counted" "3 passed, 1 failed" 1 "$dir/ok.json" 0 "$dir/mixed-ok.json"
HC_TEST_UNREGISTERED=1 check "a test named but not registered" "2 passed, 1 failed" 1 "$dir/ok.json" 0
[ "$fails" -eq 0 ]
