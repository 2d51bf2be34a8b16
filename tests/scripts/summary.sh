#!/bin/bash
# The final line of `scripts/hean test`, computed from meson's testlog.json
# (one JSON object a line): passed / failed (FAIL, TIMEOUT, ERROR, ...) /
# skipped, and a failure when meson itself failed with no test to show it.
set -u
src=${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source-path=SCRIPTDIR source=../../scripts/hean
. "$src/scripts/hean"
dir=$(mktemp -d /tmp/hean-summary.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fails=0
check() { # check DESC EXPECTED_LINE EXPECTED_RC LOG MESON_RC
	local out rc
	out=$(test_summary "$4" "$5")
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
check "mixed results" "3 passed, 4 failed, 1 skipped" 1 "$dir/mixed.json" 1
check "all passed" "2 passed, 0 failed" 0 "$dir/ok.json" 0
check "skips reported" "1 passed, 0 failed, 1 skipped" 0 "$dir/skip.json" 0
check "meson failed, no log" "0 passed, 1 failed" 1 "$dir/none.json" 1
check "meson failed, all tests ok" "2 passed, 1 failed" 1 "$dir/ok.json" 1
[ "$fails" -eq 0 ]
