#!/usr/bin/env bash
# Storm control: r1 (flood_limit 100 frames/s, so a burst of 10) sends
# broadcasts as fast as one raw socket can for about 2 s. Each member of
# its VLAN (r2, r3) may receive at most limit * T + burst copies, T being
# the sending time the test measured itself (a bound, not a timing
# assertion). Members count with a raw socket until a unicast sentinel
# from r1 arrives, the socket's own drops added, so nothing is missed.
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/hardening.sh"

LIMIT=100
SECONDS_STORM=2

for mode in tc xdp; do
	xit_section "broadcast storm, datapath $mode (run $XIT_ID)"
	xit_topology
	xit_config "$mode"
	hd_cfg_node r1 flood_limit $LIMIT
	xit_start_ctrld
	xit_expect_nodes_configured
	burst=$(hd_node_num r1 flood_burst)
	xit_expect_eq "$mode: r1's flood_limit is $LIMIT" "$(hd_node_num r1 flood_limit)" $LIMIT
	xit_expect_eq "$mode: its burst is max(limit/10, 10)" "$burst" 10
	r1mac=$(xit_node_mac r1)

	for n in r2 r3; do
		rm -f "$XIT_TMP/count-$n" "$XIT_TMP/count-$n.ready"
		xit_bg_ns "$n" python3 "$HD_PY" count eth0 7777 5555 "$XIT_TMP/count-$n"
		xit_wait_for 10 test -e "$XIT_TMP/count-$n.ready" ||
			xit_fatal "the counter in $n did not start"
	done
	storm0=$(hd_stat r1 drops.storm)
	out=$(xit_ns r1 python3 "$HD_PY" storm eth0 "$r1mac" 10.10.0.1 10.10.0.255 $SECONDS_STORM)
	sent=${out% *}
	elapsed=${out#* }
	xit_log "$mode: r1 sent $sent broadcasts in $elapsed s"
	xit_expect_gt "$mode: r1 sent far more than the limit allows" "${sent:-0}" $((LIMIT * 10))
	# ceil(limit * T) + burst, T the sending time plus 10 ms: frames
	# still queued in the veth when send() returned (XDP runs in the
	# receiving NAPI) reach the limiter a little after the sender's clock
	# stopped.
	bound=$(awk -v l=$LIMIT -v t="$elapsed" -v b="$burst" \
		'BEGIN { x = l * (t + 0.01); printf "%d", (x == int(x) ? x : int(x) + 1) + b }')
	# Sentinels: unicast, not rate-limited, after the storm.
	for n in r2 r3; do
		xit_ns r1 python3 "$HD_PY" udp eth0 "$r1mac" "$(xit_node_mac $n)" \
			10.10.0.1 "$(xit_ip $n)" 40100 SENTINEL
	done
	for n in r2 r3; do
		if ! xit_wait_for 10 test -s "$XIT_TMP/count-$n"; then
			xit_failed "$mode: $n's counter got the sentinel"
			continue
		fi
		read -r got drops <"$XIT_TMP/count-$n"
		xit_log "$mode: $n received $got copies (socket drops $drops), bound $bound"
		hd_expect_le "$mode: copies at $n (+ drops) within limit * T + burst" \
			"$((got + drops))" "$bound"
		xit_expect_gt "$mode: $n received some of the storm (the limit lets them through)" \
			"$got" $((burst - 1))
	done
	xit_expect_gt "$mode: the excess was counted as storm on r1's port" \
		"$(hd_stat r1 drops.storm)" $((storm0 + sent / 2))
	xit_expect_ok "$mode: r2 pings r3 after the storm" \
		xit_ns r2 ping -c 2 -i 0.2 -W 2 10.10.0.3

	xit_platform_down
done
xit_summary
