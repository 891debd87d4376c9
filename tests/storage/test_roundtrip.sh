#!/usr/bin/env bash
# Data round trip through the target: write patterns of 1..256 blocks
# through n1's LUN 1, read them back; the bytes land in n1's window of
# disk0.img (offset 32 MiB) and nowhere else; statistics count them.
. "$(dirname "$0")/iod_lib.sh"
need "$IOD" "$IOD_RW" python3
write_config
iod_start "$T/xpan.yaml"

# lun1_holds_pattern FILE OFFSET NBLOCKS WINDOW: the NBLOCKS 512-byte
# blocks at OFFSET in FILE are exactly what `iod_rw roundtrip NBLOCKS`
# writes (its fill() and rt_len(), mirrored here), and the rest of the
# WINDOW bytes after them are still zero. Prints the first difference.
lun1_holds_pattern()
{
	python3 - "$@" <<'PY'
import struct, sys
path, off, nblk, window = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
BS = 512
def rt_len(seq):
    return 8192 if seq % 16 == 0 else 1 + (seq * 37) % 256
def block(lba, seq):
    return b"".join(struct.pack("<QQ", lba, (seq ^ (j * 0x9e3779b97f4a7c15)) & (2**64 - 1))
                    for j in range(0, BS, 16))
want = bytearray()
lba, seq = 0, 1
while lba < nblk:
    n = min(rt_len(seq), nblk - lba)
    for i in range(n):
        want += block(lba + i, seq)
    lba, seq = lba + n, seq + 1
with open(path, "rb") as f:
    f.seek(off)
    got = f.read(window)
if len(got) != window:
    sys.exit("%s: only %d of %d bytes at offset %d" % (path, len(got), window, off))
for i in range(0, len(want), BS):
    if got[i:i + BS] != want[i:i + BS]:
        sys.exit("block %d at file offset %d: got %s..., want %s..." %
                 (i // BS, off + i, got[i:i + 16].hex(), want[i:i + 16].hex()))
rest = got[len(want):]
if rest.count(0) != len(rest):
    k = next(i for i, b in enumerate(rest) if b)
    sys.exit("non-zero byte at file offset %d, past the %d written blocks" %
             (off + len(want) + k, nblk))
print("LUN 1 window: %d blocks as written, %d bytes after them zero" % (nblk, len(rest)))
PY
}

before0=$(head -c 32M "$T/san/disk0.img" | md5sum)
"$IOD_RW" "$(url 1)" $IQN:n1 roundtrip 20000 || fail "round trip on n1 LUN 1"
after0=$(head -c 32M "$T/san/disk0.img" | md5sum)
[ "$before0" = "$after0" ] || fail "a write to LUN 1 changed LUN 0's window"
lun1_holds_pattern "$T/san/disk0.img" $((32 << 20)) 20000 $((32 << 20)) ||
	fail "LUN 1's window at offset 32 MiB does not hold exactly what was written"

# the second path of n1 sees the same data; this one with CRC32C digests
IOD_RW_DIGEST=crc32c "$IOD_RW" "$(url 1)" $IQN:n1-path2 roundtrip 300 ||
	fail "round trip over n1's second initiator name, with header digests"

out=$(ctl storage stats -j) || fail "ctl"
echo "$out"
python3 - "$out" <<'PY' || fail "statistics do not add up"
import json, sys
lines = sys.argv[1].split("\n", 1)
assert lines[0] == "ok", lines[0]
doc = json.loads(lines[1])
n1 = [n for n in doc["nodes"] if n["node"] == "n1"][0]
lun1 = [l for l in n1["luns"] if l["lun"] == 1][0]
assert lun1["writes"] > 0 and lun1["reads"] > 0, lun1
assert lun1["write_bytes"] >= 20000 * 512, lun1
assert lun1["read_bytes"] >= 20000 * 512, lun1
assert lun1["busy_ns"] > 0, lun1
assert n1["ops"] >= lun1["ops"] and n1["bytes"] >= lun1["bytes"], n1
n2 = [n for n in doc["nodes"] if n["node"] == "n2"][0]
assert n2["ops"] == 0, n2
PY
out=$(ctl storage luns -j) || fail "ctl luns"
grep -q '"node":"n2"' <<<"$out" || fail "storage luns -j without n2: $out"
ctl storage stats | head -5
out=$(ctl storage bogus)
[ "${out%%$'\n'*}" != ok ] && grep -q "^error " <<<"$out" || fail "bad verb not refused: $out"
echo ok
