#!/usr/bin/env bash
# Storage bench: xpan-iod against tgt on the same backing file, next to fio
# with io_uring straight on the file (the limit). One run prints 4 KiB
# random read / write IOPS and 1 MiB sequential read / write throughput,
# a table with ratios and targets, and build/bench/storage.json.
# Lines starting "ROW " are for bench/run.sh, which joins them to its table.
#
#   bash bench/storage.sh [-r REPS] [-t SECONDS] [-s SIZE] [-q QD] [-Q QD_1M] [-j N] [-P] [-h]
#
#   -r  rounds; each figure is the best of them (default 2: the machine is
#       shared, and other people's load only ever slows a run down)
#   -t  seconds per measurement (default 5)
#   -s  backing file size (default 1G)
#   -q  queue depth of the 4 KiB runs (default 32)
#   -Q  queue depth of the 1 MiB runs (default 8)
#   -j  iSCSI sessions sharing that queue depth (default 2): one libiscsi
#       session tops out near 28 K reads/s on the client side, whatever
#       the target, so one session would measure the client
#   -P  do not pin: by default (2+ CPUs) the client runs on CPU 0 and the
#       target (every thread of it) or fio on CPU 1, so each side gets one
#       core and a target's CPU cost per command decides its rate
#
# Needs root (tgtd), build/xpan-iod, tgt, fio and libiscsi-dev (for the
# load generator bench/storage/xs_load.c). Portals 127.0.0.1:3310 (xpan-iod)
# and 127.0.0.1:3311 (tgtd); every process it starts is stopped on exit.
set -uo pipefail
cd "$(dirname "$0")/.."

SECS=5
REPS=2
JOBS=2
SIZE=1G
QD=32
QD_SEQ=8
PIN=1
usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }
while getopts "r:t:s:q:Q:j:Ph" o; do
	case $o in
	r) REPS=$OPTARG ;;
	t) SECS=$OPTARG ;;
	s) SIZE=$OPTARG ;;
	q) QD=$OPTARG ;;
	Q) QD_SEQ=$OPTARG ;;
	j) JOBS=$OPTARG ;;
	P) PIN=0 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

B=build/bench/storage
DISK=$PWD/$B/disk.img
LOAD=$B/xs-load
# STORAGE_IOD: another xpan-iod binary (before/after comparisons)
IOD=${STORAGE_IOD:-build/xpan-iod}
# STORAGE_PORT_BASE moves both portals (and the lock) to run a second
# copy beside one that holds the defaults
PORT_BASE=${STORAGE_PORT_BASE:-3310}
IOD_PORT=$PORT_BASE
TGT_PORT=$((PORT_BASE + 1))
TGT_CTL=$((PORT_BASE + 89))	# tgtd management channel: a unix socket, not TCP
IOD_IQN=iqn.2026-11.io.xpan:storage
TGT_IQN=iqn.2026-11.io.xpan:tgt-bench
INITIATOR=iqn.2026-11.io.xpan:bench
JSON_OUT=build/bench/storage.json
IOD_PID=
TGT_PID=

say() { echo "storage: $*"; }
warn() { echo "storage: $*" >&2; }

