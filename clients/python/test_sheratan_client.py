"""The Python client against the repository's conformance data (run: python3 -m unittest discover clients/python).

Every vector of conformance/strict/canon.json, conformance/v2/envelopes.json, the RFC 8785 reference
vectors and the 100,000 ES6 numbers. A file that is missing is a failure, never a skip."""

import base64
import gzip
import hashlib
import json
import os
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
                # and through the parser: the expected text reads back to the same output, except integer
                # forms of 2^53 and above, which the strict profile refuses as inexact (they are not the double's value)
                if "." in expected or "e" in expected or abs(value) < 2 ** 53:
                    self.assertEqual(sc.canonicalize(expected.encode()), expected.encode(), hex_bits)
                count += 1
        self.assertGreater(count, 99_000)


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
