#!/bin/bash
# Conformance: ccxt and bybit-api, unmodified, against hean-exsim (see
# conformance.js). The npm packages pinned by package-lock.json are
# installed with `npm ci` into the build tree (once per lock file); no
# node, no npm or a failed install fails the test: it never skips.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init conformance
here=$HEAN_SRC/tests/conformance

for c in node npm curl; do
	command -v "$c" >/dev/null || { it_fail "$c not installed (Debian: nodejs npm curl)"; it_done; }
done
it_log "node $(node --version), npm $(npm --version)"

# The clients, installed once per lock file into the build tree.
lock_sum=$(sha256sum "$here/package-lock.json" | cut -c1-16)
mods=$HEAN_BUILD/tests/conformance/npm-$lock_sum
if [ ! -f "$mods/.installed" ]; then
	rm -rf "$mods"
	mkdir -p "$mods"
	cp "$here/package.json" "$here/package-lock.json" "$mods/"
	it_log "npm ci into $mods"
	if ! (cd "$mods" && timeout 120 npm ci --no-audit --no-fund --ignore-scripts \
		--cache "$HEAN_BUILD/tests/conformance/npm-cache") >"$IT_DIR/npm.txt" 2>&1; then
		tail -n 20 "$IT_DIR/npm.txt" >&2
		it_fail "npm ci failed (registry unreachable?)"
		it_done
	fi
	touch "$mods/.installed"
fi

# Bybit says key order varies: the clients get it shuffled.
start_exsim --rate 20 --seed 13 --fill-delay-ms 20 --symbols BTCUSDT,ETHUSDT,SOLUSDT --shuffle-keys
[ -n "${EXSIM_PORT:-}" ] || it_done
# Node 18 (Debian 12) has the Web Crypto global bybit-api signs with only
# behind a flag; later versions have it on.
node_flags=()
[ "$(node -p 'process.versions.node.split(".")[0]')" -lt 19 ] &&
	node_flags=(--experimental-global-webcrypto)
EXSIM_URL=$EXSIM_URL EXSIM_KEY=hean-sim-key EXSIM_SECRET=hean-sim-secret \
	NODE_PATH=$mods/node_modules timeout 50 node "${node_flags[@]}" "$here/conformance.js" \
	>"$IT_DIR/clients.txt" 2>&1
rc=$?
cat "$IT_DIR/clients.txt" >&2
[ "$rc" -eq 0 ] || it_fail "client checks failed (node exit $rc)"
it_done
