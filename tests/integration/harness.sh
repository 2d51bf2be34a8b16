#!/bin/bash
# The harness (lib.sh) never lets a sanitizer report pass: a test whose
# logs hold an AddressSanitizer, LeakSanitizer or UBSan report exits 1,
# also when it then skips (exit 77, which the summary would count as a
# skip) or passes. Controls: without a report, skip is 77 and pass is 0.
set -u
lib=${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/integration/lib.sh
fails=0
# run END REPORT: a test that writes REPORT (may be empty) into a log, then
# ends with it_END; prints its exit status.
run() {
	bash -c '. "$1"; it_init harness-probe; printf "%s\n" "$3" >"$IT_DIR/probe.log"; echo "$IT_DIR" >&3
		"it_$2" "planted"' _ "$lib" "$1" "$2" 3>>"$T/dirs" >/dev/null 2>&1
	echo $?
}
T=$(mktemp -d /tmp/hean-harness.XXXXXX)
trap 'xargs -r rm -rf <"$T/dirs"; rm -rf "$T"' EXIT
: >"$T/dirs"
check() { # check DESC GOT WANT
	if [ "$2" = "$3" ]; then
		echo "ok: $1 (exit $2)"
	else
		echo "FAIL: $1: exit $2, want $3"
		fails=$((fails + 1))
	fi
}
asan='==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010'
ubsan='common/x.c:10:5: runtime error: signed integer overflow'
check "skip without a report" "$(run skip '')" 77
check "pass without a report" "$(run 'done' '')" 0
check "skip after an ASan report fails" "$(run skip "$asan")" 1
check "pass after an ASan report fails" "$(run 'done' "$asan")" 1
check "skip after a UBSan report fails" "$(run skip "$ubsan")" 1
[ "$fails" -eq 0 ]
