# shellcheck shell=bash
# Harness for the integration scenarios: real kernel stacks in network
# namespaces, one veth pair per node, xpan-ctrld driving the dataplane.
# Sourced by tests/integration/test_*.sh.
#
# Everything a run creates carries the run id (XIT_ID): namespaces
# "xit<id>-<node>", host ports "x<id><node>", pins under
# /sys/fs/bpf/xpan-xit-<id>, files under one mktemp dir. xit_cleanup (on
# EXIT, also after a failure) removes all of it, so parallel runs and
# colleagues' tests never collide and nothing is left behind.
#
# Assertions print what they checked and, on failure, what came out; a
# failed assertion does not stop the scenario (later checks still tell
# something), xit_fatal does. xit_summary ends the script: exit 0 only
# when every assertion passed.

set -u

if [ "$(id -u)" -ne 0 ]; then
	echo "needs root (network namespaces, CAP_BPF, CAP_NET_ADMIN)"
	exit 77
fi

XIT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
XIT_B=$XIT_TOP/build
XIT_XPAN=$XIT_B/xpan
XIT_CTRLD=$XIT_B/xpan-ctrld
XIT_NAME=$(basename "${0%.sh}")
# Bounded waits (seconds): generous, the machine is shared and slow-ish.
XIT_WAIT_READY=${XIT_WAIT_READY:-40}

for _b in "$XIT_XPAN" "$XIT_CTRLD"; do
	if [ ! -x "$_b" ]; then
		# A missing binary is a failed build, not a reason to skip.
		echo "FATAL: $_b is missing: run 'make' first"
		exit 1
	fi
done
for _t in jq ip tc ping tcpdump iperf3 python3 ethtool bpftool ss; do
	if ! command -v "$_t" >/dev/null; then
		echo "FATAL: $_t not installed: run 'bash scripts/deps.sh'"
		exit 1
	fi
done

# A run id that no live run uses: 4 hex digits keep link names short.
while :; do
	XIT_ID=$(printf '%04x' $(( (RANDOM << 1 ^ $$) & 0xffff )))
	[ -e "/var/run/netns/xit$XIT_ID-r1" ] ||
		[ -e "/sys/fs/bpf/xpan-xit-$XIT_ID" ] || break
