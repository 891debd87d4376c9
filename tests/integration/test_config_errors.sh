#!/usr/bin/env bash
# A bad configuration never half-applies. xpan-ctrld refuses it at start
# with a non-zero exit and a "FILE:LINE: ..." message pointing into the
# offending entry, and creates nothing (no pins, no state, no programs on
# the ports); started over existing state it changes nothing either. A
# running daemon asked to reload a bad file (SIGHUP, `xpan reload`) keeps
# its state: traffic flows, `show nodes` is unchanged, `xpan reload` fails
# and prints the error.
. "$(dirname "$0")/../lib/netns.sh"

# Line of the first match of an extended regex in a file.
line_of()
{
	grep -nE -m1 -- "$2" "$1" | cut -d: -f1
}

# bad_config CASE: writes $XIT_TMP/bad-CASE.yaml from the good config and
# sets LO/HI to the lines the error must point into.
bad_config()
{
	local c=$1 f=$XIT_TMP/bad-$1.yaml l
	cp "$GOOD" "$f"
	case $c in
	yaml)	# an unclosed flow mapping
		l=$(line_of "$f" 'name: red')
		sed -i "${l}s/ }\$//" "$f"; LO=$l; HI=$((l + 3)) ;;
	vlan)	# r3 in a VLAN nobody declared
		l=$(line_of "$f" 'name: r3')
		sed -i "$((l + 4))s/vlan: red/vlan: green/" "$f"; LO=$l; HI=$((l + 6)) ;;
	dupname) # a second node called r1
		l=$(line_of "$f" 'name: r3')
		sed -i "${l}s/name: r3/name: r1/" "$f"; LO=$l; HI=$((l + 6)) ;;
	port)	# r2's port does not exist
		l=$(line_of "$f" 'name: r2')
		sed -i "$((l + 1))s/port: .*/port: x${XIT_ID}zz/" "$f"; LO=$l; HI=$((l + 6)) ;;
	serial)	# 16 bits only
		l=$(line_of "$f" 'serial:')
		sed -i "${l}s/serial: .*/serial: 70000/" "$f"; LO=$((l - 1)); HI=$l ;;
	key)	# a typo'd key in b1
		l=$(line_of "$f" 'name: b1')
		sed -i "$((l + 4))a\\    colour: blue" "$f"; LO=$l; HI=$((l + 7)) ;;
	ip)	# not an address
		l=$(line_of "$f" 'name: r2')
		sed -i "$((l + 5))s/ips: .*/ips: [10.10.0.300\\/24]/" "$f"; LO=$l; HI=$((l + 6)) ;;
	esac
	cmp -s "$f" "$GOOD" && xit_fatal "bad_config $c did not change the file"
	BAD=$f
}
CASES="yaml vlan dupname port serial key ip"

# The message names the file and a line inside [LO, HI].
expect_file_line()
{
	local desc=$1 out=$2 f=$3 got
	got=$(grep -oE -m1 "$(basename "$f"):[0-9]+" <<<"$out" | head -n 1 | cut -d: -f2)
	if [ -n "$got" ] && [ "$got" -ge "$LO" ] && [ "$got" -le "$HI" ]; then
		xit_pass "$desc: message names $(basename "$f"):$got"
	else
		xit_failed "$desc: message names $(basename "$f"):LINE with LINE in $LO..$HI"
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/    | /'
	fi
}

# Nothing xpan could have attached to a port.
ports_bare()
{
	local n port
	for n in "${XIT_NODES[@]}"; do
		port=$(xit_port "$n")
		ip link show dev "$port" | grep -q 'prog/xdp' && return 1
		[ -n "$(tc filter show dev "$port" ingress 2>/dev/null)" ] && return 1
	done
	return 0
}

# What a refused start must leave alone: pin names, map contents, state.
snapshot()
{
	local p
	find "$XIT_BPFFS" -mindepth 1 2>/dev/null | sort
	for p in xpan_ports xpan_macs xpan_bindings xpan_vlans; do
		[ -e "$XIT_BPFFS/$p" ] && bpftool -j map dump pinned "$XIT_BPFFS/$p"
	done
	find "$XIT_STATE" -type f -print0 2>/dev/null | sort -z | xargs -0r sha256sum
}

nodes_json()
{
	xit_xpan show nodes -j 2>&1 | jq -S . 2>&1
}

run_bad()
{
	timeout 30 "$XIT_CTRLD" -c "$BAD" --socket "$XIT_TMP/bad.sock" 2>&1
}

for mode in tc xdp; do
	xit_section "config errors, datapath $mode"
	xit_mount_bpffs
	xit_topology
	xit_config "$mode"
	GOOD=$XIT_TMP/good.yaml
	cp "$XIT_CFG" "$GOOD"

	# 1. Fresh machine: nothing may be created.
	for c in $CASES; do
		bad_config "$c"
		out=$(run_bad)
		rc=$?
		if [ $rc -ne 0 ] && [ $rc -ne 124 ]; then
			xit_pass "$mode: fresh start with bad config ($c) exits non-zero (rc=$rc)"
		else
			xit_failed "$mode: fresh start with bad config ($c) exits non-zero (rc=$rc)"
		fi
		expect_file_line "$mode: fresh start ($c)" "$out" "$BAD"
		xit_expect_eq "$mode: no pins under $XIT_BPFFS after bad config ($c)" \
			"$(find "$XIT_BPFFS" -mindepth 1 2>/dev/null | wc -l)" 0
		xit_expect_eq "$mode: no state files after bad config ($c)" \
			"$(find "$XIT_STATE" -type f 2>/dev/null | wc -l)" 0
		xit_expect_ok "$mode: no program on any port after bad config ($c)" ports_bare
	done

	# 1b. --check reports every error of the file, then of the host, one
	# "FILE:LINE: what" a line in file order, then the count; exit 1.
	M=$XIT_TMP/multi.yaml
	cp "$GOOD" "$M"
	ls=$(line_of "$M" 'serial:'); r2=$(line_of "$M" 'name: r2')
	r3=$(line_of "$M" 'name: r3'); b1=$(line_of "$M" 'name: b1')
	b2=$(line_of "$M" 'name: b2')
	sed -i -e "${ls}s/serial: .*/serial: 70000/" \
		-e "$((r2 + 1))s/port: .*/port: x${XIT_ID}zz/" \
		-e "$((r2 + 5))s/ips: .*/ips: [10.10.0.300\/24]/" \
		-e "$((r3 + 4))s/vlan: red/vlan: green/" \
		-e "$((b1 + 2))s/netns: .*/netns: a\/b/" \
		-e "$((b2 + 6))s/datapath: .*/datapath: fast/" "$M"
	want="$M:$ls: platform.serial 70000 is out of range (0..65535)
