#!/usr/bin/env bash
# A small xpan platform to play with, on this host:
#   bash scripts/demo.sh up     (make demo: after the build)
#   bash scripts/demo.sh down   (make demo-down)
#
# up: four nodes in network namespaces demo-n1..demo-n4 (host ports
# xp-n1..xp-n4), VLAN red (n1, n2) and blue (n3, n4), xpan-ctrld in the
# background, and when build/xpan-iod exists a 1 GiB sparse disk for n1
# served by xpan-iod, which n1 reaches from inside its namespace through
# its own port and the storage network (portal 100.64.0.1:3260 on the
# storage port xpst0; 127.0.0.1:3260 for the host's tools). Everything
# lives in build/demo/ (config, logs, pid files, state, storage pool) plus
# the namespaces, the host ports, the storage port and the pins under
# /sys/fs/bpf/xpan.
#
# down: stops the daemons, unloads the dataplane, removes all of the above.
# It is idempotent and also cleans up after an "up" that failed half-way.
set -u
cd "$(dirname "$0")/.."

TOP=$(pwd)
B=$TOP/build
D=$B/demo
CFG=$D/xpan.yaml
BPFFS=/sys/fs/bpf/xpan
NODES=(n1 n2 n3 n4)
XPAN=$B/xpan
CTRLD=$B/xpan-ctrld
IOD=$B/xpan-iod

say()
{
	printf 'demo: %s\n' "$*"
}

die()
{
	printf 'demo: error: %s\n' "$*" >&2
	exit 1
}

# stop_pidfile NAME FILE: TERM, bounded wait, then KILL.
stop_pidfile()
{
	local name=$1 f=$2 pid i
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	# Only a process that still runs our binary is ours to stop.
	if [ -n "$pid" ] && grep -qa "$name" "/proc/$pid/cmdline" 2>/dev/null; then
		say "stopping $name (pid $pid)"
		kill "$pid" 2>/dev/null
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
	fi
	rm -f "$f"
}

down()
{
	local n ns
	stop_pidfile xpan-iod "$D/xpan-iod.pid"
	stop_pidfile xpan-ctrld "$D/xpan-ctrld.pid"
	if [ -d "$BPFFS" ]; then
		if [ -x "$XPAN" ]; then
			"$XPAN" unload --bpffs "$BPFFS" || say "xpan unload failed; removing pins by hand"
		fi
		[ -d "$BPFFS" ] && rm -rf "$BPFFS"
	fi
	for n in "${NODES[@]}"; do
		ns=demo-$n
		if ip netns list | grep -qw "^$ns"; then
			# Anything still running inside belongs to the demo.
			for pid in $(ip netns pids "$ns"); do
				kill -9 "$pid" 2>/dev/null
			done
			ip netns del "$ns"
		fi
		# Usually gone with its namespace's peer already.
		ip link del "xp-$n" 2>/dev/null
	done
	rm -rf "$D"
	# The storage port, if unload could not remove it.
	ip link del xpst0 2>/dev/null
	# The daemons' socket directory, when nothing else uses it.
	rmdir /run/xpan 2>/dev/null
	say "down: namespaces, ports, pins, daemons and build/demo removed"
}

write_config()
{
	local storage=$1
	cat >"$CFG" <<EOF
# xpan demo platform, written by scripts/demo.sh. Edit it and run
# 'build/xpan reload' (or kill -HUP the xpan-ctrld pid in build/demo/).
platform:
  serial: 7
  state: $D/state
  bpffs: $BPFFS
vlans:
  - { name: red, id: 10 }
  - { name: blue, id: 20 }
nodes:
  - name: n1
    port: xp-n1
    netns: demo-n1
    ifname: eth0
    vlan: red
    ips: [10.10.0.1/24]
    datapath: tc
  - name: n2
    port: xp-n2
    netns: demo-n2
    ifname: eth0
    vlan: red
    ips: [10.10.0.2/24]
    datapath: xdp         # the hook is chosen per node
  - name: n3
    port: xp-n3
    netns: demo-n3
    ifname: eth0
    vlan: blue
    ips: [10.20.0.3/24]
    datapath: tc
  - name: n4
    port: xp-n4
    netns: demo-n4
    ifname: eth0
    vlan: blue
    ips: [10.20.0.4/24]
    datapath: tc
# Service clusters (one IP in front of several nodes) come in a later
# issue; this is where they will go:
# clusters:
#   - { name: web, vlan: red, ip: 10.10.0.100, members: [n1, n2] }
EOF
	[ "$storage" = yes ] || return 0
	cat >>"$CFG" <<EOF
storage:
  target: iqn.2026-11.io.xpan:storage
  portal: 127.0.0.1:3260       # for the host's tools
  # Every node gets an address in the subnet and reaches the portal
  # through its own port only (show nodes: STORAGE_IP).
  network: { subnet: 100.64.0.0/16, portal_ip: 100.64.0.1, port: 3260 }
  pool: [$D/san]
  luns:
    - { node: n1, lun: 0, backing: disk0.img, offset: 0, size: 1G }
EOF
}

