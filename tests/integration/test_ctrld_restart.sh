#!/usr/bin/env bash
# The dataplane does not depend on the daemon being alive: a ping every
# 50 ms runs while xpan-ctrld is killed with SIGKILL and started again.
# Criterion (not timed): every echo request up to the last one answered got
# its reply (no gap in icmp_seq), replies kept coming after the restart,
# and the restarted daemon kept every node's MAC. Then the MAC counter
# across kill -9: a node removed and re-added never gets a used MAC.
. "$(dirname "$0")/../lib/netns.sh"

# "port prog_id" for every port, from the kernel: a restart must reuse the
# pinned programs, not load and attach new ones.
prog_ids()
{
	local n port
	for n in "${XIT_NODES[@]}"; do
		port=$(xit_port "$n")
		if [ "$1" == xdp ]; then
			echo "$port $(xit_xdp_prog_id "$port")"
		else
			echo "$port $(xit_tc_prog_id "$port")"
		fi
	done
}

for mode in tc xdp; do
	xit_platform_up "$mode"
	macs0=$(xit_node_macs)
	progs0=$(prog_ids "$mode")
	xit_expect_eq "$mode: show nodes lists five nodes" "$(wc -l <<<"$macs0")" 5

	log=$XIT_TMP/ping-$mode.log
	xit_bg_ns r1 ping -i 0.05 10.10.0.2 >"$log" 2>&1
	ping_pid=$XIT_BG_PID
	xit_wait_for 15 xit_seq_reached "$log" 20 || xit_fatal "ping r1 -> r2 never got going: $(tail -n 3 "$log")"

	xit_stop_ctrld KILL
	at_kill=$(xit_last_seq "$log")
	xit_log "$mode: ctrld killed at icmp_seq $at_kill"
	xit_expect_ok "$mode: replies continue while ctrld is dead" \
		xit_wait_for 10 xit_seq_reached "$log" $((at_kill + 20))
	xit_expect_fail "$mode: xpan status fails while ctrld is dead" xit_xpan status
	# New ARP resolutions too are the dataplane's job, not the daemon's.
	xit_ns b1 ip neigh flush dev eth0
	xit_expect_ok "$mode: b1 resolves and pings b2 while ctrld is dead" \
		xit_ns b1 ping -c 2 -i 0.2 -W 2 10.20.0.2

	xit_start_ctrld
	at_start=$(xit_last_seq "$log")
	xit_log "$mode: ctrld ready again at icmp_seq $at_start"
	xit_expect_ok "$mode: replies continue after the restart" \
		xit_wait_for 15 xit_seq_reached "$log" $((at_start + 40))

	xit_expect_ping_unbroken "$log" "$ping_pid" "$mode: " \
		"no loss across kill and restart"

	macs1=$(xit_node_macs)
	xit_expect_eq "$mode: node MACs identical after kill -9 and restart" \
		"$macs1" "$macs0"
	progs1=$(prog_ids "$mode")
	xit_expect_eq "$mode: ports run the same program instances after the restart" \
		"$progs1" "$progs0"
	xit_expect_ok "$mode: r1 pings r3 after the restart" \
		xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.3

	# The MAC counter survives a crash: b2 is removed and added back (a
	# fresh MAC), ctrld is killed right after and restarted (b2 keeps that
	# MAC), and b2 removed and added once more gets yet another one.
	cp "$XIT_CFG" "$XIT_TMP/orig.yaml"
	l=$(grep -n -m1 'name: b2' "$XIT_CFG" | cut -d: -f1)
	sed "${l},$((l + 6))d" "$XIT_TMP/orig.yaml" >"$XIT_TMP/no-b2.yaml"
	seen=$(xit_node_macs | awk '{print $2}')
	for round in 1 2; do
		cp "$XIT_TMP/no-b2.yaml" "$XIT_CFG"
		xit_expect_ok "$mode: reload without b2 ($round)" xit_xpan reload
		cp "$XIT_TMP/orig.yaml" "$XIT_CFG"
		xit_expect_ok "$mode: reload with b2 back ($round)" xit_xpan reload
		b2mac=$(xit_node_mac b2)
		if [ -n "$b2mac" ] && ! grep -qx "$b2mac" <<<"$seen"; then
			xit_pass "$mode: b2 came back with a MAC never used before ($b2mac)"
		else
			xit_failed "$mode: b2 came back with a MAC never used before (got '$b2mac')"
			printf '%s\n' "$seen" | sed 's/^/    | used before: /'
		fi
		seen=$(printf '%s\n%s' "$seen" "$b2mac")
		[ $round -eq 2 ] && break
		xit_stop_ctrld KILL
		xit_start_ctrld
		xit_expect_eq "$mode: b2 kept its new MAC across kill -9" \
			"$(xit_node_mac b2)" "$b2mac"
	done

	xit_platform_down
done
xit_summary
