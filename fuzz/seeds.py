#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Writes the seed inputs of the three harnesses (fuzz/run.sh --seed).

Every seed is a valid conversation or PDU as an initiator would send it to
the fixture of fuzz/fuzz_fixture.h (target iqn.2026-11.io.xpan:storage,
node n1 with LUN 0 = 512 KiB and read-only LUN 3, node n2 with CHAP, node
n3 without LUNs), so the fuzzer starts from inputs that reach the SCSI
handlers instead of having to discover a login first.

usage: seeds.py OUTDIR     (writes OUTDIR/{conn,pdu,text}/seed-*)
"""
import os
import struct
import sys

TARGET = b"iqn.2026-11.io.xpan:storage"
INIT_N1 = b"iqn.2026-11.io.xpan:n1"


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def keys(*pairs):
    return b"".join(k + b"=" + v + b"\0" for k, v in pairs)


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


class Stream:
    """Builds an initiator's byte stream; tracks CmdSN and digests."""

    def __init__(self):
        self.out = b""
        self.cmdsn = 1
        self.itt = 0x10
        self.hd = False
        self.dd = False

    def pdu(self, bhs, data=b""):
        assert len(bhs) == 48
        bhs = bytearray(bhs)
        bhs[5:8] = struct.pack(">I", len(data))[1:]
        p = bytes(bhs)
        if self.hd:
            p += struct.pack("<I", crc32c(bytes(bhs)))
        if data:
            p += pad4(data)
            if self.dd:
                p += struct.pack("<I", crc32c(pad4(data)))
        self.out += p
        return p

    def next_itt(self):
        self.itt += 1
        return self.itt

    def login(self, flags, data, itt=1, tsih=0):
        bhs = struct.pack(">BBBB4x6sHIHxxII16x", 0x43, flags, 0, 0,
                          b"\x40\x00\x01\x37\x00\x00", tsih, itt, 1,
                          self.cmdsn, 0)
        return self.pdu(bhs, data)

    def login_normal(self, init=INIT_N1, op_keys=None, two_step=True):
        k1 = [(b"InitiatorName", init), (b"SessionType", b"Normal"),
              (b"TargetName", TARGET), (b"AuthMethod", b"None")]
        ops = op_keys or [
            (b"HeaderDigest", b"None"), (b"DataDigest", b"None"),
            (b"MaxRecvDataSegmentLength", b"262144"),
            (b"InitialR2T", b"Yes"), (b"ImmediateData", b"Yes"),
            (b"MaxBurstLength", b"16776192"),
            (b"FirstBurstLength", b"262144"),
            (b"DefaultTime2Wait", b"2"), (b"DefaultTime2Retain", b"0"),
            (b"MaxOutstandingR2T", b"1"), (b"DataPDUInOrder", b"Yes"),
            (b"DataSequenceInOrder", b"Yes"), (b"ErrorRecoveryLevel", b"0"),
            (b"MaxConnections", b"1")]
        if two_step:
            self.login(0x81, keys(*k1))            # T, CSG 0 -> NSG 1
            self.login(0x87, keys(*ops))           # T, CSG 1 -> NSG 3
        else:
            self.login(0x87, keys(*(k1[:3] + ops)))

    def login_discovery(self):
        self.login(0x87, keys((b"InitiatorName", INIT_N1),
                              (b"SessionType", b"Discovery"),
                              (b"MaxRecvDataSegmentLength", b"65536")))

    def cmd(self, cdb, edtl=0, read=False, write=False, data=b"", lun=0,
            immediate=False, itt=None):
        cdb = cdb + b"\0" * (16 - len(cdb))
        flags = 0x80 | (0x40 if read else 0) | (0x20 if write else 0) | 1
        itt = self.next_itt() if itt is None else itt
        bhs = struct.pack(">BBxx4xQIIII16s",
                          0x01 | (0x40 if immediate else 0), flags,
                          lun << 48, itt, edtl, self.cmdsn, 0, cdb)
        if not immediate:
            self.cmdsn += 1
        self.pdu(bhs, data)
        return itt

    def data_out(self, itt, data, ttt=0xFFFFFFFF, datasn=0, offset=0,
                 final=True, lun=0):
        bhs = struct.pack(">BBxx4xQII4xI4xII4x", 0x05, 0x80 if final else 0,
                          lun << 48, itt, ttt, 0, datasn, offset)
        self.pdu(bhs, data)

    def nop(self, data=b"", itt=None):
        itt = self.next_itt() if itt is None else itt
        bhs = struct.pack(">BBxx4xQIIII16x", 0x40, 0x80, 0, itt, 0xFFFFFFFF,
                          self.cmdsn, 0)
        self.pdu(bhs, data)

    def text(self, data):
        bhs = struct.pack(">BBxx4xQIIII16x", 0x04, 0x80, 0, self.next_itt(),
                          0xFFFFFFFF, self.cmdsn, 0)
        self.cmdsn += 1
        self.pdu(bhs, data)

    def tmf(self, fn, rtt=0xFFFFFFFF, lun=0, refcmdsn=0):
        bhs = struct.pack(">BBxx4xQIIIII12x", 0x42, 0x80 | fn, lun << 48,
                          self.next_itt(), rtt, self.cmdsn, 0, refcmdsn)
        self.pdu(bhs)

    def logout(self):
        bhs = struct.pack(">BBxx4x8xIHxxII16x", 0x46, 0x80, self.next_itt(),
                          1, self.cmdsn, 0)
        self.pdu(bhs)


