# Writes chain-v3-golden.hex, chain-v2-golden.hex and chain-v1-golden.hex from the layout in PROTOCOL.md ("The chain
# file"), with no Java involved, so that ChainFormatTest checks ChainFile against the format and not against itself.
# The version 3 golden records the retarget rule (2), starting at 8 bits, target 1000 ms, tau 4000 ms, from block 1:
# its two blocks need the starting bits (block 2's bits come before any solve time is known), so the same two
# blocks serve all three versions.
# chain-v4-golden.hex (format version 4: the rule, and transactions from block 1) carries two other blocks, whose
# job data holds a transaction region: block 1 registers alice's key (N), block 2 moves 0.5 coin from alice to
# żółw (X, nonce 1). The keys come from fixed seeds (SHA-256 of "minepool golden <name>"), and Ed25519 signatures
# are deterministic, so the same bytes come out every time; TestChains.goldenV4() builds them in Java.
# Usage, from the repository root: python3 pool-server/src/test/resources/dev/minepool/server/chain/make_goldens.py \
#   pool-server/src/test/resources/dev/minepool/server/chain
import hashlib, struct, sys, zlib
def crc(b): return zlib.crc32(b) & 0xffffffff
def lz(h):
    n = 0
    for byte in h:
        if byte == 0: n += 8; continue
        return n + 8 - byte.bit_length()
    return n
BITS, SIZE = 8, 56
names = {1: "alice", 2: "żółw"}
prev = hashlib.sha256(b"minepool genesis block").digest()
blocks = []
for h in (1, 2):
    ts = 1_764_644_100_000 + h * 1000
    data = bytearray(prev + struct.pack(">IQQ", h, ts, 0))
    data += bytes(((i * 7 + h) & 0xff) for i in range(52, SIZE))
    nonce = next(n for n in range(1 << 32) if lz(hashlib.sha256(bytes(data) + struct.pack(">I", n)).digest()) >= BITS)
    name = names[h].encode()
    body = struct.pack(">I", h) + prev + struct.pack(">IB", nonce, BITS) + name + bytes(10 - len(name)) \
        + struct.pack(">qqH", ts + 1500, 1500 * h, len(data)) + bytes(data)
    blocks.append((h, body))
    prev = hashlib.sha256(bytes(data) + struct.pack(">I", nonce)).digest()
    print("block", h, "nonce", hex(nonce), "hash", prev.hex())
def lines(b):
    return "\n".join(" ".join(b[i:j].hex() for i, j in ((k, min(k + 4, len(b))) for k in range(r, min(r + 32, len(b)), 4))) for r in range(0, len(b), 32))
def write(path, version):
    out = ["# chain file, format version %d: 2 blocks of %d data bytes at %d zero bits, winners alice and żółw" % (version, SIZE, BITS),
           "# made by an encoder independent of ChainFile (make_goldens.py; see ChainFormatTest); whitespace and # comments are ignored"]
    if version == 3:
        rule = struct.pack(">BBIII", 2, BITS, 1000, 4000, 1)
        head = b"MPCH" + struct.pack(">HHHH", 3, 12 + 4 + len(rule), 1, len(rule)) + rule
        head += struct.pack(">I", crc(head))
        out += ["# file header: \"MPCH\", version 3, header length 30; field 0x0001 of 14 bytes, the difficulty rule:",
                "# retarget (2), start 8 bits, target 1000 ms, tau 4000 ms, first height 1; CRC32 of bytes 0..25", lines(head)]
    elif version == 2:
        head = b"MPCH" + struct.pack(">HH", 2, 12)
        head += struct.pack(">I", crc(head))
        out += ["# file header: \"MPCH\", version 2, header length 12, CRC32 of bytes 0..7", lines(head)]
    else:
        out += ["# file header: \"MPCH\", version 1, reserved 0", lines(b"MPCH" + struct.pack(">HH", 1, 0))]
    for h, body in blocks:
        rh = struct.pack(">II", len(body), crc(body))
        if version >= 2:
            rh += struct.pack(">I", crc(rh))
            out += ["# record %d header: body length %d, CRC32 of the body, CRC32 of the 8 bytes before" % (h, len(body)), lines(rh)]
        else:
            out += ["# record %d header: body length %d, CRC32 of the body" % (h, len(body)), lines(rh)]
        out += ["# record %d body: height, previous hash, nonce, zero bits, winner, found at, time to mine, data length, data" % h, lines(body)]
    open(path, "w").write("\n".join(out) + "\n")
