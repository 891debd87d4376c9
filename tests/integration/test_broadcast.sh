#!/usr/bin/env bash
# Broadcasts stay in their VLAN: a broadcast ping and an ARP request for an
# unknown address sent by r1 reach r2 and r3 (red) and neither b1 nor b2;
# b1's broadcast reaches b2 and not red. Modes tc, xdp, and mixed (XDP and
# TC ports side by side in one VLAN: floods must cross between the hooks).
# "Neither" is proved by a sentinel from the receiver's own VLAN that must
# arrive after the broadcasts (xit_none_start/xit_expect_none), no sleep.
. "$(dirname "$0")/../lib/netns.sh"

for mode in tc xdp mixed; do
	xit_platform_up "$mode"

	for n in r2 r3; do
		xit_capture_start "$n" "bc$n" icmp and ether broadcast
	done
	xit_none_start bcb1 b1 'icmp and ether broadcast' 'icmp and src host 10.20.0.2'
	xit_none_start bcb2 b2 'icmp and ether broadcast' 'icmp and src host 10.20.0.1'
	xit_ns r1 ping -b -c 3 -i 0.2 -W 1 10.10.0.255 >/dev/null 2>&1
	for n in r2 r3; do
		xit_capture_wait "bc$n" 3 5
		xit_expect_gt "$mode: $n (red) got r1's broadcast pings" \
			"$(xit_capture_stop "bc$n")" 2
	done
	xit_expect_none "$mode: b1 (blue) got none of red's broadcasts" bcb1 \
		xit_ns b2 ping -c 1 -W 1 10.20.0.1
	xit_expect_none "$mode: b2 (blue) got none of red's broadcasts" bcb2 \
		xit_ns b1 ping -c 1 -W 1 10.20.0.2

	# The same from blue (b1: a TC port in mixed mode, r1 is an XDP one).
	xit_capture_start b2 bbb2 icmp and ether broadcast
	xit_none_start bbr2 r2 'icmp and ether broadcast' 'icmp and src host 10.10.0.1'
	xit_ns b1 ping -b -c 3 -i 0.2 -W 1 10.20.0.255 >/dev/null 2>&1
	xit_capture_wait bbb2 3 5
	xit_expect_gt "$mode: b2 (blue) got b1's broadcast pings" "$(xit_capture_stop bbb2)" 2
	xit_expect_none "$mode: r2 (red) got none of blue's broadcasts" bbr2 \
		xit_ns r1 ping -c 1 -W 1 10.10.0.2

	# ARP request for 10.10.0.77, which nobody holds: flooded in red only.
	flood0=$(xit_stat r1 flooded)
	xit_capture_start r2 arpr2 arp and arp[24:4] = 0x0a0a004d
	xit_none_start arpb1 b1 'arp and arp[24:4] = 0x0a0a004d' 'icmp and src host 10.20.0.2'
	xit_ns r1 ping -c 1 -W 2 10.10.0.77 >/dev/null 2>&1
	xit_capture_wait arpr2 1 5
	xit_expect_gt "$mode: r2 got r1's ARP request for an unknown IP" \
		"$(xit_capture_stop arpr2)" 0
	xit_expect_none "$mode: b1 did not get red's ARP request" arpb1 \
		xit_ns b2 ping -c 1 -W 1 10.20.0.1
	xit_expect_gt "$mode: flooded counter on r1's port grew" \
		"$(xit_stat r1 flooded)" "$flood0"

	xit_platform_down
done
xit_summary
