#!/usr/bin/env bash
# Issue 7: identity by path on the storage network. Without the dataplane:
# a plain veth pair from the host (holding the portal address) to one
# namespace holding the nodes' storage addresses, in a test subnet and on
# a test port that cannot meet a real platform's 100.64.0.1:3260. The
# storage_addrs table is written with sqlite3 into the state dir, with
# the schema xpan-ctrld uses (lib/state.c), in WAL mode like ctrld's.
#   - xpan-iod listens on the portal before the address exists (IP_FREEBIND)
#     and refuses storage-network logins while the table does not exist
#   - from n1's address: n1's names log in and see exactly n1's LUNs;
#     n2's (valid) name is refused (0x0202) and logged; an address owned
#     by nobody is refused; CHAP of the owning node still applies
#   - loopback, and the host through the portal address itself, keep
#     today's rules (any node's name)
#   - n1's address moves to n2: `xpan storage refresh` closes n1's open
#     session at once (a loopback session stays), n1's name is refused
#     from there, n2's works
#   - the table changes without a refresh: the 5 s recheck closes the
#     session within its period
. "$(dirname "$0")/iod_lib.sh"
need ip sqlite3 python3 iscsi-ls iscsi-readcapacity16 "$IOD" "$ROOT/build/xpan"
XPAN=$ROOT/build/xpan

NS=iodid-$$
HIF=iodid$$h
NIF=iodid$$n
# a /24 of 100.127.0.0/16 per run: two runs side by side do not meet
SUB=100.127.$(($$ % 200 + 20))
PORTAL=$SUB.1
A1=$SUB.2	# n1
A2=$SUB.3	# n2
A3=$SUB.4	# n3 (CHAP)
A5=$SUB.5	# n1's after the move
AX=$SUB.9	# nobody's

idid_cleanup()
{
	iod_cleanup
	ip netns del "$NS" 2>/dev/null
	ip link del "$HIF" 2>/dev/null
}
trap idid_cleanup EXIT

ipint()
{
	local a b c d
	IFS=. read -r a b c d <<<"$1"
	echo $(((a << 24) | (b << 16) | (c << 8) | d))
}

# db SQL: one transaction on the state database, as ctrld writes it
db()
{
	sqlite3 "$T/state/xpan.db" "PRAGMA busy_timeout=5000; BEGIN IMMEDIATE; $*; COMMIT;" >/dev/null ||
		fail "sqlite3: $*"
}

# from ADDR: the namespace's connections to the portal leave from ADDR
from()
{
	ip -n "$NS" route replace "$PORTAL/32" dev "$NIF" src "$1" ||
		fail "cannot set the source address $1"
}

# ls_as INITIATOR [URL-PREFIX]: iscsi-ls inside the namespace
ls_as()
{
	ip netns exec "$NS" iscsi-ls -s -i "$1" "iscsi://${2:-}$PORTAL:$SPORT" 2>&1
}

# hold_open NAME INITIATOR SRC [NETNS]: a raw session that pings until
# the target closes it ($T/NAME.out), pid in HOLD_PID
hold_open()
{
	local name=$1 init=$2 src=$3 ns=${4:-} host=$PORTAL port=$SPORT
	if [ -z "$ns" ]; then
		host=127.0.0.1 port=$PORT
	fi
	${ns:+ip netns exec "$ns"} $RAW hold "$host" "$port" "$init" \
		"$(printf '4000%08x' $RANDOM)" "$src" "$T/stop.$name" \
		>"$T/$name.out" 2>&1 &
	HOLD_PID=$!
	bg_track $HOLD_PID
	wait_until 100 grep -qs "^login ok" "$T/$name.out" ||
		fail "$name: no session: $(cat "$T/$name.out")"
}

# The nodes' side: one namespace, the storage addresses on its veth end.
ip netns add "$NS" || fail "ip netns add $NS"
ip link add "$HIF" type veth peer name "$NIF" netns "$NS" || fail "ip link add $HIF"
ip -n "$NS" link set lo up
for a in $A1 $A2 $A3 $A5 $AX; do
	ip -n "$NS" addr add "$a/24" dev "$NIF" || fail "address $a"
