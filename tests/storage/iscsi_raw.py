#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Hostile iSCSI initiators for the storage attack scenarios: raw PDUs over
TCP, doing what no real initiator library lets one do.

  iscsi_raw.py burst HOST PORT INITIATOR ISID COUNT BLOCKS STOPFILE
      log in, send COUNT READ(16) of BLOCKS blocks each with consecutive
      CmdSNs (ignoring MaxCmdSN), print "sent", never read a reply, hold
      the connection until STOPFILE exists
  iscsi_raw.py idle HOST PORT COUNT SRC[,SRC...] STOPFILE
      open COUNT connections (round robin over the source addresses) that
      never send a byte, print "open COUNT", then wait for the target to
      close them: prints "closed COUNT" once all are closed, or gives up
      when STOPFILE exists (exit 1)
  iscsi_raw.py percap HOST PORT SRC COUNT STOPFILE
      open COUNT connections from SRC, print "open COUNT", hold them until
      STOPFILE exists, then print "refused I" for each one (1-based) the
      target has closed
  iscsi_raw.py hold HOST PORT INITIATOR ISID SRC STOPFILE
      from source address SRC, log in, print "login ok", then ping the
      session (NOP-Out every 0.1 s) until the target closes it: prints
      "closed after T s, N pings answered" (exit 0), or "still open" when
      STOPFILE exists first (exit 1)
