#!/usr/bin/env bash
# Storage from inside a node: 4 KiB random-read IOPS at queue depth 32
# that a node gets from xpan-iod through its own port, the dataplane and
# the storage network (issue 7), next to the same load from the host over
# loopback, in one run, on one platform per datapath of the node port
# (TC, XDP). Target: node / loopback >= 0.85.
# Prints a table and build/bench/storage-node.json; lines starting "ROW "
# are for bench/run.sh, which joins them to its table.
#
#   bash bench/storage_node.sh [-r REPS] [-t SECONDS] [-q QD] [-j N]
#                              [-d|--datapath tc|xdp|both] [-P] [-h]
#
#   -r  repetitions (default 5); each measures loopback and the node, one
#       after the other, in turns (odd ones loopback first, even ones the
#       node first, so a load that grows or fades hits both alike). Each
#       side's best IOPS is shown, as in bench/storage.sh; the target is
#       judged on the median of the per-repetition ratios (each pairs
#       loopback and node back to back, so another tenant's burst hits
#       one round, not one side's best), and the JSON keeps every sample
#   -t  seconds per measurement (default 3)
#   -q  queue depth, shared by the sessions (default 32)
#   -j  iSCSI sessions sharing that queue depth (default 2, as
#       bench/storage.sh: one libiscsi session tops out on the client)
#   -d  datapath of the node port: tc, xdp or both (default both)
#   -P  do not pin: by default (2+ CPUs) the client runs on CPU 0 and
#       xpan-iod (every thread) on CPU 1, as in bench/storage.sh
#
# The platform is its own: netns xsn-node behind port xsn-p0, storage
# port pair xsn-sh/xsn-sd, subnet 100.124.0.0/24 (portal 100.124.0.1),
# pins under /sys/fs/bpf/xpan-xsn, files under build/bench/storage-node/;
# portals 100.124.0.1:3320 and 127.0.0.1:3321 (STORAGE_NODE_PORT_BASE
# moves them). One LUN on a sparse 1 GiB file, read once before every
# measurement so both sides read from the page cache. Everything it
# starts or creates is removed on exit, also after a failure or Ctrl-C.
# Needs root, make (build/xpan, xpan-ctrld, xpan-iod) and libiscsi-dev.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
TOP=$PWD

SECS=3
REPS=5
JOBS=2
QD=32
DPS="tc xdp"
PIN=1
# the comment at the top of this file, up to its first blank line
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
while [ $# -gt 0 ]; do
	case $1 in
	-r|--reps) REPS=${2:-}; shift ;;
	-t|--seconds) SECS=${2:-}; shift ;;
	-q|--qd) QD=${2:-}; shift ;;
	-j|--sessions) JOBS=${2:-}; shift ;;
	-d|--datapath)
		case ${2:-} in
		tc|xdp) DPS=$2 ;;
		both) DPS="tc xdp" ;;
		*) echo "storage-node: --datapath wants tc, xdp or both" >&2; exit 2 ;;
		esac
		shift ;;
	-P|--no-pin) PIN=0 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
for v in "$REPS" "$SECS" "$QD" "$JOBS"; do
	case $v in ''|*[!0-9]*|0) echo "storage-node: -r, -t, -q and -j want positive numbers" >&2; exit 2 ;; esac
done

B=build/bench/storage-node
W=$TOP/$B/run		# this run's config, state, logs, disk, sockets
LOAD=$TOP/$B/xs-load
IOD=$TOP/build/xpan-iod
CTRLD=$TOP/build/xpan-ctrld
XPAN=$TOP/build/xpan
JSON_OUT=build/bench/storage-node.json
NS=xsn-node
PORT=xsn-p0
SN_HOST=xsn-sh
SN_DP=xsn-sd
BPFFS=/sys/fs/bpf/xpan-xsn
SUBNET=100.124.0.0/24
PORTAL_IP=100.124.0.1
NODE_SIP=100.124.0.10
NODE_IP=10.98.0.1/24
PORT_BASE=${STORAGE_NODE_PORT_BASE:-3320}
SN_PORT=$PORT_BASE		# portal on the storage network
LOOP_PORT=$((PORT_BASE + 1))	# storage.portal, loopback
IQN=iqn.2026-11.io.xpan
TARGET=$IQN:storage
INITIATOR=$IQN:xsn-node
CTRLD_PID=
IOD_PID=
LOAD_PIDS=()
KEEP_LOGS=0

