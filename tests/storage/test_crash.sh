#!/usr/bin/env bash
# kill -9 during a stream of acknowledged writes loses none of them: the
# writer logs a block only after the target's GOOD status; after a
# restart every logged block must read back with its pattern. The LUN
# reports WCE=0, so xpan-iod acknowledges a write only once it is on the
# backing store (RWF_DSYNC).
. "$(dirname "$0")/iod_lib.sh"
need "$IOD" "$IOD_RW"
write_config
iod_start "$T/xpan.yaml"

"$IOD_RW" "$(url 0)" $IQN:n1 stream "$T/acked.log" >"$T/writer.out" 2>&1 &
writer=$!
# let a few hundred writes through, then pull the plug mid-stream
for _ in $(seq 100); do
	[ -s "$T/acked.log" ] && [ "$(wc -l <"$T/acked.log")" -ge 300 ] && break
	sleep 0.1
done
n=$(wc -l <"$T/acked.log")
[ "$n" -gt 0 ] || fail "no write was acknowledged before the kill"
iod_kill9
wait "$writer"
cat "$T/writer.out"
n=$(wc -l <"$T/acked.log")
echo "killed xpan-iod with $n writes acknowledged"

iod_start "$T/xpan.yaml"
"$IOD_RW" "$(url 0)" $IQN:n1 check "$T/acked.log" || fail "acknowledged writes were lost"
echo ok