done
ip -n "$NS" link set "$NIF" up
ip link set "$HIF" up

SPORT=$(free_port) || fail "no free port for the storage portal"
write_config
mkdir -p "$T/state"
truncate -s 16M "$T/san/disk3.img"
cat >"$T/xpan.yaml" <<YAML
platform:
  state: $T/state
nodes:
  - name: n1
    initiators: [$IQN:n1, $IQN:n1-path2]
  - name: n2
  - name: n3
    chap: { user: n3user, secret: "n3-chap-secret" }
storage:
  portal: 127.0.0.1:3260
  network: { subnet: $SUB.0/24, portal_ip: $PORTAL, port: $SPORT }
  pool: [$T/san]
  rescan: 0
  luns:
    - { node: n1, lun: 0, backing: disk0.img, offset: 0, size: 32M }
    - { node: n1, lun: 1, backing: disk0.img, offset: 32M }
    - { node: n2, lun: 0, backing: disk1.img }
    - { node: n3, lun: 0, backing: disk2.img }
YAML

# xpan-iod starts before ctrld made the portal address or the database.
iod_start "$T/xpan.yaml"
grep -q "listening on 127.0.0.1:$PORT (storage.portal) and $PORTAL:$SPORT (storage network $SUB.0/24)" "$T/iod.log" ||
	fail "the listening addresses are not logged"
ss -Hltn "src $PORTAL:$SPORT" | grep -q . ||
	fail "no listener on $PORTAL:$SPORT before the address exists (IP_FREEBIND)"
ip addr add "$PORTAL/24" dev "$HIF" || fail "portal address"
from "$A1"
wait_until 30 ip netns exec "$NS" bash -c "exec 3<>/dev/tcp/$PORTAL/$SPORT" 2>/dev/null ||
	fail "the portal does not answer once its address exists"

out=$(ls_as "$IQN:n1") && fail "a storage-network login was let in without storage_addrs: $out"
grep -q "xpan.db does not exist" "$T/iod.log" || fail "the missing database is not logged"
echo "no database: refused"

# ctrld's table: n1, n2, n3 hold A1, A2, A3; nobody holds AX.
sqlite3 "$T/state/xpan.db" "PRAGMA journal_mode=WAL;" >/dev/null || fail "sqlite3"
db "CREATE TABLE storage_addrs (node TEXT PRIMARY KEY, ip INTEGER NOT NULL UNIQUE, assigned_at INTEGER NOT NULL);
    INSERT INTO storage_addrs VALUES ('n1', $(ipint $A1), 0), ('n2', $(ipint $A2), 0), ('n3', $(ipint $A3), 0)"

from "$A1"
out=$(ls_as "$IQN:n1") || fail "n1 from its own address: $out"
echo "$out"
[ "$(grep -c '^Lun:' <<<"$out")" -eq 2 ] || fail "n1 should see exactly its 2 LUNs: $out"
out=$(ls_as "$IQN:n1-path2") || fail "n1's second name from n1's address: $out"
[ "$(grep -c '^Lun:' <<<"$out")" -eq 2 ] || fail "n1's second name should see n1's 2 LUNs: $out"

out=$(ls_as "$IQN:n2") && fail "n2's name was let in from n1's address: $out"
grep -qi "authorization" <<<"$out" || fail "n2's name from n1's address: not an authorization failure: $out"
grep -q "login of '$IQN:n2' refused: storage address $A1 belongs to node n1, not to node n2" "$T/iod.log" ||
	fail "the refusal does not name the address, the initiator and the owner"
echo "n2's name from n1's address: refused"

from "$AX"
out=$(ls_as "$IQN:n1") && fail "a login from an address nobody holds was let in: $out"
grep -q "login of '$IQN:n1' refused: storage address $AX belongs to no node" "$T/iod.log" ||
	fail "the refusal of an unowned address is not logged"
