#!/usr/bin/env bash
# Runs every libFuzzer harness (or those named) for DURATION seconds each,
# one after the other in a single process each (the machine is shared),
# then minimizes the kept corpus with -merge=1 and prints a summary.
#
#   bash fuzz/run.sh DURATION [fuzz_pdu fuzz_text fuzz_scsi fuzz_conn fuzz_api_request]
#
# Starting corpus: fuzz/corpus/<harness>/ plus the seeds fuzz/seeds.py
# writes. Crashes land in build/fuzz/artifacts/<harness>/ and are copied
# to fuzz/crashes/; the exit status is 1 when there were any.
set -uo pipefail
cd "$(dirname "$0")/.."

usage()
{
	sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
}
case ${1:-} in
-h|--help) usage; exit 0 ;;
''|*[!0-9]*) usage >&2; exit 2 ;;
esac
DUR=$1
shift
HARNESSES=("$@")
[ ${#HARNESSES[@]} -gt 0 ] || HARNESSES=(fuzz_pdu fuzz_text fuzz_scsi fuzz_conn fuzz_api_request)

# A colleague's half-edited iodaemon/ should not stop a run: fall back to
# the binaries of the last good build, and say so.
if ! make --no-print-directory fuzz; then
	echo "fuzz: build failed; running the harnesses built before" >&2
fi

W=build/fuzz/work
rm -rf "$W/seeds"
python3 fuzz/seeds.py "$W/seeds" >/dev/null || exit 1
CRASHES=0
SUMMARY=()
for h in "${HARNESSES[@]}"; do
	bin=build/fuzz/$h
	sub=${h#fuzz_}
	keep=fuzz/corpus/$h
	run=$W/$h
	art=build/fuzz/artifacts/$h/
	[ -x "$bin" ] || { echo "fuzz: no $bin" >&2; exit 1; }
	case $sub in
	conn) maxlen=16384 ;;
	scsi) maxlen=2048 ;;
	pdu) maxlen=8192 ;;
	*) maxlen=4096 ;;
	esac
	rm -rf "$run"
	mkdir -p "$run" "$keep" "$art"
	cp "$keep"/* "$W/seeds/$sub"/* "$run"/ 2>/dev/null
	echo "fuzz: $h for ${DUR}s from $(ls "$run" | wc -l) inputs (log build/fuzz/$h.log)"
	"$bin" -max_total_time="$DUR" -max_len=$maxlen -timeout=10 \
		-dict=fuzz/iscsi.dict -artifact_prefix="$art" \
		-print_final_stats=1 "$run" >"build/fuzz/$h.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build/fuzz/$h.log")
	secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "build/fuzz/$h.log")
	last=$(grep -E '^#[0-9]+' "build/fuzz/$h.log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")

	# minimize: only inputs that add coverage are kept
	rm -rf "$keep.new"
	mkdir -p "$keep.new"
	"$bin" -merge=1 -max_len=$maxlen -timeout=10 "$keep.new" "$run" \
		>"build/fuzz/$h.merge.log" 2>&1
	if [ "$(ls "$keep.new" | wc -l)" -gt 0 ]; then
		rm -rf "$keep"
		mv "$keep.new" "$keep"
	else
		rm -rf "$keep.new"
	fi
	n=$(ls "$keep" | wc -l)
	kb=$(( $(cat "$keep"/* | wc -c) / 1024 ))
	found=$(ls "$art" 2>/dev/null | grep -E '^(crash|leak|timeout|oom)-' | wc -l)
	if [ "$found" -gt 0 ]; then
		CRASHES=$((CRASHES + found))
		mkdir -p fuzz/crashes
		for f in "$art"/*; do cp "$f" "fuzz/crashes/$h-$(basename "$f")"; done
	fi
	SUMMARY+=("$(printf '%-10s %6ss %10s execs %7s exec/s  cov %5s  ft %6s  corpus %4s files %5s KiB  crashes %s (exit %s)' \
		"$h" "$DUR" "${execs:-?}" "${secs:-?}" "${cov:-?}" "${ft:-?}" "$n" "$kb" "$found" "$rc")")
done
echo
printf '%s\n' "${SUMMARY[@]}" | tee build/fuzz/summary.txt
[ $CRASHES -eq 0 ] || { echo "fuzz: $CRASHES crash inputs, see fuzz/crashes/ and build/fuzz/*.log" >&2; exit 1; }
exit 0