done
XIT_TMP=$(mktemp -d "/tmp/xit-$XIT_NAME-$XIT_ID.XXXXXX")
XIT_BPFFS=/sys/fs/bpf/xpan-xit-$XIT_ID
XIT_SOCK=$XIT_TMP/ctrld.sock
XIT_STATE=$XIT_TMP/state
XIT_CFG=$XIT_TMP/xpan.yaml
XIT_CTRLD_LOG=$XIT_TMP/ctrld.log
XIT_CTRLD_PID=
XIT_SERIAL=$(( (16#$XIT_ID % 60000) + 1 ))
XIT_PASS=0
XIT_FAIL=0
XIT_FAILED=()
XIT_BG_PIDS=()
# Nodes of the current platform: name -> vlan, ip/prefix.
declare -A XIT_NODE_VLAN=() XIT_NODE_IP=()
XIT_NODES=()
# VLAN name -> id.
declare -A XIT_VLAN_ID=()
XIT_VLANS=()

xit_log()
{
	printf '%s\n' "$*"
}

xit_section()
{
	printf '\n==== %s: %s\n' "$XIT_NAME" "$*"
}

xit_fatal()
{
	printf 'FATAL: %s\n' "$*"
	xit_dump_ctrld_log
	XIT_FAIL=$((XIT_FAIL + 1))
	XIT_FAILED+=("FATAL: $*")
	xit_print_summary
	exit 1
}

# ---- names ----------------------------------------------------------------

xit_nsname()
{
	printf 'xit%s-%s' "$XIT_ID" "$1"
}

xit_port()
{
	printf 'x%s%s' "$XIT_ID" "$1"
}

# Run a command inside a node's namespace.
xit_ns()
{
	local n=$1
	shift
	ip netns exec "$(xit_nsname "$n")" "$@"
}

# The address without prefix length.
xit_ip()
{
	printf '%s' "${XIT_NODE_IP[$1]%/*}"
}

# ---- topology -------------------------------------------------------------

xit_mount_bpffs()
{
	if ! mount | grep -q ' /sys/fs/bpf type bpf'; then
		mount -t bpf bpf /sys/fs/bpf || xit_fatal "cannot mount bpffs"
	fi
}

xit_vlan()
{
	XIT_VLAN_ID[$1]=$2
	XIT_VLANS+=("$1")
}

# xit_node NAME VLAN IP/PREFIX: a namespace with eth0, its peer on the host.
# Addresses and MAC are left to xpan-ctrld (it manages the node).
xit_node()
{
	local n=$1 ns port
	ns=$(xit_nsname "$n")
	port=$(xit_port "$n")
	[ ${#port} -le 15 ] || xit_fatal "port name $port longer than IFNAMSIZ"
	ip netns add "$ns" || xit_fatal "ip netns add $ns"
	ip link add "$port" type veth peer name eth0 netns "$ns" ||
		xit_fatal "ip link add $port"
	ip link set "$port" up || xit_fatal "ip link set $port up"
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
	XIT_NODE_VLAN[$n]=$2
	XIT_NODE_IP[$n]=$3
	XIT_NODES+=("$n")
}

# The datapath of the i-th node for a platform mode: tc, xdp, or mixed
# (alternating xdp and tc, so each VLAN has both kinds of port).
xit_node_dp()
{
	case $1 in
	mixed)	if (( $2 % 2 )); then echo tc; else echo xdp; fi ;;
	*)	echo "$1" ;;
	esac
}

# xit_config [MODE] [FILE]: the YAML for the current nodes.
xit_config()
{
	local dp=${1:-tc} f=${2:-$XIT_CFG} v n i=0
	{
		echo "# written by tests/lib/netns.sh for $XIT_NAME run $XIT_ID"
		echo "platform:"
		echo "  serial: $XIT_SERIAL"
		echo "  state: $XIT_STATE"
		echo "  bpffs: $XIT_BPFFS"
		echo "vlans:"
		for v in "${XIT_VLANS[@]}"; do
			echo "  - { name: $v, id: ${XIT_VLAN_ID[$v]} }"
		done
		echo "nodes:"
		for n in "${XIT_NODES[@]}"; do
			echo "  - name: $n"
			echo "    port: $(xit_port "$n")"
			echo "    netns: $(xit_nsname "$n")"
			echo "    ifname: eth0"
			echo "    vlan: ${XIT_NODE_VLAN[$n]}"
			echo "    ips: [${XIT_NODE_IP[$n]}]"
			echo "    datapath: $(xit_node_dp "$dp" $i)"
			i=$((i + 1))
		done
	} >"$f"
}

# The standard platform of the scenarios: red (r1 r2 r3), blue (b1 b2).
xit_topology()
{
	xit_vlan red 10
	xit_vlan blue 20
	xit_node r1 red 10.10.0.1/24
	xit_node r2 red 10.10.0.2/24
	xit_node r3 red 10.10.0.3/24
	xit_node b1 blue 10.20.0.1/24
	xit_node b2 blue 10.20.0.2/24
}

# ---- the CLI and the daemon -----------------------------------------------

# build/xpan talking to this run's ctrld and pins: each command takes only
# the options that concern it, so they are appended to match.
xit_xpan()
{
	local extra=()
	case "$1 ${2:-}" in
	"status "*)			extra=(--socket "$XIT_SOCK" --bpffs "$XIT_BPFFS") ;;
	"show nodes"|"show vlans")	extra=(--socket "$XIT_SOCK") ;;
	"show ports"|"show stats")	extra=(--bpffs "$XIT_BPFFS") ;;
	"reload "*)			extra=(--socket "$XIT_SOCK") ;;
	"load "*|"unload "*)		extra=(--bpffs "$XIT_BPFFS") ;;
	esac
	"$XIT_XPAN" "$@" "${extra[@]}"
}

xit_ctrld_alive()
{
	[ -n "$XIT_CTRLD_PID" ] && kill -0 "$XIT_CTRLD_PID" 2>/dev/null
}

xit_dump_ctrld_log()
{
	[ -s "$XIT_CTRLD_LOG" ] || return 0
	echo "---- last lines of xpan-ctrld log ($XIT_CTRLD_LOG)"
	tail -n 30 "$XIT_CTRLD_LOG" | sed 's/^/    | /'
}

