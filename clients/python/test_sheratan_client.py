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


def zigzag(value, bits=64):
    """Avro's encoding of an int or long: zig-zag, then 7 bits a byte, least significant first."""
    raw = ((value << 1) ^ (value >> (bits - 1))) & ((1 << bits) - 1)
    out = bytearray()
    while raw >= 0x80:
        out.append(raw & 0x7F | 0x80)
        raw >>= 7
    out.append(raw)
    return bytes(out)


class StrictVarints(unittest.TestCase):
    """Varints read one way in every implementation (the cases of Java's StrictBinaryTest)."""

    def check(self, schema, hex_text):
        sc.strict_avro_check(schema, bytes.fromhex(hex_text), 0)

    def test_every_varint_avro_writes_at_the_limits_is_accepted(self):
        for v in (0, 1, -1, 63, -64, 64, 2 ** 31 - 1, -2 ** 31, 2 ** 63 - 1, -2 ** 63):
            with self.subTest(v):
                self.check("long", zigzag(v).hex())
                self.assertEqual(sc._AvroBytes(zigzag(v), 0).long(), v)
        self.assertEqual(zigzag(-2 ** 63).hex(), "ffffffffffffffffff01")
        self.check("int", "ffffffff0f")  # -2^31: 5 bytes, top bits 1111
        self.assertEqual(sc._AvroBytes(bytes.fromhex("ffffffff0f"), 0).int(), -2 ** 31)
        self.check("int", "00")

    def test_a_boolean_byte_other_than_00_or_01_is_refused(self):
        # Java's Avro reads 0x02 as false, avsc as true: every implementation refuses it (StrictBinary)
        sc.strict_avro_check("boolean", b"\x00", 0)
        sc.strict_avro_check("boolean", b"\x01", 0)
        with self.assertRaisesRegex(ValueError, "boolean"):
            sc.strict_avro_check("boolean", b"\x02", 0)

    def test_overlong_and_ambiguous_varints_are_refused(self):
        refused = [("80808080808080808002", "long", "more than 64 bits"),  # Java 0, Python 2^63, JavaScript NaN
                   ("ffffffffffffffffff03", "long", "more than 64 bits"),
                   ("8080808080808080808000", "long", "more than 64 bits"),  # 11 bytes
                   ("8000", "long", "shortest form"),
                   ("ff00", "long", "shortest form"),
                   ("0180", "long", "trailing bytes"),
                   ("80", "long", "runs past the data"),
                   ("ffffffff1f", "int", "more than 32 bits"),
                   ("808080808000", "int", "more than 32 bits"),
                   ("8100", "int", "shortest form")]
        for hex_text, schema, message in refused:
            with self.subTest(hex_text):
                with self.assertRaises(ValueError) as caught:
                    self.check(schema, hex_text)
                self.assertIn(message, str(caught.exception))

    def test_the_conformance_vectors_that_avro_itself_reads_are_malformed(self):
        with open(os.path.join(CONFORMANCE, "v2", "envelopes.json"), encoding="utf-8") as f:
            vectors = [v for v in json.load(f)["vectors"] if "overlong varint" in v["name"]]
        self.assertEqual(len(vectors), 5)
        for v in vectors:
            with self.subTest(v["name"]):
                with self.assertRaises(sc.MalformedEnvelope) as caught:
                    sc.read_envelope(bytes.fromhex(v["envelope_hex"]))
                self.assertIn("overlong varint", str(caught.exception))

    def test_a_v1_envelope_keeps_whatever_long_it_carries_in_issued_at(self):
        # as the verifier: a version 1 mark does not read the claims, so -2^63 there is no reason to refuse the record
        with open(os.path.join(CONFORMANCE, "v2", "envelopes.json"), encoding="utf-8") as f:
            v = next(v for v in json.load(f)["vectors"] if v["name"] == "avro: v1 sha256")
        data = bytes.fromhex(v["envelope_hex"])
        self.assertEqual(data[-3:], b"\x00\x00\x00")  # node_id, issued_at, aud: null
        data = data[:-2] + b"\x02" + zigzag(-2 ** 63) + b"\x00"
        envelope = sc.read_envelope(data)
        self.assertEqual(sc.verify_envelope(envelope, sc.Policy({}), sc.Keyring({}), v["t"]), ("verified", None))


