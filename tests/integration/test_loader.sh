#!/usr/bin/env bash
# The loader alone, without xpan-ctrld: `xpan load -c` pins the dataplane
# and attaches each port on the hook its config names, loading again
# changes nothing, switching a port's datapath moves it between hooks,
# lost pins are rebuilt, `xpan show ports|stats -j` read the pinned maps,
# bpftool sees BTF field names, and `xpan unload` leaves no pin, program,
# filter or qdisc behind. Map contents are ctrld's job, so this test
# writes xpan_ports entries (with counter slots) and zeroes their
# xpan_counters slots with bpftool the way ctrld would.
set -u

if [ "$(id -u)" -ne 0 ]; then
	echo "needs root (CAP_BPF, CAP_NET_ADMIN, network namespaces)"
	exit 77
fi

TOP=$(cd "$(dirname "$0")/../.." && pwd)
XPAN=${XPAN:-$TOP/build/xpan}
for t in "$XPAN"; do
	[ -x "$t" ] || { echo "FATAL: $t missing - run 'make' first"; exit 1; }
done
for t in bpftool jq ip tc ping; do
	command -v $t >/dev/null || { echo "FATAL: $t not installed - run 'bash scripts/deps.sh'"; exit 1; }
done

ID=$$
NS=ldt-$ID
A=ldt${ID}a		# port of node a
B=ldt${ID}b		# port of node b
C=ldt${ID}c		# port of a second dataplane instance
BPFFS=/sys/fs/bpf/xpan-ldt-$ID
BPFFS2=/sys/fs/bpf/xpan-ldt-$ID-2	# the second instance
BPFFS3=/sys/fs/bpf/xpan-ldt-$ID-3	# an instance inside $NS
TMP=$(mktemp -d "/tmp/ldt-loader-$ID.XXXXXX")
CFG=$TMP/xpan.yaml
PASS=0
FAIL=0

# Run in our namespace but the host's mount namespace, so bpffs pins stay
# visible (ip netns exec would remount /sys and hide them).
in_ns()
{
	nsenter --net="/run/netns/$NS" "$@"
}

cleanup()
{
	"$XPAN" unload --bpffs "$BPFFS" >/dev/null 2>&1
	"$XPAN" unload --bpffs "$BPFFS2" >/dev/null 2>&1
	in_ns "$XPAN" unload --all --bpffs "$BPFFS3" >/dev/null 2>&1
	ip link del "$A" 2>/dev/null
	ip link del "$B" 2>/dev/null
	ip link del "$C" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	# Only our own directories, whatever unload could not remove.
	for d in "$BPFFS" "$BPFFS2" "$BPFFS3"; do
		[ -d "$d" ] && rm -rf "$d"
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

ok()
{
	PASS=$((PASS + 1))
	echo "ok: $1"
}

fail()
{
	FAIL=$((FAIL + 1))
	echo "FAIL: $1"
	[ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/    | /'
}

# check "what" command...: passes when the command succeeds.
check()
{
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$what"; else fail "$what" "$out"; fi
}

# check_not "what" command...: passes when the command fails.
check_not()
{
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then fail "$what" "$out"; else ok "$what"; fi
}

# check_rc "what" RC command...
check_rc()
{
	local what=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$what"; else fail "$what (exit $rc, want $want)" "$out"; fi
}

write_config()
{
	cat >"$CFG" <<EOF
platform:
  serial: $((ID % 60000 + 1))
  state: $TMP/state
  bpffs: $BPFFS
vlans:
  - { name: red, id: 10 }
nodes:
  - name: a
    port: $A
    vlan: red
    ips: [10.77.0.1/24]
    datapath: $1
  - name: b
    port: $B
    vlan: red
    ips: [10.77.0.2/24]
    datapath: $2
EOF
}

# A one-node config: write_config1 FILE PORT DATAPATH BPFFS
write_config1()
{
	cat >"$1" <<EOF
platform:
  serial: $((ID % 60000 + 2))
  state: $TMP/state1
  bpffs: $4
vlans:
  - { name: red, id: 10 }
nodes:
  - { name: c, port: $2, vlan: red, datapath: $3 }
EOF
}

# Little-endian bytes of a 32-bit number, as bpftool wants them.
le32()
{
	printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255))
}

ifindex()
{
	cat "/sys/class/net/$1/ifindex"
}

tc_attached()
{
	tc filter show dev "$1" ingress | grep -q 'xpan_port_in'
}

