# shellcheck shell=bash
# Helpers of the hardening scenarios (issue 6), sourced after netns.sh:
# config edits for the limit keys, frame generators and counters in
# python3 (raw AF_PACKET sockets: a tenant sending whatever it likes).

# hd_cfg_platform KEY VALUE: add a key under platform: of $XIT_CFG.
hd_cfg_platform()
{
	sed -i "/^platform:/a\\  $1: $2" "$XIT_CFG"
}

# hd_cfg_node NODE KEY VALUE: add a key to a node's entry of $XIT_CFG.
hd_cfg_node()
{
	sed -i "/^  - name: $1\$/a\\    $2: $3" "$XIT_CFG"
}

# hd_cfg_vlan NAME KEY VALUE: the VLAN lines are "  - { name: N, id: I }".
hd_cfg_vlan()
{
	sed -i "s/^  - { name: $1, id: \([0-9]*\) }/  - { name: $1, id: \1, $2: $3 }/" "$XIT_CFG"
}

# A node's field of `xpan show nodes -j` that must be a number: prints
# "missing" otherwise, so an empty answer never passes a comparison.
hd_node_num()
{
	local v
	v=$(xit_node_field "$1" "$2")
	xit_is_count "$v" && printf '%s' "$v" || printf 'missing'
}

# A port counter as xit_stat gives it, with "missing" (named in failure
# messages) instead of an empty value when there is none.
hd_stat()
{
	local v
	v=$(xit_stat "$1" "$2")
	xit_is_count "$v" && printf '%s' "$v" || printf 'missing'
}

# hd_expect_le "what" GOT LIMIT: integer GOT <= LIMIT (never an empty GOT).
hd_expect_le()
{
	if xit_is_count "$2" && xit_is_count "$3" && [ "$((10#$2))" -le "$((10#$3))" ]; then
		xit_pass "$1 ($2 <= $3)"
		return 0
	fi
	xit_failed "$1"
	printf '    got: %s, want at most %s\n' "$2" "$3"
	return 1
}

# The python frame tool: written once per run.
HD_PY=$XIT_TMP/frames.py
cat >"$HD_PY" <<'PYEOF'
import os, random, socket, struct, sys, time

def mac(s):
    return bytes(int(x, 16) for x in s.split(':'))

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

def ip4(src, dst, proto, payload):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 0, 0x4000,
                    64, proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload

def udp(src, dst, sport, dport, data):
    u = struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data
    return ip4(src, dst, 17, u)

def icmp_echo(src, dst, ident, seq, data):
    i = struct.pack('!BBHHH', 8, 0, 0, ident, seq) + data
    i = i[:2] + struct.pack('!H', csum(i)) + i[4:]
    return ip4(src, dst, 1, i)

def eth(dst, src, proto, payload):
    return mac(dst) + mac(src) + struct.pack('!H', proto) + payload

def arp(op, sha, spa, tha, tpa):
    return struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, op, mac(sha),
                       socket.inet_aton(spa), mac(tha), socket.inet_aton(tpa))

