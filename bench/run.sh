#!/usr/bin/env bash
# make bench: xpan against its peers, measured in one run on this machine.
#
#   bash bench/run.sh [-r REPS] [-t TCP_SECONDS] [--loader] [--no-tcp]
#                     [--no-storage] [--no-storage-node] [-h]
#
# For each datapath (tc, xdp) it measures
#   1. ns per packet of xpan_port_in on its unicast path (BPF_PROG_TEST_RUN,
#      1e6 repeats of a 64-byte frame) and of a bare redirect at that hook;
#   2. the forwarding rate of 64-byte frames from node A to node B through
#      the host-side ports: live frames generated in A, counted and dropped
#      by XDP on B's eth0; peers: Linux bridge, bare redirect at the hook;
#   3. TCP throughput A -> B with iperf3; peers: Linux bridge, bare redirect.
# Peers and xpan take turns within each repetition, so a colleague's build
# slows them alike; each figure is the median over all samples.
# Prints a table (metric | xpan | peer | ratio | target | met?) and writes
# the same as JSON to build/bench/results.json. See docs/bench.md.
set -u
cd "$(dirname "$0")/.."
TOP=$(pwd)
B=$TOP/build
XB=$B/bench/xb
XBDP=$B/bench/xb-dp
CTRLD=$B/xpan-ctrld
RESULTS=$B/bench/results.json

REPS=3
TCP_SECS=5
RATE_SECS=1
RATE_SAMPLES=2		# per setup and repetition
TESTRUN_REPEAT=1000000
USE_LOADER=0
DO_TCP=1
DO_STORAGE=1
DO_STORAGE_NODE=1
GEN_CPU=$(( $(nproc) - 1 ))	# the last CPU: generator, port and sink all run there

usage()
{
	cat <<EOF
usage: bash bench/run.sh [OPTIONS]
Benchmarks xpan's port programs against a Linux bridge and a bare redirect.

  -r, --reps N        repetitions of every measurement (default $REPS)
  -t, --tcp-secs S    length of each iperf3 run (default $TCP_SECS)
      --loader        drive the dataplane with the bench loader (xb-dp attach)
                      instead of xpan-ctrld
      --no-tcp        skip the iperf3 runs
      --no-storage    skip bench/storage.sh
      --no-storage-node  skip bench/storage_node.sh (IOPS from inside a node)
  -h, --help          this text

Needs root. Results: a table on stdout and $RESULTS.
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	-r|--reps) REPS=$2; shift ;;
	-t|--tcp-secs) TCP_SECS=$2; shift ;;
	--loader) USE_LOADER=1 ;;
	--no-tcp) DO_TCP=0 ;;
	--no-storage) DO_STORAGE=0 ;;
	--no-storage-node) DO_STORAGE_NODE=0 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done
case $REPS in ''|*[!0-9]*|0) echo "bench: --reps wants a positive number" >&2; exit 2 ;; esac

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (namespaces, BPF, XDP)" >&2
	exit 1
fi
for t in ip tc bridge ethtool iperf3 awk flock nsenter; do
	command -v "$t" >/dev/null ||
		{ echo "bench: $t is missing: run 'bash scripts/deps.sh'" >&2; exit 1; }
done
for f in "$XB" "$XBDP"; do
	[ -x "$f" ] || { echo "bench: $f is missing: run 'make bench'" >&2; exit 1; }
done

# Names: everything the bench creates starts with xb-. The host-side
# ports live in a namespace of their own, the "switch" xb-sw: the host's
# namespace is shared with colleagues' tests, whose teardown may detach
# programs from interfaces it does not own (and the bench must not touch
# theirs). The daemon runs in there too (nsenter keeps /sys/fs/bpf).
NS_SW=xb-sw NS_A=xb-a NS_B=xb-b PORT_A=xb-pa PORT_B=xb-pb BR=xb-br
IP_A=10.99.0.1 IP_B=10.99.0.2
MAC_A=02:00:00:00:b0:0a MAC_B=02:00:00:00:b0:0b
BPFFS=/sys/fs/bpf/xpan-xb-$$
BPFFS_T=/sys/fs/bpf/xpan-xb-t-$$
# One bench at a time: two would measure each other.
exec 9>/run/xpan-xb.lock
if ! flock -n 9; then
	echo "bench: another bench/run.sh is running (lock /run/xpan-xb.lock)" >&2
	exit 1