xdp_attached()
{
	ip link show dev "$1" | grep -q 'prog/xdp.*name xpan_port_in'
}

tc_clean()
{
	[ -z "$(tc filter show dev "$1" ingress 2>/dev/null)" ] &&
		! tc qdisc show dev "$1" | grep -q clsact
}

# The kernel frees a program after an RCU grace period once its last
# link, filter or pin is gone, so "freed" gets a bounded wait (5 s).
prog_freed()
{
	local i
	for i in $(seq 50); do
		bpftool prog show id "$1" >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	return 1
}

xdp_clean()
{
	! ip link show dev "$1" | grep -q 'prog/xdp'
}

# devmaps carry no BTF, so bpftool prints the key as hex bytes.
in_flood()
{
	local i key
	i=$(ifindex "$1")
	key=$(printf '["0x%02x","0x%02x","0x%02x","0x%02x"]' $((i & 255)) $((i >> 8 & 255)) \
		$((i >> 16 & 255)) $((i >> 24 & 255)))
	bpftool -j map dump pinned "$BPFFS/xpan_flood" |
		jq -e --argjson k "$key" 'map(select(.key == $k)) | length == 1' >/dev/null
}

prog_id()
{
	bpftool -j prog show pinned "$BPFFS/$1" | jq -r .id
}

# ---- setup: two veth pairs, node ends in our namespace ----
ip netns add "$NS" || { echo "FATAL: cannot create netns $NS"; exit 1; }
for p in "$A" "$B" "$C"; do
	ip link add "$p" type veth peer name "${p}p" netns "$NS" ||
		{ echo "FATAL: cannot create veth $p"; exit 1; }
	ip link set "$p" up
	ip -n "$NS" link set "${p}p" up
done
ip -n "$NS" addr add 10.77.0.1/24 dev "${A}p"

write_config tc xdp

echo "== load"
check_rc "xpan load -c (a: tc, b: xdp)" 0 "$XPAN" load -c "$CFG"
for pin in xpan_ports xpan_macs xpan_bindings xpan_vlans xpan_flood xpan_learned \
	xpan_port_guard xpan_port_rt xpan_counters \
	prog_port_tc prog_port_xdp prog_flood_egress; do
	check "pinned $pin" test -e "$BPFFS/$pin"
done
check_not "no retired xpan_port_stats" test -e "$BPFFS/xpan_port_stats"
check "a runs xpan_port_in at tc ingress" tc_attached "$A"
check "a has no XDP program" xdp_clean "$A"
check "b runs xpan_port_in at xdp" xdp_attached "$B"
check "b has no tc filter and no clsact" tc_clean "$B"
# Every attached port is in xpan_flood: XDP ports flood only through it,
# and their broadcasts must reach TC ports of the same VLAN too.
check "b is in xpan_flood" in_flood "$B"
check "a (tc) is in xpan_flood too" in_flood "$A"

tc_id=$(prog_id prog_port_tc)
xdp_id=$(prog_id prog_port_xdp)
check_rc "xpan load again (idempotent)" 0 "$XPAN" load -c "$CFG"
check "programs kept (same ids)" test "$(prog_id prog_port_tc) $(prog_id prog_port_xdp)" == "$tc_id $xdp_id"
check "still exactly one tc filter on a" test "$(tc filter show dev "$A" ingress | grep -c 'xpan_port_in')" -eq 1

echo "== ports written as ctrld would"
ia=$(ifindex "$A")
ib=$(ifindex "$B")
# struct xpan_port: mac[6], vlan, flags, datapath, node_id, slot (a: 0, b: 1)
check "write xpan_ports[a]" bpftool map update pinned "$BPFFS/xpan_ports" key $(le32 "$ia") \
	value 2 0 7 0 0 1 10 0 1 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0
check "write xpan_ports[b]" bpftool map update pinned "$BPFFS/xpan_ports" key $(le32 "$ib") \
	value 2 0 7 0 0 2 10 0 1 0 0 0 1 0 0 0 2 0 0 0 1 0 0 0
check "bpftool prints BTF field names of xpan_ports" \
	bash -c "bpftool -j map dump pinned '$BPFFS/xpan_ports' | grep -q '\"vlan\"'"

ports=$("$XPAN" show ports -j --bpffs "$BPFFS")
check "show ports -j is JSON with 2 ports" jq -e 'length == 2' <<<"$ports"
check "show ports -j: a is tc, attached at tc" \
	jq -e --arg n "$A" '.[] | select(.ifname == $n) | .datapath == "tc" and .attached == ["tc"] and .mac == "02:00:07:00:00:01" and .vlan == 10 and .flags == ["enabled"]' <<<"$ports"