def be(n, width):
    return n.to_bytes(width, "big")


def read10(lba, n):
    return b"\x28\0" + be(lba, 4) + b"\0" + be(n, 2) + b"\0"


def write10(lba, n, fua=False):
    return b"\x2a" + (b"\x08" if fua else b"\0") + be(lba, 4) + b"\0" + be(n, 2) + b"\0"


def read16(lba, n):
    return b"\x88\0" + be(lba, 8) + be(n, 4) + b"\0\0"


def write16(lba, n):
    return b"\x8a\0" + be(lba, 8) + be(n, 4) + b"\0\0"


BLK = 512


def scsi_seeds():
    """(name, function(stream)) for every handler worth starting from."""
    pat = bytes((i * 7 + 1) & 0xFF for i in range(8 * BLK))
    unmap_param = be(22, 2) + be(16, 2) + b"\0" * 4 + be(8, 8) + be(16, 4) + b"\0" * 4
    s = []
    s.append(("tur", lambda st: st.cmd(b"\x00")))
    s.append(("inquiry", lambda st: st.cmd(b"\x12\0\0\0\x24\0", 36, read=True)))
    for page in (0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2):
        s.append(("inquiry-vpd-%02x" % page,
                  lambda st, p=page: st.cmd(b"\x12\x01" + bytes([p]) + b"\0\xff\0",
                                            255, read=True)))
    s.append(("readcap10", lambda st: st.cmd(b"\x25", 8, read=True)))
    s.append(("readcap16", lambda st: st.cmd(b"\x9e\x10" + b"\0" * 8 + be(32, 4), 32,
                                             read=True)))
    s.append(("report-luns", lambda st: st.cmd(b"\xa0\0\0\0\0\0" + be(4096, 4),
                                               4096, read=True)))
    s.append(("mode-sense6", lambda st: st.cmd(b"\x1a\0\x3f\0\xff\0", 255, read=True)))
    s.append(("mode-sense10", lambda st: st.cmd(b"\x5a\0\x3f\0\0\0\0\x01\0\0", 256,
                                                read=True)))
    s.append(("request-sense", lambda st: st.cmd(b"\x03\0\0\0\x12\0", 18, read=True)))
    s.append(("read10", lambda st: st.cmd(read10(0, 8), 4096, read=True)))
    s.append(("read10-lun3", lambda st: st.cmd(read10(4, 8), 4096, read=True, lun=3)))
    s.append(("read16-end", lambda st: st.cmd(read16(1016, 8), 4096, read=True)))
    s.append(("read10-past-end", lambda st: st.cmd(read10(1020, 8), 4096, read=True)))
    s.append(("write10-imm", lambda st: st.cmd(write10(8, 8), 4096, write=True,
                                               data=pat)))
    s.append(("write10-fua", lambda st: st.cmd(write10(16, 1, fua=True), 512,
                                               write=True, data=pat[:512])))
    s.append(("write16-imm", lambda st: st.cmd(write16(24, 2), 1024, write=True,
                                               data=pat[:1024])))
    s.append(("write10-readonly", lambda st: st.cmd(write10(0, 1), 512, write=True,
                                                    data=pat[:512], lun=3)))

    def write_r2t(st):
        # no immediate data: the target solicits it with R2T TTT 1
        itt = st.cmd(write10(32, 8), 4096, write=True)
        st.data_out(itt, pat[:2048], ttt=1, datasn=0, offset=0, final=False)
        st.data_out(itt, pat[2048:4096], ttt=1, datasn=1, offset=2048)
    s.append(("write10-r2t", write_r2t))

    def write_imm_then_r2t(st):
        itt = st.cmd(write10(40, 8), 4096, write=True, data=pat[:1024])
        st.data_out(itt, pat[1024:4096], ttt=1, datasn=0, offset=1024)
    s.append(("write10-imm-r2t", write_imm_then_r2t))
    s.append(("sync-cache10", lambda st: st.cmd(b"\x35\0" + be(0, 4) + b"\0" + be(0, 2))))
    s.append(("write-same16", lambda st: st.cmd(b"\x93\0" + be(64, 8) + be(16, 4) + b"\0\0",
                                                512, write=True, data=pat[:512])))
    s.append(("write-same16-unmap", lambda st: st.cmd(b"\x93\x08" + be(64, 8) + be(16, 4)
                                                      + b"\0\0", 512, write=True,
                                                      data=b"\0" * 512)))
    s.append(("unmap", lambda st: st.cmd(b"\x42\0\0\0\0\0\0" + be(24, 2) + b"\0", 24,
                                         write=True, data=unmap_param)))
    s.append(("compare-and-write", lambda st: st.cmd(
        b"\x89\0" + be(100, 8) + b"\0\0\0\x01\0\0", 1024, write=True,
        data=b"\0" * 512 + pat[:512])))
    s.append(("verify10-bytchk", lambda st: st.cmd(b"\x2f\x02" + be(0, 4) + b"\0" + be(1, 2)
                                                   + b"\0", 512, write=True,
                                                   data=b"\0" * 512)))
    s.append(("verify16", lambda st: st.cmd(b"\x8f\0" + be(0, 8) + be(8, 4) + b"\0\0")))
    s.append(("get-lba-status", lambda st: st.cmd(b"\x9e\x12" + be(0, 8) + be(24, 4)
                                                  + b"\0\0", 24, read=True)))
    s.append(("read6", lambda st: st.cmd(b"\x08\0\0\0\x08\0", 4096, read=True)))
    s.append(("write6", lambda st: st.cmd(b"\x0a\0\0\x30\x01\0", 512, write=True,
                                          data=pat[:512])))
    s.append(("start-stop", lambda st: st.cmd(b"\x1b\0\0\0\x01\0")))
    s.append(("prevent-allow", lambda st: st.cmd(b"\x1e\0\0\0\x01\0")))
    s.append(("unknown-op", lambda st: st.cmd(b"\xc5\0\0\0\0\0", 0)))
    s.append(("orwrite16", lambda st: st.cmd(b"\x8b\0" + be(48, 8) + be(1, 4) + b"\0\0",
                                             512, write=True, data=pat[:512])))
    s.append(("report-opcodes", lambda st: st.cmd(b"\xa3\x0c\0\0\0\0" + be(4096, 4)
                                                  + b"\0\0", 4096, read=True)))
    s.append(("report-opcode-one", lambda st: st.cmd(b"\xa3\x0c\x01\x28\0\0" + be(64, 4)
                                                     + b"\0\0", 64, read=True)))
    s.append(("reserve6-release6", lambda st: (st.cmd(b"\x16\0\0\0\0\0"),
                                               st.cmd(b"\x17\0\0\0\0\0"))))

    def prout(sa, typ, key, sakey):
        param = be(key, 8) + be(sakey, 8) + b"\0" * 8
        return b"\x5f" + bytes([sa, typ]) + b"\0\0" + be(24, 4) + b"\0", param

    def pr_cycle(st):
        for sa, typ, key, sakey in ((0, 0, 0, 0x1111), (1, 1, 0x1111, 0),
                                    (2, 1, 0x1111, 0), (6, 0, 0, 0x2222),
                                    (4, 3, 0x2222, 0x1111), (3, 0, 0x2222, 0)):
            cdb, param = prout(sa, typ, key, sakey)
            st.cmd(cdb, 24, write=True, data=param)
        for sa in (0, 1, 2, 3):
            st.cmd(b"\x5e" + bytes([sa]) + b"\0\0\0\0\0" + be(512, 2) + b"\0", 512,
                   read=True)
    s.append(("persistent-reservations", pr_cycle))

    def pr_conflict(st):
        cdb, param = prout(0, 0, 0, 0x77)
        st.cmd(cdb, 24, write=True, data=param)
        cdb, param = prout(1, 3, 0x77, 0)        # exclusive access
        st.cmd(cdb, 24, write=True, data=param)
        st.cmd(read10(0, 1), 512, read=True, lun=0)
        st.cmd(write10(0, 1), 512, write=True, data=pat[:512])
    s.append(("pr-reserve-then-io", pr_conflict))
    s.append(("bad-lun", lambda st: st.cmd(read10(0, 1), 512, read=True, lun=9)))
    return s