cleanup()
{
	if [ -n "$IOD_PID" ] && kill -0 "$IOD_PID" 2>/dev/null; then
		kill "$IOD_PID"
		wait "$IOD_PID" 2>/dev/null
	fi
	if [ -n "$TGT_PID" ] && kill -0 "$TGT_PID" 2>/dev/null; then
		tgtadm -C $TGT_CTL --op delete --mode target --tid 1 --force >/dev/null 2>&1
		tgtadm -C $TGT_CTL --op delete --mode system >/dev/null 2>&1
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$TGT_PID" 2>/dev/null || break
			sleep 0.2
		done
		kill -9 "$TGT_PID" 2>/dev/null
		wait "$TGT_PID" 2>/dev/null
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || { warn "needs root (tgtd)"; exit 1; }
for t in fio tgtd tgtadm gcc; do
	command -v $t >/dev/null || { warn "$t missing: run 'make deps'"; exit 1; }
done
[ -f /usr/include/iscsi/iscsi.h ] || { warn "libiscsi-dev missing: run 'make deps'"; exit 1; }
[ -x "$IOD" ] || { warn "$IOD missing: run 'make'"; exit 1; }
mkdir -p "$B"
# bench/run.sh and a person may start this at the same time: take turns
W=$B/run.$PORT_BASE	# this copy's config, logs and client output
mkdir -p "$W"
exec 9>"$B/lock.$PORT_BASE"
if ! flock -n 9; then
	say "another storage bench is running; waiting for it"
	flock 9
fi
if [ ! -x "$LOAD" ] || [ bench/storage/xs_load.c -nt "$LOAD" ]; then
	gcc -O2 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		bench/storage/xs_load.c -liscsi -o "$LOAD" || { warn "cannot build $LOAD"; exit 1; }
fi

# ---- backing file: allocated and written once, so reads hit real blocks ----
bytes=$(numfmt --from=iec "$SIZE")
if [ ! -f "$DISK" ] || [ "$(stat -c %s "$DISK")" != "$bytes" ] || [ ! -f "$DISK.filled" ]; then
	say "preparing $DISK ($SIZE, fallocate + one sequential write)"
	rm -f "$DISK" "$DISK.filled"
	fallocate -l "$bytes" "$DISK" || { warn "fallocate failed"; exit 1; }
	fio --name=fill --filename="$DISK" --rw=write --bs=1M --direct=1 \
		--ioengine=io_uring --iodepth=8 --size="$bytes" --output=/dev/null ||
		{ warn "filling $DISK failed"; exit 1; }
	touch "$DISK.filled"
fi
# direct I/O works on this filesystem? (tmpfs and some overlays refuse it)
DIRECT=1
dd if="$DISK" of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null || DIRECT=0

[ "$(nproc)" -ge 2 ] || PIN=0
CLIENT_CPU=()
SERVER_CPU=()
if [ $PIN -eq 1 ]; then
	CLIENT_CPU=(taskset -c 0)
	SERVER_CPU=(taskset -c 1)
fi
# every thread of a running process (tgtd starts its I/O threads late)
pin_server() { [ $PIN -eq 0 ] || taskset -a -c -p 1 "$1" >/dev/null; }

# ---- targets ----
wait_port()
{
	local i
	for i in $(seq 50); do
		(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

port_free()
{
	! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null
}

start_tgt()
{
	port_free $TGT_PORT || { warn "port $TGT_PORT is busy"; return 1; }
	tgtd -f -C $TGT_CTL --iscsi portal=127.0.0.1:$TGT_PORT >"$W/tgtd.log" 2>&1 &
	TGT_PID=$!
	wait_port $TGT_PORT || { warn "tgtd did not listen (see $W/tgtd.log)"; return 1; }
	tgtadm -C $TGT_CTL --lld iscsi --op new --mode target --tid 1 -T $TGT_IQN &&
		tgtadm -C $TGT_CTL --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$DISK" &&
		tgtadm -C $TGT_CTL --lld iscsi --op bind --mode target --tid 1 -I ALL ||
		{ warn "tgtadm setup failed"; return 1; }
}

# write_cache: true reports WCE=1 and writes without RWF_DSYNC, as tgt does
# by default (its caching mode page has WCE set and bs_rdwr only syncs on
# FUA or SYNCHRONIZE CACHE); xpan-iod's default, write-through, would put
# a disk flush under every write and compare different guarantees.
start_iod()
{
	port_free $IOD_PORT || { warn "port $IOD_PORT is busy"; return 1; }
	local inits=$INITIATOR j
	for j in $(seq 2 "$JOBS"); do inits="$inits, $INITIATOR$j"; done
	cat >"$W/iod.yaml" <<-EOF
	nodes:
	  - { name: bench, initiators: [$inits] }
	storage:
	  target: $IOD_IQN
	  portal: 127.0.0.1:$IOD_PORT
	  network: off
	  pool: [$PWD/$B]
	  write_cache: true
	  luns:
	    - { node: bench, lun: 0, backing: disk.img }
	EOF
	"$IOD" -c "$W/iod.yaml" -s "$PWD/$W/iod.sock" >"$W/xpan-iod.log" 2>&1 &
	IOD_PID=$!
	wait_port $IOD_PORT || { warn "xpan-iod did not listen (see $W/xpan-iod.log)"; return 1; }
}

# CPU seconds (user+system, all threads) a process used so far
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

declare -A R	# R[system:workload] = IOPS or MiB/s
declare -A CPU	# CPU[system:workload] = target CPU microseconds per command
declare -A S	# S[system:workload] = every sample, for the JSON

# keeps the best sample (and the CPU cost measured in that run)
record()	# key value [cpu]
{
	S[$1]="${S[$1]:-}${S[$1]:+ }$2"
	if [ -z "${R[$1]:-}" ] || awk -v a="$2" -v b="${R[$1]}" 'BEGIN { exit !(a > b) }'; then
		R[$1]=$2
		[ -z "${3:-}" ] || CPU[$1]=$3
	fi
}

# workloads: name rw bs qd unit
WORKLOADS=(
	"rand-read-4k randread 4096 $QD IOPS"
	"rand-write-4k randwrite 4096 $QD IOPS"
	"seq-read-1m read 1048576 $QD_SEQ MiB/s"
	"seq-write-1m write 1048576 $QD_SEQ MiB/s"
)

# Every measurement starts with none of the file in the page cache. Both
# targets do buffered I/O, so otherwise whichever runs second reads what
# the first one cached; and this VM reclaims page cache on its own within
# seconds anyway (fincore shows a cached 1 GiB file shrink to ~150 MiB in
# 10 s with 20+ GiB free), so a warm cache could not be kept either.
drop_cache()
{
	sync "$DISK"
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$DISK"
}

json_field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }

# JOBS sessions (initiator names bench, bench2, ...) share the queue
# depth; the figure is their sum.
measure_iscsi()		# system pid url name rw bs qd unit
{
	local sys=$1 pid=$2 url=$3 name=$4 rw=$5 bs=$6 qd=$7 unit=$8 out c0 c1 ops v j init
	local jqd=$(( (qd + JOBS - 1) / JOBS ))
	drop_cache
	pin_server "$pid"
	c0=$(cpu_ticks "$pid")
	local pids=()
	for j in $(seq "$JOBS"); do
		init=$INITIATOR
		[ "$j" -eq 1 ] || init=$INITIATOR$j
		"${CLIENT_CPU[@]}" "$LOAD" -j -i "$init" -w "$rw" -b "$bs" -q "$jqd" -t "$SECS" \
			"$url" >"$W/load.$j.out" 2>"$W/load.$j.err" &
		pids+=($!)
	done
	# only the clients: the targets are children of this shell too
	wait "${pids[@]}"
	c1=$(cpu_ticks "$pid")
	out=$(cat "$W"/load.*.out)
	rm -f "$W"/load.*.out
	ops=$(json_field ops <<<"$out" | awk '{ s += $1 } END { print s + 0 }')
	if [ "$ops" = 0 ] || [ "$(json_field ops <<<"$out" | wc -l)" -ne "$JOBS" ] ||
		grep -q '"errors":[1-9]' <<<"$out"; then
		warn "$sys $name failed: $(cat "$W"/load.*.err | head -c 300)"
		return 1
	fi
	if [ "$unit" = IOPS ]; then
		v=$(json_field iops <<<"$out" | awk '{ s += $1 } END { printf "%.0f", s }')
	else
		v=$(json_field mib_s <<<"$out" | awk '{ s += $1 } END { printf "%.1f", s }')
	fi
	record "$sys:$name" "$v" "$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$ops" \
		'BEGIN { printf "%.1f", t / hz * 1e6 / n }')"
}

measure_fio()		# system direct name rw bs qd unit
{
	local sys=$1 direct=$2 name=$3 rw=$4 bs=$5 qd=$6 unit=$7 out v
	drop_cache
	out=$("${SERVER_CPU[@]}" fio --name="$name" --filename="$DISK" --rw="$rw" --bs="$bs" --iodepth="$qd" \
		--direct="$direct" --ioengine=io_uring --runtime="$SECS" --time_based \
		--randseed=1 --output-format=json 2>"$W/fio.err")
	v=$(python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
d = j["read"] if sys.argv[1] in ("randread", "read") else j["write"]
print("%.0f" % d["iops"] if sys.argv[2] == "IOPS" else "%.1f" % (d["bw_bytes"] / 1048576))
' "$rw" "$unit" <<<"$out" 2>/dev/null)
	[ -n "$v" ] || { warn "fio $name failed: $(head -c 300 "$W/fio.err")"; return 1; }
	record "$sys:$name" "$v"
}

START=$(date +%s)
say "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); best of $REPS, ${SECS}s per run, $JOBS iSCSI sessions, 4 KiB at QD $QD, 1 MiB at QD $QD_SEQ, file $SIZE, fio direct=$DIRECT, pinned=$PIN"
FAILED=()
start_tgt || FAILED+=("tgt setup")
start_iod || FAILED+=("xpan-iod setup")

for rep in $(seq "$REPS"); do
for w in "${WORKLOADS[@]}"; do
	read -r name rw bs qd unit <<<"$w"
	measure_fio direct "$DIRECT" "$name" "$rw" "$bs" "$qd" "$unit" || FAILED+=("direct $name")
	measure_fio buffered 0 "$name" "$rw" "$bs" "$qd" "$unit" || FAILED+=("buffered $name")
	if [ -n "$TGT_PID" ]; then
		measure_iscsi tgt "$TGT_PID" "iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1" \
			"$name" "$rw" "$bs" "$qd" "$unit" || FAILED+=("tgt $name")
	fi
	if [ -n "$IOD_PID" ]; then
		if kill -0 "$IOD_PID" 2>/dev/null; then
			measure_iscsi xpan "$IOD_PID" "iscsi://127.0.0.1:$IOD_PORT/$IOD_IQN/0" \
				"$name" "$rw" "$bs" "$qd" "$unit" || FAILED+=("xpan-iod $name")
		else
			FAILED+=("xpan-iod $name (daemon exited, see $W/xpan-iod.log)")
		fi
	fi
	last() { local a=(${S[$1]:-n/a}); echo "${a[-1]}"; }
	say "round $rep/$REPS $name ($unit): direct fio $(last direct:$name)," \
		"buffered fio $(last buffered:$name), tgt $(last tgt:$name), xpan-iod $(last xpan:$name)"
done
done
cleanup
IOD_PID=
TGT_PID=

# ---- report ----
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b }'; }
meets() { awk -v r="$1" -v t="$2" 'BEGIN { exit !(r != "" && r >= t) }' && echo yes || echo no; }

ROWS=()
echo
printf '%-22s | %9s | %9s | %6s | %10s | %11s | %-22s | %s\n' \
	metric xpan-iod tgt ratio "direct fio" "% of direct" target met?
printf '%s\n' "-----------------------+-----------+-----------+--------+------------+-------------+------------------------+-----"
for w in "${WORKLOADS[@]}"; do
	read -r name rw bs qd unit <<<"$w"
	x=${R[xpan:$name]:-}
	t=${R[tgt:$name]:-}
	d=${R[direct:$name]:-}
	rt=$(ratio "$x" "$t")
	rd=$(ratio "$x" "$d")
	pd=$(awk -v r="$rd" 'BEGIN { if (r != "") printf "%.0f%%", r * 100 }')
	if [ "$unit" = IOPS ]; then
		target=">=1.5x tgt, >=60% direct"
		met=$([ "$(meets "$rt" 1.5)" = yes ] && [ "$(meets "$rd" 0.6)" = yes ] && echo yes || echo no)
	else
		target=">=60% direct"
		met=$(meets "$rd" 0.6)
	fi
	printf '%-22s | %9s | %9s | %6s | %10s | %11s | %-22s | %s\n' \
		"$name $unit" "${x:-n/a}" "${t:-n/a}" "${rt:-n/a}" "${d:-n/a}" "${pd:-n/a}" "$target" "$met"
	ROWS+=("$name|$unit|$x|$t|$rt|$d|$rd|$target|$met")
done
echo
printf 'target CPU per command (us, user+system, best run):'
for w in "${WORKLOADS[@]}"; do
	read -r name rw bs qd unit <<<"$w"
	printf ' %s xpan-iod %s / tgt %s;' "$name" "${CPU[xpan:$name]:-?}" "${CPU[tgt:$name]:-?}"
done
echo
echo

# Issue 7 ("Storage speed"): CPU per command against tgt's in the same
# run, and the 4 KiB random read rate at QD 32 against direct fio.
# CPU_TARGETS: workload, the most xpan-iod may use as a fraction of tgt
CPU_TARGETS=("rand-read-4k 1/6" "seq-read-1m 1/3")
CROWS=()
printf '%-32s | %9s | %9s | %6s | %-8s | %s\n' metric xpan-iod tgt ratio target met?
printf '%s\n' "---------------------------------+-----------+-----------+--------+----------+-----"
for ct in "${CPU_TARGETS[@]}"; do
	read -r name frac <<<"$ct"
	x=${CPU[xpan:$name]:-}
	t=${CPU[tgt:$name]:-}
	rt=$(awk -v a="$x" -v b="$t" 'BEGIN { if (a != "" && b > 0) printf "%.3f", a / b }')
	lim=$(awk -v f="$frac" 'BEGIN { split(f, p, "/"); printf "%.4f", p[1] / p[2] }')
	met=$(awk -v r="$rt" -v l="$lim" 'BEGIN { exit !(r != "" && r <= l) }' && echo yes || echo no)
	printf '%-32s | %9s | %9s | %6s | %-8s | %s\n' "$name CPU us/cmd" "${x:-n/a}" "${t:-n/a}" \
		"${rt:-n/a}" "<=$frac" "$met"
	CROWS+=("$name cpu/cmd vs tgt|${x:-n/a}|${t:-n/a}|${rt:-n/a}|<=$frac|$met")
done
x=${R[xpan:rand-read-4k]:-}
d=${R[direct:rand-read-4k]:-}
rd=$(ratio "$x" "$d")
met=$(meets "$rd" 0.9)
printf '%-32s | %9s | %9s | %6s | %-8s | %s\n' "rand-read-4k IOPS QD$QD vs fio" "${x:-n/a}" "${d:-n/a}" \
	"${rd:-n/a}" ">=0.9" "$met"
printf '%s\n' "(the last row's third column is direct fio on the file, not tgt)"
CROWS+=("rand-read-4k iops qd$QD vs direct fio|${x:-n/a}|${d:-n/a}|${rd:-n/a}|>=0.9|$met")
echo

# for bench/run.sh: metric|xpan|peer|ratio|target|met, one row per peer
for r in "${ROWS[@]}"; do
	IFS='|' read -r name unit x t rt d rd target met <<<"$r"
	if [ "$unit" = IOPS ]; then
		echo "ROW storage $name vs tgt|${x:-n/a}|${t:-n/a}|${rt:-n/a}|>=1.5|$(meets "$rt" 1.5)"
	else
		echo "ROW storage $name vs tgt|${x:-n/a}|${t:-n/a}|${rt:-n/a}|-|-"
	fi
	echo "ROW storage $name vs fio|${x:-n/a}|${d:-n/a}|${rd:-n/a}|>=0.6|$(meets "$rd" 0.6)"
done
for r in "${CROWS[@]}"; do
	echo "ROW storage $r"
done

jnum() { case $1 in ''|n/a) printf null ;; *) printf '%s' "$1" ;; esac; }
jlist() { local x=${1:-}; printf '%s' "${x// /,}"; }
{
	printf '{"date":"%s","kernel":"%s","cpus":%d,"loadavg_end":"%s",' \
		"$(date -u +%FT%TZ)" "$(uname -r)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
	printf '"rounds":%s,"seconds_per_run":%s,"file_size":"%s","qd_4k":%s,"qd_1m":%s,"fio_direct":%s,"pinned":%s,' \
		"$REPS" "$SECS" "$SIZE" "$QD" "$QD_SEQ" "$DIRECT" "$PIN"
	printf '"client":"bench/storage/xs_load.c (libiscsi)","iscsi_sessions":%s,"rows":[' "$JOBS"
	sep=
	for r in "${ROWS[@]}"; do
		IFS='|' read -r name unit x t rt d rd target met <<<"$r"
		printf '%s{"metric":"%s","unit":"%s","xpan_iod":%s,"tgt":%s,"ratio_tgt":%s,' \
			"$sep" "$name" "$unit" "$(jnum "$x")" "$(jnum "$t")" "$(jnum "$rt")"
		printf '"fio_direct":%s,"ratio_direct":%s,"fio_buffered":%s,' \
			"$(jnum "$d")" "$(jnum "$rd")" "$(jnum "${R[buffered:$name]:-}")"
		printf '"cpu_us_per_cmd_xpan_iod":%s,"cpu_us_per_cmd_tgt":%s,"target":"%s","met":%s,' \
			"$(jnum "${CPU[xpan:$name]:-}")" "$(jnum "${CPU[tgt:$name]:-}")" "$target" \
			"$([ "$met" = yes ] && echo true || echo false)"
		printf '"samples":{"xpan_iod":[%s],"tgt":[%s],"fio_direct":[%s],"fio_buffered":[%s]}}' \
			"$(jlist "${S[xpan:$name]:-}")" "$(jlist "${S[tgt:$name]:-}")" \
			"$(jlist "${S[direct:$name]:-}")" "$(jlist "${S[buffered:$name]:-}")"
		sep=,
	done
	printf '],"issue7":['
	sep=
	for r in "${CROWS[@]}"; do
		IFS='|' read -r name x t rt target met <<<"$r"
		printf '%s{"metric":"%s","xpan_iod":%s,"reference":%s,"ratio":%s,"target":"%s","met":%s}' \
			"$sep" "$name" "$(jnum "$x")" "$(jnum "$t")" "$(jnum "$rt")" "$target" \
			"$([ "$met" = yes ] && echo true || echo false)"
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