check "show ports -j: b is xdp, attached at xdp" \
	jq -e --arg n "$B" '.[] | select(.ifname == $n) | .datapath == "xdp" and .attached == ["xdp"] and .node_id == 2' <<<"$ports"
check "show ports (text) names both ports" bash -c "'$XPAN' show ports -c '$CFG' | grep -q '$A.*tc' && '$XPAN' show ports -c '$CFG' | grep -q '$B.*xdp'"

# struct xpan_mac_key {mac, pad} -> struct xpan_fwd {ifindex, vlan, flags}
check "write xpan_macs" bpftool map update pinned "$BPFFS/xpan_macs" key 2 0 7 0 0 1 0 0 \
	value $(le32 "$ia") 10 0 0 0
# struct xpan_binding_key {vlan, pad, ip4} -> struct xpan_binding {mac, flags, ifindex}
check "write xpan_bindings" bpftool map update pinned "$BPFFS/xpan_bindings" key 10 0 0 0 10 77 0 1 \
	value 2 0 7 0 0 1 1 0 $(le32 "$ia")
check "show macs -j" jq -e --arg n "$A" \
	'length == 1 and .[0].mac == "02:00:07:00:00:01" and .[0].vlan == 10 and .[0].ifname == $n' \
	<<<"$("$XPAN" show macs -j --bpffs "$BPFFS")"
check "show bindings -j" jq -e --arg n "$A" \
	'length == 1 and .[0].ip == "10.77.0.1" and .[0].flags == ["static"] and .[0].ifname == $n' \
	<<<"$("$XPAN" show bindings -j --bpffs "$BPFFS")"

st=$("$XPAN" status -j --socket "$TMP/none.sock" --bpffs "$BPFFS")
check_rc "status exits 1 without ctrld" 1 "$XPAN" status --socket "$TMP/none.sock" --bpffs "$BPFFS"
check "status -j: dataplane ok, ctrld not" \
	jq -e '.ok == false and .ctrld.ok == false and .dataplane.ok == true and .dataplane.ports == 2' <<<"$st"

echo "== stats"
# Counters are a per-CPU array indexed by the port's slot; ctrld zeroes a
# slot when it gives it out. The value is sized from the map.
vsize=$(bpftool -j map show pinned "$BPFFS/xpan_counters" | jq .bytes_value)
check "xpan_counters value is 64 counters" test "$vsize" -eq 512
zero_stats=$(printf '0 %.0s' $(seq 1 "$vsize"))
check "zero xpan_counters[slot of a]" bpftool map update pinned "$BPFFS/xpan_counters" key $(le32 0) value $zero_stats
check "zero xpan_counters[slot of b]" bpftool map update pinned "$BPFFS/xpan_counters" key $(le32 1) value $zero_stats
ip netns exec "$NS" ping -c 2 -i 0.2 -W 1 10.77.0.2 >/dev/null 2>&1
# rx_packets (counter index 0) of one slot summed over CPUs, straight
# from the map, through its BTF field name.
slot_rx()
{
	bpftool -j map lookup pinned "$BPFFS/xpan_counters" key $(le32 "$1") |
		jq '[.formatted.values[].value.v[0]] | add'
}
s0=$(slot_rx 0) s1=$(slot_rx 1)
stats=$("$XPAN" show stats -j --bpffs "$BPFFS")
s0b=$(slot_rx 0) s1b=$(slot_rx 1)
check "show stats -j: one row per port" jq -e 'length == 2' <<<"$stats"
check "show stats -j: a saw the node's frames" \
	jq -e --arg n "$A" '.[] | select(.ifname == $n) | .rx_packets >= 1 and .rx_bytes >= 42' <<<"$stats"
# Nodes may still send (IPv6 autoconf), so each row lies between two reads.
check "show stats -j: a's row is slot 0, b's is slot 1 (a: $s0..$s0b, b: $s1..$s1b)" \
	jq -e --arg a "$A" --arg b "$B" --argjson s0 "${s0:-null}" --argjson s0b "${s0b:-null}" \
	--argjson s1 "${s1:-null}" --argjson s1b "${s1b:-null}" \
	'(.[] | select(.ifname == $a) | .rx_packets) as $ra |
	 (.[] | select(.ifname == $b) | .rx_packets) as $rb |
	 $s0 <= $ra and $ra <= $s0b and $s1 <= $rb and $rb <= $s1b' <<<"$stats"
