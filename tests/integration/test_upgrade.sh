#!/usr/bin/env bash
# Upgrade from the first dataplane layout without a forwarding gap. The
# tree of commit 3f8eb82 (the last with counters in xpan_port_stats and
# learned bindings in xpan_bindings) is built, its xpan-ctrld runs a
# platform of two nodes (r1 on XDP, r2 on TC), r2 gets a learned address,
# and a ping every 20 ms runs r1 -> r2 while the old daemon stops and this
# tree's daemon starts on the same state and bpffs. Criterion (not timed):
# every echo request up to the last answered one got its reply; the
# counters went on from where they were; the learned binding moved to
# xpan_learned with its quota count; xpan_port_stats is gone; every port
# and every xpan_flood entry runs the new programs and the old ones are
# freed. A start that stops half-way (a test hook in lib/dp_migrate.c)
# leaves a dataplane that forwards and that the next start completes
# without counting or moving anything twice; a further start changes
# nothing.
. "$(dirname "$0")/../lib/netns.sh"

OLD_COMMIT=3f8eb82
LEARN_IP=10.10.0.51
NEW_XPAN=$XIT_XPAN
NEW_CTRLD=$XIT_CTRLD

# ---- the old tree, built once per commit (build/ of this tree caches it)
OLD=$XIT_B/tests/upgrade-$OLD_COMMIT
if ! git -C "$XIT_TOP" cat-file -e "$OLD_COMMIT^{commit}" 2>/dev/null; then
	xit_fatal "commit $OLD_COMMIT (the last of the old dataplane layout) is not in $XIT_TOP: this test needs the history (git fetch --unshallow)"
fi
if [ ! -x "$OLD/build/xpan" ] || [ ! -x "$OLD/build/xpan-ctrld" ]; then
	xit_section "building the old tree ($OLD_COMMIT) in $OLD"
	rm -rf "$OLD"
	mkdir -p "$OLD" || xit_fatal "mkdir $OLD"
	git -C "$XIT_TOP" archive "$OLD_COMMIT" | tar -x -C "$OLD" ||
		xit_fatal "git archive $OLD_COMMIT | tar -x -C $OLD failed"
	# Same kernel, same BTF: skip regenerating it.
	[ -f "$XIT_TOP/vmlinux.h" ] && cp "$XIT_TOP/vmlinux.h" "$OLD/"
	if ! make -C "$OLD" -j2 build/xpan build/xpan-ctrld >"$XIT_TMP/old-build.log" 2>&1; then
		tail -n 20 "$XIT_TMP/old-build.log"
		rm -rf "$OLD"
		xit_fatal "building $OLD_COMMIT failed (log above)"
	fi
fi

pinned_prog_id()
{
	bpftool -j prog show pinned "$XIT_BPFFS/$1" 2>/dev/null | jq -r '.id // empty'
}

# A gratuitous ARP from a node for ip, with the node's own MAC.
garp()
{
	local n=$1 ip=$2 mac
	mac=$(xit_node_mac "$n")
	xit_ns "$n" python3 - "$mac" "$ip" <<'EOF'
import socket, sys
mac = bytes.fromhex(sys.argv[1].replace(':', ''))
ip = socket.inet_aton(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('eth0', 0))
s.send(b'\xff' * 6 + mac + b'\x08\x06' + bytes([0, 1, 8, 0, 6, 4, 0, 1]) +
       mac + ip + b'\x00' * 6 + ip + b'\x00' * 18)
EOF
}

binding_flags()
{
	xit_xpan show bindings -j --bpffs "$XIT_BPFFS" 2>/dev/null |
		jq -c --arg ip "$1" '[.[] | select(.ip == $ip) | .flags] | .[0] // empty'
}

# key.ip4 as bpftool prints a __be32: the address bytes read little-endian.
ip4_le()
{
	local IFS=. a
	read -r -a a <<<"$1"
	echo $(( a[0] | a[1] << 8 | a[2] << 16 | a[3] << 24 ))
}

learned_ifindex()
{
	bpftool -j map dump pinned "$XIT_BPFFS/xpan_learned" 2>/dev/null |
		jq -r --argjson ip "$(ip4_le "$1")" \
			'[.[] | select(.formatted.key.ip4 == $ip) | .formatted.value.ifindex] | .[0] // empty'
}

static_ifindex()
{
	bpftool -j map dump pinned "$XIT_BPFFS/xpan_bindings" 2>/dev/null |
		jq -r --argjson ip "$(ip4_le "$1")" \
			'[.[] | select(.formatted.key.ip4 == $ip) | .formatted.value.ifindex] | .[0] // empty'
}

