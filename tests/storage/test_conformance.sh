#!/usr/bin/env bash
# libiscsi's conformance suite against one LUN, with a second initiator
# name of the same node for the multi-initiator tests: zero failures, and
# the tests it skips are exactly those in conformance-skips.txt (a new
# skip fails, and so does a listed test that runs now: see that file).
. "$(dirname "$0")/iod_lib.sh"
need iscsi-test-cu "$IOD"
write_config
iod_start "$T/xpan.yaml"

start=$(date +%s)
# the URL twice: two sessions (two I_T nexuses) to one LU for MultipathIO
iscsi-test-cu --dataloss -t ALL "$(url 0)" "$(url 0)" \
	--initiator-name $IQN:n1 --initiator-name-2 $IQN:n1-path2 >"$T/cu.log" 2>&1
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
[ -n "$line" ] || fail "no summary from iscsi-test-cu (rc $rc)"
[[ "$ran" =~ ^[0-9]+$ && "$failed" =~ ^[0-9]+$ ]] ||
	fail "cannot read iscsi-test-cu's summary line: $line"

# The skips must be exactly the checked-in list: a new skip is a check
# that silently stopped running; a listed test that runs now must leave
# the list, or a later fall back to "skipped" would pass unnoticed.
sed 's/#.*//; s/[[:space:]]//g; /^$/d' "$(dirname "$0")/conformance-skips.txt" |
	LC_ALL=C sort -u >"$T/expected-skips.txt"
[ -s "$T/expected-skips.txt" ] || fail "tests/storage/conformance-skips.txt is empty or missing"
new=$(LC_ALL=C comm -13 "$T/expected-skips.txt" "$T/skipped.txt")
gone=$(LC_ALL=C comm -23 "$T/expected-skips.txt" "$T/skipped.txt")
if [ -n "$new" ]; then
	for t in $new; do
		grep -m1 -F "$t	" "$T/skipped-why.txt" | sed 's/\t/: /; s/^/  new skip: /'
	done
	fail "iscsi-test-cu skipped tests that tests/storage/conformance-skips.txt does not list:" $new
fi
if [ -n "$gone" ]; then
	fail "listed in tests/storage/conformance-skips.txt but not skipped any more (they ran; remove them from the list):" $gone
fi
echo "skips as listed: $skipped"
if [ "$failed" -ne 0 ]; then
	grep -B2 -A8 "^FAILED" "$T/cu.log" | head -60
	fail "$failed conformance tests failed"
fi
[ "$ran" -ge 200 ] || fail "only $ran tests ran"

# the read-only tests need a write-protected LU: n1's LUN 2
iscsi-test-cu --dataloss -t ALL.ReadOnly "$(url 2)" --initiator-name $IQN:n1 \
	>"$T/cu-ro.log" 2>&1
grep -A3 "Run Summary" "$T/cu-ro.log"
grep -q "SKIPPED" "$T/cu-ro.log" && fail "ReadOnly skipped on a read-only LUN"
grep -Eq '^ +tests +1 +1 +1 +0' "$T/cu-ro.log" || fail "ReadOnly test failed"
echo ok
