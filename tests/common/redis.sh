#!/usr/bin/env bash
# it-redis-client: common/redis against a real redis-server.
#  - commands (fmt/argv/raw), errors, -ENOTCONN before up, destroy inside a
#    callback, graceful close lets ev_run return        (rt_redis basic)
#  - in-flight cap -> -ENOBUFS                         (rt_redis cap)
#  - cas_max: absent -> set, lower/equal -> not, higher -> set (rt_redis cas)
#  - kill -9 redis mid-stream, restart: the client reconnects by itself
#  - SIGSTOP redis: the reply deadline fires, CONT: it recovers; the
#    commands cut off get NULL (unknown outcome) and sent == ok + null
#  - AUTH (+ user, + SELECT) over redis:// TCP; a wrong password never
#    comes up but keeps retrying; the password never reaches the log
. "$HEAN_SRC/tests/integration/lib.sh"
it_init redis-client

RT=$HEAN_BUILD/tests/common/rt_redis
need_built tests/common/rt_redis

# run NAME CMD...: runs CMD (20 s limit), output in $IT_DIR/NAME.log.
run() {
	local name=$1
	shift
	timeout 20 "$@" >>"$IT_DIR/$name.log" 2>&1
}
# tfield FILE PATTERN: the T= value of the first line matching PATTERN.
tfield() { grep -m1 -- "$2" "$1" | sed -n 's/^T=\([0-9]*\) .*/\1/p'; }
between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

start_redis
URL=$HEAN_REDIS_URL

it_check "basic commands, errors, destroy-in-callback, close ends ev_run" run basic "$RT" basic "$URL"
it_check "in-flight cap gives -ENOBUFS" run cap "$RT" cap "$URL"
it_check "cas_max semantics" run cas "$RT" cas "$URL"
it_check "cas_max stored the high-water mark" test "$(rcli GET rt:cas)" = 2000

# ---- kill -9 mid-stream, then restart ----
F=$IT_DIR/fault.log
RT_REPLY_MS=1000 RT_CONNECT_MS=1000 bg fault "$RT" fault "$URL"
FPID=$LAST_PID
wait_until 5 grep -q ' up n=1 ' "$F" || it_fail "fault client never came up"
wait_until 5 out_ge 101 rcli XLEN rt:fault || it_fail "no traffic"

t_kill=$(now_ms)
stop_redis KILL
wait_until 5 grep -q ' down n=1 ' "$F" || it_fail "kill -9 not noticed"
figure redis_kill_noticed_ms $(($(tfield "$F" ' down n=1 ') - t_kill))
restart_redis
t_back=$(now_ms)
if wait_until 10 grep -q ' up n=2 ' "$F"; then
	t_up=$(tfield "$F" ' up n=2 ')
	figure redis_reconnect_after_kill_ms $((t_up - t_kill))
	figure redis_reconnect_after_restart_ms $((t_up - t_back))
else
	it_fail "client did not reconnect after kill -9 + restart"
fi
it_check "client alive after kill -9" kill -0 "$FPID"

# ---- SIGSTOP: the peer is alive, the socket open, nothing answers ----
x0=$(rcli XLEN rt:fault)
wait_until 5 out_ge $((x0 + 101)) rcli XLEN rt:fault || it_fail "no traffic after reconnect"
t_stop=$(now_ms)
kill -STOP "$IT_REDIS_PID"
if wait_until 8 grep -q ' down n=2 ' "$F"; then
	d=$(($(tfield "$F" ' down n=2 ') - t_stop))
	figure redis_reply_deadline_ms "$d"
	it_check "deadline 1000 ms fired in [900, 2000] ms ($d)" between "$d" 900 2000
else
	it_fail "reply deadline did not fire on a stopped redis"
fi
t_cont=$(now_ms)
kill -CONT "$IT_REDIS_PID"
if wait_until 10 grep -q ' up n=3 ' "$F"; then
	figure redis_recover_after_cont_ms $(($(tfield "$F" ' up n=3 ') - t_cont))