def conn_seeds():
    seeds = {}
    for name, fn in scsi_seeds():
        st = Stream()
        st.login_normal()
        fn(st)
        st.logout()
        seeds["conn-" + name] = st.out

    st = Stream()
    st.login_discovery()
    st.text(keys((b"SendTargets", b"All")))
    st.logout()
    seeds["conn-discovery"] = st.out

    st = Stream()
    st.login_normal(two_step=False)
    st.nop(b"ping")
    st.text(keys((b"SendTargets", TARGET), (b"MaxBurstLength", b"65536")))
    st.tmf(1, rtt=0x1234)        # ABORT TASK, no such task
    st.tmf(5)                    # LOGICAL UNIT RESET
    st.tmf(2, lun=3)             # ABORT TASK SET
    st.logout()
    seeds["conn-nop-text-tmf"] = st.out

    # queued writes then a reset while R2T is outstanding
    st = Stream()
    st.login_normal()
    st.cmd(write10(200, 16), 8192, write=True)
    st.cmd(read10(0, 8), 4096, read=True)
    st.tmf(6)
    st.logout()
    seeds["conn-r2t-reset"] = st.out

    # digests on: every PDU after the login carries CRC32C
    st = Stream()
    st.login_normal(op_keys=[(b"HeaderDigest", b"CRC32C,None"),
                             (b"DataDigest", b"CRC32C,None"),
                             (b"MaxRecvDataSegmentLength", b"8192")])
    st.hd = st.dd = True
    st.cmd(write10(300, 2), 1024, write=True,
           data=bytes(range(256)) * 4)
    st.cmd(read10(300, 2), 1024, read=True)
    st.nop(b"digest")
    st.logout()
    seeds["conn-digests"] = st.out

    # CHAP node: AuthMethod=CHAP and CHAP_A; the response cannot be known
    st = Stream()
    st.login(0x01, keys((b"InitiatorName", b"iqn.2026-11.io.xpan:n2"),
                        (b"SessionType", b"Normal"), (b"TargetName", TARGET),
                        (b"AuthMethod", b"CHAP,None")))
    st.login(0x01, keys((b"CHAP_A", b"5")))
    st.login(0x81, keys((b"CHAP_N", b"n2"), (b"CHAP_R", b"0x" + b"00" * 16)))
    seeds["conn-chap"] = st.out

    # a node without LUNs, and an unknown initiator
    st = Stream()
    st.login_normal(init=b"iqn.2026-11.io.xpan:n3")
    st.cmd(b"\xa0\0\0\0\0\0" + be(64, 4), 64, read=True)
    st.logout()
    seeds["conn-no-luns"] = st.out
    st = Stream()
    st.login_normal(init=b"iqn.2000-01.com.example:stranger")
    seeds["conn-stranger"] = st.out
    return seeds


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    conn = conn_seeds()
    text = {}
    pdu = {}
    for name, data in conn.items():
        pdu["pdu-" + name[5:]] = b"\x00" + data
    # digest framing for the PDU harness: flag bits 0 (header) and 1 (data)
    st = Stream()
    st.hd = st.dd = True
    st.cmd(write10(0, 1), 512, write=True, data=b"\xa5" * 512)
    st.nop(b"x")
    pdu["pdu-digests"] = b"\x03" + st.out
    st = Stream()
    st.pdu(struct.pack(">BBBB44x", 0x01, 0x80, 0, 2) , b"")
    raw = bytearray(st.out)
    raw[4] = 2                               # 8 bytes of AHS
    raw += be(5, 2) + b"\x02\0" + be(0x1234, 4)   # extended CDB AHS
    pdu["pdu-ahs"] = b"\x00" + bytes(raw)

    def rec(flags, data):
        return bytes([flags]) + be(len(data), 2) + data
    text["text-normal"] = (
        rec(0x81, keys((b"InitiatorName", INIT_N1), (b"SessionType", b"Normal"),
                       (b"TargetName", TARGET), (b"AuthMethod", b"None"))) +
        rec(0x87, keys((b"HeaderDigest", b"CRC32C,None"), (b"DataDigest", b"None"),
                       (b"MaxRecvDataSegmentLength", b"262144"),
                       (b"MaxBurstLength", b"1048576"), (b"FirstBurstLength", b"65536"),
                       (b"InitialR2T", b"No"), (b"ImmediateData", b"Yes"),
                       (b"MaxOutstandingR2T", b"1"), (b"ErrorRecoveryLevel", b"0"),
                       (b"DefaultTime2Wait", b"2"), (b"X-com.example.foo", b"bar"))))
    text["text-discovery"] = rec(0x87, keys((b"InitiatorName", INIT_N1),
                                            (b"SessionType", b"Discovery")))
    text["text-chap"] = (
        rec(0x01, keys((b"InitiatorName", b"iqn.2026-11.io.xpan:n2"),
                       (b"SessionType", b"Normal"), (b"TargetName", TARGET),
                       (b"AuthMethod", b"CHAP"))) +
        rec(0x01, keys((b"CHAP_A", b"7,5"))) +
        rec(0x81, keys((b"CHAP_N", b"n2"), (b"CHAP_R", b"0x" + b"ab" * 16),
                       (b"CHAP_I", b"1"), (b"CHAP_C", b"0x" + b"cd" * 16))))
    text["text-bad"] = rec(0x87, b"=x\0key\0" + b"k" * 70 + b"=v\0")

    # fuzz_conn's first byte: slice size (2 + 1) * 16 = one BHS
    conn = {k: b"\x02" + v for k, v in conn.items()}
    # fuzz_scsi: CDB(16) EDTL(4) device flags(1) read result(1) Data-Out;
    # flags 0x3d: present, write cache, can unmap, LUN exists, 2048 blocks
    scsi = {}
    for name, fn in scsi_seeds():
        st = Stream()
        fn(st)
        raw = st.out
        bhs, data = raw[:48], raw[48:]
        edtl = struct.unpack(">I", bhs[20:24])[0]
        scsi["scsi-" + name] = bhs[32:48] + be(edtl, 4) + b"\x3d\x00" + data
    scsi["scsi-readonly-write"] = write10(0, 1) + b"\0" * 6 + be(512, 4) + b"\x3f\x00" + b"\x11" * 512
    scsi["scsi-read-eio"] = read10(0, 8) + b"\0" * 6 + be(4096, 4) + b"\x3d\x01"
    for sub, seeds in (("scsi", scsi), ("conn", conn), ("pdu", pdu), ("text", text)):
        d = os.path.join(out, sub)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, "seed-" + name), "wb") as f:
                f.write(data)
    print("seeds: %d conn, %d pdu, %d text, %d scsi in %s" % (len(conn), len(pdu), len(text), len(scsi), out))


if __name__ == "__main__":
    main()
