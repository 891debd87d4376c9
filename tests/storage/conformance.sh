# shellcheck shell=bash
# libiscsi's conformance suite, the whole run and its check, shared by the
# scenarios that run it (from the host: tests/storage/test_conformance.sh;
# from inside a node through the dataplane:
# tests/integration/test_node_storage.sh).
CU_SKIPS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/conformance-skips.txt

# Ends conformance_run (a subshell) with status 1.
cu_fail()
{
	echo "FAIL: $*"
	exit 1
}

# conformance_run DIR URL INITIATOR INITIATOR2 [NETNS]: iscsi-test-cu -t ALL
# against URL (twice: two sessions, two I_T nexuses to one LU for the
# MultipathIO tests), from NETNS when given; logs in DIR. 0 when nothing
# failed, at least 200 tests ran, and the skipped tests are exactly those
# in conformance-skips.txt (a new skip fails, and so does a listed test
# that runs now: see that file).
conformance_run()
(
	T=$1 url=$2 i1=$3 i2=$4 ns=${5:-}
	start=$(date +%s)
	${ns:+ip netns exec "$ns"} iscsi-test-cu --dataloss -t ALL "$url" "$url" \
		--initiator-name "$i1" --initiator-name-2 "$i2" >"$T/cu.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	grep -A6 "Run Summary" "$T/cu.log"
	# A test counts as skipped when it printed [SKIPPED] between its "Test:"
	# line and its verdict; text after the verdict on the same line belongs
	# to the next suite's setup. One "Suite.Test<TAB>reason" line each.
	awk '/^Suite: / { suite = $2 }
		/^  Test: / { open = 1; s = 0; name = suite "." $2; why = "" }
		open {
			v = match($0, /(passed|FAILED)/); k = index($0, "[SKIPPED]")
			if (k && (!v || k < v)) {
				s = 1
				if (why == "") { why = substr($0, k + 10); sub(/ *(passed|FAILED).*/, "", why) }
			}
			if (v) { open = 0; if (s) print name "\t" why }
		}' "$T/cu.log" >"$T/skipped-why.txt"
	cut -f1 "$T/skipped-why.txt" | LC_ALL=C sort -u >"$T/skipped.txt"
	skipped=$(grep -c . "$T/skipped.txt")
	line=$(grep -E '^ +tests ' "$T/cu.log")
	read -r _ total ran passed failed _ <<<"$line"
	echo "iscsi-test-cu: $ran run, $passed passed, $failed failed, $skipped skipped (of those passed), ${secs}s"
	[ -n "$line" ] || cu_fail "no summary from iscsi-test-cu (rc $rc)"
	[[ "$ran" =~ ^[0-9]+$ && "$failed" =~ ^[0-9]+$ ]] ||
		cu_fail "cannot read iscsi-test-cu's summary line: $line"

	# The skips must be exactly the checked-in list: a new skip is a check
	# that silently stopped running; a listed test that runs now must leave
	# the list, or a later fall back to "skipped" would pass unnoticed.
	sed 's/#.*//; s/[[:space:]]//g; /^$/d' "$CU_SKIPS" |
		LC_ALL=C sort -u >"$T/expected-skips.txt"
	[ -s "$T/expected-skips.txt" ] || cu_fail "tests/storage/conformance-skips.txt is empty or missing"
	new=$(LC_ALL=C comm -13 "$T/expected-skips.txt" "$T/skipped.txt")
	gone=$(LC_ALL=C comm -23 "$T/expected-skips.txt" "$T/skipped.txt")
	if [ -n "$new" ]; then
		for t in $new; do
			grep -m1 -F "$t	" "$T/skipped-why.txt" | sed 's/\t/: /; s/^/  new skip: /'
		done
		cu_fail "iscsi-test-cu skipped tests that tests/storage/conformance-skips.txt does not list:" $new
	fi
	if [ -n "$gone" ]; then
		cu_fail "listed in tests/storage/conformance-skips.txt but not skipped any more (they ran; remove them from the list):" $gone
	fi
	echo "skips as listed: $skipped"
	if [ "$failed" -ne 0 ]; then
		grep -B2 -A8 "^FAILED" "$T/cu.log" | head -60
		cu_fail "$failed conformance tests failed"
	fi
	[ "$ran" -ge 200 ] || cu_fail "only $ran tests ran"
	exit 0
)
