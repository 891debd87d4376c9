#!/usr/bin/env bash
# Broadcasts stay in their VLAN: a broadcast ping and an ARP request for an
# unknown address sent by r1 reach r2 and r3 (red) and neither b1 nor b2;
# b1's broadcast reaches b2 and not red. Modes tc, xdp, and mixed (XDP and
# TC ports side by side in one VLAN: floods must cross between the hooks).
. "$(dirname "$0")/../lib/netns.sh"

for mode in tc xdp mixed; do
	xit_platform_up "$mode"

	for n in r2 r3 b1 b2; do
		xit_capture_start "$n" "bc$n" icmp and ether broadcast
	done
	xit_ns r1 ping -b -c 3 -i 0.2 -W 1 10.10.0.255 >/dev/null 2>&1
	for n in r2 r3; do
		xit_capture_wait "bc$n" 3 5
		xit_expect_gt "$mode: $n (red) got r1's broadcast pings" \
			"$(xit_capture_stop "bc$n")" 2
	done
	sleep 0.5
	for n in b1 b2; do
		seen=$(xit_capture_stop "bc$n")
		xit_expect_eq "$mode: $n (blue) got none of red's broadcasts" "$seen" 0 ||
			xit_capture_show "bc$n"
	done

	# The same from blue (b1: a TC port in mixed mode, r1 is an XDP one).
	for n in b2 r2; do
		xit_capture_start "$n" "bb$n" icmp and ether broadcast
	done
	xit_ns b1 ping -b -c 3 -i 0.2 -W 1 10.20.0.255 >/dev/null 2>&1
	xit_capture_wait bbb2 3 5
	xit_expect_gt "$mode: b2 (blue) got b1's broadcast pings" "$(xit_capture_stop bbb2)" 2
	sleep 0.5
	seen=$(xit_capture_stop bbr2)
	xit_expect_eq "$mode: r2 (red) got none of blue's broadcasts" "$seen" 0 ||
		xit_capture_show bbr2

	# ARP request for 10.10.0.77, which nobody holds: flooded in red only.
	flood0=$(xit_stat r1 flooded)
	for n in r2 b1; do
		xit_capture_start "$n" "arp$n" arp and arp[24:4] = 0x0a0a004d
	done
	xit_ns r1 ping -c 1 -W 2 10.10.0.77 >/dev/null 2>&1
	xit_capture_wait arpr2 1 5
	xit_expect_gt "$mode: r2 got r1's ARP request for an unknown IP" \
		"$(xit_capture_stop arpr2)" 0
	seen=$(xit_capture_stop arpb1)
	xit_expect_eq "$mode: b1 did not get red's ARP request" "$seen" 0 ||
		xit_capture_show arpb1
	xit_expect_gt "$mode: flooded counter on r1's port grew" \
		"$(xit_stat r1 flooded)" "$flood0"

	xit_platform_down
done
xit_summary
