#!/usr/bin/env bash
# The CLI against a live and a stopped daemon: `xpan status` succeeds only
# with ctrld up and the programs attached; `show ports|stats -j` read the
# pinned maps and work without the daemon (and the dataplane keeps
# forwarding); `xpan unload` leaves no pin and no program on any port.
. "$(dirname "$0")/../lib/netns.sh"

# Every port carries xpan's program on the hook its datapath names.
attached()
{
	local mode=$1 n port
	for n in "${XIT_NODES[@]}"; do
		port=$(xit_port "$n")
		if [ "$mode" == xdp ]; then
			ip link show dev "$port" | grep -q 'prog/xdp' || return 1
		else
			tc filter show dev "$port" ingress | grep -q 'xpan_port_in' || return 1
		fi
	done
}

# No xpan program on any port, on either hook, and no clsact qdisc left.
detached()
{
	local n port
	for n in "${XIT_NODES[@]}"; do
		port=$(xit_port "$n")
		ip link show dev "$port" | grep -q 'prog/xdp' && return 1
		tc filter show dev "$port" ingress 2>/dev/null | grep -q bpf && return 1
		tc qdisc show dev "$port" | grep -q clsact && return 1
	done
	return 0
}

# JSON rows naming every port of the platform.
rows_name_ports()
{
	local n
	jq -e . <<<"$1" >/dev/null || return 1
	for n in "${XIT_NODES[@]}"; do
		grep -q "\"$(xit_port "$n")\"" <<<"$1" || return 1
	done
}

xit_section "help"
xit_expect_ok "xpan --help" "$XIT_XPAN" --help
xit_expect_ok "xpan-ctrld --help" "$XIT_CTRLD" --help
xit_expect_fail "xpan with an unknown command" "$XIT_XPAN" frobnicate
xit_expect_fail "xpan-ctrld with a missing config file" \
	"$XIT_CTRLD" -c "$XIT_TMP/nonexistent.yaml" --socket "$XIT_TMP/x.sock"

for mode in tc xdp; do
	xit_platform_up "$mode"

	xit_expect_ok "$mode: xpan status with ctrld up" xit_xpan status
	xit_expect_ok "$mode: xpan status -j is JSON" \
		bash -c "'$XIT_XPAN' status -j --socket '$XIT_SOCK' --bpffs '$XIT_BPFFS' | jq -e ."
	xit_expect_ok "$mode: every port has xpan_port_in on its $mode hook" attached "$mode"
	xit_expect_ok "$mode: r1 pings r2" xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.2
	xit_expect_ok "$mode: show nodes (text)" xit_xpan show nodes
	xit_expect_ok "$mode: show vlans -j is JSON" \
		bash -c "'$XIT_XPAN' show vlans -j --socket '$XIT_SOCK' | jq -e ."

	xit_stop_ctrld TERM
	xit_expect_fail "$mode: xpan status with ctrld stopped" xit_xpan status
	out=$(xit_xpan show ports -j 2>&1)
	xit_expect_ok "$mode: show ports -j without ctrld lists every port" \
		rows_name_ports "$out" || printf '%s\n' "$out" | head -n 10
	out=$(xit_xpan show stats -j 2>&1)
	xit_expect_ok "$mode: show stats -j without ctrld lists every port" \
		rows_name_ports "$out" || printf '%s\n' "$out" | head -n 10
	xit_expect_ok "$mode: show ports (text) without ctrld" xit_xpan show ports
	xit_expect_ok "$mode: r1 pings r2 with ctrld stopped" \
		xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.2
	xit_expect_gt "$mode: stats -j counts r1's forwarded frames" \
		"$(xit_stat r1 fwd_unicast)" 0

	xit_expect_ok "$mode: xpan unload" "$XIT_XPAN" unload --bpffs "$XIT_BPFFS"
	xit_expect_eq "$mode: no pins left under $XIT_BPFFS" \
		"$(find "$XIT_BPFFS" -mindepth 1 2>/dev/null | wc -l)" 0
	xit_expect_ok "$mode: no xdp or tc program, no clsact qdisc left on any port" detached
	# Nothing connects the ports now: the sentinel is written into r2's
	# port from the host side.
	xit_none_start r2 r2 'src host 10.10.0.1' "$XIT_INJECT_FILTER"
	xit_ns r1 ping -c 2 -i 0.2 -W 1 10.10.0.2 >/dev/null 2>&1
	xit_expect_none "$mode: r1 no longer reaches r2 after unload" r2 xit_inject r2
	xit_expect_fail "$mode: show ports fails after unload" xit_xpan show ports -j
	xit_expect_ok "$mode: a second unload is harmless" \
		"$XIT_XPAN" unload --bpffs "$XIT_BPFFS"

	xit_platform_down
done
xit_summary
