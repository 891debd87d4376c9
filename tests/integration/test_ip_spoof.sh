#!/usr/bin/env bash
# IP source guard: r2 sends UDP and ICMP with r1's address as source, and
# gratuitous ARP claiming r1's address, all with its own (valid) MAC. None
# of it reaches r3: checked with a sentinel (a frame from r2's own address
# sent after them, which must arrive) and counted as spoofed_ip. r2 has
# max_learned 0, so an unbound address (10.10.0.77) is refused too.
# IPv6: nodes get the link-local address of their virtual MAC, which the
# guard accepts (ping6 between link-local addresses works).
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/hardening.sh"

# fe80:: + EUI-64 of a MAC, as the kernel prints it.
eui64_ll()
{
	local m
	IFS=: read -ra m <<<"$1"
	printf 'fe80::%x:%x:%x:%x' $(( (16#${m[0]} ^ 2) << 8 | 16#${m[1]} )) \
		$(( 16#${m[2]} << 8 | 0xff )) $(( 0xfe << 8 | 16#${m[3]} )) \
		$(( 16#${m[4]} << 8 | 16#${m[5]} ))
}

ll_of()
{
	xit_ns "$1" ip -6 -j addr show dev eth0 scope link |
		jq -r '.[0].addr_info[] | select(.family == "inet6") | .local'
}

for mode in tc xdp; do
	xit_section "IP spoofing, datapath $mode (run $XIT_ID)"
	xit_topology
	xit_config "$mode"
	hd_cfg_node r2 max_learned 0
	xit_start_ctrld
	xit_expect_nodes_configured
	r2mac=$(xit_node_mac r2)
	r3mac=$(xit_node_mac r3)
	xit_expect_eq "$mode: r2's quota is 0 (max_learned: 0)" "$(hd_node_num r2 max_learned)" 0

	# r3 knows r1 (the address r2 will claim) from a real exchange.
	xit_expect_ok "$mode: r1 pings r3 (control)" \
		xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.3
	spoof0=$(hd_stat r2 drops.spoofed_ip)
	xit_capture_start r3 cap 'udp port 5555 or icmp or arp'
	xit_ns r2 python3 "$HD_PY" spoof eth0 "$r2mac" "$r3mac" 10.10.0.1 10.10.0.3 20
	xit_ns r2 python3 "$HD_PY" spoof eth0 "$r2mac" "$r3mac" 10.10.0.77 10.10.0.3 5
	xit_ns r2 python3 "$HD_PY" garp eth0 "$r2mac" 10.10.0.1 5
	# The sentinel: r2's own address, after everything that must not arrive.
	xit_ns r2 python3 "$HD_PY" udp eth0 "$r2mac" "$r3mac" 10.10.0.2 10.10.0.3 40099 SENTINEL
	if xit_wait_for 10 grep -q '10\.10\.0\.2\.40099 >' "$XIT_TMP/cap-cap.out"; then
		xit_pass "$mode: r3 got the sentinel from r2's own address"
	else
		xit_failed "$mode: r3 got the sentinel from r2's own address"
	fi
	frames=$(xit_capture_stop cap)
	xit_expect_gt "$mode: r3's capture saw frames at all" "$frames" 0
	forged=$(grep -F "$r2mac" "$XIT_TMP/cap-cap.out" |
		grep -cE '10\.10\.0\.(1|77)([^0-9]|$)')
	xit_expect_eq "$mode: nothing from r2 with r1's or an unbound address reached r3" \
		"$forged" 0 || xit_capture_show cap
	spoof1=$(hd_stat r2 drops.spoofed_ip)
	xit_expect_gt "$mode: counted as spoofed_ip on r2's port (20 UDP + 20 ICMP + 10 ARP + 10 unbound)" \
		"$spoof1" $((spoof0 + 59))
	xit_expect_fail "$mode: r3 did not take r2's MAC for 10.10.0.1" \
		bash -c "ip -n $(xit_nsname r3) neigh show 10.10.0.1 | grep -qi $r2mac"
	xit_expect_ok "$mode: r1 still pings r3" xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.3

	# IPv6 link-local from the virtual MAC, accepted by the guard.
	for n in r1 r2; do
		xit_expect_eq "$mode: $n's link-local address is fe80:: + EUI-64 of its MAC" \
			"$(ll_of "$n")" "$(eui64_ll "$(xit_node_mac "$n")")"
	done
	xit_expect_ok "$mode: r1 pings r2's link-local address" \
		xit_wait_for 10 xit_ns r1 ping -6 -c 1 -W 1 "$(eui64_ll "$r2mac")%eth0"

	xit_platform_down
done
xit_summary