echo "an address nobody holds: refused"

# CHAP stays the node's: n3's secret from n3's address.
from "$A3"
out=$(ls_as "$IQN:n3" "n3user%n3-chap-secret@") || fail "n3 with CHAP from its address: $out"
[ "$(grep -c '^Lun:' <<<"$out")" -eq 1 ] || fail "n3 should see its LUN: $out"
out=$(ls_as "$IQN:n3" "n3user%wrong-secret-x@") && fail "n3 with a wrong secret was let in: $out"
echo "n3 (CHAP) from its address: right secret in, wrong secret out"

# Loopback, and the host through the portal address itself: today's rules.
out=$(iscsi-ls -s -i "$IQN:n2" "iscsi://127.0.0.1:$PORT" 2>&1) || fail "n2 over loopback: $out"
[ "$(grep -c '^Lun:' <<<"$out")" -eq 1 ] || fail "n2 over loopback should see its LUN: $out"
out=$(iscsi-readcapacity16 -s -i "$IQN:n2" "iscsi://$PORTAL:$SPORT/$TARGET/0" 2>&1) ||
	fail "n2 from the host to the portal address: $out"
[ "$out" -eq $((48 << 20)) ] || fail "n2's LUN 0 through the portal address: $out"
echo "loopback and the portal itself: any node's name, as before"

# n1's address moves to n2 (n1 gets A5): refresh closes n1's session.
hold_open n1hold "$IQN:n1" "$A1" "$NS"
hold_open lohold "$IQN:n1" 127.0.0.1
db "UPDATE storage_addrs SET ip = $(ipint $A5) WHERE node = 'n1';
    UPDATE storage_addrs SET ip = $(ipint $A1) WHERE node = 'n2'"
t0=$(date +%s%N)
out=$("$XPAN" storage refresh -S "$T/iod.sock") || fail "xpan storage refresh: $out"
echo "refresh: $out"
grep -q "^1 session closed" <<<"$out" || fail "refresh should close n1's one session: $out"
wait_until 20 grep -qs "^closed after" "$T/n1hold.out" ||
	fail "n1's session is still open after the refresh: $(cat "$T/n1hold.out")"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "n1's session from the moved address: $(tail -1 "$T/n1hold.out") ($ms ms after the refresh)"
grep -q "storage address $A1 is no longer node n1's (now held by node n2): closing the session of $IQN:n1" "$T/iod.log" ||
	fail "the closed session is not logged"
sleep 0.5
grep -qs "closed" "$T/lohold.out" && fail "the loopback session was closed too: $(cat "$T/lohold.out")"
out=$(ctl "storage refresh -j")
grep -q '"closed":0' <<<"$out" || fail "a second refresh closed more: $out"

from "$A1"
out=$(ls_as "$IQN:n1") && fail "n1's name from its old address was let in: $out"
out=$(ls_as "$IQN:n2") || fail "n2 from its new address: $out"
[ "$(grep -c '^Lun:' <<<"$out")" -eq 1 ] || fail "n2 from its new address should see its LUN: $out"
from "$A5"
out=$(ls_as "$IQN:n1") || fail "n1 from its new address: $out"
echo "after the move: n1 refused at the old address, n2 in there, n1 in at the new one"

# No refresh: the recheck (every 5 s) closes the session on its own.
hold_open n2hold "$IQN:n2" "$A1" "$NS"
db "DELETE FROM storage_addrs WHERE node = 'n2'"
t0=$(date +%s%N)
wait_until 90 grep -qs "^closed after" "$T/n2hold.out" ||
	fail "n2's session outlived its address by 9 s without a refresh: $(cat "$T/n2hold.out")"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "without a refresh: n2's session closed $ms ms after its row went"
grep -q "storage address $A1 is no longer node n2's (now held by no node): closing the session of $IQN:n2" "$T/iod.log" ||
	fail "the recheck's close is not logged"
grep -qs "closed" "$T/lohold.out" && fail "the loopback session was closed: $(cat "$T/lohold.out")"
echo "ok"
