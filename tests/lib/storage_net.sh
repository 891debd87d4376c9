# shellcheck shell=bash
# Helpers of the storage network scenarios (issue 7), sourced after
# netns.sh: a storage: section for the run's config with its own subnet,
# portal and storage port names (so a demo or another run on the host
# never collides), the nodes' storage addresses, and a capture on the
# host end of the storage port (where xpan-iod would listen).

XIT_SN_HOST=$(xit_port sh)		# host end: holds the portal address
XIT_SN_DP=$(xit_port sd)		# dataplane end: xpan_storage_in
XIT_SN_NET=100.$((96 + 16#$XIT_ID % 16))
XIT_SN_SUBNET=$XIT_SN_NET.0.0/16
XIT_SN_PORTAL=$XIT_SN_NET.0.1
XIT_SN_PORT=$((3400 + 16#$XIT_ID % 500))	# portal TCP port
XIT_SN_LOOP=$((XIT_SN_PORT + 500))		# storage.portal on loopback

# sn_network_yaml: the storage.network mapping of this run.
sn_network_yaml()
{
	printf '{ subnet: %s, portal_ip: %s, port: %s, host_port: %s, dp_port: %s }' \
		"$XIT_SN_SUBNET" "$XIT_SN_PORTAL" "$XIT_SN_PORT" "$XIT_SN_HOST" "$XIT_SN_DP"
}

# sn_cfg_storage [FILE]: append a storage: section (network on, no LUNs).
sn_cfg_storage()
{
	local f=${1:-$XIT_CFG}
	{
		echo "storage:"
		echo "  portal: 127.0.0.1:$XIT_SN_LOOP"
		echo "  rescan: 0"
		echo "  network: $(sn_network_yaml)"
	} >>"$f"
}

# sn_ip NODE: the node's storage address from `xpan show nodes -j`.
sn_ip()
{
	xit_node_field "$1" storage_ip
}

# The node has its storage address on eth0 and the route to the portal.
sn_node_ready()
{
	local n=$1 sip
	sip=$(sn_ip "$n")
	[ -n "$sip" ] || return 1
	ip -n "$(xit_nsname "$n")" -4 addr show dev eth0 | grep -q "inet $sip/32" &&
		ip -n "$(xit_nsname "$n")" route show "$XIT_SN_PORTAL" | grep -q "src $sip"
}

# sn_host_capture_start TAG FILTER: tcpdump on the portal's interface
# (frames arriving from the nodes: -Q in), into $XIT_TMP/sn-TAG.pcap.
sn_host_capture_start()
{
	local f=$XIT_TMP/sn-$1
	tcpdump -i "$XIT_SN_HOST" -nn -e -p -Q in --immediate-mode -U -Z root \
		-w "$f.pcap" "$2" 2>"$f.err" &
	XIT_BG_PIDS+=("$!")
	eval "XIT_SN_CAP_$1=$!"
	xit_wait_for 10 grep -q 'listening on' "$f.err" ||
		xit_fatal "tcpdump on $XIT_SN_HOST did not start: $(cat "$f.err")"
}

# sn_host_capture_stop TAG: ends the capture (after a moment for the last
# frames), leaves the text in $XIT_TMP/sn-TAG.txt.
sn_host_capture_stop()
{
	local pid f=$XIT_TMP/sn-$1
	sleep 0.5
	eval "pid=\${XIT_SN_CAP_$1:-}"
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	tcpdump -nn -e -r "$f.pcap" >"$f.txt" 2>/dev/null
}

# sn_host_count TAG REGEX: lines of the capture matching an ERE.
sn_host_count()
{
	grep -cE "$2" "$XIT_TMP/sn-$1.txt"
}