port_slot()
{
	bpftool -j map lookup pinned "$XIT_BPFFS/xpan_ports" key $(printf '%d %d %d %d' \
		$(( $1 & 255 )) $(( $1 >> 8 & 255 )) $(( $1 >> 16 & 255 )) $(( $1 >> 24 ))) |
		jq -r '.formatted.value.slot'
}

rt_learned()
{
	local s=$1
	bpftool -j map lookup pinned "$XIT_BPFFS/xpan_port_rt" key $(( s & 255 )) $(( s >> 8 & 255 )) 0 0 |
		jq -r '.formatted.value.learned'
}

# Egress program ids in xpan_flood; a devmap dumps without BTF, so from
# the bytes of struct bpf_devmap_val (ifindex, then the program id).
flood_prog_ids()
{
	bpftool -j map dump pinned "$XIT_BPFFS/xpan_flood" |
		jq -r '.[] | .value[4:8] | join(" ")' |
		while read -r a b c d; do
			echo $(( a | b << 8 | c << 16 | d << 24 ))
		done | sort -u | xargs
}

# "rx_packets fwd_unicast" of r1 from one read of the counters.
r1_counters()
{
	xit_xpan show stats -j | jq -r --arg p "$(xit_port r1)" \
		'.[] | select(.ifname == $p) | "\(.rx_packets) \(.fwd_unicast)"'
}

prog_gone()
{
	! bpftool prog show id "$1" >/dev/null 2>&1
}

# ---- the old platform ------------------------------------------------------
xit_section "old dataplane ($OLD_COMMIT): r1 on XDP, r2 on TC"
XIT_XPAN=$OLD/build/xpan
XIT_CTRLD=$OLD/build/xpan-ctrld
xit_vlan red 10
xit_node r1 red 10.10.0.1/24
xit_node r2 red 10.10.0.2/24
xit_config mixed
xit_start_ctrld
xit_expect_nodes_configured
P1=$(xit_port r1) P2=$(xit_port r2)
xit_expect_ok "old layout: xpan_port_stats pinned" test -e "$XIT_BPFFS/xpan_port_stats"
xit_expect_fail "old layout: no xpan_counters" test -e "$XIT_BPFFS/xpan_counters"

old_tc=$(pinned_prog_id prog_port_tc)
old_xdp=$(pinned_prog_id prog_port_xdp)
old_egress=$(pinned_prog_id prog_flood_egress)
xit_expect_eq "r1 runs the old XDP program" "$(xit_xdp_prog_id "$P1")" "$old_xdp"
xit_expect_eq "r2 runs the old TC program" "$(xit_tc_prog_id "$P2")" "$old_tc"

xit_expect_ok "r1 pings r2 on the old dataplane" xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.2
garp r2 "$LEARN_IP"
binding_present() { [ -n "$(binding_flags "$1")" ]; }
xit_expect_ok "the old dataplane learned $LEARN_IP from r2 into xpan_bindings" \
	xit_wait_for 10 binding_present "$LEARN_IP"
xit_log "old binding of $LEARN_IP: flags $(binding_flags "$LEARN_IP")"

log=$XIT_TMP/ping.log
xit_bg_ns r1 ping -i 0.02 10.10.0.2 >"$log" 2>&1
ping_pid=$XIT_BG_PID
xit_wait_for 15 xit_seq_reached "$log" 50 || xit_fatal "ping r1 -> r2 never got going: $(tail -n 3 "$log")"
# Every echo request sent after this read is counted after it too: with
# the old counts carried over, rx_packets must grow by at least those.
# A request sent before the read has its reply in the log by the time the
# log is read after it: those after seq0 + 1 came later (one more spare).
read -r rx_before fwd_before <<<"$(r1_counters)"
seq0=$(xit_last_seq "$log")
xit_log "old counters of r1: rx_packets $rx_before, fwd_unicast $fwd_before"

# ---- the upgrade -----------------------------------------------------------
xit_section "old xpan-ctrld stops, this tree's starts on the same state and pins"
xit_stop_ctrld TERM
at_stop=$(xit_last_seq "$log")
XIT_XPAN=$NEW_XPAN
XIT_CTRLD=$NEW_CTRLD
# First a start that dies half-way, after everything but the last step
# (as a crash there would): the next start must complete without
# counting or moving anything twice.
echo "---- start xpan-ctrld, upgrade stopped after 'counters'" >>"$XIT_CTRLD_LOG"
XPAN_UPGRADE_ABORT_AFTER=counters timeout 60 "$XIT_CTRLD" -c "$XIT_CFG" \
	--socket "$XIT_SOCK" >>"$XIT_CTRLD_LOG" 2>&1
