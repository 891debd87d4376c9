#!/usr/bin/env bash
# Learned addresses: quota, give-back and aging. r1 (max_learned 2) uses
# three addresses that are not configured; two are learned, the third is
# refused (learn_quota). A reload that configures one of the learned
# addresses on r3 removes r1's learned entry and gives the quota back, so
# the third is learned now. When r1 stops using them, the entries age out
# after platform.learn_timeout (2 s here) and the quota is back to 0.
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/hardening.sh"

learned_is()
{
	[ "$(hd_node_num "$1" learned)" == "$2" ]
}

# The addresses xpan_learned holds for a port (ifindex), sorted, one line.
# ip4 is network order read as a little-endian number by bpftool.
learned_ips_of()
{
	bpftool -j map dump pinned "$XIT_BPFFS/xpan_learned" 2>/dev/null |
		jq -r --argjson i "$1" '.[] | select(.formatted.value.ifindex == $i) |
			.formatted.key.ip4 |
			"\(. % 256).\((. / 256 | floor) % 256).\((. / 65536 | floor) % 256).\((. / 16777216 | floor) % 256)"' |
		sort | tr '\n' ' '
}

quota_above()
{
	local v
	v=$(hd_stat r1 drops.learn_quota)
	[[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -gt "$1" ]
}

hd_add_ip()
{
	local l
	l=$(grep -n -m1 "^  - name: $1\$" "$XIT_CFG" | cut -d: -f1)
	sed -i "$l,\$ {/^    ips: /{s#]#, $2]#;:a;n;ba}}" "$XIT_CFG"
}

for mode in tc xdp; do
	xit_section "learning and aging, datapath $mode (run $XIT_ID)"
	xit_topology
	xit_config "$mode"
	hd_cfg_platform learn_timeout 2
	hd_cfg_node r1 max_learned 2
	xit_start_ctrld
	xit_expect_nodes_configured
	r1if=$(cat /sys/class/net/"$(xit_port r1)"/ifindex)
	xit_expect_eq "$mode: r1 starts with nothing learned" "$(hd_node_num r1 learned)" 0

	# Raw frames from addresses r1's stack does not hold (ctrld removes
	# global addresses a managed node has beyond its config).
	r1mac=$(xit_node_mac r1)
	r2mac=$(xit_node_mac r2)
	keep()
	{
		xit_bg_ns r1 python3 "$HD_PY" udp_loop eth0 "$r1mac" "$r2mac" \
			"10.10.0.$1" 10.10.0.2 0.2
	}
	keep 50
	p50=$XIT_BG_PID
	keep 51
	p51=$XIT_BG_PID
	xit_expect_ok "$mode: r1 learned 10.10.0.50 and .51 (its quota, 2)" \
		xit_wait_for 10 learned_is r1 2
	quota0=$(hd_stat r1 drops.learn_quota)
	keep 52
	p52=$XIT_BG_PID
	xit_expect_ok "$mode: a third address (.52) is refused as learn_quota" \
		xit_wait_for 10 quota_above "$quota0"
	xit_expect_eq "$mode: still 2 learned" "$(hd_node_num r1 learned)" 2
	xit_expect_eq "$mode: show bindings lists .50 as learned on r1's port, with its age" \
		"$(xit_xpan show bindings -j --bpffs "$XIT_BPFFS" |
			jq -r --arg ip 10.10.0.50 '.[] | select(.ip == $ip) |
				"\(.flags | join(",")) \(.ifindex) \(.age_ms | type)"')" \
		"learned $r1if number"

	# A configured address always wins over a learned one.
	kill "$p51" 2>/dev/null
	hd_add_ip r3 10.10.0.51/24
	xit_expect_ok "$mode: reload configuring 10.10.0.51 on r3" xit_xpan reload
	xit_expect_ok "$mode: the freed quota lets .52 be learned" \
		xit_wait_for 10 learned_is r1 2
	xit_expect_eq "$mode: r1's learned entries are .50 and .52" \
		"$(learned_ips_of "$r1if")" "10.10.0.50 10.10.0.52 "

	# Aging: r1 stops using its extra addresses.
	kill "$p50" "$p52" 2>/dev/null
	if xit_wait_for 20 learned_is r1 0; then
		xit_pass "$mode: the learned entries aged out (learn_timeout 2 s), quota back to 0"
	else
		xit_failed "$mode: the learned entries aged out (learned is $(hd_node_num r1 learned))"
	fi
	xit_expect_eq "$mode: xpan_learned holds nothing of r1's port" \
		"$(learned_ips_of "$r1if")" ""
	xit_expect_match "$mode: ctrld logged the aging" "$(cat "$XIT_CTRLD_LOG")" \
		'learned addresses: [1-9][0-9]* aged out'
	xit_expect_ok "$mode: r1 pings r2 from its configured address" \
		xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.2
	xit_expect_eq "$mode: a configured address is never learned" "$(hd_node_num r1 learned)" 0

	xit_platform_down
done
xit_summary
