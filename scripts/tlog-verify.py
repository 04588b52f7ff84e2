#!/usr/bin/env python3
"""Check Sheratan audit-log checkpoints and proofs offline, with the log's verifier key alone.

An implementation independent of the Java one (Python standard library only, Ed25519 verification
as in RFC 8032 section 6), written from the public specifications: c2sp.org/signed-note,
c2sp.org/tlog-checkpoint, c2sp.org/tlog-proof, c2sp.org/tlog-cosignature (cosignature/v1) and RFC 9162
sections 2.1.3.2 and 2.1.4.2. With --witness VKEY (repeatable), a checkpoint also needs the cosignatures
of --witnesses-required of those witnesses (default: all given).

  tlog-verify.py checkpoint NOTE --key VKEY [--witness WKEY ... [--witnesses-required N]]
  tlog-verify.py proof FILE --key VKEY           (a tlog-proof, or the JSON of GET /results/{job_id}/proof)
  tlog-verify.py consistency OLD NEW PROOF --key VKEY

Exit 0 when it holds, 1 when it does not, 2 for unreadable input.
"""
import argparse
import base64
import hashlib
import json
import re
import sys

# ---------------------------------------------------------------- Ed25519 (RFC 8032 section 6)

P = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P)
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


_GY = 4 * pow(5, P - 2, P) % P
_GX = _recover_x(_GY, 0)
BASE = (_GX, _GY, 1, _GX * _GY % P)


def _add(p1, p2):
    a = (p1[1] - p1[0]) * (p2[1] - p2[0]) % P
    b = (p1[1] + p1[0]) * (p2[1] + p2[0]) % P
    c = 2 * p1[3] * p2[3] * D % P
    d = 2 * p1[2] * p2[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f, g * h, f * g, e * h)


def _mul(s, point):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _add(q, point)
        point = _add(point, point)
        s >>= 1
    return q


def _equal(p1, p2):
    return (p1[0] * p2[2] - p2[0] * p1[2]) % P == 0 and (p1[1] * p2[2] - p2[1] * p1[2]) % P == 0


def _decompress(s):
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % P)


def ed25519_verify(public, message, signature):
    if len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    return _equal(_mul(s, BASE), _add(r, _mul(h, a)))


# ---------------------------------------------------------------- signed notes and checkpoints


class Invalid(Exception):
    pass