else
	it_fail "no recovery after SIGCONT"
fi
it_check "client alive after SIGSTOP/CONT" kill -0 "$FPID"

kill -TERM "$FPID"
wait "$FPID"
rc=$?
it_check "fault client exit 0 (one callback per command, none left in flight)" test "$rc" = 0
sum=$(grep ' summary ' "$F")
it_log "$sum"
ok=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$sum")
nul=$(sed -n 's/.* null=\([0-9]*\).*/\1/p' <<<"$sum")
enc=$(sed -n 's/.* enotconn=\([0-9]*\).*/\1/p' <<<"$sum")
xl=$(rcli XLEN rt:fault)
figure redis_unknown_outcomes "${nul:-0}"
it_check "cut-off commands got NULL (unknown outcome): null=${nul:-?}" test "${nul:-0}" -gt 0
it_check "commands while down were refused (-ENOTCONN=${enc:-?})" test "${enc:-0}" -gt 0
it_check "XLEN $xl within [ok=$ok, ok+null]" between "$xl" "${ok:-0}" $((${ok:-0} + ${nul:-0}))

# ---- AUTH over TCP (redis on a free 127.0.0.1 port, password in a 0600 conf) ----
APORT=$(free_port)
PASS="pw-$RANDOM-$RANDOM-secret"
PASS2="pw2-$RANDOM-$RANDOM-user"
mkdir -p "$IT_DIR/auth"
(
	umask 077
	cat >"$IT_DIR/auth/redis.conf" <<CONF
port $APORT
bind 127.0.0.1
protected-mode yes
dir $IT_DIR/auth
save ""
appendonly no
logfile $IT_DIR/auth/redis-server.log
requirepass $PASS
user hean on >$PASS2 ~rt:* +@all
CONF
)
bg auth-redis redis-server "$IT_DIR/auth/redis.conf"
acli() { REDISCLI_AUTH=$PASS redis-cli -h 127.0.0.1 -p "$APORT" --raw "$@"; }
wait_until 10 acli ping || it_fail "auth redis did not start"

it_check "AUTH USER PASS + SELECT 2 comes up" \
	run auth-user env RT_LOG=debug "$RT" auth "redis://hean:$PASS2@127.0.0.1:$APORT/2" up 5
it_check "SELECT applied: key in db 2" test "$(acli -n 2 GET rt:auth)" = yes
it_check "SELECT applied: key not in db 0" test -z "$(acli -n 0 GET rt:auth)"
it_check "AUTH PASS (redis://:PASS@) comes up" \
	run auth-ok env RT_LOG=debug "$RT" auth "redis://:$PASS@127.0.0.1:$APORT" up 5
c0=$(acli INFO stats | sed -n 's/^total_connections_received:\([0-9]*\).*/\1/p')
it_check "wrong password: never up" \
	run auth-wrong env RT_LOG=debug "$RT" auth "redis://:nope-$RANDOM@127.0.0.1:$APORT" never 3
c1=$(acli INFO stats | sed -n 's/^total_connections_received:\([0-9]*\).*/\1/p')
tries=$((c1 - c0 - 1)) # minus the INFO connection itself
figure redis_auth_wrong_attempts_in_3s "$tries"
it_check "wrong password: kept retrying ($tries connects in 3 s)" test "$tries" -ge 3
it_check "wrong password: reason logged" grep -q 'reason=auth_failed: WRONGPASS' "$IT_DIR/auth-wrong.log"
it_check "no AUTH: never up" \
	run auth-none env RT_LOG=debug "$RT" auth "redis://127.0.0.1:$APORT" never 2
it_check "no AUTH: NOAUTH reason logged" grep -q 'NOAUTH' "$IT_DIR/auth-none.log"
it_check "passwords never logged" bash -c "! grep -rqF -e '$PASS' -e '$PASS2' '$IT_DIR'/auth-*.log '$IT_DIR'/basic.log"

it_done