# xit_start_ctrld [CFG]: start in the background, wait until `xpan status`
# answers (bounded). Fatal when it dies or never answers.
xit_start_ctrld()
{
	local cfg=${1:-$XIT_CFG} i
	xit_mount_bpffs
	echo "---- start xpan-ctrld -c $cfg" >>"$XIT_CTRLD_LOG"
	local iod=()
	# This run's xpan-iod, if it starts one: never a demo's on the host
	# (older builds, as test_upgrade runs, have no such option).
	"$XIT_CTRLD" --help 2>/dev/null | grep -q -- --iod-socket &&
		iod=(--iod-socket "$XIT_TMP/iod.sock")
	"$XIT_CTRLD" -c "$cfg" --socket "$XIT_SOCK" "${iod[@]}" \
		>>"$XIT_CTRLD_LOG" 2>&1 &
	XIT_CTRLD_PID=$!
	for ((i = 0; i < XIT_WAIT_READY * 5; i++)); do
		if ! xit_ctrld_alive; then
			wait "$XIT_CTRLD_PID"
			xit_fatal "xpan-ctrld exited (rc=$?) before it was ready"
		fi
		if xit_xpan status >/dev/null 2>&1; then
			xit_log "xpan-ctrld ready (pid $XIT_CTRLD_PID)"
			return 0
		fi
		sleep 0.2
	done
	xit_log "---- xpan status while waiting:"
	xit_xpan status 2>&1 | sed 's/^/    | /'
	xit_fatal "xpan-ctrld not ready after ${XIT_WAIT_READY}s"
}

# xit_stop_ctrld [SIGNAL]: default TERM; waits for the process (bounded).
xit_stop_ctrld()
{
	local sig=${1:-TERM} i
	xit_ctrld_alive || { XIT_CTRLD_PID=; return 0; }
	kill -s "$sig" "$XIT_CTRLD_PID"
	for ((i = 0; i < 100; i++)); do
		xit_ctrld_alive || break
		sleep 0.1
	done
	if xit_ctrld_alive; then
		xit_log "xpan-ctrld ignored SIG$sig for 10s, killing it"
		kill -9 "$XIT_CTRLD_PID"
	fi
	wait "$XIT_CTRLD_PID" 2>/dev/null
	XIT_CTRLD_PID=
}

# Bring up the standard platform in one datapath mode.
xit_platform_up()
{
	local dp=$1
	xit_section "platform up, datapath $dp (run $XIT_ID, serial $XIT_SERIAL)"
	xit_topology
	xit_config "$dp"
	xit_start_ctrld
	xit_expect_nodes_configured
}

# The node's eth0 as ctrld should have left it: its virtual MAC, its IPs.
xit_node_configured()
{
	local n=$1 mac ip
	mac=$(xit_node_mac "$n")
	[ -n "$mac" ] || return 1
	ip=$(ip -n "$(xit_nsname "$n")" -j addr show dev eth0)
	[ "$(jq -r '.[0].address' <<<"$ip")" == "$mac" ] || return 1
	jq -e --arg a "$(xit_ip "$n")" \
		'[.[0].addr_info[] | select(.local == $a)] | length == 1' \
		<<<"$ip" >/dev/null
}

# Waits (bounded) for ctrld to have set MAC and IPs in every node.
xit_expect_nodes_configured()
{
	local n
	for n in "${XIT_NODES[@]}"; do
		if xit_wait_for 15 xit_node_configured "$n"; then
			xit_pass "ctrld set $n's eth0 to $(xit_node_mac "$n") ${XIT_NODE_IP[$n]}"
		else
			xit_failed "ctrld set $n's eth0 to its virtual MAC and ${XIT_NODE_IP[$n]}"
			printf '    show nodes says mac=%s; eth0 in the namespace:\n' "$(xit_node_mac "$n")"
			ip -n "$(xit_nsname "$n")" addr show dev eth0 | sed 's/^/    | /'
		fi
	done
}

# Remove the platform (daemon, pins, namespaces); the next may follow.
xit_platform_down()
{
	xit_teardown
	XIT_NODES=()
	XIT_NODE_VLAN=()
	XIT_NODE_IP=()
	XIT_VLANS=()
	XIT_VLAN_ID=()
	rm -rf "$XIT_STATE"
}

# ---- JSON views -----------------------------------------------------------
# The CLI's JSON may be a bare array or an object holding one; the filters
# below accept both so they do not depend on that choice.

