"""The Python client against the repository's conformance data (run: python3 -m unittest discover clients/python).

Every vector of conformance/strict/canon.json, conformance/v2/envelopes.json, the RFC 8785 reference
vectors and the 100,000 ES6 numbers. A file that is missing is a failure, never a skip."""

import base64
import gzip
import hashlib
import json
import math
import os
import random
import struct
import unittest

import sheratan_client as sc

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONFORMANCE = os.path.join(ROOT, "conformance")


def vector_bytes(v, prefix):
    if prefix + "_hex" in v:
        return bytes.fromhex(v[prefix + "_hex"])
    if prefix + "_text" in v:
        return v[prefix + "_text"].encode("utf-8", "surrogatepass")
    if prefix == "input":
        return v["input"].encode("utf-8", "surrogatepass")
    return json.dumps(v[prefix], ensure_ascii=False).encode("utf-8")


class StrictProfile(unittest.TestCase):

    def test_canon_vectors(self):
        with open(os.path.join(CONFORMANCE, "strict", "canon.json"), encoding="utf-8") as f:
            vectors = json.load(f)["vectors"]
        self.assertGreaterEqual(len(vectors), 50)
        for v in vectors:
            with self.subTest(v["name"]):
                limits = sc.limits_from_env(v.get("env", {}))
                data = vector_bytes(v, "input")
                if "expected" in v:
                    self.assertEqual(sc.canonicalize(data, limits), v["expected"].encode("utf-8"))
                else:
                    with self.assertRaises(sc.StrictJsonError) as caught:
                        sc.canonicalize(data, limits)
                    self.assertEqual(caught.exception.rule, v["error"])

    def test_rfc8785_reference_vectors(self):
        folder = os.path.join(CONFORMANCE, "vectors", "jcs")
        names = sorted(os.listdir(os.path.join(folder, "input")))
        self.assertEqual(len(names), 6)
        for name in names:
            with self.subTest(name):
                with open(os.path.join(folder, "input", name), "rb") as f:
                    data = f.read()
                with open(os.path.join(folder, "output", name), "rb") as f:
                    expected = f.read()
                self.assertEqual(sc.canonicalize(data), expected)

    def test_es6_numbers(self):
        path = os.path.join(CONFORMANCE, "vectors", "jcs", "es6-numbers-100k.txt.gz")
        count = 0
        with gzip.open(path, "rt", encoding="ascii") as f:
            for line in f:
                hex_bits, expected = line.rstrip("\n").split(",")
                value = struct.unpack(">d", bytes.fromhex(hex_bits.rjust(16, "0")))[0]
                if value != value or value in (float("inf"), float("-inf")):
                    continue
                self.assertEqual(sc.es6_number(value), expected, hex_bits)
                # and through the parser: the expected text reads back to itself (the fixed point, DESIGN 3.5),
                # integer forms of 2^53 and above too, although they are not the double's exact value
                self.assertEqual(sc.canonicalize(expected.encode()), expected.encode(), hex_bits)
                count += 1
        self.assertGreater(count, 99_000)


def random_double(rng):
    """A finite double from 64 random bits."""
    while True:
        value = struct.unpack(">d", rng.getrandbits(64).to_bytes(8, "big"))[0]
        if math.isfinite(value):
            return value


def some_double(rng):
    """Random bits, or an integer near a power of two (2^52..2^70) or of ten (10^15..10^22), where ES6 writes zeros."""
    kind = rng.randrange(3)
    if kind == 0:
        return random_double(rng)
    base = 2 ** rng.randrange(52, 71) if kind == 1 else 10 ** rng.randrange(15, 23)
    return rng.choice((1, -1)) * float(base + rng.randrange(-1000, 1001))


def integer_literal(rng):
    """1 to 400 digits; half of them near a power of two or of ten, where rewriting happens."""
    kind = rng.randrange(4)
    if kind == 0:
        return str(max(1, 2 ** rng.randrange(50, 80) + rng.randrange(-1000, 1001)))
    if kind == 1:
        return str(10 ** rng.randrange(14, 24) + rng.randrange(-1000, 1001))
    if kind == 2:  # what ES6 prints for a random double in the integer range below 10^21: always accepted
        return sc.es6_number(float(math.floor(math.ldexp(rng.random(), 53 + rng.randrange(16)))))
    return str(rng.randrange(1, 10)) + "".join(rng.choice("0123456789") for _ in range(rng.randrange(400)))


def es6_of_literal(literal):
    value = float(literal)
    return sc.es6_number(value) if math.isfinite(value) else "Infinity"


STRINGS = ('"x"', '"h\\u00e9llo \\u2603"', '"\\ud83d\\ude00"', '"a\\/b\\n"', '""')


