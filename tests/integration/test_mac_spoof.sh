#!/usr/bin/env bash
# A node that puts another node's MAC on its interface gets nothing
# through: r2 takes r1's MAC; its frames (IP and ARP) are dropped at r2's
# port and counted, neither r3 nor r1 ever sees them (proved by a sentinel
# from a well-behaved node, xit_expect_none), and r1 keeps working.
. "$(dirname "$0")/../lib/netns.sh"

for mode in tc xdp mixed; do
	xit_platform_up "$mode"
	r1mac=$(xit_node_mac r1)
	r3mac=$(xit_node_mac r3)

	# Control: the capture in r3 does see r2's echo requests.
	xit_capture_start r3 ok icmp and src host 10.10.0.2
	xit_expect_ok "$mode: r2 pings r3 with its own MAC (control)" \
		xit_ns r2 ping -c 2 -i 0.2 -W 2 10.10.0.3
	xit_capture_wait ok 2 5
	xit_expect_gt "$mode: r3 saw r2's echo requests (control)" \
		"$(xit_capture_stop ok)" 1

	spoof0=$(xit_stat r2 drops.spoofed_src)
	arp0=$(xit_sum "$(xit_stat r2 drops.arp_spoof)" "$spoof0")
	# From here on nothing r2 sends may reach r3 or r1.
	xit_none_start r3 r3 'src host 10.10.0.2' 'icmp and src host 10.10.0.1'
	xit_none_start r1 r1 'src host 10.10.0.2' 'icmp and src host 10.10.0.3'
	xit_ns r2 ip link set eth0 address "$r1mac"
	xit_ns r2 ip neigh replace 10.10.0.3 lladdr "$r3mac" dev eth0 nud permanent
	xit_ns r2 ping -c 3 -i 0.2 -W 1 10.10.0.3 >/dev/null 2>&1
	spoof1=$(xit_stat r2 drops.spoofed_src)
	xit_expect_gt "$mode: spoofed_src drops on r2's port" "$spoof1" "$spoof0"

	# ARP with the stolen MAC must not teach anyone anything either.
	xit_ns r2 ip neigh flush dev eth0
	xit_ns r2 ip neigh del 10.10.0.3 dev eth0 2>/dev/null
	xit_ns r2 ping -c 2 -i 0.5 -W 1 10.10.0.1 >/dev/null 2>&1
	arp1=$(xit_sum "$(xit_stat r2 drops.arp_spoof)" "$(xit_stat r2 drops.spoofed_src)")
	# more drops than the IP frames above account for (empty if any is)
	lim=
	xit_is_count "$arp0" && xit_is_count "$spoof0" && xit_is_count "$spoof1" &&
		lim=$((arp0 + spoof1 - spoof0))
	xit_expect_gt "$mode: r2's ARP with r1's MAC dropped (arp_spoof+spoofed_src)" \
		"$arp1" "$lim"
	xit_expect_none "$mode: r3 got no frame (IP or ARP) from r2 with r1's MAC" r3 \
		xit_ns r1 ping -c 1 -W 1 10.10.0.3
	xit_expect_none "$mode: r1 got no frame (IP or ARP) from r2 with r1's MAC" r1 \
		xit_ns r3 ping -c 1 -W 1 10.10.0.1

	xit_expect_ok "$mode: r1 still pings r3" \
		xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.3
	xit_expect_eq "$mode: r3 still resolves r1 to r1's MAC" \
		"$(xit_ns r3 ip -j neigh show 10.10.0.1 dev eth0 | jq -r '.[0].lladdr')" "$r1mac"
	xit_expect_eq "$mode: show nodes still gives r1 its own MAC" \
		"$(xit_node_mac r1)" "$r1mac"

	xit_platform_down
done
xit_summary
