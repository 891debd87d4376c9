#!/usr/bin/env bash
# libiscsi's conformance suite against one LUN, with a second initiator
# name of the same node for the multi-initiator tests: zero failures.
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
# to the next suite's setup.
skipped=$(awk '/^  Test: / { open = 1; s = 0 }
	open {
		v = match($0, /(passed|FAILED)/); k = index($0, "[SKIPPED]")
		if (k && (!v || k < v)) s = 1
		if (v) { open = 0; if (s) n++ }
	}
	END { print n + 0 }' "$T/cu.log")
line=$(grep -E '^ +tests ' "$T/cu.log")
read -r _ total ran passed failed _ <<<"$line"
echo "iscsi-test-cu: $ran run, $passed passed, $failed failed, $skipped skipped (of those passed), ${secs}s"
[ -n "$line" ] || fail "no summary from iscsi-test-cu (rc $rc)"
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
