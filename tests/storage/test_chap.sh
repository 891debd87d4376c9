#!/usr/bin/env bash
# CHAP: a node with a chap secret is reachable with the right user and
# secret only; nodes without one are unaffected.
. "$(dirname "$0")/iod_lib.sh"
need iscsi-ls iscsi-readcapacity16 "$IOD"
write_config
iod_start "$T/xpan.yaml"

out=$(iscsi-ls -s -i $IQN:n3 "iscsi://n3user%n3-chap-secret@127.0.0.1:$PORT" 2>&1) ||
	fail "n3 with the right secret: $out"
echo "$out"
grep -q "Lun:0 " <<<"$out" || fail "n3 does not see its LUN"
s=$(iscsi-readcapacity16 -s -i $IQN:n3 "iscsi://n3user%n3-chap-secret@127.0.0.1:$PORT/$TARGET/0") ||
	fail "READ CAPACITY over a CHAP session"
[ "$s" -eq $((16 << 20)) ] || fail "n3's disk is $s bytes"

out=$(iscsi-ls -s -i $IQN:n3 "iscsi://n3user%wrong-secret-x@127.0.0.1:$PORT" 2>&1) &&
	fail "wrong CHAP secret accepted: $out"
echo "wrong secret: $out"
out=$(iscsi-ls -s -i $IQN:n3 "iscsi://127.0.0.1:$PORT" 2>&1) &&
	fail "login without CHAP accepted for a CHAP node: $out"
out=$(iscsi-ls -s -i $IQN:n3 "iscsi://n2%n3-chap-secret@127.0.0.1:$PORT" 2>&1) &&
	fail "CHAP with another node's user name accepted: $out"
grep -q "CHAP response for $IQN:n3 does not match" "$T/iod.log" ||
	fail "refusal not logged"
iscsi-ls -s -i $IQN:n2 "iscsi://127.0.0.1:$PORT" | grep -q "Lun:0 " ||
	fail "n2 (no CHAP) broken"
echo ok
