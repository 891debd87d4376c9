#!/usr/bin/env bash
# The ARP flood of issue 6: r1 sends 20,000 ARP requests with made-up
# sender addresses. Before, each was learned into the platform-wide
# bindings table until it was full, after which reload failed for every
# VLAN and ctrld would not start. Now r1 learns at most its max_learned
# (default 8), the rest is counted as learn_quota, and the control plane
# is unaffected: a reload adding an address in another VLAN (and one in
# r1's own) succeeds and the addresses answer, and ctrld restarts.
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/hardening.sh"

FLOOD=20000

# hd_add_ip NODE IP/PREFIX: appends an address to the node's ips: line.
hd_add_ip()
{
	local l
	l=$(grep -n -m1 "^  - name: $1\$" "$XIT_CFG" | cut -d: -f1)
	sed -i "$l,\$ {/^    ips: /{s#]#, $2]#;:a;n;ba}}" "$XIT_CFG"
}

learned_entries_of()
{
	bpftool -j map dump pinned "$XIT_BPFFS/xpan_learned" 2>/dev/null |
		jq --argjson i "$1" '[.[] | (.formatted.value // .value) |
			select(.ifindex == $i)] | length'
}

for mode in tc xdp; do
	xit_section "ARP flood, datapath $mode (run $XIT_ID)"
	xit_topology
	xit_config "$mode"
	xit_start_ctrld
	xit_expect_nodes_configured

	r1mac=$(xit_node_mac r1)
	max=$(hd_node_num r1 max_learned)
	xit_expect_eq "$mode: r1's quota is the default max_learned" "$max" 8
	quota0=$(hd_stat r1 drops.learn_quota)
	out=$(xit_ns r1 python3 "$HD_PY" arp_flood eth0 "$r1mac" $FLOOD 10.10.0.2)
	xit_log "$mode: r1 sent $FLOOD ARP requests with made-up senders in ${out#* } s"

	learned=$(hd_node_num r1 learned)
	hd_expect_le "$mode: r1's port holds at most its max_learned addresses" "$learned" "$max"
	xit_expect_gt "$mode: r1 learned up to its quota" "$learned" 0
	entries=$(learned_entries_of "$(cat /sys/class/net/"$(xit_port r1)"/ifindex)")
	hd_expect_le "$mode: xpan_learned holds at most $max entries of r1's port" "${entries:-missing}" "$max"
	quota1=$(hd_stat r1 drops.learn_quota)
	xit_expect_gt "$mode: the rest counted as learn_quota drops (before: $quota0)" \
		"$quota1" $((quota0 + FLOOD / 2))
	xit_log "$mode: learned $learned, learn_quota drops $quota1"

	# The control plane still works for everyone, r1's VLAN included.
	hd_add_ip b1 10.20.0.11/24
	hd_add_ip r2 10.10.0.12/24
	xit_expect_ok "$mode: reload adding 10.20.0.11 to b1 (blue) and 10.10.0.12 to r2 succeeds" \
		xit_xpan reload
	xit_expect_eq "$mode: b1 has no note" "$(xit_node_field b1 note)" ""
	xit_expect_ok "$mode: b2 pings the new address of b1" \
		xit_wait_for 10 xit_ns b2 ping -c 1 -W 1 10.20.0.11
	xit_expect_eq "$mode: b2 resolved 10.20.0.11 to b1's MAC" \
		"$(xit_ns b2 ip -j neigh show 10.20.0.11 dev eth0 | jq -r '.[0].lladdr')" \
		"$(xit_node_mac b1)"
	xit_expect_ok "$mode: r3 pings the new address of r2 (the flooder's VLAN)" \
		xit_wait_for 10 xit_ns r3 ping -c 1 -W 1 10.10.0.12

	# And the daemon starts again over the flooded tables.
	xit_stop_ctrld TERM
	xit_start_ctrld
	xit_expect_ok "$mode: xpan status after the restart" xit_xpan status
	hd_expect_le "$mode: r1 still holds at most its quota after the restart" \
		"$(hd_node_num r1 learned)" "$max"
	xit_ns b2 ip neigh flush dev eth0
	xit_expect_ok "$mode: b2 pings 10.20.0.11 after the restart" \
		xit_ns b2 ping -c 2 -i 0.2 -W 2 10.20.0.11
	xit_expect_ok "$mode: r1 pings r2 (the flooder keeps its own service)" \
		xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.2

	xit_platform_down
done
xit_summary