def document(rng, depth=0):
    """A small JSON text: objects, arrays, literals, strings and numbers of every form, with some whitespace."""
    kind = 3 + rng.randrange(4) if depth > 3 else rng.randrange(7)
    ws = rng.choice(("", "", " ", "\n "))
    if kind == 0:
        members = ['"%s%d"%s:%s' % (rng.choice("abcde"), i, ws, document(rng, depth + 1)) for i in range(rng.randrange(4))]
        return "{" + ("," + ws).join(members) + "}"
    if kind == 1:
        return "[" + ws + ("," + ws).join(document(rng, depth + 1) for _ in range(rng.randrange(4))) + "]"
    if kind == 2:
        return rng.choice(("true", "false", "null"))
    if kind == 3:
        return rng.choice(STRINGS)
    if kind == 4:
        return rng.choice(("", "-")) + integer_literal(rng)
    if kind == 5:
        return repr(some_double(rng))
    return "%d.%de%d" % (rng.randrange(-1000, 1000), rng.randrange(1000), rng.randrange(-40, 40))


class FixedPoint(unittest.TestCase):
    """DESIGN 3.5: the canonical form of every accepted document is accepted and canonicalizes to itself
    (the properties of the Java FixedPointTest, from fixed seeds)."""

    def assert_fixed_point(self, accepted, limits=None):
        once = sc.canonicalize(accepted, limits)
        self.assertEqual(sc.canonicalize(once, limits), once, accepted)

    def test_every_finite_double_in_es6_form_canonicalizes_to_itself(self):
        rng = random.Random(1)
        for value in (some_double(rng) for _ in range(20000)):
            es6 = sc.es6_number(value).encode()
            self.assertEqual(sc.canonicalize(es6), es6, repr(value))
            self.assert_fixed_point(repr(value))

    def test_an_integer_literal_is_accepted_exactly_when_es6_prints_its_double_as_it_is(self):
        rng = random.Random(2)
        accepted = refused = 0
        for _ in range(20000):
            literal = rng.choice(("", "-")) + integer_literal(rng)
            try:
                out = sc.canonicalize(literal)
            except sc.StrictJsonError as e:
                self.assertIn(e.rule, ("inexact_integer", "number_overflow"), literal)
                self.assertNotEqual(es6_of_literal(literal), literal)
                refused += 1
                continue
            self.assertEqual(out.decode(), literal)
            self.assertEqual(es6_of_literal(literal), literal)
            self.assertEqual(sc.canonicalize(out), out)
            accepted += 1
        self.assertGreater(accepted, 1000)
        self.assertGreater(refused, 1000)

    def test_every_accepted_document_canonicalizes_to_a_fixed_point_under_its_limit(self):
        rng = random.Random(3)
        accepted = too_large = 0
        for _ in range(5000):
            doc = document(rng)
            limits = sc.Limits(rng.choice((sc.DEFAULT_MAX_BYTES, 256, 64)))
            try:
                sc.canonicalize(doc, limits)
            except sc.StrictJsonError as e:
                too_large += e.rule == "too_large"
                continue
            self.assert_fixed_point(doc, limits)
            accepted += 1
        self.assertGreater(accepted, 2000)
        self.assertGreater(too_large, 0)