def sock(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    return s

def send_all(s, frame):
    while True:
        try:
            return s.send(frame)
        except BlockingIOError:
            time.sleep(0.0005)
        except OSError as e:
            if e.errno == 105:  # ENOBUFS: the qdisc is full, try again
                time.sleep(0.0005)
                continue
            raise

def cmd_arp_flood(ifname, srcmac, count, target):
    # ARP requests with made-up sender addresses (the attack of issue 6).
    s = sock(ifname)
    rnd = random.Random(1)
    t0 = time.monotonic()
    for _ in range(int(count)):
        spa = '10.%d.%d.%d' % (rnd.randrange(1, 250), rnd.randrange(0, 256),
                               rnd.randrange(1, 255))
        send_all(s, eth('ff:ff:ff:ff:ff:ff', srcmac, 0x0806,
                        arp(1, srcmac, spa, '00:00:00:00:00:00', target)))
    print('%s %.3f' % (count, time.monotonic() - t0))

def cmd_spoof(ifname, srcmac, dstmac, src, dst, count):
    # UDP to port 5555 and ICMP echo requests with a source not ours.
    s = sock(ifname)
    for i in range(int(count)):
        send_all(s, eth(dstmac, srcmac, 0x0800,
                        udp(src, dst, 40000, 5555, b'SPOOF %d' % i)))
        send_all(s, eth(dstmac, srcmac, 0x0800,
                        icmp_echo(src, dst, 0x5151, i, b'SPOOF')))

def cmd_garp(ifname, srcmac, spa, count):
    # Gratuitous ARP claiming spa: would poison the neighbours' caches.
    s = sock(ifname)
    for _ in range(int(count)):
        send_all(s, eth('ff:ff:ff:ff:ff:ff', srcmac, 0x0806,
                        arp(1, srcmac, spa, '00:00:00:00:00:00', spa)))
        send_all(s, eth('ff:ff:ff:ff:ff:ff', srcmac, 0x0806,
                        arp(2, srcmac, spa, 'ff:ff:ff:ff:ff:ff', spa)))

def cmd_udp(ifname, srcmac, dstmac, src, dst, sport, data):
    s = sock(ifname)
    send_all(s, eth(dstmac, srcmac, 0x0800,
                    udp(src, dst, int(sport), 5555, data.encode())))

def cmd_udp_loop(ifname, srcmac, dstmac, src, dst, interval):
    # One UDP frame from src every interval seconds until killed: keeps a
    # learned address in use (refreshed) without the node's IP stack.
    s = sock(ifname)
    while True:
        send_all(s, eth(dstmac, srcmac, 0x0800,
                        udp(src, dst, 40200, 5555, b'KEEP')))
        time.sleep(float(interval))

def cmd_storm(ifname, srcmac, src, bcast, seconds):
    # Broadcasts as fast as one socket goes for a while; prints frames
    # sent and the seconds the sending took (the test's own clock).
    s = sock(ifname)
    frame = eth('ff:ff:ff:ff:ff:ff', srcmac, 0x0800,
                udp(src, bcast, 40000, 7777, b'STORM' * 10))
    n = 0
    t0 = time.monotonic()
    end = t0 + float(seconds)
    while True:
        for _ in range(256):
            send_all(s, frame)
        n += 256
        if time.monotonic() >= end:
            break
    print('%d %.6f' % (n, time.monotonic() - t0))

def cmd_count(ifname, port, sentinel_port, outfile):
    # Counts UDP frames to port on ifname until one to sentinel_port
    # arrives; adds the socket's own drops so nothing hides in them.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((ifname, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    open(outfile + '.ready', 'w').close()
    port, sentinel_port = int(port), int(sentinel_port)
    n = 0
    while True:
        f = s.recv(2048)
        if len(f) < 14 + 20 + 8 or f[23] != 17:
            continue
        ihl = (f[14] & 0xf) * 4
        dport = struct.unpack('!H', f[14 + ihl + 2:14 + ihl + 4])[0]
        if dport == port:
            n += 1
        elif dport == sentinel_port:
            break
    # struct tpacket_stats { unsigned tp_packets, tp_drops; }
    st = s.getsockopt(263, 6, 8)
    drops = struct.unpack('II', st)[1]
    with open(outfile, 'w') as o:
        o.write('%d %d\n' % (n, drops))

def bpf_lookup_fn(pin):
    # bpf(BPF_OBJ_GET) and bpf(BPF_MAP_LOOKUP_ELEM) through ctypes, so a
    # map can be polled far faster than by starting bpftool each time.
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    nr = {'x86_64': 321, 'aarch64': 280}[os.uname().machine]
    path = ctypes.create_string_buffer(pin.encode())
    attr = ctypes.create_string_buffer(128)
    struct.pack_into('QII', attr, 0, ctypes.addressof(path), 0, 0)
    fd = libc.syscall(nr, 7, attr, 128)
    if fd < 0:
        raise OSError(ctypes.get_errno(), 'BPF_OBJ_GET ' + pin)
    key = ctypes.create_string_buffer(4)
    val = ctypes.create_string_buffer(256)
    def lookup(ifindex):
        struct.pack_into('I', key, 0, ifindex)
        a = ctypes.create_string_buffer(128)
        struct.pack_into('IIQQQ', a, 0, fd, 0, ctypes.addressof(key),
                         ctypes.addressof(val), 0)
        return libc.syscall(nr, 1, a, 128) == 0
    return lookup

def cmd_port_wait(pin, ifname, what, *command):
    # Runs command (which creates or deletes ifname), then polls the
    # pinned xpan_ports until the port's entry appears or vanishes.
    # Prints: reaction ms (from the command's return), command ms.
    import subprocess
    lookup = bpf_lookup_fn(pin)
    old = None
    if what == 'vanish':
        old = int(open('/sys/class/net/%s/ifindex' % ifname).read())
    t0 = time.monotonic()
    subprocess.run(command, check=True)
    t1 = time.monotonic()
    if what == 'appear':
        idx = int(open('/sys/class/net/%s/ifindex' % ifname).read())
    else:
        idx = old
    while time.monotonic() - t1 < 25:
        present = lookup(idx)
        if present == (what == 'appear'):
            t2 = time.monotonic()
            print('%.1f %.1f' % ((t2 - t1) * 1000, (t1 - t0) * 1000))
            return
        time.sleep(0.0002)
    print('timeout %.1f' % ((t1 - t0) * 1000))
    sys.exit(1)

def cmd_hammer(sockpath, seconds):
    # An API client as fast as it can: connect, request, read, close.
    end = time.monotonic() + float(seconds)
    n = 0
    while time.monotonic() < end:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            c.connect(sockpath)
            c.sendall(b'show nodes -j\n')
            while c.recv(65536):
                pass
            n += 1
        except OSError:
            pass
        finally:
            c.close()
    print(n)

def api_send(sockpath, data):
    # A connection to the API socket that has sent data.
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(30)
    c.connect(sockpath)
    c.sendall(data)
    return c

def api_answer(c, reset_ends=False):
    # Everything the server sends until it closes. reset_ends: a reset
    # ends the answer too (the server closed with our excess bytes
    # unread: the answer came before that).
    out = b''
    while True:
        try:
            b = c.recv(65536)
        except ConnectionResetError:
            if not reset_ends:
                raise
            break
        if not b:
            break
        out += b
    return out

def cmd_request(sockpath, what):
    # One raw API request: 'long' = "reload" padded past the size cap,
    # 'stall' = half a line and then nothing. Prints the answer.
    if what == 'long':
        c = api_send(sockpath, b'reload' + b' ' * 5000 + b'\n')
    else:
        c = api_send(sockpath, b'show no')
    print(api_answer(c, reset_ends=True).decode(errors='replace').strip())

def cmd_api(sockpath, *words):
    # One API request; prints the body when the answer is "ok".
    c = api_send(sockpath, ' '.join(words).encode() + b'\n')
    status, _, body = api_answer(c).partition(b'\n')
    if status != b'ok':
        sys.exit(status.decode(errors='replace'))
    sys.stdout.write(body.decode())

def cmd_slow(sockpath, count, seconds):
    # Clients that connect and send half a request, then nothing: each
    # holds a connection until the server's read limit ends it, and is
    # opened again. Prints how many connections were made.
    end = time.monotonic() + float(seconds)
    conns, n = [], 0
    while time.monotonic() < end:
        while len(conns) < int(count):
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                c.connect(sockpath)
                c.sendall(b'sta')
                c.setblocking(False)
                conns.append(c)
                n += 1
            except OSError:
                c.close()
                break
        time.sleep(0.05)
        for c in conns[:]:
            try:
                if c.recv(4096) == b'':
                    raise OSError
            except BlockingIOError:
                continue
            except OSError:
                pass
            conns.remove(c)
            c.close()
    print(n)

if __name__ == '__main__':
    globals()['cmd_' + sys.argv[1]](*sys.argv[2:])
PYEOF
