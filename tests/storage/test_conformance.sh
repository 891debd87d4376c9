#!/usr/bin/env bash
# libiscsi's conformance suite against one LUN, with a second initiator
# name of the same node for the multi-initiator tests: zero failures, and
# the tests it skips are exactly those in conformance-skips.txt (a new
# skip fails, and so does a listed test that runs now: see that file).
. "$(dirname "$0")/iod_lib.sh"
. "$(dirname "$0")/conformance.sh"
need iscsi-test-cu "$IOD"
write_config
iod_start "$T/xpan.yaml"

# the URL twice: two sessions (two I_T nexuses) to one LU for MultipathIO
conformance_run "$T" "$(url 0)" $IQN:n1 $IQN:n1-path2 || fail "conformance run"

# the read-only tests need a write-protected LU: n1's LUN 2
iscsi-test-cu --dataloss -t ALL.ReadOnly "$(url 2)" --initiator-name $IQN:n1 \
	>"$T/cu-ro.log" 2>&1
grep -A3 "Run Summary" "$T/cu-ro.log"
grep -q "SKIPPED" "$T/cu-ro.log" && fail "ReadOnly skipped on a read-only LUN"
grep -Eq '^ +tests +1 +1 +1 +0' "$T/cu-ro.log" || fail "ReadOnly test failed"
echo ok
