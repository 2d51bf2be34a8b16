#!/bin/bash
# `scripts/hean test` fails, instead of running fewer tests, when a tool or
# package the tests need is missing, and never counts results left by an
# earlier run. Each case runs the real command (real meson setup of this
# tree into a temp build dir) with one thing hidden: redis-server (PATH),
# cmocka (PKG_CONFIG_LIBDIR and cmake), valgrind (PATH, full run). A fake ninja keeps
# it fast: whatever the setup lets through, no build runs, so a setup that
# wrongly succeeds shows as a missing error line, not as minutes of build.
# Every build dir starts with a stale testlog.json of passed tests.
set -u
src=${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
T=$(mktemp -d /tmp/hean-test-command.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
ninja_real=$(command -v ninja) || {
	echo "FAIL: ninja not installed"
	exit 1
}

# $T/bin: a link to every program on PATH (the first of each name), and
# a ninja that only answers --version. hide NAME / unhide NAME.
mkdir -p "$T/bin"
for d in ${PATH//:/ }; do
	for f in "$d"/*; do
		[ -e "$T/bin/${f##*/}" ] || ln -s "$f" "$T/bin/${f##*/}" 2>/dev/null
	done
done
rm -f "$T/bin/ninja"
# shellcheck disable=SC2016 # $1 is the fake ninja's, not ours
printf '#!/bin/sh\n[ "$1" = --version ] && exec %s --version\necho "fake ninja: no build here" >&2\nexit 1\n' \
	"$ninja_real" >"$T/bin/ninja"
chmod +x "$T/bin/ninja"
hide() { [ ! -e "$T/bin/$1" ] || mv "$T/bin/$1" "$T/hidden-$1"; }
unhide() { [ ! -e "$T/hidden-$1" ] || mv "$T/hidden-$1" "$T/bin/$1"; }
stale() { # stale BUILD_DIR: an earlier run's log, every test passed
	mkdir -p "$1/meson-logs"
	printf '{"name": "stale-%s", "result": "OK"}\n' 1 2 >"$1/meson-logs/testlog.json"
}
# run NAME ARGS...: scripts/hean test --no-deps ARGS in fresh build dirs;
# sets OUT (its output) and RC.
run() {
	local name=$1
	shift
	stale "$T/$name-b"
	stale "$T/$name-vg"
	OUT=$(cd "$src" && HEANCTL_TEST_BUILD_DIR="$T/$name-b" HEANCTL_VG_BUILD_DIR="$T/$name-vg" \
		scripts/hean test --no-deps "$@" 2>&1 </dev/null)
	RC=$?
	printf '%s\n' "$OUT" >"$T/$name.out"
}
expect() { # expect CASE DESC COMMAND...
	if "${@:3}"; then
		echo "ok: $1: $2"
	else
		echo "FAIL: $1: $2"
		tail -n 8 "$T/$1.out" | sed 's/^/    /'
		fails=$((fails + 1))
	fi
}
last_line() { [ "$(tail -n 1 <<<"$OUT")" = "$1" ]; }

# 1. redis-server missing: the setup stops naming it; nothing counted.
hide redis-server
PATH=$T/bin run redis it-exsim-ban
unhide redis-server
expect redis "exit status not 0" test "$RC" -ne 0
expect redis "the setup names redis-server" grep -q "Program 'redis-server' not found" "$T/redis.out"
expect redis "last line '0 passed, 1 failed'" last_line "0 passed, 1 failed"

# 2. cmocka missing (libcmocka-dev absent: its pkg-config file hidden, and
# cmake, through which meson would find its cmake files): the same.
mkdir -p "$T/pc"
for d in $(pkg-config --variable pc_path pkg-config | tr ':' ' '); do
	for f in "$d"/*.pc; do
		[ -e "$f" ] && [ "${f##*/}" != cmocka.pc ] && ln -sf "$f" "$T/pc/"
	done
done
hide cmake
PKG_CONFIG_LIBDIR=$T/pc PATH=$T/bin run cmocka test-json
unhide cmake
expect cmocka "exit status not 0" test "$RC" -ne 0
expect cmocka "the setup names cmocka" grep -qi 'Dependency "cmocka" not found' "$T/cmocka.out"
expect cmocka "last line '0 passed, 1 failed'" last_line "0 passed, 1 failed"

# 3. full run, valgrind missing, the build fails: the stale logs of both
# build dirs (ASan and valgrind) count for nothing.
hide valgrind
PATH=$T/bin run valgrind
expect valgrind "exit status not 0" test "$RC" -ne 0
expect valgrind "valgrind named" grep -q "valgrind not installed" "$T/valgrind.out"
expect valgrind "last line '0 passed, 1 failed' (no stale result counted)" last_line "0 passed, 1 failed"
[ "$fails" -eq 0 ]
