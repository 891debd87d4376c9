#!/usr/bin/env bash
# VLANs are kept apart even against a node that forges its way in: b1
# (blue) takes an address in red's subnet and a static ARP entry with r1's
# MAC. Its frames to r1 must be dropped at b1's port and counted as
# other-VLAN, and ARP from blue must never resolve a red address.
. "$(dirname "$0")/../lib/netns.sh"

for mode in tc xdp mixed; do
	xit_platform_up "$mode"
	r1mac=$(xit_node_mac r1)

	# The same path works inside blue: a failure below is isolation.
	xit_expect_ok "$mode: b1 pings b2 (same VLAN, control)" \
		xit_ns b1 ping -c 2 -i 0.2 -W 2 10.20.0.2
	xit_capture_start r1 r1 host 10.10.0.99
	xit_ns b1 ip addr add 10.10.0.99/24 dev eth0
	xit_expect_fail "$mode: b1 with a red IP cannot ARP-resolve r1's IP" \
		xit_ns b1 ping -c 2 -i 0.5 -W 1 10.10.0.1
	xit_expect_fail "$mode: b1 has no neighbour entry with r1's MAC" \
		bash -c "ip netns exec $(xit_nsname b1) ip neigh show | grep -q $r1mac"

	drop0=$(xit_stat b1 drops.other_vlan)
	xit_ns b1 ip neigh replace 10.10.0.1 lladdr "$r1mac" dev eth0 nud permanent
	xit_expect_fail "$mode: b1 with a red IP and static ARP cannot ping r1" \
		xit_ns b1 ping -c 3 -i 0.2 -W 1 10.10.0.1
	drop1=$(xit_stat b1 drops.other_vlan)
	xit_expect_gt "$mode: other_vlan drops on b1's port" "$drop1" "$drop0"
	sleep 0.5
	seen=$(xit_capture_stop r1)
	xit_expect_eq "$mode: r1 saw no frame (ARP or IP) of b1's forged address" "$seen" 0 ||
		xit_capture_show r1
	xit_expect_ok "$mode: r1 still pings r2" \
		xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.2

	xit_platform_down
done
xit_summary
