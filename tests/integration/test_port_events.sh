#!/usr/bin/env bash
# Port changes by netlink events: r3's port is deleted and created again
# (and its node's link loses carrier), and ctrld follows each through
# RTM_DELLINK/RTM_NEWLINK, not a poll: its log says so, the xpan_ports
# entry goes and comes back, and r3 works again. The reaction time (the
# port command returned -> the entry in xpan_ports, polled with bpf(2)) is
# printed, once with the API idle and once while two clients hammer it;
# it is a measurement, not an assertion.
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/hardening.sh"

events()
{
	grep -c 'link event on a node port: reconciling' "$XIT_CTRLD_LOG"
}

events_above()
{
	[ "$(events)" -gt "$1" ]
}

# Batches of port link events ctrld handled (status -j link_events).
link_events()
{
	local v
	v=$(python3 "$HD_PY" api "$XIT_SOCK" status -j 2>/dev/null | jq -r '.link_events // empty')
	[[ "$v" =~ ^[0-9]+$ ]] && printf '%s' "$v" || printf 'missing'
}

link_events_above()
{
	local v
	v=$(link_events)
	[[ "$v" =~ ^[0-9]+$ ]] && [[ "$1" =~ ^[0-9]+$ ]] && [ "$v" -gt "$1" ]
}

# One delete + create of r3's port; $1 labels the measurement.
cycle_port()
{
	local tag=$1 port ns out ev
	port=$(xit_port r3)
	ns=$(xit_nsname r3)

	ev=$(events)
	out=$(python3 "$HD_PY" port_wait "$XIT_BPFFS/xpan_ports" "$port" vanish \
		ip link del "$port")
	xit_expect_match "$mode/$tag: r3's entry left xpan_ports after its port was deleted" \
		"$out" '^[0-9.]+ '
	xit_log "REACTION $mode/$tag: port deleted -> entry gone: ${out%% *} ms"
	xit_expect_ok "$mode/$tag: by a link event" xit_wait_for 10 events_above "$ev"
	xit_expect_match "$mode/$tag: show nodes says port-missing" \
		"$(xit_node_field r3 state)" '^port-missing$'

	ev=$(events)
	out=$(python3 "$HD_PY" port_wait "$XIT_BPFFS/xpan_ports" "$port" appear \
		ip link add "$port" type veth peer name eth0 netns "$ns")
	xit_expect_match "$mode/$tag: r3's new port got its xpan_ports entry" \
		"$out" '^[0-9.]+ '
	xit_log "REACTION $mode/$tag: port created -> entry in xpan_ports: ${out%% *} ms (ip link add itself: ${out#* } ms)"
	xit_expect_ok "$mode/$tag: by a link event" xit_wait_for 10 events_above "$ev"
	xit_expect_ok "$mode/$tag: ctrld configured r3's new interface" \
		xit_wait_for 15 xit_node_configured r3
	xit_expect_ok "$mode/$tag: r1 pings r3 on its new port" \
		xit_wait_for 15 xit_ns r1 ping -c 1 -W 1 10.10.0.3
}

for mode in tc xdp; do
	xit_platform_up "$mode"
	cycle_port idle

	# Two clients as fast as they can, and eight that send half a
	# request and stall, while the port changes.
	python3 "$HD_PY" hammer "$XIT_SOCK" 8 >"$XIT_TMP/hammer1" &
	h1=$!
	python3 "$HD_PY" hammer "$XIT_SOCK" 8 >"$XIT_TMP/hammer2" &
	h2=$!
	python3 "$HD_PY" slow "$XIT_SOCK" 8 8 >"$XIT_TMP/slow" &
	h3=$!
	XIT_BG_PIDS+=("$h1" "$h2" "$h3")
	sleep 1
	cycle_port hammered
	wait "$h1" "$h2" "$h3"
	xit_log "$mode: the hammering clients made $(cat "$XIT_TMP/hammer1") + $(cat "$XIT_TMP/hammer2") requests, the stalling one $(cat "$XIT_TMP/slow") connections"
	xit_expect_gt "$mode: the API answered the hammering clients" \
		"$(cat "$XIT_TMP/hammer1")" 0
	xit_expect_gt "$mode: the server ended stalled requests (the stalling client reconnected)" \
		"$(cat "$XIT_TMP/slow")" 8

	# Carrier: r3 takes its link down and up; the host port follows.
	# Only the maps are looked at then (no node is reconfigured).
	le=$(link_events)
	xit_ns r3 ip link set eth0 down
	xit_expect_ok "$mode: r3's carrier loss is a link event for ctrld" \
		xit_wait_for 10 link_events_above "$le"
	le=$(link_events)
	xit_ns r3 ip link set eth0 up
	xit_expect_ok "$mode: and so is its return" \
		xit_wait_for 10 link_events_above "$le"
	xit_expect_ok "$mode: r1 pings r3 after the carrier came back" \
		xit_wait_for 15 xit_ns r1 ping -c 1 -W 1 10.10.0.3

	if [ "$mode" == tc ]; then
		# The API's own limits hold with the non-blocking server.
		reloads=$(grep -c '^xpan-ctrld: reloading' "$XIT_CTRLD_LOG")
		xit_expect_match "$mode: an over-long request is refused whole" \
			"$(python3 "$HD_PY" request "$XIT_SOCK" long)" \
			'^error request longer than 4096 bytes$'
		xit_expect_eq "$mode: and not executed (no reload)" \
			"$(grep -c '^xpan-ctrld: reloading' "$XIT_CTRLD_LOG")" "$reloads"
		xit_expect_match "$mode: a request line that never ends times out" \
			"$(python3 "$HD_PY" request "$XIT_SOCK" stall)" \
			'^error no request line within 2000 ms$'
		xit_expect_ok "$mode: the API still answers" xit_xpan status
	fi

	xit_platform_down
done
xit_summary
