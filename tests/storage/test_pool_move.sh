#!/usr/bin/env bash
# Pool discovery and failover: a rescan adds new backing stores to the
# free pool and drops vanished free ones; a vanished assigned store makes
# its LUN fail cleanly (NOT READY / MEDIUM NOT PRESENT) while others keep
# working; "storage move" hands a node's disks to another initiator name.
. "$(dirname "$0")/iod_lib.sh"
need iscsi-ls iscsi-readcapacity16 "$IOD" "$IOD_RW" python3
write_config
iod_start "$T/xpan.yaml"

truncate -s 16M "$T/san/new.img"
out=$(ctl storage rescan)
echo "$out"
grep -q "^added .*new.img" <<<"$out" || fail "rescan did not add new.img"
ctl storage pool -j | grep -q '"path":"[^"]*new.img","size":16777216,"state":"free"' ||
	fail "new.img not in the free pool"
rm "$T/san/new.img"
out=$(ctl storage rescan)
grep -q "^removed .*new.img" <<<"$out" || fail "rescan did not remove new.img: $out"

# the store behind n2's LUN 0 goes away
"$IOD_RW" "$(url 0)" $IQN:n2 roundtrip 64 || fail "n2 I/O before the store vanished"
mv "$T/san/disk1.img" "$T/disk1.away"
out=$(ctl storage rescan)
echo "$out"
grep -q "^error: .*disk1.img vanished" <<<"$out" || fail "vanished assigned store not reported"
ctl storage luns -j | grep -q '"node":"n2","lun":0,[^}]*"present":false' || fail "n2 LUN 0 still present"
out=$("$IOD_RW" "$(url 0)" $IQN:n2 roundtrip 8 2>&1) && fail "I/O to a vanished store succeeded: $out"
echo "$out"
grep -qi "MEDIUM_NOT_PRESENT" <<<"$out" || fail "vanished store: unexpected error $out"
"$IOD_RW" "$(url 0)" $IQN:n1 roundtrip 64 || fail "n1 was hit by n2's store vanishing"
mv "$T/disk1.away" "$T/san/disk1.img"
out=$(ctl storage rescan)
grep -q "^returned .*disk1.img" <<<"$out" || fail "store coming back not noticed: $out"
"$IOD_RW" "$(url 0)" $IQN:n2 roundtrip 64 || fail "n2 I/O after the store came back"

# failover: n2's disks move to the spare's initiator name
out=$(ctl storage move n2 $IQN:spare)
echo "$out"
[ "${out%%$'\n'*}" = ok ] || fail "move refused: $out"
s=$(iscsi-readcapacity16 -s -i $IQN:spare "$(url 0)") || fail "spare cannot open n2's LUN 0"
[ "$s" -eq $((48 << 20)) ] || fail "spare sees $s bytes, not n2's 48 MiB disk"
iscsi-ls -s -i $IQN:n2 "iscsi://127.0.0.1:$PORT" >/dev/null 2>&1 && fail "n2's old name still logs in"
out=$(ctl storage move nosuch $IQN:x)
grep -q "^error no node" <<<"$out" || fail "move to an unknown node not refused: $out"
echo ok
