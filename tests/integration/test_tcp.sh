#!/usr/bin/env bash
# TCP crosses the dataplane in tc, xdp and mixed mode (r1 on XDP, r2 on
# TC): iperf3 for two seconds r1 -> r2 without error, 4 MB r2 -> r1 with a
# matching checksum. Nodes behind XDP ports must have TX checksum offload
# off, set by ctrld (DESIGN.md, Facts), or their TCP stalls.
. "$(dirname "$0")/../lib/netns.sh"

iperf_listening()
{
	xit_ns r2 ss -Hltn 'sport = :5201' | grep -q LISTEN
}

for mode in tc xdp mixed; do
	xit_platform_up "$mode"

	for n in r1 r2; do
		[ "$(xit_node_field "$n" datapath)" == xdp ] || continue
		xit_expect_match "$mode: ctrld set tx checksumming off on $n (xdp port)" \
			"$(xit_ns "$n" ethtool -k eth0 | grep '^tx-checksumming')" ': off'
	done

	xit_bg_ns r2 iperf3 -s -1 -B 10.10.0.2 >"$XIT_TMP/iperf3-server.log" 2>&1
	xit_wait_for 10 iperf_listening || xit_fatal "iperf3 server in r2 not listening"
	out=$(xit_ns r1 timeout 30 iperf3 -c 10.10.0.2 -t 2 -J 2>&1)
	rc=$?
	xit_expect_eq "$mode: iperf3 client exit status" "$rc" 0
	err=$(jq -r '.error // empty' <<<"$out" 2>/dev/null)
	xit_expect_eq "$mode: iperf3 reports no error" "$err" ""
	bytes=$(jq -r '.end.sum_received.bytes // 0 | floor' <<<"$out" 2>/dev/null)
	xit_expect_gt "$mode: bytes received by r2 over TCP" "${bytes:-0}" 0
	bps=$(jq -r '.end.sum_received.bits_per_second // 0 | floor' <<<"$out" 2>/dev/null)
	xit_log "$mode: iperf3 r1 -> r2: $bytes bytes, $((${bps:-0} / 1000000)) Mbit/s"
	wait "$XIT_BG_PID" 2>/dev/null

	# The other direction, with a checksum over a few MB (python3, whose
	# socket code is independent of iperf3).
	xit_bg_ns r1 python3 -c '
import socket, hashlib, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.10.0.1", 5202)); s.listen(1); s.settimeout(30)
c, _ = s.accept(); c.settimeout(30); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    h.update(b); n += len(b)
open(sys.argv[1], "w").write("%d %s\n" % (n, h.hexdigest()))
' "$XIT_TMP/tcp-recv"
	srv=$XIT_BG_PID
	xit_wait_for 10 bash -c "ip netns exec $(xit_nsname r1) ss -Hltn 'sport = :5202' | grep -q LISTEN"
	dd if=/dev/urandom of="$XIT_TMP/tcp-data" bs=1M count=4 status=none
	want="$(stat -c %s "$XIT_TMP/tcp-data") $(sha256sum <"$XIT_TMP/tcp-data" | cut -d' ' -f1)"
	xit_expect_ok "$mode: r2 sends 4 MB to r1 over TCP" xit_ns r2 python3 -c '
import socket, sys
s = socket.create_connection(("10.10.0.1", 5202), timeout=30)
s.sendall(open(sys.argv[1], "rb").read()); s.close()
' "$XIT_TMP/tcp-data"
	wait "$srv"
	xit_expect_eq "$mode: r1 received the same bytes (size sha256)" \
		"$(cat "$XIT_TMP/tcp-recv" 2>/dev/null)" "$want"

	xit_platform_down
done
xit_summary