check "show stats -j: every drop reason by name" \
	jq -e '.[0].drops | has("malformed") and has("spoofed_src") and has("other_vlan") and has("spoofed_ip") and has("learn_quota") and has("storm") and (has("none") | not)' <<<"$stats"
check "show stats (text)" bash -c "'$XPAN' show stats --bpffs '$BPFFS' | grep -q '^$A'"

echo "== switch datapaths (a: xdp, b: tc)"
write_config xdp tc
check_rc "xpan load -c with swapped datapaths" 0 "$XPAN" load -c "$CFG"
check "a runs xpan_port_in at xdp" xdp_attached "$A"
check "a lost its tc filter and clsact" tc_clean "$A"
check "b runs xpan_port_in at tc" tc_attached "$B"
check "b lost its XDP program" xdp_clean "$B"
check "a is in xpan_flood" in_flood "$A"
check "b (now tc) stays in xpan_flood" in_flood "$B"

echo "== lost pins are rebuilt"
rm -f "$BPFFS/prog_port_xdp"
check_rc "xpan load after losing prog_port_xdp" 0 "$XPAN" load -c "$CFG"
check "prog_port_xdp pinned again" test -e "$BPFFS/prog_port_xdp"
check "a runs the new XDP program" test "$(ip -j link show dev "$A" | jq '.[0].xdp.prog.id')" == "$(prog_id prog_port_xdp)"
check "map contents survived" jq -e 'length == 2' <<<"$("$XPAN" show ports -j --bpffs "$BPFFS")"

ids="$(prog_id prog_port_tc) $(prog_id prog_port_xdp) $(prog_id prog_flood_egress) $tc_id $xdp_id"

echo "== a second instance in the same netns"
write_config1 "$TMP/c.yaml" "$C" xdp "$BPFFS2"
check_rc "load instance 2 (own bpffs, port c at xdp)" 0 "$XPAN" load -c "$TMP/c.yaml"
c_id=$(bpftool -j prog show pinned "$BPFFS2/prog_port_xdp" | jq -r .id)
check "instance 2 has its own programs" test "$c_id" != "$(prog_id prog_port_xdp)"

echo "== unload"
check_rc "xpan unload" 0 "$XPAN" unload --bpffs "$BPFFS"
check_not "bpffs dir removed" test -e "$BPFFS"
for p in "$A" "$B"; do
	check "$p: no XDP program" xdp_clean "$p"
	check "$p: no tc filter, no clsact" tc_clean "$p"
done
for id in $ids; do
	check "program $id freed" prog_freed "$id"
done
check "instance 2 still runs on c" test "$(ip -j link show dev "$C" | jq '.[0].xdp.prog.id')" == "$c_id"
check "instance 2's pins untouched" test -e "$BPFFS2/prog_port_xdp"
check_rc "unload instance 2" 0 "$XPAN" unload --bpffs "$BPFFS2"
check "c: no XDP program" xdp_clean "$C"
check_not "instance 2's bpffs dir removed" test -e "$BPFFS2"
check_rc "xpan unload again (nothing loaded)" 0 "$XPAN" unload --bpffs "$BPFFS"
check_rc "status after unload exits 1" 1 "$XPAN" status --socket "$TMP/none.sock" --bpffs "$BPFFS"
check_rc "show ports after unload exits 1" 1 "$XPAN" show ports --bpffs "$BPFFS"

echo "== lost pins: unload --all (inside $NS only)"
write_config1 "$TMP/ns.yaml" "${A}p" tc "$BPFFS3"
check_rc "load inside $NS on ${A}p (tc)" 0 in_ns "$XPAN" load -c "$TMP/ns.yaml"
check "${A}p runs xpan_port_in at tc" bash -c "nsenter --net=/run/netns/$NS tc filter show dev ${A}p ingress | grep -q xpan_port_in"
rm -rf "$BPFFS3"
check_rc "unload without pins" 0 in_ns "$XPAN" unload --bpffs "$BPFFS3"
check "without pins, another instance's program cannot be told apart: kept" \
	bash -c "nsenter --net=/run/netns/$NS tc filter show dev ${A}p ingress | grep -q xpan_port_in"
check_rc "unload --all" 0 in_ns "$XPAN" unload --all --bpffs "$BPFFS3"
check "${A}p: no tc filter, no clsact" in_ns bash -c "[ -z \"\$(tc filter show dev ${A}p ingress)\" ] && ! tc qdisc show dev ${A}p | grep -q clsact"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
