#!/usr/bin/env bash
# it-redis-stream: common/stream (consumer group reader) on a real redis.
#  - 3 entries read, 1 acked, consumer killed -9: the restart re-delivers
#    exactly the 2 unacked first (pending=1), then new ones (pending=0)
#  - pause/resume inside the replay keeps order
#  - DEL of the stream -> NOGROUP -> group re-created, reading goes on
#  - kill -9 of redis + restart: reading resumes by itself
#  - pending entries trimmed away (nil body): reported with nil=1, acked
. "$HEAN_SRC/tests/integration/lib.sh"
it_init redis-stream

RS=$HEAN_BUILD/tests/common/rt_stream
need_built tests/common/rt_stream

start_redis
URL=$HEAN_REDIS_URL
K=rt:s
G=g
C=worker
entries() { grep -c ' entry ' "$IT_DIR/$1.log"; }
has_entry() { grep -q " entry $2 pending=$3 nil=$4 " "$IT_DIR/$1.log"; }
pending() { rcli XPENDING "$K" "$G" | head -1; }

id1=$(rcli XADD "$K" '*' n 1)
id2=$(rcli XADD "$K" '*' n 2)
id3=$(rcli XADD "$K" '*' n 3)

# ---- first consumer: reads 3, acks 1, killed ----
RT_ACK_FIRST=1 bg c1 "$RS" "$URL" "$K" "$G" "$C"
C1=$LAST_PID
wait_until 5 out_ge 3 entries c1 || it_fail "c1 did not read 3 entries"
it_check "c1: 3 new entries, in order" has_entry c1 "$id3" 0 0
wait_until 5 out_eq 2 pending || it_fail "PEL is not 2 after one ack ($(pending))"
kill -9 "$C1"
wait "$C1" 2>/dev/null

# ---- restart: exactly the 2 unacked first, pending=1 ----
RT_PAUSE_AT=1 bg c2 "$RS" "$URL" "$K" "$G" "$C"
C2=$LAST_PID
wait_until 5 out_ge 2 entries c2 || it_fail "c2 did not replay"
first2=$(grep ' entry ' "$IT_DIR/c2.log" | head -2 | sed 's/^T=[0-9]* //')
want="entry $id2 pending=1 nil=0 n=2
entry $id3 pending=1 nil=0 n=3"
it_check "replay = exactly the 2 unacked, in order" test "$first2" = "$want"
wait_until 5 grep -q resumed "$IT_DIR/c2.log" || it_fail "no resume"
id4=$(rcli XADD "$K" '*' n 4)
wait_until 5 has_entry c2 "$id4" 0 0 || it_fail "new entry not delivered after replay"
it_check "no other replayed entry" test "$(grep -c 'pending=1' "$IT_DIR/c2.log")" = 2
it_check "id1 (acked) not re-delivered" bash -c "! grep -q ' entry $id1 ' '$IT_DIR/c2.log'"
wait_until 5 out_eq 0 pending || it_fail "acks did not land ($(pending) pending)"

# ---- NOGROUP: the stream is deleted under the reader ----
rcli DEL "$K" >/dev/null
id5=$(rcli XADD "$K" '*' n 5)
wait_until 8 has_entry c2 "$id5" 0 0 || it_fail "no delivery after DEL (NOGROUP)"
it_check "NOGROUP logged, group re-created" grep -q 'event=stream_group_recreate' "$IT_DIR/c2.log"

# ---- redis kill -9 + restart under the reader ----
t_kill=$(now_ms)
stop_redis KILL
restart_redis
wait_until 10 out_ge 2 count_matches "$IT_DIR/c2.log" "block up" || it_fail "block link not back"
id6=$(rcli XADD "$K" '*' n 6)
if wait_until 10 has_entry c2 "$id6" 0 0; then
	figure stream_resume_after_redis_kill_ms $(($(now_ms) - t_kill))
else
	it_fail "reading did not resume after redis restart"
fi
it_check "c2 alive" kill -0 "$C2"
kill -TERM "$C2"
wait "$C2"
it_check "c2 clean exit, order kept" test $? = 0
it_check "no order violation" bash -c "! grep -q ORDER_VIOLATION '$IT_DIR'/c*.log"
it_check "no ack refused (reads held while the cmd link is down)" bash -c "! grep -q ACK_FAILED '$IT_DIR'/c*.log"

# ---- trimmed pending entries (nil body) ----
wait_until 5 out_eq 0 pending
id7=$(rcli XADD "$K" '*' n 7)
id8=$(rcli XADD "$K" '*' n 8)
RT_ACK_FIRST=0 bg c3 "$RS" "$URL" "$K" "$G" "$C"
C3=$LAST_PID
wait_until 5 has_entry c3 "$id8" 0 0 || it_fail "c3 did not read"
wait_until 5 out_eq 2 pending || it_fail "PEL not 2 ($(pending))"
kill -9 "$C3"
wait "$C3" 2>/dev/null
rcli XTRIM "$K" MAXLEN 0 >/dev/null
bg c4 "$RS" "$URL" "$K" "$G" "$C"
C4=$LAST_PID
wait_until 5 has_entry c4 "$id8" 1 1 || it_fail "trimmed entries not reported"
it_check "trimmed entry 1 reported nil" has_entry c4 "$id7" 1 1
wait_until 5 out_eq 0 pending || it_fail "trimmed entries not acked ($(pending))"
it_check "trim logged" grep -q 'event=stream_trimmed_entry' "$IT_DIR/c4.log"
kill -TERM "$C4"
wait "$C4"
it_check "c4 clean exit" test $? = 0

it_done