class Envelopes(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(CONFORMANCE, "v2", "envelopes.json"), encoding="utf-8") as f:
            cls.doc = json.load(f)
        cls.keyring = sc.Keyring.parse(json.dumps(cls.doc["keyring"]).encode())
        cls.seed = bytes.fromhex(cls.doc["ed25519_seed_hex"])
        cls.secret = cls.doc["hmac_secret_ascii"].encode("ascii")

    def verdicts(self):
        seen = set()
        for v in self.doc["vectors"]:
            with self.subTest(v["name"]):
                env = dict(v.get("env", {}))
                env.setdefault("SHERATAN_KEYRING_FILE", "(the file's keyring)")
                policy = sc.Policy(env)
                data = vector_bytes(v, "envelope")
                expected = v["expected"]
                seen.add(expected)
                if expected == "malformed":
                    with self.assertRaises(sc.MalformedEnvelope):
                        sc.read_envelope(data, policy.limits)
                    continue
                envelope = sc.read_envelope(data, policy.limits)
                outcome, reason = sc.verify_envelope(envelope, policy, self.keyring, v["t"])
                if expected == "verified":
                    self.assertIn(outcome, ("verified", "accepted_unmarked"))
                    if "core" in v:
                        self.assertEqual(envelope.core_bytes().decode("utf-8"), v["core"])
                        self.assertEqual(envelope.core_sha256(), v["sha256"])
                    if "pae" in v:
                        self.assertEqual(sc.pae(envelope.core_bytes()).decode("utf-8"), v["pae"])
                    self.reproduce(envelope)
                else:
                    self.assertEqual((outcome, reason), ("rejected", expected))
        return seen

    def reproduce(self, envelope):
        """A valid vector's mark is what our own signer writes for the same core."""
        mark = envelope.mark
        if mark is None or mark.empty() or mark.mode is None:
            return
        kwargs = {"mode": mark.mode, "version": mark.version, "key_id": mark.key_id, "hmac_key": self.secret,
                  "ed25519_seed": self.seed, "claims": envelope.claims}
        signed = sc.sign_envelope(envelope, **kwargs)
        self.assertEqual(signed.mark.sha256, mark.sha256)
        if mark.sig is not None:
            self.assertEqual(signed.mark.sig, mark.sig)

    def test_every_vector_with_the_installed_ed25519(self):
        seen = self.verdicts()
        self.assertTrue(set(sc.REASONS) | {"verified"} <= seen, seen)
        self.assertGreaterEqual(len(self.doc["vectors"]), 80)

    def test_every_vector_with_the_pure_python_ed25519(self):
        os.environ["SHERATAN_CLIENT_PURE_ED25519"] = "1"
        try:
            self.verdicts()
        finally:
            del os.environ["SHERATAN_CLIENT_PURE_ED25519"]

    def test_every_signer_signs_what_the_verifier_verifies_for_random_results(self):
        rng = random.Random(4)
        t = 1795924800000
        policy = sc.Policy({"SHERATAN_KEYRING_FILE": "(the file's keyring)"})
        claims = {"node_id": "worker-7", "issued_at": t, "aud": "sheratan"}
        signers = [{"mode": "sha256", "version": 1}, {"mode": "sha256", "version": 2},
                   {"mode": "hmac", "version": 1, "key_id": "hmac/2026-11"}, {"mode": "hmac", "version": 2, "key_id": "hmac/2026-11"},
                   {"mode": "ed25519", "version": 2, "key_id": "worker-7/2026-11"}]
        signed = 0
        for i in range(300):
            result = document(rng)
            try:
                envelope = sc.read_envelope('{"job_id":"job-%d","ok":true,"result":%s}' % (i, result), policy.limits)
            except sc.MalformedEnvelope:
                continue  # the signer refuses it too: nothing is signed that the verifier would call malformed
            for signer in signers:
                marked = sc.sign_envelope(envelope, hmac_key=self.secret, ed25519_seed=self.seed, claims=claims, **signer)
                back = sc.read_envelope(marked.to_json(), policy.limits)
                self.assertEqual(sc.verify_envelope(back, policy, self.keyring, t), ("verified", None), (signer, result))
                signed += 1
        self.assertGreater(signed, 500)

    def test_public_key_from_the_seed(self):
        self.assertEqual(sc._Ed.public_key(self.seed).hex(), self.doc["ed25519_public_hex"])

    def test_keyring_refuses_small_order_and_short_secrets(self):
        small = base64.b64encode(bytes(32)).decode()  # y = 0: a point of order 4
        with self.assertRaises(sc.KeyringError):
            sc.Keyring.parse(json.dumps({"keys": [{"key_id": "k", "alg": "ed25519", "public_key": small}]}).encode())
        one = base64.b64encode(bytes([1]) + bytes(31)).decode()  # the identity
        with self.assertRaises(sc.KeyringError):
            sc.Keyring.parse(json.dumps({"keys": [{"key_id": "k", "alg": "ed25519", "public_key": one}]}).encode())
        with self.assertRaises(sc.KeyringError):
            sc.Keyring.parse(json.dumps({"keys": [{"key_id": "k", "alg": "hmac-sha256",
                                                   "secret": base64.b64encode(b"x" * 31).decode()}]}).encode())
        with self.assertRaises(sc.KeyringError):
            sc.Keyring.parse(b'{"keys":[{"key_id":"k","alg":"hmac-sha256","secret":"' + base64.b64encode(b"x" * 32)
                             + b'"},{"key_id":"k","alg":"hmac-sha256","secret":"' + base64.b64encode(b"y" * 32) + b'"}]}')

    def test_wycheproof_ed25519(self):
        with open(os.path.join(CONFORMANCE, "vectors", "ed25519", "wycheproof_ed25519_test.json"), encoding="utf-8") as f:
            doc = json.load(f)
        checked = 0
        for group in doc["testGroups"]:
            public = bytes.fromhex(group["publicKey"]["pk"])
            for case in group["tests"]:
                msg, sig = bytes.fromhex(case["msg"]), bytes.fromhex(case["sig"])
                for pure in ("1", "0"):
                    os.environ["SHERATAN_CLIENT_PURE_ED25519"] = pure
                    with self.subTest(case["tcId"], pure=pure):
                        self.assertEqual(sc.ed25519_verify(public, msg, sig), case["result"] == "valid")
                checked += 1
        del os.environ["SHERATAN_CLIENT_PURE_ED25519"]
        self.assertGreater(checked, 100)


if __name__ == "__main__":
    unittest.main()
