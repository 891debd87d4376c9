#!/usr/bin/env bash
# Replays the fuzzing reproducers and the kept corpus through the
# harnesses built for replay (make fuzz-replay: gcc, ASan+UBSan, see
# fuzz/module.mk). Run by tests/run-all.sh (suite "fuzz", part of
# `make test`).
#
#   bash fuzz/replay.sh
#
# Every file in fuzz/crashes/ runs alone, through the harness its name
# selects: api_request-, conn-, pdu-, scsi-, text- (or fuzz_conn- etc., as fuzz/run.sh
# names what it copies there). A file whose name selects no harness is a
# failure, not something to pass over. Then each harness replays its
# whole fuzz/corpus/<harness>/ in one process. Any non-zero exit or
# sanitizer report fails; exit 0 only when everything replayed clean.
set -u
cd "$(dirname "$0")/.."

R=build/fuzz-replay
# Each replay is bounded: a hang is a finding too (libFuzzer's -timeout
# in fuzz/run.sh is 10 s per input; a whole corpus gets 120 s).
ONE=60
ALL=120
# Leaks count (libFuzzer reports them too); halt on the first error.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

ok=0 bad=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run WHAT TIMEOUT HARNESS FILE...
run()
{
	local what=$1 t=$2 bin=$R/$3 rc
	shift 3
	if [ ! -x "$bin" ]; then
		echo "FAIL: $what: $bin is missing (make fuzz-replay)"
		bad=$((bad + 1))
		return
	fi
	timeout -k 5 "$t" "$bin" "$@" >"$log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && ! grep -Eq 'runtime error|Sanitizer|invariant broken' "$log"; then
		echo "ok: $what"
		ok=$((ok + 1))
		return
	fi
	[ $rc -eq 124 ] && echo "FAIL: $what: still running after ${t}s" ||
		echo "FAIL: $what (exit $rc)"
	grep -E -A12 'runtime error|ERROR: .*Sanitizer|invariant broken' "$log" | head -40 |
		sed 's/^/    | /'
	tail -n 3 "$log" | sed 's/^/    | /'
	bad=$((bad + 1))
}

crashes=(fuzz/crashes/*)
if [ ! -e "${crashes[0]}" ]; then
	echo "FAIL: no reproducers in fuzz/crashes/ (the suite has nothing to run)"
	exit 1
fi
for f in "${crashes[@]}"; do
	name=$(basename "$f")
	h=${name#fuzz_}
	h=${h%%-*}
	case $h in
	api_request|conn|pdu|scsi|text) run "$name" $ONE "fuzz_$h" "$f" ;;
	*) echo "FAIL: $name: no harness for prefix '$h-' (api_request-, conn-, pdu-, scsi-, text-)"
	   bad=$((bad + 1)) ;;
	esac
done
for h in api_request conn pdu scsi text; do
	set -- fuzz/corpus/fuzz_$h/*
	if [ ! -e "$1" ]; then
		echo "FAIL: fuzz/corpus/fuzz_$h/ is empty"
		bad=$((bad + 1))
		continue
	fi
	run "corpus fuzz_$h ($# inputs)" $ALL "fuzz_$h" "$@"
done
echo "fuzz replay: $ok ok, $bad failed"
[ $bad -eq 0 ]