# wait_up SECONDS PIDFILE cmd...: poll until cmd succeeds; give up early
# when the daemon of PIDFILE has exited.
wait_up()
{
	local t=$1 pidf=$2 i
	shift 2
	for ((i = 0; i < t * 5; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		alive "$pidf" || return 1
		sleep 0.2
	done
	return 1
}

# start NAME LOG PIDFILE cmd...: a daemon in the background.
start()
{
	local name=$1 log=$2 pidf=$3
	shift 3
	say "starting $name (log $log)"
	setsid "$@" >"$log" 2>&1 </dev/null &
	echo $! >"$pidf"
}

alive()
{
	kill -0 "$(cat "$1")" 2>/dev/null
}

up()
{
	local n storage=no
	[ -x "$XPAN" ] && [ -x "$CTRLD" ] || die "build/xpan and build/xpan-ctrld missing: run 'make demo'"
	if [ -f "$D/xpan-ctrld.pid" ] && alive "$D/xpan-ctrld.pid"; then
		die "the demo is already up (run 'make demo-down' first)"
	fi
	# Whatever a failed earlier run left behind.
	down >/dev/null 2>&1
	mkdir -p "$D/state"
	if ! mount | grep -q ' /sys/fs/bpf type bpf'; then
		mount -t bpf bpf /sys/fs/bpf || die "cannot mount bpffs on /sys/fs/bpf"
	fi

	for n in "${NODES[@]}"; do
		ip netns add "demo-$n" || die "ip netns add demo-$n"
		ip link add "xp-$n" type veth peer name eth0 netns "demo-$n" ||
			die "ip link add xp-$n"
		ip link set "xp-$n" up
		ip -n "demo-$n" link set lo up
		ip -n "demo-$n" link set eth0 up
	done
	say "nodes: demo-n1..demo-n4 behind xp-n1..xp-n4 (n2 on the XDP hook, the others on TC)"

	if [ -x "$IOD" ]; then
		storage=yes
		mkdir -p "$D/san"
		truncate -s 1G "$D/san/disk0.img"
	fi
	write_config $storage
	say "config: $CFG"

	start xpan-ctrld "$D/xpan-ctrld.log" "$D/xpan-ctrld.pid" "$CTRLD" -c "$CFG"
	if ! wait_up 40 "$D/xpan-ctrld.pid" "$XPAN" status -c "$CFG"; then
		alive "$D/xpan-ctrld.pid" || say "xpan-ctrld exited"
		tail -n 20 "$D/xpan-ctrld.log" >&2
		"$XPAN" status -c "$CFG" >&2
		die "xpan-ctrld did not come up; 'make demo-down' cleans up"
	fi
	say "xpan-ctrld is up (pid $(cat "$D/xpan-ctrld.pid"))"

	if [ $storage = yes ]; then
		start xpan-iod "$D/xpan-iod.log" "$D/xpan-iod.pid" "$IOD" -c "$CFG"
		if ! wait_up 20 "$D/xpan-iod.pid" "$XPAN" storage luns; then
			tail -n 20 "$D/xpan-iod.log" >&2
			die "xpan-iod did not come up; 'make demo-down' cleans up"
		fi
		say "xpan-iod is up (pid $(cat "$D/xpan-iod.pid")), n1 has LUN 0 (1 GiB, sparse)"
		if command -v iscsi-ls >/dev/null &&
			wait_up 20 "$D/xpan-iod.pid" ip netns exec demo-n1 iscsi-ls -s \
				-i iqn.2026-11.io.xpan:n1 iscsi://100.64.0.1:3260; then
			say "n1 sees its disk from inside demo-n1, through its port (portal 100.64.0.1:3260)"
		else
			say "warning: n1 does not see its disk from inside demo-n1 yet; see $D/xpan-ctrld.log and $D/xpan-iod.log"
		fi
	else
		say "build/xpan-iod not built: no storage in this demo"
	fi
	say "service clusters are a later issue: none in this demo"

	cat <<EOF

Try:
  build/xpan status
  build/xpan show nodes                 # add -j for JSON
  ip netns exec demo-n1 ping -c3 10.10.0.2        # same VLAN (red): works
  ip netns exec demo-n3 ping -c3 10.20.0.4        # blue: works
  ip netns exec demo-n1 ping -c3 -W1 10.20.0.3    # other VLAN (blue): nothing
  # even when n1 forges its way in (blue address, static ARP entry):
  ip netns exec demo-n1 ip addr add 10.20.0.99/24 dev eth0
  ip netns exec demo-n1 ip neigh add 10.20.0.3 lladdr \$(build/xpan show nodes -j | jq -r '.[] | select(.name=="n3").mac') dev eth0
  ip netns exec demo-n1 ping -c3 -W1 10.20.0.3    # dropped: other_vlan in show stats
  build/xpan show stats                 # per-port counters, drops by reason
  bpftool map dump pinned $BPFFS/xpan_ports
EOF
	[ $storage = yes ] && cat <<EOF
  build/xpan storage luns
  # n1 uses its disk from inside its namespace, through its own port:
  ip netns exec demo-n1 iscsi-ls -s -i iqn.2026-11.io.xpan:n1 iscsi://100.64.0.1:3260
  ip netns exec demo-n1 build/tests/iod_rw iscsi://100.64.0.1:3260/iqn.2026-11.io.xpan:storage/0 iqn.2026-11.io.xpan:n1 roundtrip 2048
  #   (writes 1 MiB with a pattern and reads it back; exit 0 = all matched)
  ip netns exec demo-n2 iscsi-ls -s -i iqn.2026-11.io.xpan:n1 iscsi://100.64.0.1:3260
  #   n2 posing as n1: refused (the address names the node)
  build/xpan storage stats
  build/xpan show stats                 # the 'storage' row: the storage port
EOF
	cat <<EOF
  edit $CFG, then: build/xpan reload
  make demo-down                        # removes everything again
EOF
}

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, BPF)"
case ${1:-} in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
