#!/usr/bin/env bash
# Attack (issue 6): one session sends 300 READ(16) of 8 MiB each with
# consecutive CmdSNs far past the MaxCmdSN it was given, and never reads a
# reply. xpan-iod's resident memory must stay below 256 MiB (it reached
# 1.6 GB before the session budget) and another node's session must keep
# working meanwhile.
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
wait_until 100 grep -qs '^sent 300' "$T/burst.out" ||
	fail "attacker did not send its burst: $(cat "$T/burst.out")"
cat "$T/burst.out"

# The attacker's session as xpan-iod reports it: one JSON object.
attacker()
{
	ctl "storage conns -j" | grep -o '{"peer":"[^"]*","initiator":"'"$IQN"':n1"[^}]*}'
}
field()
{
	grep -o "\"$1\":[0-9a-z]*" | cut -d: -f2
}

# Sentinel: the burst has been parsed: the window took its 128 commands
# and ignored the rest, the reads without room wait for memory. The old
# code takes everything: it fails on memory first.
attack_held()
{
	local a
	over_limit && return 0
	a=$(attacker) || return 1
	[ "$(field cmdsn_ignored <<<"$a")" -gt 0 ] &&
		[ "$(field waiting_for_memory <<<"$a")" -gt 0 ]
}
wait_until 600 attack_held || fail "burst not held back: $(attacker); peak $(peak) KiB"
over_limit && fail "xpan-iod grew to $(peak) KiB resident (limit $LIMIT_KIB KiB) under the burst"
a=$(attacker)
echo "attacker: $(field cmdsn_ignored <<<"$a") commands past MaxCmdSN ignored," \
	"$(field in_flight <<<"$a") in flight of which $(field waiting_for_memory <<<"$a") wait for memory," \
	"$(field buffered <<<"$a") bytes buffered; peak RSS so far $(peak) KiB"
[ "$(field buffered <<<"$a")" -le $((64 << 20)) ] ||
	fail "attacker's session buffers more than storage.session_buffer: $a"

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
attack_held || fail "attacker no longer held: $(attacker)"
kill -0 "$IOD_PID" || fail "xpan-iod died"
over_limit && fail "xpan-iod grew to $(peak) KiB resident (limit $LIMIT_KIB KiB)"
echo "peak RSS of xpan-iod during the attack: $(peak) KiB (limit $LIMIT_KIB KiB)"
echo ok
