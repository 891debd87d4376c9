#!/usr/bin/env bash
# Runs the test suites and adds their results into one closing line.
#   bash tests/run-all.sh [unit|dataplane|fuzz|integration|storage ...]
# Each suite prints its own runner summary; the last line of output is
# "N passed, N failed, N skipped" over everything that ran. A runner that
# cannot start (a binary the build should have made is missing, a suite
# without tests) counts as failed; only "needs root" and a scenario's own
# exit 77 (a missing system tool, never a project binary) are skips.
set -u
cd "$(dirname "$0")/.."

B=build
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit dataplane fuzz integration storage)

passed=0 failed=0 skipped=0
failures=()
is_root=0
[ "$(id -u)" -eq 0 ] && is_root=1

# Criterion prints "[====] Synthesis: Tested: T | Passing: P | Failing: F | Crashing: C"
run_criterion() {
	local bin=$1 out rc line p f c
	out=$(mktemp)
	"$bin" --jobs 1 >"$out" 2>&1
	rc=$?
	grep -E '\[(FAIL|----)\]|Assertion|CRASH|ERROR|runtime error|Sanitizer' "$out" | head -40
	line=$(grep -a 'Synthesis:' "$out" | tail -1)
	echo "$(basename "$(dirname "$bin")")/$(basename "$bin"): ${line#*Synthesis: }"
	p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$line")
	f=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$line")
	c=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$line")
	if [ -z "$line" ]; then
		tail -20 "$out"
		failed=$((failed + 1)); failures+=("$bin (no summary, rc=$rc)")
	else
		passed=$((passed + p)); failed=$((failed + f + c))
		[ $((f + c)) -gt 0 ] || [ $rc -ne 0 ] && failures+=("$bin")
		[ $((f + c)) -eq 0 ] && [ $rc -ne 0 ] && failed=$((failed + 1))
	fi
	rm -f "$out"
}

# Shell scenarios: exit 0 pass, 77 skip (with the reason printed), else fail.
run_script() {
	local t=$1 rc start
	start=$(date +%s)
	printf '%s ... ' "$t"
	bash "$t" >"$B/tests/logs/$(basename "$t").log" 2>&1
	rc=$?
	case $rc in
	0) echo "ok ($(( $(date +%s) - start ))s)"; passed=$((passed + 1)) ;;
	77) echo "SKIP: $(tail -1 "$B/tests/logs/$(basename "$t").log")"; skipped=$((skipped + 1)) ;;
	*) echo "FAIL (rc=$rc, log: $B/tests/logs/$(basename "$t").log)"
	   tail -25 "$B/tests/logs/$(basename "$t").log" | sed 's/^/    | /'
	   failed=$((failed + 1)); failures+=("$t") ;;
	esac
}

# A runner that cannot start is a failure, never a skip: the Makefile
# should have built it (a build that silently produced nothing must not
# turn the run green).
cannot_start() {
	echo "FAIL: $1"
	failed=$((failed + 1)); failures+=("$1")
}

# need_bins SUITE FILE...: every FILE is an executable the build made.
need_bins() {
	local s=$1 b ok=0
	shift
	for b in "$@"; do
		[ -x "$b" ] && continue
		cannot_start "$s: $b is missing or not executable: the build did not make it (run 'make test-$s')"
		ok=1
	done
	return $ok
}

needs_root() {
	if [ $is_root -eq 0 ]; then
		echo "$1: SKIPPED - needs root (CAP_BPF, CAP_NET_ADMIN, network namespaces); run 'sudo make test'"
		skipped=$((skipped + $2))
		return 1
	fi
}

mkdir -p "$B/tests/logs"
for s in "${suites[@]}"; do
	echo "==== $s tests"
	case $s in
	unit)
		# One plain and one ASan+UBSan binary per tests/unit/test_*.c.
		srcs=(tests/unit/test_*.c)
		[ -e "${srcs[0]}" ] || { cannot_start "unit: no tests/unit/test_*.c"; continue; }
		for src in "${srcs[@]}"; do
			name=$(basename "$src" .c)
			for t in "$B/tests/$name" "$B/tests/asan/$name"; do
				need_bins unit "$t" && run_criterion "$t"
			done
		done ;;
	dataplane)
		compgen -G "tests/dataplane/*.c" >/dev/null ||
			{ cannot_start "dataplane: no tests/dataplane/*.c"; continue; }
		need_bins dataplane "$B/tests/dp_tests" || continue
		needs_root dataplane 1 || continue
		run_criterion "$B/tests/dp_tests" ;;
	integration|storage)
		dir=tests/$s
		if ! compgen -G "$dir/test_*.sh" >/dev/null; then
			cannot_start "$s: no $dir/test_*.sh"
			continue
		fi
		if [ "$s" = integration ]; then
			need_bins "$s" "$B/xpan" "$B/xpan-ctrld" || continue
		else
			need_bins "$s" "$B/xpan-iod" "$B/tests/iod_rw" || continue
		fi
		needs_root "$s" "$(ls "$dir"/test_*.sh | wc -l)" || continue
		for t in "$dir"/test_*.sh; do
			run_script "$t"
		done ;;
	fuzz)
		# Every reproducer in fuzz/crashes/ (and the kept corpus)
		# through its harness, replayed under ASan+UBSan.
		hs=(fuzz/fuzz_*.c)
		[ -e "${hs[0]}" ] || { cannot_start "fuzz: no fuzz/fuzz_*.c"; continue; }
		bins=()
		for h in "${hs[@]}"; do bins+=("$B/fuzz-replay/$(basename "$h" .c)"); done
		need_bins fuzz "${bins[@]}" || continue
		run_script fuzz/replay.sh ;;
	*) echo "unknown suite $s"; exit 2 ;;
	esac
done

echo "===="
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
