#!/usr/bin/env bash
# A good reload reconciles the running platform with the file: r3 moves
# from red to blue (new VLAN and address, same MAC), b2 is removed (its
# port detached, gone from show nodes) and added back, and gets a new MAC,
# because the MAC counter never hands out a value twice.
. "$(dirname "$0")/../lib/netns.sh"

# Rewrites r3's vlan and address in the config file.
move_r3_to_blue()
{
	local l
	l=$(grep -n -m1 'name: r3' "$XIT_CFG" | cut -d: -f1)
	sed -i "$((l + 4))s/vlan: red/vlan: blue/; $((l + 5))s#ips: .*#ips: [10.20.0.3/24]#" "$XIT_CFG"
	XIT_NODE_VLAN[r3]=blue
	XIT_NODE_IP[r3]=10.20.0.3/24
}

# Removes b2's entry (7 lines) from the config file.
drop_b2()
{
	local l
	l=$(grep -n -m1 'name: b2' "$XIT_CFG" | cut -d: -f1)
	sed -i "${l},$((l + 6))d" "$XIT_CFG"
}

port_has_program()
{
	local port
	port=$(xit_port "$1")
	ip link show dev "$port" | grep -q 'prog/xdp' ||
		tc filter show dev "$port" ingress | grep -q xpan_port_in
}

for mode in tc xdp; do
	xit_platform_up "$mode"
	cp "$XIT_CFG" "$XIT_TMP/orig.yaml"
	r3mac=$(xit_node_mac r3)
	b2mac=$(xit_node_mac b2)
	xit_expect_ok "$mode: r1 pings r3 while both are red" \
		xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.3

	move_r3_to_blue
	xit_expect_ok "$mode: reload moving r3 to blue" xit_xpan reload
	xit_expect_eq "$mode: show nodes has r3 in blue" "$(xit_node_field r3 vlan)" blue
	xit_expect_eq "$mode: r3 kept its MAC" "$(xit_node_mac r3)" "$r3mac"
	if xit_wait_for 10 xit_node_configured r3; then
		xit_pass "$mode: ctrld gave r3 its blue address"
	else
		xit_failed "$mode: ctrld gave r3 its blue address"
		ip -n "$(xit_nsname r3)" addr show dev eth0 | sed 's/^/    | /'
	fi
	xit_expect_fail "$mode: r3 no longer holds its red address" \
		bash -c "ip -n $(xit_nsname r3) addr show dev eth0 | grep -q 10.10.0.3/"
	xit_expect_ok "$mode: r3 pings b1 in blue" \
		xit_ns r3 ping -c 2 -i 0.2 -W 2 10.20.0.1
	# r1 still has r3's MAC in its ARP cache: a real other-VLAN attempt.
	xit_ns r1 ip neigh replace 10.10.0.3 lladdr "$r3mac" dev eth0 nud permanent
	drop0=$(xit_stat r1 drops.other_vlan)
	xit_none_start r3 r3 'src host 10.10.0.1' 'icmp and src host 10.20.0.1'
	xit_ns r1 ping -c 2 -i 0.2 -W 1 10.10.0.3 >/dev/null 2>&1
	xit_expect_gt "$mode: counted as other_vlan on r1's port" \
		"$(xit_stat r1 drops.other_vlan)" "$drop0"
	xit_expect_none "$mode: r1 (red) no longer reaches r3" r3 \
		xit_ns b1 ping -c 1 -W 1 10.20.0.3

	drop_b2
	xit_expect_ok "$mode: reload without b2" xit_xpan reload
	xit_expect_eq "$mode: b2 gone from show nodes" "$(xit_node_field b2 name)" ""
	xit_expect_fail "$mode: b2's port has no program" port_has_program b2
	# Neither b2 gets b1's frames (sentinel: a frame written into b2's
	# port from the host, as nothing else reaches it now) nor b1 answers
	# from b2's address (sentinel: r3, in blue now).
	xit_none_start b2 b2 'src host 10.20.0.1' "$XIT_INJECT_FILTER"
	xit_none_start b1 b1 'src host 10.20.0.2' 'icmp and src host 10.20.0.3'
	xit_ns b1 ping -c 2 -i 0.2 -W 1 10.20.0.2 >/dev/null 2>&1
	xit_expect_none "$mode: b2 gets nothing from b1 any more" b2 xit_inject b2
	xit_expect_none "$mode: b1 gets no answer from b2's address" b1 \
		xit_ns r3 ping -c 1 -W 1 10.20.0.1

	cp "$XIT_TMP/orig.yaml" "$XIT_CFG"
	XIT_NODE_VLAN[r3]=red
	XIT_NODE_IP[r3]=10.10.0.3/24
	xit_expect_ok "$mode: reload with b2 back and r3 red again" xit_xpan reload
	newmac=$(xit_node_mac b2)
	xit_expect_match "$mode: b2 is back with a MAC" "$newmac" '^02:'
	if [ -n "$newmac" ] && [ "$newmac" != "$b2mac" ]; then
		xit_pass "$mode: b2 got a new MAC ($b2mac -> $newmac), none is reused"
	else
		xit_failed "$mode: b2 got a new MAC (was $b2mac, now '$newmac')"
	fi
	macs=$(xit_node_macs | awk '{print $2}' | sort -u | wc -l)
	xit_expect_eq "$mode: five distinct MACs" "$macs" 5
	xit_expect_nodes_configured
	xit_ns b1 ip neigh flush dev eth0
	xit_expect_ok "$mode: b1 pings b2 again" \
		xit_ns b1 ping -c 2 -i 0.2 -W 2 10.20.0.2
	xit_ns r1 ip neigh del 10.10.0.3 dev eth0
	xit_expect_ok "$mode: r1 pings r3 again" \
		xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.3

	xit_platform_down
done
xit_summary