XIT_JQ_ROWS='if type == "array" then .[] elif type == "object" then
	(.nodes // .ports // .stats // .vlans // .) |
	if type == "array" then .[] else . end else empty end'

# One node's field from `xpan show nodes -j`.
xit_node_field()
{
	xit_xpan show nodes -j 2>/dev/null |
		jq -r --arg n "$1" --arg f "$2" \
			"$XIT_JQ_ROWS | select(.name == \$n) | .[\$f] // empty"
}

xit_node_mac()
{
	xit_node_field "$1" mac | tr 'A-F' 'a-f'
}

# Sorted "name mac" lines: the identity of the platform.
xit_node_macs()
{
	xit_xpan show nodes -j 2>/dev/null |
		jq -r "$XIT_JQ_ROWS | \"\\(.name) \\(.mac)\"" | sort
}

# A port's counter from `xpan show stats -j`: xit_stat NODE FIELD, where
# FIELD is a top-level counter (arp_replies) or drops.<reason>
# (drops.other_vlan). The JSON lists every counter and reason, so a
# missing port or field is an error, never a 0: it prints nothing (an
# empty value fails every xit_expect_*) and says why on stderr.
xit_stat()
{
	local port json v
	port=$(xit_port "$1")
	if ! json=$(xit_xpan show stats -j 2>&1); then
		printf 'xit_stat %s %s: xpan show stats -j failed: %s\n' "$1" "$2" "$json" >&2
		return 1
	fi
	v=$(jq -r --arg p "$port" --arg f "$2" '
		'"$XIT_JQ_ROWS"' |
		select(.port == $p or .ifname == $p or .name == $p) |
		getpath($f | split("."))' <<<"$json" 2>&1)
	if ! xit_is_count "$v"; then
		printf 'xit_stat %s %s: no such counter on port %s (got "%s")\n' \
			"$1" "$2" "$port" "$v" >&2
		return 1
	fi
	printf '%s' "$v"
}

# xit_is_count VALUE: VALUE is a non-negative decimal integer (strict: an
# empty, signed, spaced or multi-line value is not).
xit_is_count()
{
	[[ "$1" =~ ^[0-9]+$ ]]
}

# xit_sum VALUE...: the sum of counts, or nothing (and status 1) when any
# of them is not a count, so a missing counter cannot vanish in a sum.
xit_sum()
{
	local v t=0
	for v in "$@"; do
		xit_is_count "$v" || return 1
		t=$((t + 10#$v))
	done
	printf '%s' "$t"
}

# ---- assertions -----------------------------------------------------------

xit_pass()
{
	XIT_PASS=$((XIT_PASS + 1))
	printf 'PASS: %s\n' "$1"
}

xit_failed()
{
	XIT_FAIL=$((XIT_FAIL + 1))
	XIT_FAILED+=("$1")
	printf 'FAIL: %s\n' "$1"
}

# xit_expect_ok "what" cmd...: cmd must exit 0.
xit_expect_ok()
{
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		xit_pass "$desc"
	else
		xit_failed "$desc"
		printf '    ran: %s\n    rc=%d, output:\n' "$*" "$rc"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/    | /'
	fi
	return $rc
}

# xit_expect_fail "what" cmd...: cmd must exit non-zero.
xit_expect_fail()
{
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		xit_pass "$desc (rc=$rc)"
		return 0
	fi
	xit_failed "$desc"
	printf '    ran: %s\n    rc=0 but failure expected, output:\n' "$*"
	printf '%s\n' "$out" | tail -n 20 | sed 's/^/    | /'
	return 1
}

# xit_expect_eq "what" GOT WANT
xit_expect_eq()
{
	if [ "$2" == "$3" ]; then
		if [ ${#3} -le 60 ] && [[ "$3" != *$'\n'* ]]; then
			xit_pass "$1 (= $3)"
		else
			xit_pass "$1 (identical, ${#3} bytes)"
		fi
		return 0
	fi
	xit_failed "$1"
	printf '    got:  %s\n    want: %s\n' "$2" "$3"
	return 1
}

# xit_expect_gt "what" GOT LIMIT: integer GOT > LIMIT (both must be
# counts: an empty or non-numeric value on either side fails).
xit_expect_gt()
{
	if xit_is_count "$2" && xit_is_count "$3" && [ "$((10#$2))" -gt "$((10#$3))" ]; then
		xit_pass "$1 ($2 > $3)"
		return 0
	fi
	xit_failed "$1"
	printf '    got: %s, want more than %s\n' "$2" "$3"
	return 1
}

# xit_expect_match "what" TEXT REGEX (extended)
xit_expect_match()
{
	if printf '%s' "$2" | grep -Eq -- "$3"; then
		xit_pass "$1"
		return 0
	fi
	xit_failed "$1"
	printf '    want /%s/ in:\n' "$3"
	printf '%s\n' "$2" | tail -n 20 | sed 's/^/    | /'
	return 1
}

xit_print_summary()
{
	local f
	printf '\n==== %s: %d passed, %d failed\n' "$XIT_NAME" "$XIT_PASS" "$XIT_FAIL"
	for f in "${XIT_FAILED[@]}"; do
		printf '  failed: %s\n' "$f"
	done
}

# Last call of a scenario.
xit_summary()
{
	xit_print_summary
	[ "$XIT_FAIL" -eq 0 ] && [ "$XIT_PASS" -gt 0 ]
	exit $?
}

# ---- background helpers ---------------------------------------------------

# xit_bg_ns NODE cmd...: start cmd in a node in the background, remembered
# for cleanup; its pid (the command's own, so signals reach it) in
# XIT_BG_PID. Redirections on the call apply to the command.
xit_bg_ns()
{
	local ns
	ns=$(xit_nsname "$1")
	shift
	ip netns exec "$ns" "$@" &
	XIT_BG_PID=$!
	XIT_BG_PIDS+=("$XIT_BG_PID")
}

# xit_wait_for SECONDS cmd...: poll until cmd succeeds (bounded).
xit_wait_for()
{
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# ---- what runs on a port's hooks ------------------------------------------

# xit_tc_prog_id PORT: ids of the programs of PORT's ingress TC filters,
# comma-joined ("" when none).
xit_tc_prog_id()
{
	tc -j filter show dev "$1" ingress | jq -r '[.[] | .options.prog.id // empty] | join(",")'
}

# xit_xdp_prog_id PORT: id of PORT's XDP program, "none" when none.
xit_xdp_prog_id()
{
	ip -j link show dev "$1" | jq -r '.[0].xdp.prog.id // "none"'
}

# ---- a ping that must not lose a reply -------------------------------------
# Start it with xit_bg_ns NODE ping -i ... >LOG 2>&1.

# xit_last_seq LOG: highest icmp_seq answered so far.
xit_last_seq()
{
	grep -o 'icmp_seq=[0-9]*' "$1" | tail -n 1 | cut -d= -f2
}

# xit_seq_reached LOG SEQ: an answer at SEQ or later is in LOG.
xit_seq_reached()
{
	[ "$(xit_last_seq "$1")" -ge "$2" ] 2>/dev/null
}

# xit_expect_ping_unbroken LOG PID PREFIX WHY: stops ping PID and expects
# every echo request up to the last one answered to have its reply (no
# gap in icmp_seq). Checks and log lines start with PREFIX; WHY ends the
# check's name.
xit_expect_ping_unbroken()
{
	local log=$1 pid=$2 prefix=$3 why=$4 last answered

	kill -INT "$pid"
	wait "$pid" 2>/dev/null
	last=$(xit_last_seq "$log")
	answered=$(grep -o 'icmp_seq=[0-9]*' "$log" | cut -d= -f2 | sort -un | wc -l)
	xit_expect_eq "${prefix}every echo request 1..$last answered ($why)" \
		"$answered" "$last" || tail -n 5 "$log" | sed 's/^/    | /'
	xit_log "${prefix}$(grep -E 'packets transmitted' "$log")"
}

# ---- captures -------------------------------------------------------------
# tcpdump inside a node, started before the traffic it is meant to see:
# xit_capture_start waits (bounded) until tcpdump says it is listening.

# xit_capture_start NODE TAG FILTER...: output in $XIT_TMP/cap-TAG.{out,err}.
xit_capture_start()
{
	local n=$1 tag=$2
	shift 2
	rm -f "$XIT_TMP/cap-$tag.out" "$XIT_TMP/cap-$tag.err"
	xit_bg_ns "$n" tcpdump -i eth0 -nn -e -l -p --immediate-mode "$@" \
		>"$XIT_TMP/cap-$tag.out" 2>"$XIT_TMP/cap-$tag.err"
	eval "XIT_CAP_$tag=$XIT_BG_PID"
	if ! xit_wait_for 10 grep -q 'listening on' "$XIT_TMP/cap-$tag.err"; then
		cat "$XIT_TMP/cap-$tag.err"
		xit_fatal "tcpdump in $n did not start"
	fi
}

# xit_capture_wait TAG COUNT SECONDS: until COUNT frames seen (bounded).
xit_capture_wait()
{
	local f=$XIT_TMP/cap-$1.out i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(grep -c "^[^[:space:]]" "$f")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# xit_capture_stop TAG: stops tcpdump, prints the number of frames seen.
xit_capture_stop()
{
	local pid
	eval "pid=\${XIT_CAP_$1:-}"
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	# tcpdump ends its output with an empty line: count frames only.
	grep -c "^[^[:space:]]" "$XIT_TMP/cap-$1.out"
}

# xit_capture_show TAG: the first frames, for failure messages.
xit_capture_show()
{
	head -n 5 "$XIT_TMP/cap-$1.out" | sed 's/^/    | /'
}

# ---- "nothing arrives", proved by a sentinel ------------------------------
# A fixed sleep cannot show that a frame never arrives (it may be late, or
# the capture may be dead). Instead one capture on the receiver records
# both the forbidden frames and a sentinel: a frame that must arrive, sent
# after the forbidden traffic. Once the sentinel is in the capture, every
# forbidden frame sent before it has had its chance (same socket, same
# order); then the forbidden count must be exactly 0 and the sentinel
# count at least 1. Usage:
#
#   xit_none_start TAG NODE 'FORBIDDEN FILTER' 'SENTINEL FILTER'
#   ...send the traffic that must not arrive at NODE...
#   xit_expect_none "what" TAG SENTINEL_CMD...
#
# e.g.  xit_none_start r1 r1 'host 10.10.0.99' 'icmp and src host 10.10.0.2'
#       xit_ns b1 ping -c 3 -i 0.2 -W 1 10.10.0.1
#       xit_expect_none "r1 got nothing from b1" r1 xit_ns r2 ping -c 1 -W 1 10.10.0.1
#
# Filters are tcpdump (pcap) expressions; only frames arriving at NODE's
# eth0 count (-Q in). SENTINEL_CMD is repeated (every ~2 s, bounded by
# XIT_WAIT_SENTINEL) until a sentinel is seen; its exit status is not
# used. A frame matching both filters counts as forbidden. Several
# watches may be open at once (one TAG each); a watch is used once.

XIT_WAIT_SENTINEL=${XIT_WAIT_SENTINEL:-20}

# xit_none_start TAG NODE FORBIDDEN SENTINEL
xit_none_start()
{
	local tag=$1 n=$2 f=$XIT_TMP/none-$1
	rm -f "$f".pcap "$f".err
	printf '%s\n' "$3" >"$f.forbidden"
	printf '%s\n' "$4" >"$f.sentinel"
	printf '%s\n' "$n" >"$f.node"
	# -U: each frame is in the file as soon as it is captured; -Z root:
	# tcpdump must not drop to a user who cannot write in $XIT_TMP.
	xit_bg_ns "$n" tcpdump -i eth0 -nn -p -Q in --immediate-mode -U -Z root \
		-w "$f.pcap" "($3) or ($4)" 2>"$f.err"
	eval "XIT_NONE_$tag=$XIT_BG_PID"
	if ! xit_wait_for 10 grep -q 'listening on' "$f.err"; then
		cat "$f.err"
		xit_fatal "tcpdump in $n for watch $tag did not start"
	fi
}

# xit_none_count TAG FILTER: frames in the watch's file matching FILTER.
# Prints nothing (status 1) when the file cannot be read in full.
xit_none_count()
{
	local out
	out=$(tcpdump -nn -r "$XIT_TMP/none-$1.pcap" "$2" 2>>"$XIT_TMP/none-$1.rerr") ||
		return 1
	grep -c "^[^[:space:]]" <<<"$out"
}

# xit_expect_none "what" TAG SENTINEL_CMD...
xit_expect_none()
{
	local desc=$1 tag=$2 f=$XIT_TMP/none-$2 pid forb sent node i seen=0
	shift 2
	node=$(cat "$f.node")
	for ((i = 0; i < XIT_WAIT_SENTINEL; i += 2)); do
		"$@" >/dev/null 2>&1
		if xit_wait_for 2 xit_none_seen "$tag"; then
			seen=1
			break
		fi
	done
	eval "pid=\${XIT_NONE_$tag:-}"
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	eval "XIT_NONE_$tag="
	# The capture has ended: now the file must read back whole.
	forb=$(xit_none_count "$tag" "$(cat "$f.forbidden")")
	sent=$(xit_none_count "$tag" "$(cat "$f.sentinel")")
	if [ $seen -eq 1 ] && xit_is_count "$forb" && xit_is_count "$sent" &&
		[ "$forb" -eq 0 ] && [ "$sent" -ge 1 ]; then
		xit_pass "$desc (at $node: 0 forbidden frames, then $sent sentinel)"
		return 0
	fi
	xit_failed "$desc"
	printf '    at %s: forbidden [%s] = "%s", sentinel [%s] = "%s"\n' \
		"$node" "$(cat "$f.forbidden")" "$forb" "$(cat "$f.sentinel")" "$sent"
	[ $seen -eq 1 ] || printf '    sentinel never seen within %ss; sent by: %s\n' \
		"$XIT_WAIT_SENTINEL" "$*"
	[ -s "$f.rerr" ] && grep -v '^reading from file' "$f.rerr" | sed 's/^/    tcpdump -r: /'
	tcpdump -nn -e -r "$f.pcap" 2>/dev/null | head -n 8 | sed 's/^/    | /'
	return 1
}

# xit_inject NODE: one sentinel frame (ethertype 0x88b5, local
# experimental, to broadcast) written into NODE's eth0 from the host side
# of its port, for a receiver that no node can reach any more (a port
# that was detached or unloaded). Its filter: $XIT_INJECT_FILTER.
XIT_INJECT_FILTER='ether proto 0x88b5'
xit_inject()
{
	python3 - "$(xit_port "$1")" <<'PY'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
s.send(b"\xff" * 6 + bytes.fromhex("020000000001") + b"\x88\xb5" + b"xit sentinel".ljust(46, b"\0"))
PY
}

# The sentinel is in the watch's file (complete frames only).
xit_none_seen()
{
	local n
	n=$(tcpdump -nn -r "$XIT_TMP/none-$1.pcap" "$(cat "$XIT_TMP/none-$1.sentinel")" 2>/dev/null | grep -c "^[^[:space:]]")
	xit_is_count "$n" && [ "$n" -gt 0 ]
}

# ---- teardown -------------------------------------------------------------

# Remove everything the current platform created; safe to call twice and
# after any partial setup.
xit_teardown()
{
	local p n ns port
	for p in "${XIT_BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${XIT_BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	XIT_BG_PIDS=()
	xit_stop_ctrld TERM
	if [ -d "$XIT_BPFFS" ]; then
		"$XIT_XPAN" unload --bpffs "$XIT_BPFFS" >>"$XIT_TMP/unload.log" 2>&1 ||
			echo "warning: xpan unload --bpffs $XIT_BPFFS failed (see $XIT_TMP/unload.log)"
	fi
	for n in "${XIT_NODES[@]}"; do
		ns=$(xit_nsname "$n")
		port=$(xit_port "$n")
		# Processes the scenario left inside its own namespaces.
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$p" 2>/dev/null
		done
		ip link del "$port" 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	# The storage port ctrld made (tests/lib/storage_net.sh names it);
	# deleting one end of the veth pair removes both.
	ip link del "$(xit_port sh)" 2>/dev/null
	# Pins unload did not remove (unload failing is reported above).
	[ -d "$XIT_BPFFS" ] && rm -rf "$XIT_BPFFS"
	return 0
}

xit_cleanup()
{
	local rc=$?
	trap - EXIT
	xit_teardown
	# Namespaces of this run that a scenario made outside xit_node.
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^xit$XIT_ID-"); do
		ip netns del "$ns" 2>/dev/null
	done
	if [ $rc -ne 0 ] && [ -d "$XIT_TMP" ]; then
		# Keep the daemon's log next to the test log for the post-mortem.
		mkdir -p "$XIT_B/tests/logs"
		cp "$XIT_CTRLD_LOG" "$XIT_B/tests/logs/$XIT_NAME.ctrld.log" 2>/dev/null
	fi
	rm -rf "$XIT_TMP"
	exit $rc
}
trap xit_cleanup EXIT
trap 'exit 130' INT TERM