fi
WORK=$(mktemp -d /tmp/xpan-xb.XXXXXX)
CTRLD_PID=
CTRLD_LOG=$WORK/ctrld.log
IPERF_PID=


T0=$(date +%s)
say() { printf '[bench %3ds] %s\n' $(( $(date +%s) - T0 )) "$*"; }
warn() { printf '[bench] WARNING: %s\n' "$*" >&2; }

stop_ctrld()
{
	[ -n "$CTRLD_PID" ] || return 0
	kill "$CTRLD_PID" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$CTRLD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$CTRLD_PID" 2>/dev/null && kill -9 "$CTRLD_PID" 2>/dev/null
	wait "$CTRLD_PID" 2>/dev/null
	CTRLD_PID=
}

stop_iperf()
{
	[ -n "$IPERF_PID" ] || return 0
	kill "$IPERF_PID" 2>/dev/null
	wait "$IPERF_PID" 2>/dev/null
	IPERF_PID=
}

# Everything one configuration set up; safe after a partial setup.
topo_down()
{
	stop_iperf
	stop_ctrld
	# Deleting the host end removes the pair at once; a netns goes away
	# asynchronously and would keep the names busy for a moment.
	ip -n "$NS_SW" link del "$PORT_A" 2>/dev/null
	ip -n "$NS_SW" link del "$PORT_B" 2>/dev/null
	ip -n "$NS_SW" link del "$BR" 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	ip netns del "$NS_SW" 2>/dev/null
	rm -rf "$BPFFS"
	return 0
}

cleanup()
{
	local rc=$?
	trap - EXIT INT TERM
	topo_down
	rm -rf "$BPFFS_T" "$WORK"
	exit $rc
}
trap cleanup EXIT
trap 'echo; say "interrupted"; exit 130' INT TERM

if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf || { echo "bench: cannot mount bpffs" >&2; exit 1; }
fi
for n in "$NS_SW" "$NS_A" "$NS_B"; do
	if [ -e "/run/netns/$n" ]; then
		echo "bench: namespace $n exists (left from a killed run?): ip netns del $n" >&2
		exit 1
	fi
done

# ---- topology ---------------------------------------------------------------

# Two nodes, each a namespace whose eth0 is paired with a host-side port.
# GRO on the host ports gives them the NAPI that accepts frames redirected
# into the node's veth from XDP (the generator) when no XDP program sits
# on the port itself.
sw() { ip netns exec "$NS_SW" "$@"; }

topo_up()
{
	local n ns port mac ip
	ip netns add "$NS_SW" && ip -n "$NS_SW" link set lo up || return 1
	for n in a b; do
		ns=xb-$n port=xb-p$n
		if [ $n == a ]; then mac=$MAC_A ip=$IP_A; else mac=$MAC_B ip=$IP_B; fi
		ip netns add "$ns" &&
		ip -n "$NS_SW" link add "$port" type veth peer name eth0 netns "$ns" &&
		ip -n "$ns" link set eth0 address "$mac" &&
		ip -n "$ns" addr add "$ip/24" dev eth0 &&
		ip -n "$NS_SW" link set "$port" up &&
		ip -n "$ns" link set lo up &&
		ip -n "$ns" link set eth0 up &&
		sw ethtool -K "$port" gro on >/dev/null || return 1
	done
}

node_mac() { ip -n "$1" -br link show dev eth0 | awk '{print $3}'; }

