#!/usr/bin/env bash
# Attack (issue 6): one session sends 300 READ(16) of 8 MiB each with
# consecutive CmdSNs far past the MaxCmdSN it was given, and never reads a
# reply. xpan-iod's resident memory must stay below 256 MiB (it reached
# 1.6 GB before the session budget) and another node's session must keep
# working meanwhile. A second hostile session then sends 300 small reads
# at once: those past the window are ignored, never queued.
. "$(dirname "$0")/iod_lib.sh"
need python3 iscsi-inq iscsi-readcapacity16 "$IOD" "$IOD_RW"
LIMIT_KIB=$((256 * 1024))
write_config
iod_start "$T/xpan.yaml"

rss_sampler "$IOD_PID" "$T/rss_peak" &
bg_track $!
wait_until 50 test -s "$T/rss_peak" || fail "no VmRSS sample of xpan-iod"
echo "xpan-iod resident before the attack: $(cat "$T/rss_peak") KiB"

peak()
{
	cat "$T/rss_peak"
}

over_limit()
{
	[ "$(peak)" -ge "$LIMIT_KIB" ]
}

# The attacker: n1, 300 x 8 MiB reads on its 32 MiB LUN 0.
$RAW burst 127.0.0.1 "$PORT" "$IQN:n1" 400000000001 300 16384 "$T/stop" \
	>"$T/burst.out" 2>&1 &
bg_track $!
wait_until 100 grep -q '^sent 300' "$T/burst.out" ||
	fail "attacker did not send its burst: $(cat "$T/burst.out")"
cat "$T/burst.out"

# Sentinel: the target stopped reading the attacker (its session is
# parked at the budget). The old code never parks: it fails on memory.
attack_held()
{
	over_limit && return 0
	ctl "storage conns -j" | grep -q '"initiator":"'"$IQN"':n1","state":"normal","buffered":[0-9]*,"in_flight":[0-9]*,"cmdsn_ignored":[0-9]*,"immediate_rejected":[0-9]*,"paused":[1-9][0-9]*,"parked":true'
}
wait_until 600 attack_held || fail "attacker's session never held back; peak $(peak) KiB"
over_limit && fail "xpan-iod grew to $(peak) KiB resident (limit $LIMIT_KIB KiB) under the burst"
echo "attacker's session parked at the budget; peak so far $(peak) KiB"

# Another node works meanwhile, with real initiators.
out=$(iscsi-inq -i "$IQN:n2" "$(url 0)" 2>&1) || fail "n2 INQUIRY during the attack: $out"
grep -qi "xpan" <<<"$out" || fail "n2 INQUIRY answer: $out"
s=$(iscsi-readcapacity16 -s -i "$IQN:n2" "$(url 0)") ||
	fail "n2 READ CAPACITY during the attack"
[ "$s" -eq $((48 << 20)) ] || fail "n2's disk is $s bytes"
"$IOD_RW" "$(url 0)" "$IQN:n2" roundtrip 4096 ||
	fail "n2 write/read of 2 MiB during the attack"
echo "n2: INQUIRY, READ CAPACITY and a 2 MiB write/read-back worked during the attack"

# The attacker is still held, and memory stayed bounded throughout.
attack_held || fail "attacker no longer parked"
over_limit && fail "xpan-iod grew to $(peak) KiB resident (limit $LIMIT_KIB KiB)"

# The window: 300 one-block reads at once; the 128 of the window run,
# the rest are ignored (RFC 7143 4.2.2.1) and counted.
$RAW burst 127.0.0.1 "$PORT" "$IQN:n1" 400000000002 300 1 "$T/stop" \
	>"$T/burst2.out" 2>&1 &
bg_track $!
wait_until 100 grep -q '^sent 300' "$T/burst2.out" ||
	fail "second attacker: $(cat "$T/burst2.out")"
ignored()
{
	ctl "storage conns -j" | grep -o '"in_flight":0,"cmdsn_ignored":[1-9][0-9]*' |
		grep -o '[0-9]*$'
}
wait_until 100 ignored >/dev/null || fail "no command ignored past MaxCmdSN"
echo "second attacker: $(ignored) commands past MaxCmdSN ignored, none in flight"
kill -0 "$IOD_PID" || fail "xpan-iod died"
over_limit && fail "xpan-iod grew to $(peak) KiB resident"
echo "peak RSS of xpan-iod during the attack: $(peak) KiB (limit $LIMIT_KIB KiB)"
echo ok