def single_object(schema_json, datum):
    """C3 01, the 8-byte little-endian CRC-64-AVRO fingerprint, the body written by python3-avro."""
    import datetime
    import io
    import avro.io
    import avro.schema
    datum = dict(datum, verified_at=datetime.datetime.fromtimestamp(datum["verified_at"] / 1000, datetime.timezone.utc))
    out = io.BytesIO()
    avro.io.DatumWriter(avro.schema.parse(json.dumps(schema_json))).write(datum, avro.io.BinaryEncoder(out))
    return b"\xc3\x01" + sc.avro_fingerprint(sc.parsing_canonical_form(schema_json)) + out.getvalue()


class VerifiedResults(unittest.TestCase):
    """The consume path: VerifiedResult records of every schema version, as the services decode them."""

    HISTORY = os.path.join(ROOT, "schemas", "src", "main", "resources", "avro-history")
    RECORD = {"job_id": "job-1", "ok": True, "result": '{"v":1}', "error": None, "sha256": "ab" * 32, "mode": "hmac",
              "key_id": "hmac/2026-11", "node_id": "worker-7", "verified_at": 1795924800000, "source_partition": 3,
              "source_offset": 42}

    def schema(self, name):
        with open(os.path.join(self.HISTORY, name), encoding="utf-8") as f:
            return json.load(f)

    def test_a_record_of_the_old_schema_reads_with_the_defaults(self):
        old = self.schema("VerifiedResult-v1.avsc")
        self.assertNotIn("canonical_version", [f["name"] for f in old["fields"]])
        value = sc.AvroReader().decode(single_object(old, dict(self.RECORD)))
        self.assertEqual((value["canonical_version"], value["node_attested"]), (0, False))
        self.assertEqual((value["job_id"], value["source_offset"]), ("job-1", 42))

    def test_a_record_of_the_current_schema_reads_back_both_fields(self):
        record = dict(self.RECORD, canonical_version=2, node_attested=True)
        value = sc.AvroReader().decode(single_object(self.schema("VerifiedResult-v2.avsc"), record))
        self.assertEqual((value["canonical_version"], value["node_attested"]), (2, True))
        # and what consume prints
        printed = json.loads(json.dumps(value, default=sc._plain))
        self.assertEqual((printed["canonical_version"], printed["node_attested"], printed["verified_at"]), (2, True, 1795924800000))

    def test_an_overlong_varint_is_refused_in_a_verified_result_too(self):
        data = single_object(self.schema("VerifiedResult-v2.avsc"), dict(self.RECORD, canonical_version=0, node_attested=False))
        self.assertEqual(data[-2:], b"\x00\x00")  # canonical_version 0, node_attested false
        with self.assertRaises(ValueError) as caught:
            sc.AvroReader().decode(data[:-2] + b"\x80\x00\x00")
        self.assertIn("overlong varint", str(caught.exception))

    def test_the_json_form_written_before_the_fields_gets_the_same_defaults(self):
        self.assertEqual(sc.verified_defaults({"job_id": "j"}), {"job_id": "j", "canonical_version": 0, "node_attested": False})
        self.assertEqual(sc.verified_defaults({"canonical_version": 2, "node_attested": True}), {"canonical_version": 2, "node_attested": True})


def hmac_entry(key_id, **window):
    return dict({"key_id": key_id, "alg": "hmac-sha256", "secret": base64.b64encode(key_id.encode().ljust(32, b"x")).decode()}, **window)