cfg_bridge()
{
	ip -n "$NS_SW" link add "$BR" type bridge &&
	ip -n "$NS_SW" link set "$PORT_A" master "$BR" &&
	ip -n "$NS_SW" link set "$PORT_B" master "$BR" &&
	ip -n "$NS_SW" link set "$BR" up &&
	# Known destinations from the first frame: no flooding while it learns.
	bridge -n "$NS_SW" fdb replace "$MAC_A" dev "$PORT_A" master static &&
	bridge -n "$NS_SW" fdb replace "$MAC_B" dev "$PORT_B" master static
}

cfg_bare()
{
	local hook=$1
	"$XB" attach-bare --netns "$NS_SW" --hook "$hook" --dev "$PORT_A" --to "$PORT_B" &&
	"$XB" attach-bare --netns "$NS_SW" --hook "$hook" --dev "$PORT_B" --to "$PORT_A"
}

write_config()
{
	local dp=$1
	cat >"$WORK/xpan.yaml" <<EOF
# written by bench/run.sh
platform:
  serial: 45066
  state: $WORK/state
  bpffs: $BPFFS
vlans:
  - { name: bench, id: 10 }
nodes:
  - name: xb-a
    port: $PORT_A
    netns: $NS_A
    ifname: eth0
    vlan: bench
    ips: [$IP_A/24]
    datapath: $dp
  - name: xb-b
    port: $PORT_B
    netns: $NS_B
    ifname: eth0
    vlan: bench
    ips: [$IP_B/24]
    datapath: $dp
EOF
}

# The dataplane is there when both ports carry xpan_port_in and both
# nodes have the MAC and address ctrld gives them.
xpan_ready()
{
	local dp=$1 p n
	for p in "$PORT_A" "$PORT_B"; do
		if [ "$dp" == xdp ]; then
			ip -n "$NS_SW" -d link show dev "$p" | grep -q 'prog/xdp' || return 1
		else
			sw tc filter show dev "$p" ingress 2>/dev/null | grep -q xpan_port_in || return 1
		fi
	done
	for n in "$NS_A" "$NS_B"; do
		node_mac "$n" | grep -q '^02:' || return 1
	done
	[ "$(node_mac "$NS_A")" != "$MAC_A" ] || return 1
	[ "$(node_mac "$NS_B")" != "$MAC_B" ] || return 1
}

cfg_xpan()
{
	local dp=$1 i
	if [ $USE_LOADER -eq 1 ]; then
		# Maps filled by xb-dp; measure_tcp sets up the nodes.
		"$XBDP" attach --netns "$NS_SW" --mode "$dp" --bpffs "$BPFFS" \
			--port "$PORT_A,$MAC_A,$IP_A" --port "$PORT_B,$MAC_B,$IP_B"
		return
	fi
	write_config "$dp"
	echo "---- xpan-ctrld -c $WORK/xpan.yaml ($dp)" >>"$CTRLD_LOG"
	nsenter --net="/run/netns/$NS_SW" \
		"$CTRLD" -c "$WORK/xpan.yaml" --socket "$WORK/ctrld.sock" >>"$CTRLD_LOG" 2>&1 &
	CTRLD_PID=$!
	for ((i = 0; i < 150; i++)); do
		if ! kill -0 "$CTRLD_PID" 2>/dev/null; then
			wait "$CTRLD_PID"
			warn "xpan-ctrld exited (rc $?) before the dataplane was up:"
			tail -n 15 "$CTRLD_LOG" | sed 's/^/    | /' >&2
			CTRLD_PID=
			return 1
		fi
		xpan_ready "$dp" && return 0
		sleep 0.2
	done
	warn "xpan-ctrld did not set up both ports and nodes within 30 s:"
	tail -n 15 "$CTRLD_LOG" | sed 's/^/    | /' >&2
	return 1
}

# cfg_up NAME: topology plus the forwarding between the two ports.
cfg_up()
{
	topo_up || { warn "$1: cannot build the topology"; return 1; }
	case $1 in
	bridge) cfg_bridge ;;
	bare-tc) cfg_bare tc ;;
	bare-xdp) cfg_bare xdp ;;
	xpan-tc) cfg_xpan tc ;;
	xpan-xdp) cfg_xpan xdp ;;
	esac || { warn "$1: setup failed"; return 1; }
}

