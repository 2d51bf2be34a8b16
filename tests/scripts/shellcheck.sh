#!/bin/bash
# Runs shellcheck on every shell file the project ships. Libraries (sourced, so
# their variables are used elsewhere) are checked without SC2034.
# Exit 0 pass, 1 fail, 77 skip (no shellcheck).
set -u
src=${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$src" || exit 1
command -v shellcheck >/dev/null || {
	echo "SKIP: shellcheck not installed"
	exit 77
}
progs=(scripts/hean .ci/run tests/scripts/*.sh)
[ -f scripts/watchdog ] && progs+=(scripts/watchdog)
progs+=(tests/watchdog/*.sh)
libs=(scripts/lib/*.sh tests/integration/lib.sh)
rc=0
shellcheck -x "${progs[@]}" || rc=1
shellcheck -x -e SC2034 "${libs[@]}" || rc=1
echo "checked: ${progs[*]} ${libs[*]}"
exit "$rc"
