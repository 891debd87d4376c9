#!/usr/bin/env bash
# One platform, one daemon: a second xpan-ctrld with its own state dir and
# socket but the same platform.bpffs is refused, names the lock and the
# running daemon's pid, and changes nothing; the first keeps serving. With
# the daemon stopped, `xpan unload` removes the pin directory entirely
# (the lock directory included), and a daemon starts on it again.
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/hardening.sh"

xit_platform_up tc
pid1=$XIT_CTRLD_PID
xit_expect_ok "the lock directory exists under the pin dir" \
	test -d "$XIT_BPFFS/ctrld_lock"

cfg2=$XIT_TMP/second.yaml
sed "s#state: $XIT_STATE#state: $XIT_TMP/state2#" "$XIT_CFG" >"$cfg2"
xit_expect_ok "the second config has its own state dir" grep -q "state: $XIT_TMP/state2" "$cfg2"
maps0=$(ls "$XIT_BPFFS" | sort)
ports0=$(xit_xpan show ports -j | jq -c '[.[] | .ifindex] | sort')
out=$(timeout 30 "$XIT_CTRLD" -c "$cfg2" --socket "$XIT_TMP/second.sock" 2>&1)
rc=$?
xit_expect_eq "a second xpan-ctrld on the same bpffs exits 1" "$rc" 1
xit_expect_match "it names the lock" "$out" "$XIT_BPFFS/ctrld_lock"
xit_expect_match "it names the running daemon's pid" "$out" "pid $pid1[^0-9]"
xit_expect_fail "it left no socket" test -e "$XIT_TMP/second.sock"
xit_expect_eq "the pins are as they were" "$(ls "$XIT_BPFFS" | sort)" "$maps0"
xit_expect_eq "xpan_ports is as it was" \
	"$(xit_xpan show ports -j | jq -c '[.[] | .ifindex] | sort')" "$ports0"
xit_expect_ok "the first daemon still answers" xit_xpan status
xit_expect_ok "and forwarding is unaffected" xit_ns r1 ping -c 2 -i 0.2 -W 2 10.10.0.2

# The same state dir: the older lock still wins first (unchanged message).
out=$(timeout 30 "$XIT_CTRLD" -c "$XIT_CFG" --socket "$XIT_TMP/third.sock" 2>&1)
xit_expect_match "a second daemon on the same state dir is refused as before" \
	"$out" "already uses state dir"

xit_stop_ctrld TERM
xit_expect_ok "with the daemon stopped, xpan unload succeeds" \
	xit_xpan unload
xit_expect_fail "and leaves no pin directory (lock directory included)" \
	test -e "$XIT_BPFFS"
xit_start_ctrld
xit_expect_ok "a daemon starts on the unloaded platform" xit_xpan status
xit_expect_ok "and takes the lock again" test -d "$XIT_BPFFS/ctrld_lock"
xit_expect_ok "r1 pings r2 again" xit_wait_for 10 xit_ns r1 ping -c 1 -W 1 10.10.0.2
xit_summary
