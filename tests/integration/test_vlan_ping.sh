#!/usr/bin/env bash
# Nodes of one VLAN reach each other by IP: ARP is answered by the port
# program (arp_replies grows, the answer is the peer's virtual MAC) and the
# ping replies come back. Runs the platform in TC, XDP and mixed mode (both
# kinds of port in each VLAN).
. "$(dirname "$0")/../lib/netns.sh"

for mode in tc xdp mixed; do
	xit_platform_up "$mode"

	serial_hex=$(printf '%02x:%02x' $((XIT_SERIAL >> 8)) $((XIT_SERIAL & 255)))
	r2mac=$(xit_node_mac r2)
	xit_expect_match "$mode: r2's virtual MAC is 02:<serial>:<counter>" \
		"$r2mac" "^02:$serial_hex:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$"
	macs=$(xit_node_macs | awk '{print $2}' | sort -u | wc -l)
	xit_expect_eq "$mode: five nodes, five distinct MACs" "$macs" 5

	arp0=$(xit_stat r1 arp_replies)
	xit_expect_ok "$mode: r1 pings r2 (red)" \
		xit_ns r1 ping -c 3 -i 0.2 -W 2 10.10.0.2
	xit_expect_ok "$mode: r1 pings r3 (red)" \
		xit_ns r1 ping -c 3 -i 0.2 -W 2 10.10.0.3
	xit_expect_ok "$mode: b2 pings b1 (blue)" \
		xit_ns b2 ping -c 3 -i 0.2 -W 2 10.20.0.1
	arp1=$(xit_stat r1 arp_replies)
	xit_expect_gt "$mode: ARP replies sent by the dataplane on r1's port" \
		"$arp1" "$arp0"
	xit_expect_match "$mode: r1 resolved r2 to r2's virtual MAC" \
		"$(xit_ns r1 ip neigh show 10.10.0.2 dev eth0)" "lladdr $r2mac"
	fwd=$(xit_stat r1 fwd_unicast)
	xit_expect_gt "$mode: unicast frames forwarded from r1's port" "$fwd" 5

	xit_platform_down
done
xit_summary