# The XDP hook passes frames without GSO and drops the sender's
# CHECKSUM_PARTIAL state, so its nodes compute checksums themselves.
hook_of() { case $1 in *xdp) echo xdp ;; *) echo tc ;; esac; }

# ---- measurements -------------------------------------------------------------

# Samples per key, space separated; medians at the end.
declare -A S
add() { S[$1]="${S[$1]:-} $2"; }
last() { local v=${S[$1]:-n/a}; echo "${v##* }"; }
FAILED=()

median()
{
	printf '%s\n' ${S[$1]:-} | sort -g |
		awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Medians rounded to what the noise leaves meaningful.
fmt_unit()
{
	local f
	case $1 in ns) f=%.0f ;; Mpps*) f=%.3f ;; *) f=%.2f ;; esac
	awk -v f="$f" 'NF { printf f "\n", $1 }'
}

json_num() { sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p"; }

# One live-frame run of RATE_SECS; adds a sample to rate: and rate_wall:.
rate_sample()
{
	local cfg=$1 out mpps cmpps sent recv
	out=$("$XB" rate -j --netns "$NS_A" --dev eth0 --sink-netns "$NS_B" \
		--sink-dev eth0 --src-mac "$(node_mac "$NS_A")" \
		--dst-mac "$(node_mac "$NS_B")" --src-ip "$IP_A" --dst-ip "$IP_B" \
		--seconds "$RATE_SECS" --cpu "$GEN_CPU")
	mpps=$(json_num mpps <<<"$out")
	cmpps=$(json_num cpu_mpps <<<"$out")
	sent=$(json_num sent <<<"$out")
	recv=$(json_num received <<<"$out")
	if [ -z "$mpps" ] || [ "${recv:-0}" -eq 0 ]; then
		warn "$cfg: nothing reached node B (${out:-no output})"
		FAILED+=("rate $cfg")
		return 1
	fi
	add "rate:$cfg" "$cmpps"
	add "rate_wall:$cfg" "$mpps"
	TXT+=" $(printf '%.3f Mpps/CPU %.3f wall (%d/%d at B);' \
		"$cmpps" "$mpps" "$recv" "$sent")"
}

measure_rate()
{
	local cfg=$1 i
	if ! "$XB" attach-node --netns "$NS_B" --dev eth0; then
		FAILED+=("rate $cfg: sink"); return 1
	fi
	for ((i = 0; i < RATE_SAMPLES; i++)); do
		rate_sample "$cfg" || break
	done
	ip -n "$NS_B" link set dev eth0 xdp off
}

iperf_listening() { ip netns exec "$NS_B" ss -Hltn 'sport = :5201' | grep -q LISTEN; }

measure_tcp()
{
	local cfg=$1 out gbps n
	if [ "$(hook_of "$cfg")" == xdp ]; then
		# What ctrld does to the nodes of XDP ports (bare-xdp and the
		# loader need it by hand): checksums computed by the node, and
		# GRO, whose NAPI makes the node's veth accept frames that XDP
		# redirected into it.
		for n in "$NS_A" "$NS_B"; do
			ip netns exec "$n" ethtool -K eth0 tx off gro on >/dev/null || {
				FAILED+=("tcp $cfg: ethtool"); return 1; }
		done
	fi
	ip netns exec "$NS_B" iperf3 -s -1 -B "$IP_B" >/dev/null 2>&1 &
	IPERF_PID=$!
	for _ in $(seq 50); do iperf_listening && break; sleep 0.1; done
	out=$(ip netns exec "$NS_A" timeout $((TCP_SECS + 20)) \
		iperf3 -c "$IP_B" -t "$TCP_SECS" -f g 2>&1)
	stop_iperf
	gbps=$(awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Gbits/sec") print $(i - 1) }' <<<"$out")
	if [ -z "$gbps" ]; then
		warn "$cfg: iperf3 failed: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
		FAILED+=("tcp $cfg")
		return 1
	fi
	add "tcp:$cfg" "$gbps"
	TXT+=" $gbps Gbit/s"
}

measure_testrun()
{
	local out ns
	topo_up || { FAILED+=("testrun: topology"); return 1; }
	for rep in $(seq "$REPS"); do
		for dp in tc xdp; do
			rm -rf "$BPFFS_T"
			out=$("$XBDP" testrun -j --netns "$NS_SW" --mode "$dp" --bpffs "$BPFFS_T" \
				--repeat "$TESTRUN_REPEAT" \
				--port "$PORT_A,$MAC_A,$IP_A" --port "$PORT_B,$MAC_B,$IP_B")
			ns=$(json_num ns_per_pkt <<<"$out")
			if [ -n "$ns" ]; then add "ns:xpan-$dp" "$ns"; else FAILED+=("ns xpan-$dp"); fi
			out=$("$XB" testrun -j --netns "$NS_SW" --hook "$dp" --dev "$PORT_A" --to "$PORT_B" \
				--repeat "$TESTRUN_REPEAT")
			ns=$(json_num ns_per_pkt <<<"$out")
			if [ -n "$ns" ]; then add "ns:bare-$dp" "$ns"; else FAILED+=("ns bare-$dp"); fi
		done
		say "rep $rep/$REPS: ns/pkt xpan tc $(last ns:xpan-tc), bare tc $(last ns:bare-tc)," \
			"xpan xdp $(last ns:xpan-xdp), bare xdp $(last ns:bare-xdp)"
	done
	rm -rf "$BPFFS_T"
	topo_down
}

# ---- run ------------------------------------------------------------------------

START=$(date +%s)
CONFIGS=(bridge bare-tc xpan-tc bare-xdp xpan-xdp)
say "xpan bench: $REPS repetitions, live frames ${RATE_SECS}s, iperf3 ${TCP_SECS}s; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
DRIVER=xpan-ctrld
if [ $USE_LOADER -eq 0 ] && [ ! -x "$CTRLD" ]; then
	warn "$CTRLD is missing: falling back to the bench loader (xb-dp attach)"
	USE_LOADER=1
fi
[ $USE_LOADER -eq 1 ] && DRIVER="xb-dp attach (bench loader)"
say "xpan driven by: $DRIVER"

say "stage 1/3: ns per packet, BPF_PROG_TEST_RUN x $TESTRUN_REPEAT, 64-byte unicast"
measure_testrun

say "stage 2/3: 64-byte forwarding rate A -> B (live frames, ${RATE_SAMPLES}x ${RATE_SECS}s per setup, median of $((REPS * RATE_SAMPLES)))"
[ $DO_TCP -eq 1 ] && say "stage 3/3: TCP A -> B (iperf3, 1 stream, ${TCP_SECS}s, median of $REPS)"
say "stages 2 and 3 share each setup; setups take turns: ${CONFIGS[*]}"
for rep in $(seq "$REPS"); do
	for cfg in "${CONFIGS[@]}"; do
		TXT="rep $rep/$REPS $cfg:"
		if ! cfg_up "$cfg"; then
			FAILED+=("setup $cfg")
			say "$TXT setup failed"
			topo_down
			continue
		fi
		measure_rate "$cfg"
		if [ $DO_TCP -eq 1 ]; then
			measure_tcp "$cfg"
		fi
		say "$TXT"
		topo_down
	done
done

# ---- storage (a colleague's bench/storage.sh, when present) ---------------------
# Its stdout lines "ROW metric|xpan|peer|ratio|target|met" join the table;
# everything else it prints is progress.
STORAGE_ROWS=()
if [ $DO_STORAGE -eq 1 ] && [ -f bench/storage.sh ]; then
	say "storage: bench/storage.sh"
	while IFS= read -r l; do
		case $l in
		"ROW "*) STORAGE_ROWS+=("${l#ROW }") ;;
		*) printf '%s\n' "$l" ;;
		esac
	done < <(bash bench/storage.sh)
	[ ${#STORAGE_ROWS[@]} -gt 0 ] || FAILED+=("storage: no ROW lines")
fi
# bench/storage_node.sh: the same 4 KiB reads from inside a node through
# the dataplane next to loopback; its rows join the same table.
if [ $DO_STORAGE_NODE -eq 1 ] && [ -f bench/storage_node.sh ]; then
	say "storage: bench/storage_node.sh"
	n0=${#STORAGE_ROWS[@]}
	while IFS= read -r l; do
		case $l in
		"ROW "*) STORAGE_ROWS+=("${l#ROW }") ;;
		"RC "*) [ "${l#RC }" = 0 ] || FAILED+=("storage-node: exit ${l#RC }") ;;
		*) printf '%s\n' "$l" ;;
		esac
	done < <(bash bench/storage_node.sh; echo "RC $?")
	[ ${#STORAGE_ROWS[@]} -gt "$n0" ] || FAILED+=("storage-node: no ROW lines")
fi

# ---- report ---------------------------------------------------------------------

ROWS=()
# row METRIC UNIT XPAN_KEY PEER_KEY PEER_NAME CMP TARGET
#   CMP ge: met when xpan/peer >= TARGET; le: when <= TARGET; -: no target
row()
{
	local metric=$1 unit=$2 x p ratio met target=$7
	x=$(median "$3" | fmt_unit "$unit")
	p=$(median "$4" | fmt_unit "$unit")
	ratio=
	[ -n "$x" ] && [ -n "$p" ] && ratio=$(awk -v a="$x" -v b="$p" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
	met=-
	if [ "$6" != - ]; then
		if [ -z "$ratio" ]; then
			met=no
		elif awk -v r="$ratio" -v t="$target" -v c="$6" 'BEGIN { exit !((c == "ge") ? r >= t : r <= t) }'; then
			met=yes
		else
			met=no
		fi
		target="$([ "$6" == ge ] && echo '>=' || echo '<=')$target"
	fi
	ROWS+=("$metric|$unit|${x:-n/a}|${p:-n/a}|$5|${ratio:-n/a}|$target|$met")
}

row "tc: port program, ns/pkt" ns ns:xpan-tc ns:bare-tc "bare TC" - -
row "xdp: port program, ns/pkt" ns ns:xpan-xdp ns:bare-xdp "bare XDP" - -
row "tc: 64B rate vs bridge" Mpps/CPU rate:xpan-tc rate:bridge bridge ge 1.4
row "tc: 64B rate vs bare TC" Mpps/CPU rate:xpan-tc rate:bare-tc "bare TC" - -
row "xdp: 64B rate vs bridge" Mpps/CPU rate:xpan-xdp rate:bridge bridge ge 2.5
row "xdp: 64B rate vs bare XDP" Mpps/CPU rate:xpan-xdp rate:bare-xdp "bare XDP" ge 0.85
if [ $DO_TCP -eq 1 ]; then
	row "tc: TCP vs bridge" Gbit/s tcp:xpan-tc tcp:bridge bridge ge 1.0
	row "tc: TCP vs bare TC" Gbit/s tcp:xpan-tc tcp:bare-tc "bare TC" - -
	row "xdp: TCP vs bridge" Gbit/s tcp:xpan-xdp tcp:bridge bridge - -
	row "xdp: TCP vs bare XDP" Gbit/s tcp:xpan-xdp tcp:bare-xdp "bare XDP" - -
fi

echo
printf '%-28s | %-7s | %-7s | %-17s | %-6s | %-7s | %s\n' metric xpan peer "(peer)" ratio target met?
printf '%s\n' "-----------------------------+---------+---------+-------------------+--------+---------+-----"
for r in "${ROWS[@]}"; do
	IFS='|' read -r m u x p pn ra t me <<<"$r"
	printf '%-28s | %7s | %7s | %-17s | %6s | %-7s | %s\n' "$m" "$x" "$p" "$pn $u" "$ra" "$t" "$me"
done
for r in "${STORAGE_ROWS[@]}"; do
	IFS='|' read -r m x p ra t me <<<"$r"
	printf '%-28s | %7s | %7s | %-17s | %6s | %-7s | %s\n' "$m" "$x" "$p" "" "$ra" "$t" "$me"
done
WALL=
for cfg in "${CONFIGS[@]}"; do
	w=$(median "rate_wall:$cfg" | fmt_unit Mpps)
	WALL+=" $cfg ${w:-n/a},"
done
echo "Mpps/CPU: frames arriving at node B per second of CPU the path got (generator,"
echo "port, sink: all on CPU $GEN_CPU); wall-clock Mpps, medians:${WALL%,}"

# JSON: the table plus every sample, so a reader can judge the spread.
jstr() { printf '"%s"' "$(sed 's/\\/\\\\/g; s/"/\\"/g' <<<"$1")"; }
jnum() { case $1 in ''|n/a|-) printf null ;; *) printf '%s' "$1" ;; esac; }
jmet() { case $1 in yes) printf true ;; no) printf false ;; *) printf null ;; esac; }
{
	printf '{"date":%s,"kernel":%s,"cpus":%d,"reps":%d,"driver":%s,' \
		"$(jstr "$(date -u +%FT%TZ)")" "$(jstr "$(uname -r)")" "$(nproc)" "$REPS" "$(jstr "$DRIVER")"
	printf '"loadavg_end":%s,"rows":[' "$(jstr "$(cut -d' ' -f1-3 /proc/loadavg)")"
	sep=
	for r in "${ROWS[@]}"; do
		IFS='|' read -r m u x p pn ra t me <<<"$r"
		printf '%s{"metric":%s,"unit":%s,"xpan":%s,"peer":%s,"peer_name":%s,"ratio":%s,"target":%s,"met":%s}' \
			"$sep" "$(jstr "$m")" "$(jstr "$u")" "$(jnum "$x")" "$(jnum "$p")" \
			"$(jstr "$pn")" "$(jnum "$ra")" "$([ "$t" == - ] && echo null || jstr "$t")" "$(jmet "$me")"
		sep=,
	done
	for r in "${STORAGE_ROWS[@]}"; do
		IFS='|' read -r m x p ra t me <<<"$r"
		printf '%s{"metric":%s,"xpan":%s,"peer":%s,"ratio":%s,"target":%s,"met":%s}' \
			"$sep" "$(jstr "$m")" "$(jnum "$x")" "$(jnum "$p")" "$(jnum "$ra")" \
			"$([ "$t" == - ] && echo null || jstr "$t")" "$(jmet "$me")"
		sep=,
	done
	printf '],"rate_wall_mpps":{'
	sep=
	for cfg in "${CONFIGS[@]}"; do
		printf '%s%s:%s' "$sep" "$(jstr "$cfg")" "$(jnum "$(median "rate_wall:$cfg" | fmt_unit Mpps)")"
		sep=,
	done
	printf '},"samples":{'
	sep=
	for k in $(printf '%s\n' "${!S[@]}" | sort); do
		printf '%s%s:[%s]' "$sep" "$(jstr "$k")" "$(sed 's/^ *//; s/ \+/,/g' <<<"${S[$k]}")"
		sep=,
	done
	printf '},"failed":['
	sep=
	for f in "${FAILED[@]}"; do printf '%s%s' "$sep" "$(jstr "$f")"; sep=,; done
	printf ']}\n'
} >"$RESULTS"

echo
say "results in $RESULTS ($(( $(date +%s) - START )) s, load $(cut -d' ' -f1-3 /proc/loadavg))"
if [ ${#FAILED[@]} -gt 0 ]; then
	say "measurements that failed: ${FAILED[*]}"
	exit 1
fi
exit 0
