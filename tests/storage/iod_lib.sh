# Shared helpers for the storage scenarios (sourced, not run).
# Each scenario gets its own temp dir, loopback port (3262-3299, free at
# start) and control socket; cleanup kills only the daemons it started.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# IOD=/path/to/an/older/xpan-iod runs a scenario against another build
# (to see an attack test fail on the code before its fix).
IOD=${IOD:-$ROOT/build/xpan-iod}
RAW="python3 $ROOT/tests/storage/iscsi_raw.py"
IOD_RW=$ROOT/build/tests/iod_rw
TARGET=iqn.2026-11.io.xpan:storage
IQN=iqn.2026-11.io.xpan
T=$(mktemp -d /tmp/xpan-iod-test.XXXXXX)
IOD_PID=
PORT=
BG_PIDS=()

# bg_track PID: a helper process of the scenario, killed at exit.
bg_track()
{
	BG_PIDS+=("$1")
}

iod_cleanup()
{
	local p
	touch "$T/stop" 2>/dev/null
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "$IOD_PID" ] && kill -0 "$IOD_PID" 2>/dev/null; then
		kill "$IOD_PID" 2>/dev/null
		wait "$IOD_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap iod_cleanup EXIT

fail()
{
	echo "FAIL: $*"
	[ -f "$T/iod.log" ] && { echo "--- xpan-iod log"; tail -20 "$T/iod.log"; }
	exit 1
}

need()
{
	for c in "$@"; do
		# A missing project binary is a failed build and a missing tool
		# a failed install: both fail the test, neither skips it.
		command -v "$c" >/dev/null 2>&1 || [ -x "$c" ] || {
			case $c in
			*/build/*) echo "FATAL: $c is missing: run 'make' first" ;;
			*) echo "FATAL: $c is not installed: run 'bash scripts/deps.sh'" ;;
			esac
			exit 1
		}
	done
}

free_port()
{
	local p
	for p in $(shuf -i 3262-3299); do
		ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
	return 1
}

# iod_start CONFIG: starts xpan-iod on a free loopback port.
iod_start()
{
	local cfg=$1 try
	for try in 1 2 3 4 5; do
		PORT=$(free_port) || fail "no free port in 3262-3299"
		"$IOD" -c "$cfg" -p "127.0.0.1:$PORT" -s "$T/iod.sock" -v \
			>>"$T/iod.log" 2>&1 &
		IOD_PID=$!
		for _ in $(seq 50); do
			[ -S "$T/iod.sock" ] && ss -Hltn "sport = :$PORT" | grep -q . && return 0
			kill -0 "$IOD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill "$IOD_PID" 2>/dev/null
		wait "$IOD_PID" 2>/dev/null
		IOD_PID=
	done
	fail "xpan-iod did not start"
}

# wait_until TRIES CMD...: runs CMD every 0.1 s until it succeeds; a
# guard against hanging, not a timing check (TRIES is generous).
wait_until()
{
	local tries=$1 i
	shift
	for ((i = 0; i < tries; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# rss_sampler PID FILE: keeps the peak VmRSS (KiB) of PID in FILE, sampled
# about every 10 ms, until PID exits or $T/stop exists.
rss_sampler()
{
	local pid=$1 file=$2 peak=0 k v u
	while [ ! -e "$T/stop" ] && [ -r "/proc/$pid/status" ]; do
		while read -r k v u; do
			if [ "$k" = VmRSS: ]; then
				if [ "$v" -gt "$peak" ]; then
					peak=$v
					echo "$peak" >"$file"
				fi
				break
			fi
		done <"/proc/$pid/status"
		sleep 0.01
	done
}

iod_kill9()
{
	kill -9 "$IOD_PID"
	wait "$IOD_PID" 2>/dev/null
	IOD_PID=
	rm -f "$T/iod.sock"
}

url()
{
	echo "iscsi://127.0.0.1:$PORT/$TARGET/$1"
}

# ctl_raw [MARK]: sends stdin to the control socket as it is (attacks
# send what a well-behaved client would not) and prints everything the
# daemon answers until it closes; MARK, when given, is printed first, as
# soon as the request is out. A subshell exec'ing python, so that $! of
# "... | ctl_raw &" is the client itself.
ctl_raw()
(
	exec python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read())
if len(sys.argv) > 2:
    print(sys.argv[2], flush=True)
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode())
' "$T/iod.sock" "$@"
)

# ctl "storage stats -j": prints the whole response (status line first).
ctl()
{
	printf '%s\n' "$*" | ctl_raw
}

# conns_counter NAME: the number NAME in "storage conns -j".
conns_counter()
{
	ctl "storage conns -j" | grep -o "\"$1\":[0-9]*" | grep -o '[0-9]*$'
}

# raw_open NAME N ARGS...: runs iscsi_raw.py ARGS in the background
# (output in $T/NAME.out, killed at exit), waits until it says "open N",
# and leaves its pid in RAW_PID.
raw_open()
{
	local out=$T/$1.out what=$1 n=$2
	shift 2
	$RAW "$@" >"$out" 2>&1 &
	RAW_PID=$!
	bg_track $RAW_PID
	wait_until 300 grep -qs "^open $n" "$out" ||
		fail "$what: $n connections not opened: $(cat "$out")"
}

# n1 with two initiator names, two LUNs on disk0 (windows) and a
# read-only LUN 2, n2 with
# LUN 0 on disk1 -- both have a LUN 0 --, spare without LUNs, n3 behind
# CHAP with LUN 0 on disk2.
write_config()
{
	mkdir -p "$T/san"
	truncate -s 64M "$T/san/disk0.img"
	truncate -s 48M "$T/san/disk1.img"
	truncate -s 16M "$T/san/disk2.img"
	truncate -s 4M "$T/san/ro.img"
	cat >"$T/xpan.yaml" <<YAML
nodes:
  - name: n1
    initiators: [$IQN:n1, $IQN:n1-path2]
  - name: n2
  - name: spare
  - name: n3
    chap: { user: n3user, secret: "n3-chap-secret" }
storage:
  portal: 127.0.0.1:3260
  pool: [$T/san]
  rescan: 0
  luns:
    - { node: n1, lun: 0, backing: disk0.img, offset: 0, size: 32M }
    - { node: n1, lun: 1, backing: disk0.img, offset: 32M }
    - { node: n1, lun: 2, backing: ro.img, readonly: true }
    - { node: n2, lun: 0, backing: disk1.img }
    - { node: n3, lun: 0, backing: disk2.img }
YAML
}