class KeyringFiles(unittest.TestCase):
    """Keyring parsing as Keyring.java: one document, regular files only, at most 8 unbound hmac keys at once."""

    def setUp(self):
        import tempfile
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def path(self, name, data=None):
        p = os.path.join(self.dir.name, name)
        if data is not None:
            with open(p, "wb") as f:
                f.write(data)
        return p

    def refused(self, data, message=""):
        with self.assertRaises(sc.KeyringError) as caught:
            sc.Keyring.parse(data)
        self.assertIn(message, str(caught.exception))
        return str(caught.exception)

    def test_exactly_one_json_document(self):
        sc.Keyring.parse(b'{"keys":[],"tokens":[]}\n  ')
        self.refused(b'{"keys":[],"tokens":[]} <<<<<<< HEAD', "not one JSON document")
        self.refused(b'{"keys":[],"tokens":[]}{"keys":[]}', "not one JSON document")
        for keys in (b"null", b"{}", b"0", b'""', b"false"):
            self.refused(b'{"keys":' + keys + b"}", '"keys" must be an array')
        self.refused(b'{"tokens":null}', '"tokens" must be an array')

    def without_waiting(self, fifo, run):
        """run() in a thread; a failure, not a hang, when it waits on the FIFO (a writer is opened to release it)."""
        import threading
        outcome = []
        thread = threading.Thread(target=lambda: outcome.append(run()), daemon=True)
        thread.start()
        thread.join(10)
        if thread.is_alive():
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            thread.join(10)
            self.fail("it waited on the FIFO")
        return outcome[0]

    def test_only_a_regular_file_of_at_most_1_mib(self):
        fifo = self.path("fifo")
        os.mkfifo(fifo)

        def read():
            try:
                return sc.Keyring.read_file(fifo)
            except sc.KeyringError as e:
                return str(e)

        self.assertIn("not a regular file", self.without_waiting(fifo, read))
        with self.assertRaises(sc.KeyringError) as caught:
            sc.Keyring.read_file(self.dir.name)
        self.assertIn("a directory", str(caught.exception))
        self.assertEqual(len(sc.Keyring.read_file(self.path("max", b" " * 1048576))), 1048576)
        with self.assertRaises(sc.KeyringError) as caught:
            sc.Keyring.read_file(self.path("big", b" " * 1048577))
        self.assertIn("larger than 1048576 bytes", str(caught.exception))
        ring = self.path("ring.json", json.dumps({"keys": [hmac_entry("k")]}).encode())
        os.symlink(ring, self.path("link"))  # as Kubernetes mounts them
        self.assertIn("k", sc.Keyring.read(self.path("link")).keys)
        with self.assertRaises(OSError):
            sc.Keyring.read_file(self.path("missing"))

    def test_a_file_that_changes_between_the_two_reads_is_refused(self):
        ring = self.path("ring.json", b'{"keys":[]}')
        reads = iter([b'{"keys":[]}', b'{"keys":[]} '])
        original = sc.Keyring._read_once
        sc.Keyring._read_once = staticmethod(lambda path: next(reads))
        try:
            with self.assertRaises(sc.KeyringError) as caught:
                sc.Keyring.read_file(ring)
        finally:
            sc.Keyring._read_once = original
        self.assertIn("changed while it was read", str(caught.exception))

    def test_verify_refuses_a_fifo_keyring_without_waiting(self):
        import contextlib
        import io
        fifo = self.path("fifo")
        os.mkfifo(fifo)
        envelope = self.path("e.json", b'{"job_id":"j","ok":true}')
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            self.assertEqual(self.without_waiting(fifo, lambda: sc.main(["verify", envelope, "--keyring", fifo])), 2)
        self.assertIn("not a regular file", err.getvalue())

    def test_at_most_8_hmac_keys_without_nodes_valid_at_once(self):
        eight = [hmac_entry("k%d" % i) for i in range(8)]
        sc.Keyring.parse(json.dumps({"keys": eight}).encode())
        message = self.refused(json.dumps({"keys": eight + [hmac_entry("k8")]}).encode())
        self.assertIn("hmac-sha256 keys without nodes are valid at the same time", message)
        self.assertIn("at most 8", message)
        self.assertNotIn("(from", message)
        # windows: [not_before, not_after), so a key ending at t and one starting at t are never valid together
        ending = [hmac_entry("k%d" % i, not_after=1000) for i in range(8)]
        sc.Keyring.parse(json.dumps({"keys": ending + [hmac_entry("late", not_before=1000)]}).encode())
        message = self.refused(json.dumps({"keys": ending + [hmac_entry("late", not_before=999)]}).encode(), "at most 8")
        self.assertIn("(from 999)", message)
        # keys bound to nodes and ed25519 keys are not tried for a v1 mark without key_id
        bound = dict(hmac_entry("bound"), nodes=["worker-7"])
        ed = {"key_id": "ed", "alg": "ed25519", "public_key": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="}
        sc.Keyring.parse(json.dumps({"keys": eight + [bound, ed]}).encode())

    def test_base64_and_times_as_java_reads_them(self):
        secret = base64.b64encode(b"s" * 32).decode()  # 44 characters, one '='
        for text in (secret, secret.rstrip("=")):
            ring = sc.Keyring.parse(json.dumps({"keys": [{"key_id": "k", "alg": "hmac-sha256", "secret": text}]}).encode())
            self.assertEqual(ring.keys["k"].secret, b"s" * 32)
        for text in (secret + "=", secret[:-1] + "==", secret + "A", secret[:4] + "=" + secret[4:], secret[:-1] + " "):
            self.refused(json.dumps({"keys": [{"key_id": "k", "alg": "hmac-sha256", "secret": text}]}).encode(), "not base64")
        # 10^20 is a double printed as itself, but no Java long
        self.refused(json.dumps({"keys": [hmac_entry("k", not_after=10 ** 20)]}).encode(), "milliseconds since the epoch")


class SignatureShape(unittest.TestCase):
    """A sig that is not exactly 64 (hmac) or 128 (ed25519) lowercase hex digits costs no HMAC and no Ed25519
    verification; it is sig_mismatch where the mismatch would be reported, after the key checks."""

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(CONFORMANCE, "v2", "envelopes.json"), encoding="utf-8") as f:
            doc = json.load(f)
        cls.keyring = sc.Keyring.parse(json.dumps(doc["keyring"]).encode())
        cls.seed = bytes.fromhex(doc["ed25519_seed_hex"])
        cls.secret = doc["hmac_secret_ascii"].encode("ascii")
        cls.policy = sc.Policy({"SHERATAN_KEYRING_FILE": "(the file's keyring)"})
        cls.t = 1795924800000
        cls.envelope = sc.read_envelope(b'{"job_id":"job-9","ok":true,"result":42}')

    def signed(self, mode, version, key_id, node="worker-7"):
        claims = {"node_id": node, "issued_at": self.t, "aud": "sheratan"}
        return sc.sign_envelope(self.envelope, mode, version, self.secret, key_id, self.seed, claims)

    def verdict(self, envelope, sig, keyring=None):
        envelope.mark.sig = sig
        calls = []
        hmac_hex, ed_verify = sc._hmac_hex, sc.ed25519_verify
        sc._hmac_hex = lambda *a: calls.append("hmac") or hmac_hex(*a)
        sc.ed25519_verify = lambda *a: calls.append("ed25519") or ed_verify(*a)
        try:
            return sc.verify_envelope(envelope, self.policy, keyring or self.keyring, self.t), calls
        finally:
            sc._hmac_hex, sc.ed25519_verify = hmac_hex, ed_verify

    def test_a_misshapen_sig_is_sig_mismatch_without_any_key_work(self):
        for mode, version, key_id in (("hmac", 1, None), ("hmac", 1, "hmac/2026-11"), ("hmac", 2, "hmac/2026-11"),
                                      ("ed25519", 2, "worker-7/2026-11")):
            envelope = self.signed(mode, version, key_id)
            sig = envelope.mark.sig
            self.assertEqual(self.verdict(envelope, sig), (("verified", None), [mode]))
            for bad in (None, "", sig[:-1], sig + "0", sig[:-1] + "g", sig[:-1] + " ") + ((sig.upper(),) if mode == "hmac" else ()):
                with self.subTest(mode=mode, version=version, key_id=key_id, sig=bad):
                    self.assertEqual(self.verdict(envelope, bad), (("rejected", "sig_mismatch"), []))

    def test_an_upper_case_ed25519_sig_verifies_as_it_always_did(self):
        envelope = self.signed("ed25519", 2, "worker-7/2026-11")
        self.assertEqual(self.verdict(envelope, envelope.mark.sig.upper())[0], ("verified", None))

    def test_the_key_checks_come_first(self):
        # a v1 mark without key_id and no hmac key valid at t: unknown_key, whatever the sig looks like
        no_hmac = sc.Keyring({k: v for k, v in self.keyring.keys.items() if v.alg != "hmac-sha256"})
        self.assertEqual(self.verdict(self.signed("hmac", 1, None), "zz", no_hmac)[0], ("rejected", "unknown_key"))
        self.assertEqual(self.verdict(self.signed("hmac", 2, "hmac/nope"), "zz")[0], ("rejected", "unknown_key"))
        self.assertEqual(self.verdict(self.signed("ed25519", 2, "retired/2025"), "zz")[0], ("rejected", "key_not_valid"))
        self.assertEqual(self.verdict(self.signed("ed25519", 2, "worker-7/2026-11", node="worker-8"), "zz")[0],
                         ("rejected", "node_mismatch"))