xit_expect_gt "the interrupted start failed" "$?" 0
xit_expect_ok "half-way: xpan_port_stats still pinned" test -e "$XIT_BPFFS/xpan_port_stats"
xit_expect_ok "half-way: r1 still reaches r2" xit_wait_for 10 xit_seq_reached "$log" $((at_stop + 10))
xit_start_ctrld
at_start=$(xit_last_seq "$log")
xit_log "old ctrld stopped at icmp_seq $at_stop, new ready at $at_start"
xit_expect_ok "replies continue after the upgrade" \
	xit_wait_for 15 xit_seq_reached "$log" $((at_start + 50))
xit_expect_ping_unbroken "$log" "$ping_pid" "" "0 lost across the upgrade"
last=$(xit_last_seq "$log")
xit_log "---- upgrade steps in the new ctrld's log:"
grep 'upgrade:' "$XIT_CTRLD_LOG" | sed 's/^/    | /'
xit_expect_match "ctrld logged the upgrade" "$(cat "$XIT_CTRLD_LOG")" "upgrade: .*upgrade complete"

# ---- what it must have left ------------------------------------------------
xit_expect_fail "xpan_port_stats is gone" test -e "$XIT_BPFFS/xpan_port_stats"
for m in xpan_counters xpan_learned xpan_port_guard xpan_port_rt; do
	xit_expect_ok "$m pinned" test -e "$XIT_BPFFS/$m"
done
read -r rx_after fwd_after <<<"$(r1_counters)"
sent=$((last - seq0 - 2))
# And not twice: what r1 sends besides echo requests (ARP, IPv6) is far
# less than the old count (slack), which a second copy would add again.
slack=30
if [[ "$rx_after" =~ ^[0-9]+$ ]] && [ "$rx_after" -ge $((rx_before + sent)) ] &&
	[ "$fwd_after" -ge $((fwd_before + sent)) ] &&
	[ "$rx_after" -le $((rx_before + sent + 2 + slack)) ] &&
	[ "$rx_before" -gt "$slack" ]; then
	xit_pass "counters carried over (rx_packets $rx_before -> $rx_after, fwd_unicast $fwd_before -> $fwd_after, $sent requests since)"
else
	xit_failed "counters carried over (rx_packets $rx_before -> $rx_after, fwd_unicast $fwd_before -> $fwd_after, want +$sent..+$((sent + 2 + slack)))"
fi

p2_ifindex=$(cat "/sys/class/net/$P2/ifindex")
xit_expect_eq "$LEARN_IP moved to xpan_learned, still r2's port" \
	"$(learned_ifindex "$LEARN_IP")" "$p2_ifindex"
xit_expect_eq "$LEARN_IP no longer in xpan_bindings" "$(static_ifindex "$LEARN_IP")" ""
xit_expect_eq "show bindings lists $LEARN_IP as learned" "$(binding_flags "$LEARN_IP")" '["learned"]'
slot2=$(port_slot "$p2_ifindex")
xit_expect_eq "r2's learn count (slot $slot2) is 1" "$(rt_learned "$slot2")" 1

new_tc=$(pinned_prog_id prog_port_tc)
new_xdp=$(pinned_prog_id prog_port_xdp)
new_egress=$(pinned_prog_id prog_flood_egress)
xit_expect_eq "r1 runs the pinned new XDP program" "$(xit_xdp_prog_id "$P1")" "$new_xdp"
xit_expect_eq "r2 runs the pinned new TC program" "$(xit_tc_prog_id "$P2")" "$new_tc"
xit_expect_eq "every xpan_flood entry runs the new egress filter" \
	"$(flood_prog_ids)" "$new_egress"
for id in $old_tc $old_xdp $old_egress; do
	xit_expect_ok "old program $id freed (nothing runs or pins it)" xit_wait_for 10 prog_gone "$id"
done
# r2 does not hold the address, so no echo reply: the ARP answer is it.
xit_ns r1 ping -c 1 -W 1 "$LEARN_IP" >/dev/null 2>&1
xit_expect_match "ARP for $LEARN_IP answered with r2's MAC" \
	"$(xit_ns r1 ip neigh show "$LEARN_IP" dev eth0)" "lladdr $(xit_node_mac r2)"
xit_expect_ok "r2 pings r1 after the upgrade" xit_ns r2 ping -c 2 -i 0.2 -W 2 10.10.0.1

xit_section "a second start changes nothing"
xit_stop_ctrld TERM
xit_start_ctrld
xit_expect_eq "same programs on r1 and r2" \
	"$(xit_xdp_prog_id "$P1") $(xit_tc_prog_id "$P2")" "$new_xdp $new_tc"
xit_expect_eq "$LEARN_IP still learned by r2" "$(learned_ifindex "$LEARN_IP")" "$p2_ifindex"
xit_expect_eq "r2's learn count still 1" "$(rt_learned "$slot2")" 1

xit_summary