say() { echo "storage-node: $*"; }
warn() { echo "storage-node: $*" >&2; }

# Everything one platform set up; safe after a partial setup and twice.
platform_down()
{
	local p
	for p in "${LOAD_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${LOAD_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	LOAD_PIDS=()
	if [ -n "$IOD_PID" ]; then
		kill "$IOD_PID" 2>/dev/null
		wait "$IOD_PID" 2>/dev/null
		IOD_PID=
	fi
	if [ -n "$CTRLD_PID" ]; then
		kill "$CTRLD_PID" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$CTRLD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$CTRLD_PID" 2>/dev/null
		wait "$CTRLD_PID" 2>/dev/null
		CTRLD_PID=
	fi
	if [ -d "$BPFFS" ]; then
		"$XPAN" unload --bpffs "$BPFFS" >>"$W/unload.log" 2>&1 ||
			warn "xpan unload --bpffs $BPFFS failed (see $W/unload.log)"
		rm -rf "$BPFFS"
	fi
	if [ -e "/run/netns/$NS" ]; then
		for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$NS" 2>/dev/null
	fi
	# one end of a veth pair takes the other with it
	ip link del "$PORT" 2>/dev/null
	ip link del "$SN_HOST" 2>/dev/null
	ip link del "$SN_DP" 2>/dev/null
	rm -rf "$W/state"
	return 0
}