write(sys.argv[1] + "/chain-v3-golden.hex", 3)

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization
def key(name):
    k = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(("minepool golden " + name).encode()).digest())
    return k, k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
def pad(name):
    b = name.encode(); return b + bytes(10 - len(b))
alice, alice_pub = key("alice")
n = b"N" + pad("alice") + alice_pub
n += alice.sign(b"minepool-name-v1" + n)
x = b"X" + pad("alice") + pad("żółw") + struct.pack(">QQ", 50_000_000, 1)
x += alice.sign(b"minepool-tx-v1" + x)
assert len(n) == 107 and len(x) == 101
prev = hashlib.sha256(b"minepool genesis block").digest()
v4 = []
for h, record in ((1, n), (2, x)):
    ts = 1_764_644_100_000 + h * 1000
    data = bytearray(prev + struct.pack(">IQQ", h, ts, 0)) + struct.pack(">H", 1) + record + bytes((h, h + 1))
    nonce = next(k for k in range(1 << 32) if lz(hashlib.sha256(bytes(data) + struct.pack(">I", k)).digest()) >= BITS)
    name = names[h].encode()
    body = struct.pack(">I", h) + prev + struct.pack(">IB", nonce, BITS) + name + bytes(10 - len(name)) \
        + struct.pack(">qqH", ts + 1500, 1500 * h, len(data)) + bytes(data)
    v4.append((h, body))
    prev = hashlib.sha256(bytes(data) + struct.pack(">I", nonce)).digest()
    print("v4 block", h, "nonce", hex(nonce), "hash", prev.hex(), "txid", hashlib.sha256(record).hexdigest())
rule = struct.pack(">BBIII", 2, BITS, 1000, 4000, 1)
head = b"MPCH" + struct.pack(">HHHH", 4, 12 + 4 + len(rule) + 4 + 4, 1, len(rule)) + rule + struct.pack(">HHI", 2, 4, 1)
head += struct.pack(">I", crc(head))
out = ["# chain file, format version 4: 2 blocks at %d zero bits whose job data carries a transaction region" % BITS,
       "# block 1 (won by alice): N, alice registers her key; block 2 (won by żółw): X, alice sends żółw 0.5 coin, nonce 1",
       "# made by an encoder independent of ChainFile (make_goldens.py; see ChainFormatTest); whitespace and # comments are ignored",
       "# file header: \"MPCH\", version 4, header length 38; field 0x0001 of 14 bytes, the difficulty rule: retarget (2),",
       "# start 8 bits, target 1000 ms, tau 4000 ms, first height 1; field 0x0002 of 4 bytes, transactions from block 1;",
       "# CRC32 of bytes 0..33", lines(head)]
for h, body in v4:
    rh = struct.pack(">II", len(body), crc(body))
    rh += struct.pack(">I", crc(rh))
    out += ["# record %d header: body length %d, CRC32 of the body, CRC32 of the 8 bytes before" % (h, len(body)), lines(rh),
            "# record %d body: height, previous hash, nonce, zero bits, winner, found at, time to mine, data length, data" % h,
            "# (data: block header, then the region: count 1, one %s record, then 2 bytes of filler)" % ("N" if h == 1 else "X"),
            lines(body)]
open(sys.argv[1] + "/chain-v4-golden.hex", "w").write("\n".join(out) + "\n")
write(sys.argv[1] + "/chain-v2-golden.hex", 2)
write(sys.argv[1] + "/chain-v1-golden.hex", 1)