class PackagedSchemas(unittest.TestCase):
    """pip install ships sheratan_client_schemas/ (pyproject.toml): copies of the repository's schemas, byte for byte."""

    PACKAGED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sheratan_client_schemas")
    COPIES = (("avro", os.path.join(ROOT, "schemas", "src", "main", "avro")),
              (os.path.join("resources", "avro-history"), os.path.join(ROOT, "schemas", "src", "main", "resources", "avro-history")))

    def test_the_shipped_schemas_equal_the_repository_s(self):
        for shipped, original in self.COPIES:
            here = os.path.join(self.PACKAGED, shipped)
            names = sorted(os.listdir(original))
            self.assertTrue(names, original)
            self.assertEqual(sorted(n for n in os.listdir(here) if n != "__pycache__"), names,
                             "%s differs from %s: copy it again (cp %s/* %s/)" % (here, original, original, here))
            for name in names:
                with self.subTest(file=os.path.join(shipped, name)):
                    with open(os.path.join(original, name), "rb") as a, open(os.path.join(here, name), "rb") as b:
                        self.assertEqual(b.read(), a.read(), "%s differs from %s: copy it again" % (name, original))

    def test_the_shipped_license_is_the_repository_s(self):
        with open(os.path.join(ROOT, "LICENSE"), "rb") as a, open(os.path.join(os.path.dirname(self.PACKAGED), "LICENSE"), "rb") as b:
            self.assertEqual(b.read(), a.read())

    def test_without_the_variable_the_shipped_schemas_are_read(self):
        saved = os.environ.pop("SHERATAN_SCHEMAS_DIR", None)
        try:
            self.assertEqual(os.path.realpath(sc._schema_dir()), os.path.realpath(os.path.join(self.PACKAGED, "avro")))
            os.environ["SHERATAN_SCHEMAS_DIR"] = self.COPIES[0][1]
            self.assertEqual(sc._schema_dir(), self.COPIES[0][1])
        finally:
            os.environ.pop("SHERATAN_SCHEMAS_DIR", None)
            if saved is not None:
                os.environ["SHERATAN_SCHEMAS_DIR"] = saved


