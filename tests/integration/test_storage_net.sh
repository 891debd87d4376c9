#!/usr/bin/env bash
# The storage network (issue 7), with real stacks in namespaces, on both
# datapaths: every node gets a storage address (kept by ctrld) on its
# eth0 with a route to the portal; it reaches the portal (ping, TCP both
# ways through iperf3) and nothing else through the storage subnet:
#   - r2 cannot reach r1's storage address, even with a route and a
#     static neighbour entry forged for it (dropped storage_dst; r1 sees
#     nothing: sentinel-checked);
#   - r2 sending from r1's storage address gets nothing to the portal
#     (dropped storage_src; checked by a capture at the portal);
#   - r3 sees nothing of r1's storage traffic;
# then, with a reload, a removed node's address stops answering, a static
# storage_ip moves a node's address, and `network: off` removes the
# storage port and the nodes' storage addresses.
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/hardening.sh"
. "$(dirname "$0")/../lib/storage_net.sh"

for mode in ${XIT_MODES:-tc xdp}; do
	xit_section "storage network, datapath $mode (run $XIT_ID, subnet $XIT_SN_SUBNET)"
	xit_topology
	xit_config "$mode"
	sn_cfg_storage
	xit_start_ctrld
	xit_expect_nodes_configured
	for n in r1 r2 r3 b1; do
		if xit_wait_for 15 sn_node_ready "$n"; then
			xit_pass "$mode: $n has storage address $(sn_ip "$n")/32 and a route to the portal"
		else
			xit_failed "$mode: $n has its storage address and a route to the portal"
			ip -n "$(xit_nsname "$n")" addr show dev eth0 | sed 's/^/    | /'
			ip -n "$(xit_nsname "$n")" route | sed 's/^/    | /'
		fi
	done
	r1s=$(sn_ip r1)
	r2s=$(sn_ip r2)
	r3s=$(sn_ip r3)
	r1mac=$(xit_node_mac r1)
	r2mac=$(xit_node_mac r2)
	xit_expect_match "$mode: addresses are distinct" "$r1s $r2s $r3s" \
		"^$XIT_SN_NET\.[0-9.]+ $XIT_SN_NET\.[0-9.]+ $XIT_SN_NET\.[0-9.]+$"
	[ "$r1s" != "$r2s" ] && [ "$r2s" != "$r3s" ] && [ "$r1s" != "$r3s" ] ||
		xit_failed "$mode: r1, r2, r3 have three different storage addresses ($r1s $r2s $r3s)"
	xit_expect_eq "$mode: xpan status -j: ctrld.result.storage_network.up" \
		"$(xit_xpan status -j 2>/dev/null | jq -r '.ctrld.result.storage_network.up')" true
	xit_expect_match "$mode: xpan status shows the storage port up" \
		"$(xit_xpan status 2>&1)" "storage: +$XIT_SN_SUBNET, portal $XIT_SN_PORTAL:$XIT_SN_PORT on $XIT_SN_HOST \\(up\\)"

	xit_expect_ok "$mode: r1 pings the portal" \
		xit_ns r1 ping -c 3 -i 0.2 -W 2 "$XIT_SN_PORTAL"
	xit_expect_ok "$mode: b1 (other VLAN) pings the portal" \
		xit_ns b1 ping -c 2 -i 0.2 -W 2 "$XIT_SN_PORTAL"
	xit_expect_ok "$mode: the host pings r1's storage address" \
		ping -c 2 -i 0.2 -W 2 "$r1s"

	# TCP both ways through the portal (the iSCSI traffic's shape: large
	# reads towards the node, writes from it).
	iperf3 -s -B "$XIT_SN_PORTAL" -p "$XIT_SN_PORT" -1 >"$XIT_TMP/iperf-s.log" 2>&1 &
	XIT_BG_PIDS+=("$!")
	xit_wait_for 5 ss -ltn "sport = :$XIT_SN_PORT"
	out=$(xit_ns r1 iperf3 -c "$XIT_SN_PORTAL" -p "$XIT_SN_PORT" -t 2 -J 2>&1)
	bits=$(jq -r '.end.sum_received.bits_per_second // 0 | floor' <<<"$out" 2>/dev/null)
	xit_expect_gt "$mode: TCP from r1 to the portal (bit/s)" "${bits:-0}" 100000000
	iperf3 -s -B "$XIT_SN_PORTAL" -p "$XIT_SN_PORT" -1 >"$XIT_TMP/iperf-s2.log" 2>&1 &
	XIT_BG_PIDS+=("$!")
	xit_wait_for 5 ss -ltn "sport = :$XIT_SN_PORT"
	out=$(xit_ns r1 iperf3 -c "$XIT_SN_PORTAL" -p "$XIT_SN_PORT" -t 2 -R -J 2>&1)
	bits=$(jq -r '.end.sum_received.bits_per_second // 0 | floor' <<<"$out" 2>/dev/null)
	xit_expect_gt "$mode: TCP from the portal to r1 (bit/s)" "${bits:-0}" 100000000

	# r2 tries r1's storage address with everything a node can forge.
	dst0=$(hd_stat r2 drops.storage_dst)
	xit_ns r2 ip route add "$r1s/32" dev eth0 src "$r2s"
	xit_ns r2 ip neigh replace "$r1s" lladdr "$r1mac" dev eth0 nud permanent
	xit_none_start peer r1 "src host $r2s or src host 10.10.0.2" \
		"icmp and src host $XIT_SN_PORTAL"
	xit_ns r2 ping -c 5 -i 0.1 -W 1 "$r1s" >/dev/null 2>&1
	# SYNs that go nowhere: the connect gives up after 2 s, not 2 minutes.
	xit_ns r2 timeout 2 bash -c "exec 3<>/dev/tcp/$r1s/22" 2>/dev/null
	xit_expect_none "$mode: nothing from r2 reaches r1 through the storage subnet" \
		peer ping -c 1 -W 1 "$r1s"
	dst1=$(hd_stat r2 drops.storage_dst)
	xit_expect_gt "$mode: r2's frames to r1's storage address counted storage_dst" \
		"$(( ${dst1/missing/0} - ${dst0/missing/0} ))" 5
	xit_expect_fail "$mode: r2 cannot ping r1's storage address" \
		xit_ns r2 ping -c 1 -W 1 "$r1s"

	# r2 claims r1's storage address as its source.
	src0=$(hd_stat r2 drops.storage_src)
	xit_ns r2 ip addr add "$r1s/32" dev eth0
	sn_host_capture_start forge "icmp"
	xit_ns r2 ping -c 10 -i 0.1 -W 1 -I "$r1s" "$XIT_SN_PORTAL" >/dev/null 2>&1
	xit_expect_ok "$mode: r2 still reaches the portal from its own address (sentinel)" \
		xit_ns r2 ping -c 1 -W 2 -I "$r2s" "$XIT_SN_PORTAL"
	sn_host_capture_stop forge
	xit_expect_eq "$mode: nothing with r1's storage address came from r2 to the portal" \
		"$(sn_host_count forge "$r2mac.*$r1s > ")" 0
	xit_expect_gt "$mode: r2's own echo requests arrived at the portal" \
		"$(sn_host_count forge "$r2mac.*$r2s > $XIT_SN_PORTAL")" 0
	src1=$(hd_stat r2 drops.storage_src)
	xit_expect_gt "$mode: r2's forged frames counted storage_src" \
		"$(( ${src1/missing/0} - ${src0/missing/0} ))" 9
	xit_ns r2 ip addr del "$r1s/32" dev eth0

	# r3 must see nothing of r1's conversation with the portal.
	xit_none_start eaves r3 "net $XIT_SN_SUBNET" "icmp and src host 10.10.0.1"
	xit_ns r1 ping -c 5 -i 0.1 -W 1 "$XIT_SN_PORTAL" >/dev/null 2>&1
	xit_expect_none "$mode: r3 sees none of r1's storage traffic" \
		eaves xit_ns r1 ping -c 1 -W 1 10.10.0.3

	# A restarted ctrld finds the same addresses (state db) and the
	# storage port as it left it; the portal answers throughout.
	xit_stop_ctrld TERM
	xit_expect_ok "$mode: r1 reaches the portal while ctrld is down" \
		xit_ns r1 ping -c 2 -i 0.2 -W 2 "$XIT_SN_PORTAL"
	xit_start_ctrld
	xit_expect_eq "$mode: r1 keeps its storage address across a ctrld restart" "$(sn_ip r1)" "$r1s"
	xit_expect_eq "$mode: r3 keeps its storage address across a ctrld restart" "$(sn_ip r3)" "$r3s"

	# Reload: r3 leaves, r2 gets a configured address.
	xit_section "storage network reload, datapath $mode"
	want=$XIT_SN_NET.7.7
	xit_config "$mode"
	sed -i "/^  - name: r3\$/,/^    datapath:/d" "$XIT_CFG"
	hd_cfg_node r2 storage_ip "$want"
	sn_cfg_storage
	xit_expect_ok "$mode: reload with r3 removed and r2's storage_ip set" xit_xpan reload
	xit_expect_eq "$mode: r2's storage address is the configured one" "$(sn_ip r2)" "$want"
	if xit_wait_for 10 sn_node_ready r2; then
		xit_pass "$mode: r2's eth0 carries $want and routes the portal from it"
	else
		xit_failed "$mode: r2's eth0 carries $want and routes the portal from it"
	fi
	xit_expect_ok "$mode: r2 pings the portal from its new address" \
		xit_ns r2 ping -c 2 -i 0.2 -W 2 "$XIT_SN_PORTAL"
	xit_expect_fail "$mode: r2's old address is gone from its eth0" \
		bash -c "ip -n $(xit_nsname r2) -4 addr show dev eth0 | grep -q 'inet $r2s/'"
	xit_expect_fail "$mode: the host no longer reaches r3's old storage address" \
		ping -c 1 -W 1 "$r3s"
	xit_expect_eq "$mode: r1 kept its storage address" "$(sn_ip r1)" "$r1s"

	# Off: the storage port goes, and so do the nodes' storage addresses.
	xit_config "$mode"
	echo "storage: { portal: 127.0.0.1:$XIT_SN_LOOP, network: off }" >>"$XIT_CFG"
	xit_expect_ok "$mode: reload with network: off" xit_xpan reload
	xit_expect_fail "$mode: the storage port $XIT_SN_HOST is removed" \
		ip link show "$XIT_SN_HOST"
	xit_expect_eq "$mode: r1 has no storage address in show nodes" "$(sn_ip r1)" ""
	if xit_wait_for 10 bash -c "! ip -n $(xit_nsname r1) -4 addr show dev eth0 | grep -q 'inet $r1s/'"; then
		xit_pass "$mode: r1's storage address left its eth0"
	else
		xit_failed "$mode: r1's storage address left its eth0"
	fi
	xit_platform_down
done

xit_summary