$M:$((r2 + 5)): '10.10.0.300/24' is not an IPv4 address with prefix (like 10.0.0.1/24)
$M:$((r3 + 4)): node 'r3' names unknown vlan 'green' (define it under vlans:)
$M:$((b1 + 2)): netns 'a/b' must be a name under /run/netns, not a path
$M:$((b2 + 6)): datapath 'fast' is not tc or xdp
$M:$((r2 + 1)): port 'x${XIT_ID}zz' of node 'r2' does not exist (create the veth/tap first, e.g. ip link add x${XIT_ID}zz type veth peer name ...)
$M: 6 errors"
	out=$(timeout 30 "$XIT_CTRLD" --check -c "$M" 2>&1)
	xit_expect_eq "$mode: --check exits 1 on a file with 6 errors" "$?" 1
	xit_expect_eq "$mode: --check prints all 6 errors in file order, then the host's, and the count" \
		"$out" "$want"
	out=$(timeout 30 "$XIT_CTRLD" --check -c "$GOOD" 2>&1)
	xit_expect_eq "$mode: --check exits 0 on the good file" "$?" 0
	xit_expect_ok "$mode: --check says ok on the good file" \
		grep -qF "$GOOD: ok (serial" <<<"$out"
	xit_expect_eq "$mode: no pins or state after --check" \
		"$(find "$XIT_BPFFS" "$XIT_STATE" -mindepth 1 2>/dev/null | wc -l)" 0

	# 2. Existing state and pins: a refused start changes nothing.
	xit_start_ctrld
	xit_expect_nodes_configured
	xit_stop_ctrld TERM
	snap0=$(snapshot)
	xit_expect_gt "$mode: snapshot holds pins and state" "$(wc -l <<<"$snap0")" 3
	for c in vlan port serial; do
		bad_config "$c"
		out=$(run_bad)
		rc=$?
		xit_expect_ok "$mode: restart with bad config ($c) exits non-zero" \
			test $rc -ne 0 -a $rc -ne 124
		expect_file_line "$mode: restart ($c)" "$out" "$BAD"
		xit_expect_eq "$mode: pins, maps and state unchanged after bad config ($c)" \
			"$(snapshot | sha256sum)" "$(sha256sum <<<"$snap0")"
	done

	# 3. Running daemon, bad reload: the running state stays.
	xit_start_ctrld
	xit_expect_ok "$mode: r1 pings r2 before the bad reloads" \
		xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.2
	nodes0=$(nodes_json)

	bad_config vlan
	cp "$BAD" "$XIT_CFG"
	kill -HUP "$XIT_CTRLD_PID"
	if xit_wait_for 15 grep -qE "$(basename "$XIT_CFG"):[0-9]+" "$XIT_CTRLD_LOG"; then
		xit_pass "$mode: SIGHUP with bad config logged FILE:LINE"
	else
		xit_failed "$mode: SIGHUP with bad config logged FILE:LINE"
		xit_dump_ctrld_log
	fi
	xit_expect_ok "$mode: ctrld still running after SIGHUP with bad config" xit_ctrld_alive
	xit_expect_ok "$mode: xpan status still ok" xit_xpan status
	xit_expect_eq "$mode: show nodes unchanged after SIGHUP" "$(nodes_json)" "$nodes0"
	xit_expect_ok "$mode: r1 still pings r2 after SIGHUP" \
		xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.2

	for c in yaml port dupname; do
		bad_config "$c"
		cp "$BAD" "$XIT_CFG"
		out=$(xit_xpan reload 2>&1)
		rc=$?
		xit_expect_ok "$mode: xpan reload with bad config ($c) exits non-zero" test $rc -ne 0
		# The daemon reads the file under its configured name.
		expect_file_line "$mode: xpan reload ($c) prints the error" "$out" "$XIT_CFG"
		xit_expect_ok "$mode: ctrld still running after reload ($c)" xit_ctrld_alive
		xit_expect_eq "$mode: show nodes unchanged after reload ($c)" "$(nodes_json)" "$nodes0"
	done
	xit_expect_ok "$mode: r1 still pings r2 after the bad reloads" \
		xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.2
	xit_expect_ok "$mode: b1 still pings b2 after the bad reloads" \
		xit_ns b1 ping -c 2 -i 0.2 -W 2 10.20.0.2

	cp "$GOOD" "$XIT_CFG"
	xit_expect_ok "$mode: xpan reload with the good config again succeeds" xit_xpan reload
	xit_expect_eq "$mode: show nodes unchanged after the good reload" "$(nodes_json)" "$nodes0"

	xit_platform_down
done
xit_summary
