#!/usr/bin/env bash
# Attack (issue 6): a thousand connections that never log in. With
# storage.login_timeout 3 they are all closed by the target, a real node
# logs in while they are open, and one address gets at most
# storage.max_connections_per_source connections (default 64: the 65th is
# refused at accept).
. "$(dirname "$0")/iod_lib.sh"
need python3 iscsi-ls iscsi-readcapacity16 "$IOD" "$IOD_RW"
write_config
cat >>"$T/xpan.yaml" <<'YAML'
  login_timeout: 3
YAML
ulimit -n 4096 || fail "cannot raise the open file limit to 4096"
iod_start "$T/xpan.yaml"

conns_json()
{
	ctl "storage conns -j"
}

# 1000 idle connections from 16 loopback addresses, 63 or 62 each: under
# the per-source default, so only the login timeout closes them.
SRCS=$(seq -s, -f '127.0.0.%g' 10 25)
raw_open idle 1000 idle 127.0.0.1 "$PORT" 1000 "$SRCS" "$T/stop"
IDLE=$RAW_PID
open=$(conns_counter connections)
echo "idle connections held by xpan-iod: $open"

# A real node logs in and does I/O while they are held.
out=$(iscsi-ls -s -i "$IQN:n2" "iscsi://127.0.0.1:$PORT" 2>&1) ||
	fail "n2 discovery with 1000 idle connections: $out"
grep -q "Lun:0 " <<<"$out" || fail "n2 does not see its LUN: $out"
"$IOD_RW" "$(url 0)" "$IQN:n2" roundtrip 256 ||
	fail "n2 write/read with 1000 idle connections"
during=$(conns_counter login_timeouts)
echo "n2 logged in and wrote/read 128 KiB; login timeouts so far: $during"
[ "$open" -ge 900 ] || fail "only $open idle connections were held when n2 logged in"

# Every idle connection is closed by the target (the client sees EOF).
wait_until 300 grep -qs '^closed 1000' "$T/idle.out" ||
	fail "idle connections not closed: $(cat "$T/idle.out")"
wait "$IDLE" || fail "idle client: $(cat "$T/idle.out")"
cat "$T/idle.out"
n=$(conns_counter login_timeouts)
[ "$n" -ge 1000 ] || fail "$n login timeouts counted, want 1000"
[ "$(conns_counter connections)" -eq 0 ] || fail "connections left: $(conns_json)"
echo "login timeouts counted: $n"

# Per source: 65 connections from one address, the 65th is refused.
rm -f "$T/stop"
raw_open percap 65 percap 127.0.0.1 "$PORT" 127.0.0.99 65 "$T/stop"
PERCAP=$RAW_PID
wait_until 100 test "$(conns_counter refused_source)" -ge 1 ||
	fail "65th connection from one address not refused: $(conns_json)"
held=$(conns_json | grep -o '"peer":"127\.0\.0\.99:' | wc -l)
[ "$held" -eq 64 ] || fail "$held connections held from 127.0.0.99, want 64"
touch "$T/stop"
wait "$PERCAP"
cat "$T/percap.out"
[ "$(grep -c '^refused' "$T/percap.out")" -eq 1 ] &&
	grep -q '^refused 65$' "$T/percap.out" ||
	fail "want exactly the 65th refused: $(cat "$T/percap.out")"
grep -q "max_connections_per_source (64) reached" "$T/iod.log" ||
	fail "refusal not logged"
iscsi-readcapacity16 -s -i "$IQN:n2" "$(url 0)" >/dev/null ||
	fail "n2 after the attack"
echo ok
