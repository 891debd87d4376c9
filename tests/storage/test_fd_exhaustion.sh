#!/usr/bin/env bash
# Attack (issue 6): connections until xpan-iod runs out of file
# descriptors (open file limit 64). Accepting pauses (counted) instead of
# spinning on EMFILE, and once the idle connections reach
# storage.login_timeout a real node is served again.
. "$(dirname "$0")/iod_lib.sh"
need python3 iscsi-readcapacity16 "$IOD"
write_config
cat >>"$T/xpan.yaml" <<'YAML'
  login_timeout: 2
YAML
cpu_ticks()
{
	local f
	read -ra f <"/proc/$IOD_PID/stat"
	echo $((f[13] + f[14]))
}

(ulimit -n 64 && iod_start "$T/xpan.yaml" && echo "$IOD_PID $PORT" >"$T/started") ||
	fail "xpan-iod did not start with 64 file descriptors"
read -r IOD_PID PORT <"$T/started"

t0=$(cpu_ticks)
raw_open idle 100 idle 127.0.0.1 "$PORT" 100 127.0.0.10,127.0.0.11 "$T/stop"
wait_until 100 test "$(conns_counter accept_pauses)" -ge 1 ||
	fail "no accept pause counted: $(ctl 'storage conns -j')"
# A real node: queued in the backlog while descriptors are short, served
# once the idle connections time out.
iscsi-readcapacity16 -s -i "$IQN:n2" "$(url 0)" >/dev/null ||
	fail "n2 not served after descriptors were freed"
wait_until 300 grep -qs '^closed 100' "$T/idle.out" ||
	fail "idle connections not closed: $(cat "$T/idle.out")"
t1=$(cpu_ticks)
grep -q "accepting paused for 100 ms" "$T/iod.log" || fail "pause not logged"
echo "accept pauses: $(conns_counter accept_pauses)," \
	"login timeouts: $(conns_counter login_timeouts)," \
	"CPU used by xpan-iod meanwhile: $((t1 - t0)) ticks of $(getconf CLK_TCK)/s"
echo ok