cleanup()
{
	local rc=$?
	trap - EXIT INT TERM
	platform_down
	if [ $rc -ne 0 ] || [ $KEEP_LOGS -eq 1 ]; then
		# the logs, for the post-mortem; the rest goes
		mkdir -p "$B/logs"
		cp "$W"/*.log "$W"/*.yaml "$B/logs/" 2>/dev/null &&
			warn "logs kept in $B/logs/"
	fi
	rm -rf "$W"
	exit $rc
}

[ "$(id -u)" -eq 0 ] || { warn "needs root (namespaces, BPF)"; exit 1; }
for t in gcc ip ss taskset flock jq; do
	command -v $t >/dev/null || { warn "$t missing: run 'make deps'"; exit 1; }
done
[ -f /usr/include/iscsi/iscsi.h ] || { warn "libiscsi-dev missing: run 'make deps'"; exit 1; }
for f in "$IOD" "$CTRLD" "$XPAN"; do
	[ -x "$f" ] || { warn "$f missing: run 'make'"; exit 1; }
done
mkdir -p "$B"
# one at a time (bench/run.sh and a person may start it together); the
# names below are then ours, so what a killed run left is removed
exec 9>"$B/lock"
if ! flock -n 9; then
	say "another storage-node bench is running; waiting for it"
	flock 9
fi
trap cleanup EXIT
trap 'echo; say "interrupted"; exit 130' INT TERM
platform_down
rm -rf "$W" "$B/logs"
mkdir -p "$W"

if [ ! -x "$LOAD" ] || [ bench/storage/xs_load.c -nt "$LOAD" ]; then
	gcc -O2 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		bench/storage/xs_load.c -liscsi -o "$LOAD" || { warn "cannot build $LOAD"; exit 1; }
fi
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf || { warn "cannot mount bpffs"; exit 1; }
fi
for p in "$SN_PORT" "$LOOP_PORT"; do
	if ss -Hltn "sport = :$p" | grep -q .; then
		warn "TCP port $p is busy (STORAGE_NODE_PORT_BASE moves the portals)"
		exit 1
	fi
done

# Sparse: no disk space, and reads of holes are page-cache copies, so
# the figure is the path's, not a disk's.
DISK=$W/disk.img
truncate -s 1G "$DISK" || { warn "cannot create $DISK"; exit 1; }
warm_cache() { cat "$DISK" >/dev/null; }

[ "$(nproc)" -ge 2 ] || PIN=0
CLIENT_CPU=()
if [ $PIN -eq 1 ]; then
	CLIENT_CPU=(taskset -c 0)
fi
# every thread of a running process
pin_server() { [ $PIN -eq 0 ] || taskset -a -c -p 1 "$1" >/dev/null; }

# ---- platform ----

write_config()
{
	local dp=$1 inits=$INITIATOR j
	for j in $(seq 2 "$JOBS"); do inits="$inits, $INITIATOR-$j"; done
	cat >"$W/xpan.yaml" <<-EOF
	# written by bench/storage_node.sh
	platform:
	  serial: 45077
	  state: $W/state
	  bpffs: $BPFFS
	vlans:
	  - { name: xsn, id: 10 }
	nodes:
	  - name: xsn-node
	    port: $PORT
	    netns: $NS
	    ifname: eth0
	    vlan: xsn
	    ips: [$NODE_IP]
	    datapath: $dp
	    storage_ip: $NODE_SIP
	    initiators: [$inits]
	storage:
	  target: $TARGET
	  portal: 127.0.0.1:$LOOP_PORT
	  rescan: 0
	  write_cache: true
	  pool: [$W]
	  luns:
	    - { node: xsn-node, lun: 0, backing: disk.img }
	  network: { subnet: $SUBNET, portal_ip: $PORTAL_IP, port: $SN_PORT, host_port: $SN_HOST, dp_port: $SN_DP }
	EOF
}

# The node has its storage address and the route to the portal, the
# storage port carries the portal address, the node port its program.
node_ready()
{
	local dp=$1
	ip -n "$NS" -4 addr show dev eth0 | grep -q "inet $NODE_SIP/32" &&
		ip -n "$NS" route show "$PORTAL_IP" | grep -q "src $NODE_SIP" &&
		ip -4 addr show dev "$SN_HOST" 2>/dev/null | grep -q "inet $PORTAL_IP/" || return 1
	if [ "$dp" = xdp ]; then
		ip -d link show dev "$PORT" | grep -q 'prog/xdp'
	else
		tc filter show dev "$PORT" ingress 2>/dev/null | grep -q xpan_port_in
	fi
}

listening() { ss -Hltn "sport = :$1" | grep -q .; }

platform_up()
{
	local dp=$1 i
	ip netns add "$NS" &&
		ip link add "$PORT" type veth peer name eth0 netns "$NS" &&
		ip link set "$PORT" up &&
		ip -n "$NS" link set lo up &&
		ip -n "$NS" link set eth0 up || { warn "$dp: cannot create $NS/$PORT"; return 1; }
	write_config "$dp"
	echo "---- xpan-ctrld ($dp)" >>"$W/ctrld.log"
	"$CTRLD" -c "$W/xpan.yaml" --socket "$W/ctrld.sock" \
		--iod-socket "$W/iod.sock" >>"$W/ctrld.log" 2>&1 &
	CTRLD_PID=$!
	for ((i = 0; i < 150; i++)); do
		if ! kill -0 "$CTRLD_PID" 2>/dev/null; then
			wait "$CTRLD_PID"
			warn "$dp: xpan-ctrld exited (rc $?) before the node was ready:"
			tail -n 15 "$W/ctrld.log" | sed 's/^/    | /' >&2
			CTRLD_PID=
			return 1
		fi
		node_ready "$dp" && break
		sleep 0.2
	done
	if ! node_ready "$dp"; then
		warn "$dp: xpan-ctrld did not set up the node and the storage port within 30 s:"
		tail -n 15 "$W/ctrld.log" | sed 's/^/    | /' >&2
		return 1
	fi
	echo "---- xpan-iod ($dp)" >>"$W/iod.log"
	"$IOD" -c "$W/xpan.yaml" -s "$W/iod.sock" >>"$W/iod.log" 2>&1 &
	IOD_PID=$!
	for ((i = 0; i < 50; i++)); do
		listening "$SN_PORT" && listening "$LOOP_PORT" && return 0
		kill -0 "$IOD_PID" 2>/dev/null || break
		sleep 0.1
	done
	warn "$dp: xpan-iod does not listen on $PORTAL_IP:$SN_PORT and 127.0.0.1:$LOOP_PORT:"
	tail -n 15 "$W/iod.log" | sed 's/^/    | /' >&2
	return 1
}

# ---- measurement ----

# CPU ticks (user+system, all threads) a process used so far
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# CPU seconds (user+system) of this shell's finished children: the
# clients, with the softirq work their sends run in their own context
# (`times` in this shell: a $(...) subshell would report its own)
children_cpu()
{
	times >"$W/times"
	tail -n 1 "$W/times" | awk '{ gsub(/[ms]/, " "); print $1 * 60 + $2 + $3 * 60 + $4 }'
}
# busy and total jiffies of one CPU (softirq included)
cpu_busy() { awk -v c="cpu$1" '$1 == c { print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat; }
json_field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }

declare -A R	# R[dp:side] = best IOPS
declare -A CC	# CC[dp:side] = client us per command, every sample
declare -A IC	# IC[dp:side] = xpan-iod us per command, every sample
declare -A BUSY	# BUSY[dp:side] = "cpu0% cpu1%" in the best run
declare -A S	# S[dp:side] = every sample

record()	# key iops cpu busy client-cpu
{
	S[$1]="${S[$1]:-}${S[$1]:+ }$2"
	CC[$1]="${CC[$1]:-}${CC[$1]:+ }$5"
	IC[$1]="${IC[$1]:-}${IC[$1]:+ }$3"
	if [ -z "${R[$1]:-}" ] || [ "$2" -gt "${R[$1]}" ]; then
		R[$1]=$2 BUSY[$1]=$4
	fi
}

# measure DP SIDE: JOBS sessions (the node's initiator names) share QD;
# loop runs the client in the host's namespace against 127.0.0.1, node
# inside the node's namespace against the portal.
measure()
{
	local dp=$1 side=$2 url pfx=() c0 c1 a0 a1 b0 b1 k0 k1 out ops v j init
	local jqd=$(( (QD + JOBS - 1) / JOBS ))
	if [ "$side" = loop ]; then
		url=iscsi://127.0.0.1:$LOOP_PORT/$TARGET/0
	else
		url=iscsi://$PORTAL_IP:$SN_PORT/$TARGET/0
		pfx=(ip netns exec "$NS")
	fi
	kill -0 "$IOD_PID" 2>/dev/null || { warn "$dp $side: xpan-iod is gone (see $W/iod.log)"; return 1; }
	warm_cache
	pin_server "$IOD_PID"
	c0=$(cpu_ticks "$IOD_PID")
	children_cpu >"$W/k0"
	read -r a0 a1 < <(cpu_busy 0)
	read -r b0 b1 < <(cpu_busy 1)
	LOAD_PIDS=()
	for j in $(seq "$JOBS"); do
		init=$INITIATOR
		[ "$j" -eq 1 ] || init=$INITIATOR-$j
		"${pfx[@]}" "${CLIENT_CPU[@]}" "$LOAD" -j -i "$init" -w randread -b 4096 -q "$jqd" \
			-t "$SECS" "$url" >"$W/load.$j.out" 2>"$W/load.$j.err" &
		LOAD_PIDS+=($!)
	done
	wait "${LOAD_PIDS[@]}"
	LOAD_PIDS=()
	children_cpu >"$W/k1"
	k0=$(cat "$W/k0") k1=$(cat "$W/k1")
	c1=$(cpu_ticks "$IOD_PID")
	local busy
	busy=$(awk -v a0="$a0" -v a1="$a1" -v b0="$b0" -v b1="$b1" \
		-v c="$(cpu_busy 0)" -v d="$(cpu_busy 1)" 'BEGIN {
			split(c, x, " "); split(d, y, " ")
			printf "%.0f %.0f", (x[1] - a0) * 100 / (x[2] - a1 + (x[2] == a1)),
				(y[1] - b0) * 100 / (y[2] - b1 + (y[2] == b1)) }')
	out=$(cat "$W"/load.*.out)
	rm -f "$W"/load.*.out
	ops=$(json_field ops <<<"$out" | awk '{ s += $1 } END { print s + 0 }')
	if [ "$ops" = 0 ] || [ "$(json_field ops <<<"$out" | wc -l)" -ne "$JOBS" ] ||
		grep -q '"errors":[1-9]' <<<"$out"; then
		warn "$dp $side failed: $(cat "$W"/load.*.err | head -c 300)"
		return 1
	fi
	v=$(json_field iops <<<"$out" | awk '{ s += $1 } END { printf "%.0f", s }')
	record "$dp:$side" "$v" "$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$ops" \
		'BEGIN { printf "%.1f", t / hz * 1e6 / n }')" "$busy" \
		"$(awk -v a="$k0" -v b="$k1" -v n="$ops" 'BEGIN { printf "%.1f", (b - a) * 1e6 / n }')"
	LAST=$v
}

# Drops on the node port and the storage port after the runs: the
# dataplane's own count of what it threw away.
declare -A DROPS RXP KDROPS RETRANS TLP
port_drops()
{
	local dp=$1 json
	json=$("$XPAN" show stats -j --bpffs "$BPFFS" 2>"$W/stats.err") || { DROPS[$dp]='?'; return; }
	printf '%s\n' "$json" >"$W/stats-$dp.json"
	DROPS[$dp]=$(jq -r '
		[ (if type == "array" then .[] else (.ports // .stats // .)[] end)
		  | (.drops // {}) | to_entries[] | .value | numbers ] | add // 0' <<<"$json" 2>/dev/null)
	[ -n "${DROPS[$dp]}" ] || DROPS[$dp]='?'
	# frames the node port took in: proof that the node's load went
	# through the dataplane (and that the drop count is a real one)
	RXP[$dp]=$(jq -r --arg p "$PORT" '
		[ (if type == "array" then .[] else (.ports // .stats // .)[] end)
		  | select(.ifname == $p) | .rx_packets ] | add // empty' <<<"$json" 2>/dev/null)
	[ -n "${RXP[$dp]}" ] || RXP[$dp]='?'
	# What the kernel dropped around the dataplane (veth rings, XDP
	# transmit errors: ethtool -S and the link counters of the four veth
	# ends) and the node's TCP retransmissions: the links and the
	# namespace are this platform's, so the totals are this run's.
	local d=0 e v
	for e in "$PORT" "$SN_HOST" "$SN_DP" "-n $NS eth0"; do
		if [ "${e#-n }" != "$e" ]; then
			v=$(ip netns exec "$NS" ethtool -S eth0 2>/dev/null)
			v+=$'\n'$(ip -n "$NS" -s -j link show dev eth0 2>/dev/null | jq -r '.[0].stats64 | "x_dropped: \(.rx.dropped + .tx.dropped)"')
		else
			v=$(ethtool -S "$e" 2>/dev/null)
			v+=$'\n'$(ip -s -j link show dev "$e" 2>/dev/null | jq -r '.[0].stats64 | "x_dropped: \(.rx.dropped + .tx.dropped)"')
		fi
		d=$((d + $(awk -F: '$1 ~ /drops|errors|dropped/ { s += $2 } END { print s + 0 }' <<<"$v")))
	done
	KDROPS[$dp]=$d
	RETRANS[$dp]=$(ip netns exec "$NS" awk '$1 == "Tcp:" && !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == "Tcp:" { print $c["RetransSegs"] }' /proc/net/snmp)
	[ -n "${RETRANS[$dp]}" ] || RETRANS[$dp]='?'
	# of which tail-loss probes: sent on a timer, not for a lost segment
	TLP[$dp]=$(ip netns exec "$NS" awk '$1 == "TcpExt:" && !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == "TcpExt:" { print $c["TCPLossProbes"] }' /proc/net/netstat)
	[ -n "${TLP[$dp]}" ] || TLP[$dp]='?'
}

TARGET_RATIO=0.85
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b }'; }
meets() { awk -v r="$1" -v t="$2" 'BEGIN { exit !(r != "" && r >= t) }' && echo yes || echo no; }
# median of a list of numbers
median_of()
{
	printf '%s\n' $1 | sort -g |
		awk 'NF { v[++n] = $1 } END { if (n) print (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'
}
median() { median_of "${S[$1]:-}"; }
declare -A PR	# PR[dp] = node/loopback of each repetition

START=$(date +%s)
say "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); datapaths: $DPS; best of $REPS," \
	"${SECS}s per run, 4 KiB random read at QD $QD over $JOBS iSCSI sessions, pinned=$PIN"
FAILED=()
for dp in $DPS; do
	if ! platform_up "$dp"; then
		FAILED+=("$dp: setup")
		KEEP_LOGS=1
		platform_down
		continue
	fi
	say "$dp: node $NS ($NODE_SIP) on port $PORT, portal $PORTAL_IP:$SN_PORT, loopback 127.0.0.1:$LOOP_PORT"
	for rep in $(seq "$REPS"); do
		order="loop node"
		[ $((rep % 2)) -eq 1 ] || order="node loop"
		l=n/a n=n/a
		for side in $order; do
			LAST=n/a
			measure "$dp" "$side" || FAILED+=("$dp $side")
			if [ $side = loop ]; then l=$LAST; else n=$LAST; fi
		done
		pr=$(ratio "${n#n/a}" "${l#n/a}")
		[ -z "$pr" ] || PR[$dp]="${PR[$dp]:-}${PR[$dp]:+ }$pr"
		say "$dp round $rep/$REPS ($order): loopback $l IOPS, node $n IOPS, ratio ${pr:-n/a}"
	done
	port_drops "$dp"
	say "$dp: dataplane drops ${DROPS[$dp]}, frames in at $PORT ${RXP[$dp]}," \
		"veth drops/errors ${KDROPS[$dp]}, node TCP retransmissions ${RETRANS[$dp]} (tail-loss probes ${TLP[$dp]})"
	platform_down
done
[ ${#FAILED[@]} -eq 0 ] || KEEP_LOGS=1

# ---- report ----

echo
printf '%-9s | %10s | %10s | %6s | %-7s | %-4s | %-9s | %-10s | %-17s | %-17s | %-17s | %s\n' \
	datapath "node IOPS" "loop IOPS" ratio target met? "med ratio" "cost ratio" "iod us/cmd n/l" "client us/cmd n/l" "cpu0/cpu1% n/l" drops
printf '%s\n' "----------+------------+------------+--------+---------+------+-----------+------------+-------------------+-------------------+-------------------+------"
ROWS=()
declare -A CR
for dp in $DPS; do
	n=${R[$dp:node]:-}
	l=${R[$dp:loop]:-}
	rt=$(ratio "$n" "$l")
	mr=$(median_of "${PR[$dp]:-}" | awk '{ printf "%.2f", $1 }')
	# Judged on the paired rounds: each puts loopback and node back to
	# back, so another tenant's burst lands in one round, not in the
	# best-of figures of one side only.
	met=$(meets "$mr" $TARGET_RATIO)
	in_=$(median_of "${IC[$dp:node]:-}") il=$(median_of "${IC[$dp:loop]:-}")
	cn=$(median_of "${CC[$dp:node]:-}") cl=$(median_of "${CC[$dp:loop]:-}")
	cr=$(awk -v a="$il" -v b="$cl" -v c="$in_" -v d="$cn" \
		'BEGIN { if (c + d > 0 && a != "" && b != "") printf "%.2f", (a + b) / (c + d) }')
	CR[$dp]=$cr
	printf '%-9s | %10s | %10s | %6s | %-7s | %-4s | %-9s | %-10s | %-17s | %-17s | %-17s | %s\n' \
		"$dp" "${n:-n/a}" "${l:-n/a}" "${rt:-n/a}" ">=$TARGET_RATIO" "$met" "${mr:-n/a}" "${cr:-n/a}" \
		"${in_:-?} / ${il:-?}" "${cn:-?} / ${cl:-?}" \
		"${BUSY[$dp:node]:-?} / ${BUSY[$dp:loop]:-?}" "${DROPS[$dp]:-?}"
	ROWS+=("$dp|$(median "$dp:node")|$(median "$dp:loop")|$mr|$met")
done
echo "4 KiB random read, QD $QD, $JOBS sessions, best of $REPS x ${SECS}s; node: from inside the"
echo "node through its port and the storage network; loop: from the host to 127.0.0.1;"
echo "ratio: best node / best loop; med ratio: median of each round's node / loop, the figure"
echo "judged (met?) and reported (the ROW, with the median IOPS of each side)."
echo "cost ratio: loop / node of the CPU the path spends per command (xpan-iod + clients),"
echo "the IOPS ratio where CPU is the limit, less shaken by other tenants; iod us/cmd: xpan-iod CPU"
echo "(user+system, all threads) per command; client us/cmd: the clients' CPU per command"
echo "(both medians of the rounds; node / loop); cpu0/cpu1% (best run): busy"
echo "share of the client's CPU 0 and xpan-iod's CPU 1 (softirq included); drops: all"
echo "drop counters of 'xpan show stats' after the runs; veth drops and node TCP"
echo "retransmissions: see the lines after each datapath's rounds"
echo

# for bench/run.sh: metric|xpan|peer|ratio|target|met
for r in "${ROWS[@]}"; do
	IFS='|' read -r dp n l rt met <<<"$r"
	echo "ROW storage node-$dp vs loopback|${n:-n/a}|${l:-n/a}|${rt:-n/a}|>=$TARGET_RATIO|$met"
done

jnum() { case $1 in ''|n/a|\?) printf null ;; *) printf '%s' "$1" ;; esac; }
jlist() { local x=${1:-}; printf '%s' "${x// /,}"; }
{
	printf '{"date":"%s","kernel":"%s","cpus":%d,"loadavg_end":"%s",' \
		"$(date -u +%FT%TZ)" "$(uname -r)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
	printf '"workload":"4 KiB random read","qd":%s,"iscsi_sessions":%s,"rounds":%s,"seconds_per_run":%s,' \
		"$QD" "$JOBS" "$REPS" "$SECS"
	printf '"figure":"median of paired rounds","pinned":%s,"file":"sparse 1 GiB, page cache",' "$PIN"
	printf '"client":"bench/storage/xs_load.c (libiscsi)","target":%s,"rows":[' "$TARGET_RATIO"
	sep=
	for r in "${ROWS[@]}"; do
		IFS='|' read -r dp n l rt met <<<"$r"
		read -r bn0 bn1 <<<"${BUSY[$dp:node]:-? ?}"
		read -r bl0 bl1 <<<"${BUSY[$dp:loop]:-? ?}"
		printf '%s{"datapath":"%s","node_iops":%s,"loopback_iops":%s,"ratio":%s,"met":%s,' \
			"$sep" "$dp" "$(jnum "$n")" "$(jnum "$l")" "$(jnum "$rt")" \
			"$([ "$met" = yes ] && echo true || echo false)"
		printf '"median_node_iops":%s,"median_loopback_iops":%s,"round_ratios":[%s],"median_round_ratio":%s,' \
			"$(jnum "$(median "$dp:node")")" "$(jnum "$(median "$dp:loop")")" \
			"$(jlist "${PR[$dp]:-}")" "$(jnum "$(median_of "${PR[$dp]:-}")")"
		printf '"cpu_us_per_cmd_iod_node":[%s],"cpu_us_per_cmd_iod_loopback":[%s],"cpu_cost_ratio":%s,' \
			"$(jlist "${IC[$dp:node]:-}")" "$(jlist "${IC[$dp:loop]:-}")" "$(jnum "${CR[$dp]:-}")"
		printf '"cpu_us_per_cmd_client_node":[%s],"cpu_us_per_cmd_client_loopback":[%s],' \
			"$(jlist "${CC[$dp:node]:-}")" "$(jlist "${CC[$dp:loop]:-}")"
		printf '"busy_pct_node":{"cpu0":%s,"cpu1":%s},"busy_pct_loopback":{"cpu0":%s,"cpu1":%s},' \
			"$(jnum "$bn0")" "$(jnum "$bn1")" "$(jnum "$bl0")" "$(jnum "$bl1")"
		printf '"veth_drops":%s,"node_tcp_retrans":%s,"node_tcp_loss_probes":%s,' \
			"$(jnum "${KDROPS[$dp]:-}")" "$(jnum "${RETRANS[$dp]:-}")" "$(jnum "${TLP[$dp]:-}")"
		printf '"dataplane_drops":%s,"node_port_rx_packets":%s,"samples":{"node":[%s],"loopback":[%s]}}' \
			"$(jnum "${DROPS[$dp]:-}")" "$(jnum "${RXP[$dp]:-}")" "$(jlist "${S[$dp:node]:-}")" "$(jlist "${S[$dp:loop]:-}")"
		sep=,
	done
	printf '],"failed":['
	sep=
	for f in "${FAILED[@]}"; do printf '%s"%s"' "$sep" "$f"; sep=,; done
	printf ']}\n'
} >"$JSON_OUT"
say "results in $JSON_OUT ($(( $(date +%s) - START )) s, load $(cut -d' ' -f1-3 /proc/loadavg))"
if [ ${#FAILED[@]} -gt 0 ]; then
	warn "failed: ${FAILED[*]}"
	exit 1
fi
exit 0
