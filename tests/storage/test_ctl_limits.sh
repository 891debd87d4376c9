#!/usr/bin/env bash
# Attack (issue 6) on xpan-iod's control socket: an over-long request is
# refused whole (what its first 4096 bytes say is not executed), and a
# client that sends half a line and waits is answered with an error at
# the time limit without holding up other clients or the storage.
. "$(dirname "$0")/iod_lib.sh"
need python3 iscsi-readcapacity16 "$IOD"
write_config
iod_start "$T/xpan.yaml"

# Cut at 4096 bytes this is a valid "move n2 to spare"; whole, it is too
# long. The answer must be an error and n2 must keep its initiator.
req="storage move n2 iqn.2026-11.io.xpan:spare"
out=$({ printf '%s' "$req"; printf '%*s' $((4096 + 100 - ${#req})) '';
	printf 'tail\n'; } | ctl_raw) || fail "over-long request: no answer"
echo "over-long request: $out"
[[ $out == "error request longer than 4096 bytes"* ]] ||
	fail "over-long request not refused: $out"
luns=$(ctl "storage luns -j")
grep -q '"node":"n2","lun":0,.*"initiators":\["iqn.2026-11.io.xpan:n2"\]' <<<"$luns" ||
	fail "n2's view changed: $luns"
grep -q 'spare' <<<"$luns" && fail "the truncated move ran: $luns"

# Half a line, then silence: other clients and the storage go on; the
# silent one gets an error at the time limit.
printf 'storage st' | ctl_raw sent >"$T/slow.out" 2>&1 &
SLOW=$!
bg_track $SLOW
wait_until 50 grep -qs '^sent' "$T/slow.out" || fail "slow client did not start"
ctl "storage stats" | grep -q '^ok' || fail "another client waited for the slow one"
iscsi-readcapacity16 -s -i "$IQN:n2" "$(url 0)" >/dev/null ||
	fail "storage held up by a slow control client"
wait_until 100 grep -qs '^error' "$T/slow.out" ||
	fail "slow client never answered: $(cat "$T/slow.out")"
wait "$SLOW"
grep -q 'error no request line within 2000 ms' "$T/slow.out" ||
	fail "slow client: $(cat "$T/slow.out")"
echo "slow client: $(tail -1 "$T/slow.out")"
echo ok