"""
import os
import select
import socket
import struct
import sys
import time


def pad4(n):
    return (n + 3) & ~3


def recv_exact(s, n):
    out = b""
    while len(out) < n:
        b = s.recv(n - len(out))
        if not b:
            raise EOFError("target closed the connection")
        out += b
    return out


def recv_pdu(s):
    bhs = recv_exact(s, 48)
    dlen = int.from_bytes(bhs[5:8], "big")
    data = recv_exact(s, pad4(dlen))[:dlen]
    return bhs, data


def login(s, initiator, target, isid):
    keys = [
        "InitiatorName=" + initiator,
        "TargetName=" + target,
        "SessionType=Normal",
        "HeaderDigest=None",
        "DataDigest=None",
        "MaxRecvDataSegmentLength=262144",
        "MaxBurstLength=16776192",
        "FirstBurstLength=262144",
        "ImmediateData=Yes",
        "InitialR2T=Yes",
        "MaxOutstandingR2T=1",
        "ErrorRecoveryLevel=0",
    ]
    data = b"".join(k.encode() + b"\0" for k in keys)
    bhs = bytearray(48)
    bhs[0] = 0x43                     # login, immediate
    bhs[1] = 0x80 | (1 << 2) | 3      # transit, operational -> full feature
    bhs[5:8] = len(data).to_bytes(3, "big")
    bhs[8:14] = isid
    struct.pack_into(">I", bhs, 16, 1)   # ITT
    struct.pack_into(">I", bhs, 24, 1)   # CmdSN
    s.sendall(bytes(bhs) + data + b"\0" * (pad4(len(data)) - len(data)))
    rsp, _ = recv_pdu(s)
    if rsp[0] & 0x3F != 0x23 or rsp[36] or rsp[37]:
        raise SystemExit("login refused: opcode 0x%02x status %d/%d"
                         % (rsp[0], rsp[36], rsp[37]))
    if not rsp[1] & 0x80 or rsp[1] & 3 != 3:
        raise SystemExit("login did not reach the full feature phase")
    return struct.unpack_from(">I", rsp, 24)[0] + 1, \
        struct.unpack_from(">I", rsp, 32)[0]


def read16(itt, cmdsn, expstatsn, lba, blocks):
    bhs = bytearray(48)
    bhs[0] = 0x01
    bhs[1] = 0x80 | 0x40 | 0x01       # final, read, simple
    struct.pack_into(">IIII", bhs, 16, itt, blocks * 512, cmdsn, expstatsn)
    cdb = bytearray(16)
    cdb[0] = 0x88
    struct.pack_into(">QI", cdb, 2, lba, blocks)
    bhs[32:48] = cdb
    return bytes(bhs)


def wait_file(path):
    while not os.path.exists(path):
        time.sleep(0.05)


def burst(host, port, initiator, isid, count, blocks, stop):
    s = socket.create_connection((host, int(port)))
    statsn, maxcmdsn = login(s, initiator, "iqn.2026-11.io.xpan:storage",
                             bytes.fromhex(isid))
    count, blocks = int(count), int(blocks)
    print("login ok, MaxCmdSN %d" % maxcmdsn, flush=True)
    span = 65536 // blocks          # stay inside a 32 MiB LUN
    pdus = b"".join(read16(0x100 + i, 1 + i, statsn, (i % span) * blocks,
                           blocks) for i in range(count))
    s.sendall(pdus)                 # CmdSN 1..count, MaxCmdSN ignored
    print("sent %d" % count, flush=True)
    wait_file(stop)
    s.close()


def open_conns(host, port, count, srcs):
    """COUNT connections bound round robin to the source addresses SRCS;
    says "open COUNT" once they are all up."""
    socks = []
    for i in range(int(count)):
        s = socket.socket()
        s.bind((srcs[i % len(srcs)], 0))
        s.connect((host, int(port)))
        socks.append(s)
    print("open %d" % len(socks), flush=True)
    return socks


def read_byte(s):
    """One byte of a readable socket: b"" once the target closed it."""
    try:
        return s.recv(1)
    except ConnectionResetError:
        return b""


def idle(host, port, count, srcs, stop):
    socks = open_conns(host, port, count, srcs.split(","))
    t0 = time.monotonic()
    left = set(socks)
    while left and not os.path.exists(stop):
        r, _, _ = select.select(list(left)[:1000], [], [], 0.2)
        for s in r:
            if read_byte(s):
                raise SystemExit("target sent data to a connection that never logged in")
            left.discard(s)
            s.close()
    if left:
        print("still open %d" % len(left), flush=True)
        sys.exit(1)
    print("closed %d after %.1f s" % (len(socks), time.monotonic() - t0),
          flush=True)


def percap(host, port, src, count, stop):
    socks = open_conns(host, port, count, [src])
    # the caller waits for the target to count the refusal, then stops us
    wait_file(stop)
    for i, s in enumerate(socks):
        r, _, _ = select.select([s], [], [], 0)
        if r and read_byte(s) == b"":
            print("refused %d" % (i + 1), flush=True)


def nop_out(itt, cmdsn, expstatsn):
    bhs = bytearray(48)
    bhs[0] = 0x40                     # NOP-Out, immediate
    bhs[1] = 0x80
    struct.pack_into(">IIII", bhs, 16, itt, 0xFFFFFFFF, cmdsn, expstatsn)
    return bytes(bhs)


def hold(host, port, initiator, isid, src, stop):
    s = socket.socket()
    s.bind((src, 0))
    s.connect((host, int(port)))
    statsn, _ = login(s, initiator, "iqn.2026-11.io.xpan:storage",
                      bytes.fromhex(isid))
    print("login ok", flush=True)
    t0, pings, itt = time.monotonic(), 0, 0x100
    while not os.path.exists(stop):
        try:
            s.sendall(nop_out(itt, 1, statsn))
            r, _, _ = select.select([s], [], [], 1.0)
            if not r:
                raise SystemExit("no NOP-In within 1 s")
            bhs, _ = recv_pdu(s)
        except (EOFError, ConnectionResetError, BrokenPipeError):
            print("closed after %.2f s, %d pings answered"
                  % (time.monotonic() - t0, pings), flush=True)
            return
        if bhs[0] & 0x3F != 0x20:
            raise SystemExit("expected a NOP-In, got opcode 0x%02x" % bhs[0])
        statsn = struct.unpack_from(">I", bhs, 24)[0] + 1
        pings, itt = pings + 1, itt + 1
        time.sleep(0.1)
    print("still open", flush=True)
    sys.exit(1)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    mode, args = sys.argv[1], sys.argv[2:]
    {"burst": burst, "idle": idle, "percap": percap, "hold": hold}[mode](*args)


if __name__ == "__main__":
    main()
