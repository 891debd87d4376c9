#!/usr/bin/env bash
# Per-node views: each initiator name sees only its node's LUNs (discovery,
# REPORT LUNS), LUN 0 of n1 and of n2 are different disks, an unknown
# initiator is refused, INQUIRY and READ CAPACITY(16) answer.
. "$(dirname "$0")/iod_lib.sh"
need iscsi-ls iscsi-inq iscsi-readcapacity16 "$IOD"
write_config
iod_start "$T/xpan.yaml"

out=$(iscsi-ls -s -i $IQN:n1 "iscsi://127.0.0.1:$PORT") || fail "iscsi-ls n1: $out"
echo "$out"
grep -q "Lun:0 .*DIRECT_ACCESS" <<<"$out" || fail "n1 does not see LUN 0"
grep -q "Lun:1 .*DIRECT_ACCESS" <<<"$out" || fail "n1 does not see LUN 1"

out=$(iscsi-ls -s -i $IQN:n1-path2 "iscsi://127.0.0.1:$PORT") || fail "iscsi-ls n1 second name: $out"
[ "$(grep -c '^Lun:' <<<"$out")" -eq 3 ] || fail "n1's second initiator name does not see n1's 3 LUNs"

out=$(iscsi-ls -s -i $IQN:n2 "iscsi://127.0.0.1:$PORT") || fail "iscsi-ls n2: $out"
echo "$out"
[ "$(grep -c '^Lun:' <<<"$out")" -eq 1 ] || fail "n2 should see exactly one LUN"
grep -q "Lun:0 " <<<"$out" || fail "n2 does not see its LUN 0"

out=$(iscsi-ls -s -i $IQN:spare "iscsi://127.0.0.1:$PORT" 2>&1)
grep -q "Lun:" <<<"$out" && fail "a node without LUNs discovered a LUN: $out"

out=$(iscsi-ls -s -i $IQN:intruder "iscsi://127.0.0.1:$PORT" 2>&1) && fail "unknown initiator was let in: $out"
grep -qi "authorization\|failed" <<<"$out" || fail "unknown initiator: unexpected output $out"

# same LUN number, different disks: sizes from READ CAPACITY(16)
s1=$(iscsi-readcapacity16 -s -i $IQN:n1 "$(url 0)") || fail "readcapacity16 n1"
s2=$(iscsi-readcapacity16 -s -i $IQN:n2 "$(url 0)") || fail "readcapacity16 n2"
echo "n1 LUN 0: $s1 bytes, n2 LUN 0: $s2 bytes"
[ "$s1" -eq $((32 << 20)) ] || fail "n1 LUN 0 should be 32 MiB, got $s1"
[ "$s2" -eq $((48 << 20)) ] || fail "n2 LUN 0 should be 48 MiB, got $s2"

# n2 asking for n1's LUN 1 gets nothing
iscsi-readcapacity16 -s -i $IQN:n2 "$(url 1)" >/dev/null 2>&1 && fail "n2 opened LUN 1, which is n1's"

out=$(iscsi-inq -i $IQN:n1 "$(url 0)") || fail "iscsi-inq: $out"
echo "$out"
grep -q "XPAN" <<<"$out" || fail "standard INQUIRY without vendor XPAN"
out=$(iscsi-inq -e 1 -c 131 -i $IQN:n1 "$(url 0)") || fail "iscsi-inq VPD 83: $out"
grep -qi "NAA" <<<"$out" || fail "device identification page without an NAA designator: $out"
out=$(iscsi-inq -e 1 -c 128 -i $IQN:n1 "$(url 1)") || fail "iscsi-inq VPD 80"
ser1=$(grep -i serial <<<"$out")
out=$(iscsi-inq -e 1 -c 128 -i $IQN:n2 "$(url 0)") || fail "iscsi-inq VPD 80 n2"
[ "$ser1" != "$(grep -i serial <<<"$out")" ] || fail "two LUNs share a serial number"
echo "ok"
