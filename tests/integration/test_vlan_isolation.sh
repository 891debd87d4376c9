#!/usr/bin/env bash
# VLANs are kept apart even against a node that forges its way in: b1
# (blue) takes an address in red's subnet and a static ARP entry with r1's
# MAC. Its frames to r1 must be dropped at b1's port and counted as
# other-VLAN, and ARP from blue must never resolve a red address. "Nothing
# arrives" is proved by a sentinel (xit_none_start/xit_expect_none): a
# frame from the own VLAN that must arrive after the forbidden ones.
. "$(dirname "$0")/../lib/netns.sh"

for mode in tc xdp mixed; do
	xit_platform_up "$mode"
	r1mac=$(xit_node_mac r1)

	# The same path works inside blue: a failure below is isolation.
	xit_expect_ok "$mode: b1 pings b2 (same VLAN, control)" \
		xit_ns b1 ping -c 2 -i 0.2 -W 2 10.20.0.2
	# r1 must get nothing from b1's forged address; b1 nothing from r1's
	# address (no ARP answer, no echo reply).
	xit_none_start r1 r1 'host 10.10.0.99' 'icmp and src host 10.10.0.2'
	xit_none_start b1 b1 'src host 10.10.0.1' 'icmp and src host 10.20.0.2'
	xit_ns b1 ip addr add 10.10.0.99/24 dev eth0
	xit_ns b1 ping -c 2 -i 0.5 -W 1 10.10.0.1 >/dev/null 2>&1
	neigh=$(xit_ns b1 ip -j neigh show 10.10.0.1 dev eth0)
	xit_expect_ok "$mode: b1's neighbour table holds no entry with r1's MAC" \
		jq -e --arg m "$r1mac" 'type == "array" and all(.[]; .lladdr != $m)' <<<"$neigh" ||
		printf '    | %s\n' "$neigh"

	drop0=$(xit_stat b1 drops.other_vlan)
	xit_ns b1 ip neigh replace 10.10.0.1 lladdr "$r1mac" dev eth0 nud permanent
	xit_ns b1 ping -c 3 -i 0.2 -W 1 10.10.0.1 >/dev/null 2>&1
	drop1=$(xit_stat b1 drops.other_vlan)
	xit_expect_gt "$mode: other_vlan drops on b1's port" "$drop1" "$drop0"
	xit_expect_none "$mode: r1 got no frame (ARP or IP) of b1's forged address" r1 \
		xit_ns r2 ping -c 1 -W 1 10.10.0.1
	xit_expect_none "$mode: b1 got no frame (ARP answer or echo reply) from r1's address" b1 \
		xit_ns b2 ping -c 1 -W 1 10.20.0.1
	xit_expect_ok "$mode: r1 still pings r2" \
		xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.2

	xit_platform_down
done
xit_summary
