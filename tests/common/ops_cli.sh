#!/usr/bin/env bash
# it-ops-cli: the command line every daemon shares (common/config.c):
#  - --version prints "hean-<role> <version>" and exits 0; the start line
#    carries the same version; hean-metrics and the simulators answer it too
#  - --dump-config: KEY=value lines in table order, secrets as ****, a
#    Redis password holding '/', '?' or '@' masked whole; exit 2 naming the
#    variable on an invalid configuration
#  - --get KEY: the unmasked value; exit 2 on an unknown key
#  - --redis-target: the decoded connection (password %-decoded)
#  - HEAN_PROC_NAME in a shared --config file is refused;
#    HEAN_PROC_NAME_<ROLE> gives each daemon its own name
. "$HEAN_SRC/tests/integration/lib.sh"
it_init ops-cli

declare -A BIN=([feed]=feed/hean-feed [signals]=signals/hean-signals [waves]=waves/hean-waves
	[executor]=executor/hean-executor)
for r in feed signals waves executor; do need_built "${BIN[$r]}"; done
unset HEAN_REDIS_URL HEAN_PROC_NAME
export HEAN_HOME=$IT_DIR
SECRET='Sup3r/Secr?t@x'

for r in feed signals waves executor; do
	b=$HEAN_BUILD/${BIN[$r]}
	out=$("$b" --version 2>"$IT_DIR/err")
	it_check "$r --version: '$out', exit 0" test $? = 0
	it_check "$r --version format" grep -qxE "hean-$r [0-9]+\.[0-9]+\.[0-9]+(\+[^ ]+)?" <<<"$out"
	ver=${out#hean-"$r" }

	HEAN_REDIS_URL="redis://hean:$SECRET@127.0.0.1:6390/3" HEAN_BYBIT_API_SECRET=$SECRET \
		"$b" --dump-config >"$IT_DIR/$r.dump" 2>"$IT_DIR/err"
	it_check "$r --dump-config exit 0" test $? = 0
	it_check "$r --dump-config: no secret in clear" bash -c "! grep -qF 'Secr' '$IT_DIR/$r.dump'"
	it_check "$r --dump-config: URL password masked whole" \
		grep -qx 'HEAN_REDIS_URL=redis://hean:\*\*\*\*@127.0.0.1:6390/3' "$IT_DIR/$r.dump"
	it_check "$r --dump-config: secret ****" grep -qx 'HEAN_BYBIT_API_SECRET=\*\*\*\*' "$IT_DIR/$r.dump"
	it_check "$r --dump-config: only KEY=value lines" bash -c "! grep -vqE '^HEAN_[A-Z0-9_]+=' '$IT_DIR/$r.dump'"
	it_check "$r --dump-config: table order (HOME first, LOG_FORMAT after TLS_INSECURE)" \
		bash -c "head -1 '$IT_DIR/$r.dump' | grep -q ^HEAN_HOME= &&
			 grep -n . '$IT_DIR/$r.dump' | grep -A99 HEAN_TLS_INSECURE= | grep -q HEAN_LOG_FORMAT="

	got=$(HEAN_BYBIT_API_SECRET=$SECRET "$b" --get HEAN_BYBIT_API_SECRET)
	it_check "$r --get: unmasked value" test "$got" = "$SECRET"
	"$b" --get HEAN_NO_SUCH >/dev/null 2>"$IT_DIR/err"
	it_check "$r --get unknown key: exit 2" test $? = 2
	it_check "$r --get unknown key: named" grep -q HEAN_NO_SUCH "$IT_DIR/err"
	HEAN_STALE_S=0 "$b" --dump-config >"$IT_DIR/out" 2>"$IT_DIR/err"
	it_check "$r invalid config: exit 2" test $? = 2
	it_check "$r invalid config: names HEAN_STALE_S" grep -q HEAN_STALE_S "$IT_DIR/err"
	it_check "$r invalid config: nothing on stdout" test ! -s "$IT_DIR/out"

	HEAN_REDIS_URL="redis://hean:s3cr%2Fet%40x@10.0.0.7:6391/5" "$b" --redis-target >"$IT_DIR/rt"
	it_check "$r --redis-target" test "$(tr '\n' ' ' <"$IT_DIR/rt")" = \
		"kind=tcp path= host=10.0.0.7 port=6391 user=hean password=s3cr/et@x db=5 "
done

# The same file for all four: each gets its own name.
printf 'HEAN_PROC_NAME_FEED=feed-b\nHEAN_PROC_NAME_WAVES=waves-b\n' >"$IT_DIR/shared.conf"
chmod 600 "$IT_DIR/shared.conf"
it_check "HEAN_PROC_NAME_FEED in a shared file names the feed" \
	test "$("$HEAN_BUILD/feed/hean-feed" --config "$IT_DIR/shared.conf" --get HEAN_PROC_NAME)" = feed-b
it_check "... and the waves differently" \
	test "$("$HEAN_BUILD/waves/hean-waves" --config "$IT_DIR/shared.conf" --get HEAN_PROC_NAME)" = waves-b
it_check "... the executor keeps its role name" \
	test "$("$HEAN_BUILD/executor/hean-executor" --config "$IT_DIR/shared.conf" --get HEAN_PROC_NAME)" = executor
printf 'HEAN_PROC_NAME=one-for-all\n' >"$IT_DIR/bad.conf"
"$HEAN_BUILD/signals/hean-signals" --config "$IT_DIR/bad.conf" --dump-config >/dev/null 2>"$IT_DIR/err"
it_check "HEAN_PROC_NAME in a --config file: exit 2" test $? = 2
it_check "... naming the rule" grep -q 'HEAN_PROC_NAME_<ROLE>' "$IT_DIR/err"

# The start line carries the version.
start_redis
bg waves-start "$HEAN_BUILD/waves/hean-waves"
WP=$LAST_PID
wait_until 10 grep -q 'event=start ' "$IT_DIR/waves-start.log"
it_check "start line: version=$ver" grep -q "event=start proc=waves role=waves version=$ver " "$IT_DIR/waves-start.log"
kill -TERM "$WP"
wait "$WP"

# --dump-keys: every field name of common/keys.h, as the launcher reads it
# (field.X=value for HEAN_FIELD_X), and the keys with the prefix in force.
HEAN_REDIS_PREFIX=t1: "$HEAN_BUILD/waves/hean-waves" --dump-keys >"$IT_DIR/keys" 2>"$IT_DIR/err"
it_check "--dump-keys: exit 0" test $? = 0
sed -n 's/^#define HEAN_FIELD_\([A-Z0-9_]*\) *"\([^"]*\)".*/field.\1=\2/p' "$HEAN_SRC/common/keys.h" |
	sort >"$IT_DIR/want"
grep '^field\.' "$IT_DIR/keys" | sort >"$IT_DIR/got"
it_check "--dump-keys: $(wc -l <"$IT_DIR/want") fields in keys.h, all printed with their names" \
	test "$(wc -l <"$IT_DIR/want")" -gt 60 -a "$(comm -3 "$IT_DIR/want" "$IT_DIR/got" | wc -l)" = 0
it_check "--dump-keys: keys carry the prefix" grep -qx 'position=t1:position:%s' "$IT_DIR/keys"
# README's contract table names every one of those fields
sed -n '/^### The Redis contract/,/^### /p' "$HEAN_SRC/README.md" >"$IT_DIR/contract"
undoc=$(cut -d= -f2 "$IT_DIR/want" | sort -u | while read -r f; do
	grep -qF "\`$f\`" "$IT_DIR/contract" || printf '%s ' "$f"
done)
it_check "README's Redis contract names every field of keys.h (missing: ${undoc:-none})" test -z "$undoc"

# hean-metrics answers --version the same way
out=$("$HEAN_BUILD/scripts/metrics/hean-metrics" --version 2>"$IT_DIR/err")
it_check "metrics --version: '$out', exit 0" test $? = 0
it_check "metrics --version format" grep -qxE "hean-metrics [0-9]+\.[0-9]+\.[0-9]+(\+[^ ]+)?" <<<"$out"

# so do the simulators (hean up may start them beside the daemons)
for sim in exsim sigsim; do
	out=$("$HEAN_BUILD/tests/sim/hean-$sim" --version 2>"$IT_DIR/err")
	it_check "$sim --version: '$out', exit 0" test $? = 0
	it_check "$sim --version format" grep -qxE "hean-$sim [0-9]+\.[0-9]+\.[0-9]+(\+[^ ]+)?" <<<"$out"
done

# HEAN_LOG_FORMAT=json: every line of a daemon's log is one JSON object.
command -v jq >/dev/null || it_fail "jq is not installed"
HEAN_LOG_FORMAT=json bg waves-json "$HEAN_BUILD/waves/hean-waves" --log "$IT_DIR/json.log"
WP=$LAST_PID
wait_until 10 grep -q 'lease_acquired' "$IT_DIR/json.log"
kill -TERM "$WP"
wait "$WP"
n=$(wc -l <"$IT_DIR/json.log")
ok=$(jq -c 'select(.ts and .level and .proc == "waves" and .msg)' "$IT_DIR/json.log" 2>/dev/null | wc -l)
it_check "json log: $ok of $n lines are objects with ts, level, proc, msg" test "$n" -gt 3 -a "$ok" = "$n"
it_check "json log: the start line has version and pid as fields" \
	test "$(jq -r 'select(.event == "start") | "\(.version) \(.pid|type)"' "$IT_DIR/json.log")" = "$ver number"
it_done