if __name__ == "__main__":
    unittest.main()


class SecuredClusterSettings(unittest.TestCase):
    """The Java services' Kafka settings (SHERATAN_KAFKA_*, SHERATAN_KAFKA_CONFIG_FILE) as librdkafka's."""

    JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="worker" password="s3cr=t";'

    def config(self, env):
        import argparse as _argparse
        return sc._kafka_config(_argparse.Namespace(bootstrap=None, config=None), env)

    def test_sasl_from_the_java_variables(self):
        c = self.config({"KAFKA_BOOTSTRAP_SERVERS": "k:9093", "SHERATAN_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
                         "SHERATAN_KAFKA_SASL_MECHANISM": "SCRAM-SHA-256", "SHERATAN_KAFKA_SASL_JAAS_CONFIG": self.JAAS,
                         "SHERATAN_KAFKA_SSL_TRUSTSTORE_TYPE": "PEM", "SHERATAN_KAFKA_SSL_TRUSTSTORE_LOCATION": "/etc/ca.pem",
                         "SHERATAN_KAFKA_SSL_KEYSTORE_TYPE": "PEM", "SHERATAN_KAFKA_SSL_KEYSTORE_LOCATION": "/etc/client.pem"})
        self.assertEqual(c["bootstrap.servers"], "k:9093")
        self.assertEqual((c["security.protocol"], c["sasl.mechanism"]), ("SASL_SSL", "SCRAM-SHA-256"))
        self.assertEqual((c["sasl.username"], c["sasl.password"]), ("worker", "s3cr=t"))
        self.assertEqual((c["ssl.ca.location"], c["ssl.certificate.location"], c["ssl.key.location"]),
                         ("/etc/ca.pem", "/etc/client.pem", "/etc/client.pem"))
        self.assertNotIn("sasl.jaas.config", c)
        self.assertNotIn("ssl.truststore.type", c)

    def test_the_config_file_and_what_only_java_reads(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "client.properties")
            with open(path, "w", encoding="utf-8") as f:
                f.write("# comment\nsecurity.protocol=SASL_PLAINTEXT\nsasl.mechanism: PLAIN\nsasl.jaas.config=" + self.JAAS + "\n")
            c = self.config({"SHERATAN_KAFKA_CONFIG_FILE": path})
            self.assertEqual((c["security.protocol"], c["sasl.mechanism"], c["sasl.username"]), ("SASL_PLAINTEXT", "PLAIN", "worker"))
            self.assertNotIn("config.file", c)
            with open(path, "w", encoding="utf-8") as f:
                f.write("ssl.truststore.location=/etc/truststore.jks\n")
            with self.assertRaisesRegex(sc.ConfigError, "JKS store, which only Java reads"):
                self.config({"SHERATAN_KAFKA_CONFIG_FILE": path})
        with self.assertRaisesRegex(sc.ConfigError, "GSSAPI|login modules are Java-only"):
            self.config({"SHERATAN_KAFKA_SASL_JAAS_CONFIG": "com.sun.security.auth.module.Krb5LoginModule required;"})