def parse_key(vkey, alg=1):
    """A verifier key <name>+<8 hex key ID>+<base64(alg || key)>: alg 0x01 a log key, 0x04 a witness (cosignature/v1)."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
        raise Invalid("a verifier key is <name>+<8 hex>+<base64>")
    name, key_id, blob = parts[0], int(parts[1], 16), base64.b64decode(parts[2], validate=True)
    if len(blob) != 33 or blob[0] != alg:
        raise Invalid("not an Ed25519 %s key (type 0x%02x): %s" % ("witness" if alg == 4 else "log", alg, parts[0]))
    computed = hashlib.sha256(name.encode() + b"\n" + blob).digest()[:4]
    if int.from_bytes(computed, "big") != key_id:
        raise Invalid("the key ID does not match the name and key")
    return name, key_id, blob[1:]


def note_parts(note):
    """Text and signature lines of a signed note, each line checked for its form (as the Java side does)."""
    if "\r" in note:
        raise Invalid("the note holds a carriage return")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise Invalid("not a signed note")
    text, lines = note[: split + 1], note[split + 2:].rstrip("\n").split("\n")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise Invalid("the note's text holds control characters")
    signatures = []
    for line in lines:
        if not line.startswith("\u2014 "):
            raise Invalid("a signature line does not start with the em dash and a space")
        parts = line[2:].split(" ")
        if len(parts) != 2 or not parts[0]:
            raise Invalid("a signature line is '\u2014 <name> <base64>'")
        blob = base64.b64decode(parts[1], validate=True)
        if len(blob) < 5:
            raise Invalid("a signature of %s is too short" % parts[0])
        signatures.append((parts[0], int.from_bytes(blob[:4], "big"), blob[4:]))
    return text, signatures


def cosigned_by(note, witness):
    """The time of the witness's cosignature/v1 on the note (c2sp.org/tlog-cosignature), or None: also when a
    line with its name and key ID does not verify (signed-note: such a note was altered)."""
    name, key_id, public = witness
    text, signatures = note_parts(note)
    verified = None
    for signer, kid, sig in signatures:
        if signer == name and kid == key_id:
            if len(sig) != 8 + 64:
                return None
            time = int.from_bytes(sig[:8], "big")
            message = b"cosignature/v1\ntime " + str(time).encode() + b"\n" + text.encode()
            if time >= 2 ** 63 or not ed25519_verify(public, message, sig[8:]):
                return None
            verified = time if verified is None else max(verified, time)
    return verified


def check_cosignatures(note, witnesses, required):
    names, keys = [w[0] for w in witnesses], [w[2] for w in witnesses]
    if len(set(names)) != len(names) or len(set(keys)) != len(keys):
        raise Invalid("a witness is given twice (same name or same public key): each witness counts once")
    cosigned = [w[0] for w in witnesses if cosigned_by(note, w) is not None]
    if len(cosigned) < required:
        missing = [w[0] for w in witnesses if w[0] not in cosigned]
        raise Invalid("the checkpoint carries %d valid cosignature(s) of the %d witness(es) given, %d required; missing: %s"
                      % (len(cosigned), len(witnesses), required, ", ".join(missing)))
    return cosigned


def open_checkpoint(note, key, witnesses=(), required=0):
    if witnesses or required:
        check_cosignatures(note, witnesses, required)
    name, key_id, public = key
    text, signatures = note_parts(note)
    verified = False
    for signer, kid, sig in signatures:
        if signer == name and kid == key_id:
            # every line of the log's key must verify (signed-note): one that does not means the note was altered
            if len(sig) != 64 or not ed25519_verify(public, text.encode(), sig):
                raise Invalid("the signature does not verify")
            verified = True
    if not verified:
        raise Invalid("no signature by " + name)
    lines = text.split("\n")
    if lines[0] != name:
        raise Invalid("the origin is not the key's name")
    if not re.fullmatch(r"0|[1-9][0-9]*", lines[1]):
        raise Invalid("bad tree size")
    root = base64.b64decode(lines[2], validate=True)
    if len(root) != 32:
        raise Invalid("bad root hash")
    return int(lines[1]), root


# ---------------------------------------------------------------- RFC 9162 proofs


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index, size, leaf, path, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(size1, size2, root1, root2, path):
    if size1 > size2:
        return False
    if size1 == size2:
        return not path and root1 == root2
    if size1 == 0:
        return not path
    if not path:
        return False
    if size1 & (size1 - 1) == 0:
        path = [root1] + path
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2


def check_proof(text, key, witnesses=(), required=0):
    entry = None
    result = None
    if text.lstrip().startswith("{"):
        bundle = json.loads(text)
        result, entry, text = bundle["result"], bundle["entry"].encode(), bundle["proof"]
    head, _, note = text.partition("\n\n")
    lines = head.split("\n")
    if lines[0] != "c2sp.org/tlog-proof@v1":
        raise Invalid("not a c2sp.org/tlog-proof@v1")
    i = 1
    if lines[i].startswith("extra "):
        extra = base64.b64decode(lines[i][6:], validate=True)
        entry = entry if entry is not None else extra
        i += 1
    if not re.fullmatch(r"index (0|[1-9][0-9]*)", lines[i]):
        raise Invalid("no index line")
    index = int(lines[i][6:])
    path = [base64.b64decode(h, validate=True) for h in lines[i + 1:]]
    size, root = open_checkpoint(note, key, witnesses, required)
    if entry is None:
        raise Invalid("no entry to check")
    if not verify_inclusion(index, size, leaf_hash(entry), path, root):
        raise Invalid("the inclusion proof does not bind the entry to the signed root")
    if result is not None:
        logged = json.loads(entry)
        if logged.get("job_id") != result.get("job_id") or logged.get("sha256") != result.get("sha256"):
            raise Invalid("the logged entry names another result")
    return "entry %d is in the log of size %d" % (index, size)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["checkpoint", "proof", "consistency"])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--key", required=True, help="the log's verifier key")
    parser.add_argument("--witness", action="append", default=[], metavar="VKEY",
                        help="a witness's verifier key (<name>+<id>+<base64(0x04||key)>); repeatable")
    parser.add_argument("--witnesses-required", type=int, default=None, metavar="N",
                        help="how many of the --witness keys must have cosigned (default: all given)")
    args = parser.parse_args()
    try:
        key = parse_key(args.key)
        witnesses = [parse_key(w, 4) for w in args.witness]
        if len({w[0] for w in witnesses}) != len(witnesses) or len({w[2] for w in witnesses}) != len(witnesses):
            raise Invalid("a witness is given twice (same name or same public key): each witness counts once")
        required = len(witnesses) if args.witnesses_required is None else args.witnesses_required
        if required < 0 or required > len(witnesses):
            raise Invalid("--witnesses-required %d: give between 0 and the %d --witness keys" % (required, len(witnesses)))
        texts = []
        for name in args.files:
            with open(name, encoding="utf-8", newline="") as f:
                texts.append(f.read())
    except (Invalid, OSError, ValueError) as e:
        print("tlog-verify: " + str(e), file=sys.stderr)
        return 2
    try:
        if args.what == "checkpoint":
            size, root = open_checkpoint(texts[0], key, witnesses, required)
            cosigners = check_cosignatures(texts[0], witnesses, 0) if witnesses else []
            print("holds: checkpoint of %d entries, root %s%s" % (size, base64.b64encode(root).decode(),
                                                                 ", cosigned by %d of the %d witness(es) given" % (len(cosigners), len(witnesses))
                                                                 if witnesses else ""))
        elif args.what == "proof":
            print("holds: " + check_proof(texts[0], key, witnesses, required))
        else:
            if len(texts) != 3:
                print("tlog-verify: consistency OLD NEW PROOF", file=sys.stderr)
                return 2
            size1, root1 = open_checkpoint(texts[0], key)
            size2, root2 = open_checkpoint(texts[1], key, witnesses, required)
            path = [base64.b64decode(line, validate=True) for line in texts[2].split("\n") if line.strip()]
            if not verify_consistency(size1, size2, root1, root2, path):
                raise Invalid("the tree of %d entries is not shown to extend the tree of %d" % (size2, size1))
            print("holds: the tree of %d entries extends the tree of %d" % (size2, size1))
        return 0
    except (Invalid, ValueError, KeyError, IndexError) as e:
        print("DOES NOT HOLD: " + str(e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
