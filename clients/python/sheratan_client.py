#!/usr/bin/env python3
"""Sheratan client for Python workers and consumers (DESIGN.md, docs/contract/).

Subcommands (each has --help):
  canon    strict-profile RFC 8785 bytes of a JSON value (stdin or FILE), exit 2 with a one-line reason
  sign     envelope in, the same envelope with a fresh integrity mark out (sha256 / hmac / ed25519, v1 / v2)
  verify   check one envelope offline under the verifier's policy variables; exit 0 verified, 1 rejected, 2 malformed
  publish  envelopes (one JSON per line) to the submitted topic, keyed by job_id
  consume  verified, audit or checkpoint records (Avro or JSON), read_committed, one JSON line each

Importable too: canonicalize(), read_envelope(), sign_envelope(), verify_envelope(), Policy, Keyring.

Standard library only for canon, sign and verify (Ed25519 uses python3-cryptography when it is
installed and an RFC 8032 implementation of its own otherwise); publish and consume need Debian's
python3-confluent-kafka, and Avro values need python3-avro (installed with pip: the extras kafka, avro
and ed25519 of sheratan-client). The canonicalizer is written here, never json.dumps(sort_keys=True):
Python's json keeps the last of two duplicate names, accepts lone surrogates and big integers, and
writes numbers differently from ECMAScript.

Avro schemas come from SHERATAN_SCHEMAS_DIR, else the copies installed with the client (package
sheratan_client_schemas), else the repository's schemas/src/main/avro.
"""

import argparse
import base64
import hashlib
import hmac as _hmac
import json
import os
import re
import stat
import sys
import time

__all__ = ["StrictJsonError", "MalformedEnvelope", "ConfigError", "Limits", "parse_json", "canonical", "canonicalize",
           "es6_number", "Envelope", "read_envelope", "pae", "Policy", "Keyring", "verify_envelope", "sign_envelope"]

DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_DEPTH = 64
DEPTH_CEILING = 1000
MAX_JOB_ID = 256
MARK_FIELD_LIMITS = {"mode": 32, "sha256": 128, "sig": 256, "key_id": 256}
NODE_ID = re.compile(r"[A-Za-z0-9._:@/-]{1,128}\Z")
MAX_AUD_UNITS = 256
MAX_ISSUED_AT = 1 << 53
PAE_TYPE = b"application/vnd.sheratan.result.v2+json"
MODES = ("sha256", "hmac", "ed25519")  # weakest first
REASONS = ("missing_integrity", "sha_mismatch", "sig_mismatch", "unsupported_mode", "unknown_key", "key_not_valid",
           "node_mismatch", "stale", "future_dated", "wrong_audience", "unsupported_version", "malformed")


# ----------------------------------------------------------------------------- strict JSON (DESIGN 3.2)

class StrictJsonError(ValueError):
    """Bytes that are not JSON, or JSON the strict profile refuses. `rule` is the stable code."""

    DESCRIPTIONS = {
        "syntax": "not valid JSON",
        "duplicate_name": "duplicate member name",
        "lone_surrogate": "lone surrogate in string",
        "invalid_utf8": "invalid UTF-8",
        "inexact_integer": "integer literal that canonicalization would rewrite (not exactly a double, or not printed as itself; send it as a string)",
        "number_overflow": "number overflows to infinity",
        "too_deep": "nesting deeper than the limit",
        "trailing_bytes": "bytes after the JSON value",
        "too_large": "document larger than the limit",
    }

    def __init__(self, rule, offset, explanation=None):
        self.rule = rule
        self.offset = offset
        self.explanation = explanation
        text = "%s (%s) at character %d" % (self.DESCRIPTIONS[rule], rule, offset)
        super().__init__(text + (": " + explanation if explanation else ""))


class Limits:
    def __init__(self, max_bytes=DEFAULT_MAX_BYTES, max_depth=DEFAULT_MAX_DEPTH):
        if max_bytes < 2:
            raise ValueError("max_bytes must be at least 2")
        if not 1 <= max_depth <= DEPTH_CEILING:
            raise ValueError("max_depth must be between 1 and %d" % DEPTH_CEILING)
        self.max_bytes = max_bytes
        self.max_depth = max_depth


_WS = " \t\n\r"
_RUN = re.compile(r'[^"\\\x00-\x1f\udc80-\udcff]*')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")


class _Parser:
    """A recursive-descent parser over the text decoded with surrogateescape: a byte that is not
    well-formed UTF-8 shows up as a lone U+DC80..U+DCFF, which never comes out of valid UTF-8."""

    def __init__(self, text, max_depth):
        self.s = text
        self.n = len(text)
        self.max_depth = max_depth

    def fail(self, rule, pos, why=None):
        raise StrictJsonError(rule, pos, why)

    def ws(self, i):
        s, n = self.s, self.n
        while i < n and s[i] in _WS:
            i += 1
        return i

    def value(self, i, depth):
        if i >= self.n:
            self.fail("syntax", i, "unexpected end of input")
        c = self.s[i]
        if c == "{":
            return self.obj(i, depth)
        if c == "[":
            return self.arr(i, depth)
        if c == '"':
            return self.string(i)
        if c == "t":
            return self.literal(i, "true", True)
        if c == "f":
            return self.literal(i, "false", False)
        if c == "n":
            return self.literal(i, "null", None)
        return self.number(i)

    def literal(self, i, word, value):
        if self.s.startswith(word, i):
            return value, i + len(word)
        self.fail("syntax", i, "unknown literal")

    def obj(self, i, depth):
        if depth > self.max_depth:
            self.fail("too_deep", i, "limit %d" % self.max_depth)
        result = {}
        i = self.ws(i + 1)
        if i < self.n and self.s[i] == "}":
            return result, i + 1
        while True:
            if i >= self.n or self.s[i] != '"':
                self.fail("syntax", i, "expected a member name")
            name, i = self.string(i)
            i = self.ws(i)
            if i >= self.n or self.s[i] != ":":
                self.fail("syntax", i, "expected ':'")
            value, i = self.value(self.ws(i + 1), depth + 1)
            if name in result:
                self.fail("duplicate_name", i)
            result[name] = value
            i, closed = self.after_member(i, "}")
            if closed:
                return result, i

    def arr(self, i, depth):
        if depth > self.max_depth:
            self.fail("too_deep", i, "limit %d" % self.max_depth)
        result = []
        i = self.ws(i + 1)
        if i < self.n and self.s[i] == "]":
            return result, i + 1
        while True:
            value, i = self.value(i, depth + 1)
            result.append(value)
            i, closed = self.after_member(i, "]")
            if closed:
                return result, i

    def after_member(self, i, close):
        """After a member or element: a comma (and whatever space follows), or the closing bracket."""
        i = self.ws(i)
        if i < self.n and self.s[i] == ",":
            return self.ws(i + 1), False
        if i < self.n and self.s[i] == close:
            return i + 1, True
        self.fail("syntax", i, "expected ',' or '%s'" % close)

    def string(self, i):
        s, n = self.s, self.n
        start = i
        i += 1
        parts = []
        while True:
            m = _RUN.match(s, i)
            if m.end() > i:
                parts.append(m.group())
                i = m.end()
            if i >= n:
                self.fail("syntax", start, "unterminated string")
            c = s[i]
            if c == '"':
                return "".join(parts), i + 1
            if c == "\\":
                if i + 1 >= n:
                    self.fail("syntax", i, "unterminated escape")
                e = s[i + 1]
                if e in _ESCAPES:
                    parts.append(_ESCAPES[e])
                    i += 2
                elif e == "u":
                    unit = self.hex4(i + 2)
                    if 0xD800 <= unit <= 0xDBFF:
                        # as the Java parser: a second escape is read only when six more bytes follow
                        if s.startswith("\\u", i + 6) and len(s[i + 6:i + 12].encode("utf-8", "surrogateescape")) >= 6:
                            low = self.hex4(i + 8)
                            if not 0xDC00 <= low <= 0xDFFF:
                                self.fail("lone_surrogate", i, "high surrogate not followed by a low one")
                            parts.append(chr(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)))
                            i += 12
                        else:
                            self.fail("lone_surrogate", i, "high surrogate not followed by a low one")
                    elif 0xDC00 <= unit <= 0xDFFF:
                        self.fail("lone_surrogate", i, "low surrogate without a high one")
                    else:
                        parts.append(chr(unit))
                        i += 6
                else:
                    self.fail("syntax", i, "bad escape")
            elif "\udc80" <= c <= "\udcff":
                self.fail("invalid_utf8", i)
            else:
                self.fail("syntax", i, "unescaped control character in string")

    def hex4(self, i):
        if not _HEX4.match(self.s, i):
            self.fail("syntax", i, "bad \\u escape")
        return int(self.s[i:i + 4], 16)

    def number(self, i):
        m = _NUMBER.match(self.s, i)
        if not m:
            self.fail("syntax", i, "unexpected character")
        literal = m.group()
        if m.end() < self.n and self.s[m.end()] in ".eE":
            self.fail("syntax", m.end(), "digit expected after '.' or in the exponent")
        if m.group(1) is None and m.group(2) is None:
            digits = len(literal) - (1 if literal[0] == "-" else 0)
            if digits > 309:  # no leading zeros: at least 1e309
                self.fail("number_overflow", i)
            value = float(literal)
            if value in (float("inf"), float("-inf")):
                self.fail("number_overflow", i)
            # up to 15 digits ES6 prints the literal as it is; beyond, canonicalization may rewrite it
            # (2^64 as typed, 10^21), which the fixed point of DESIGN 3.5 forbids; -0 is written 0
            if digits > 15 and es6_number(value) != literal:
                self.fail("inexact_integer", i)
            return value, m.end()
        value = float(literal)
        if value in (float("inf"), float("-inf")):
            self.fail("number_overflow", i)
        return value, m.end()


def parse_json(data, limits=None):
    """Parses bytes under the strict profile into dict / list / str / float / bool / None.
    Numbers are always floats (the profile treats every number as an IEEE-754 double).
    The size limit holds for the document's canonical form too."""
    limits = limits or Limits()
    value = _parse(data, limits)
    _within_limit(canonical(value), limits)
    return value


def _parse(data, limits):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if len(data) > limits.max_bytes:
        raise StrictJsonError("too_large", limits.max_bytes, "%d bytes, limit %d" % (len(data), limits.max_bytes))
    text = data.decode("utf-8", "surrogateescape")
    parser = _Parser(text, limits.max_depth)
    needed = 3 * limits.max_depth + 100
    if sys.getrecursionlimit() < needed:
        sys.setrecursionlimit(needed)
    i = parser.ws(0)
    value, i = parser.value(i, 1)
    i = parser.ws(i)
    if i < len(text):
        raise StrictJsonError("trailing_bytes", i)
    return value


def es6_number(value):
    """ECMAScript Number::toString of a finite double (RFC 8785 section 3.2.2.3)."""
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    if value == 0:
        return "0"
    text = repr(value)  # shortest digits that round-trip, correctly rounded
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    mantissa, _, exponent = text.partition("e")
    integer, _, fraction = mantissa.partition(".")
    digits = integer + fraction
    stripped = digits.lstrip("0")
    n = len(integer) + (int(exponent) if exponent else 0) - (len(digits) - len(stripped))
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    exp = ("e+" if e >= 0 else "e-") + str(abs(e))
    return sign + (digits if k == 1 else digits[0] + "." + digits[1:]) + exp


def _string(value, out):
    out.append('"')
    for ch in value:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20:
            out.append({8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}.get(o, "\\u%04x" % o))
        elif 0xD800 <= o <= 0xDFFF:
            raise StrictJsonError("lone_surrogate", 0, "in a string value")
        else:
            out.append(ch)
    out.append('"')


def _utf16_key(name):
    return name.encode("utf-16-be", "surrogatepass")


def _write(value, out):
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        _string(value, out)
    elif isinstance(value, (int, float)):
        if isinstance(value, int) and value != 0 and es6_number(float(value)) != str(value):
            raise StrictJsonError("inexact_integer", 0)
        out.append(es6_number(float(value)))
    elif isinstance(value, dict):
        out.append("{")
        for j, name in enumerate(sorted(value, key=_utf16_key)):
            if j:
                out.append(",")
            _string(name, out)
            out.append(":")
            _write(value[name], out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for j, item in enumerate(value):
            if j:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError("not a JSON value: %r" % type(value))


def canonical(value):
    """The RFC 8785 bytes of an already parsed value."""
    out = []
    _write(value, out)
    return "".join(out).encode("utf-8")


def _within_limit(out, limits):
    """Canonical forms can be longer than their input (1e20 is 21 digits): the size limit holds for
    both, so that what is accepted canonicalizes to something accepted (fixed point)."""
    if len(out) > limits.max_bytes:
        raise StrictJsonError("too_large", limits.max_bytes, "canonical form %d bytes, limit %d" % (len(out), limits.max_bytes))
    return out


def canonicalize(data, limits=None):
    """The strict-profile canonical bytes of a JSON text (bytes or str)."""
    limits = limits or Limits()
    return _within_limit(canonical(_parse(data, limits)), limits)


# ----------------------------------------------------------------------------- envelopes (DESIGN 2, 3, 3b)

class MalformedEnvelope(ValueError):
    pass


class ConfigError(ValueError):
    pass


class Mark:
    def __init__(self, mode=None, sha256=None, sig=None, key_id=None, v=None):
        self.mode, self.sha256, self.sig, self.key_id, self.v = mode, sha256, sig, key_id, v

    @property
    def version(self):
        return 1 if self.v is None else self.v

    def empty(self):
        return self.sha256 is None and self.sig is None

    def to_json(self):
        d = {k: getattr(self, k) for k in ("key_id", "mode", "sha256", "sig") if getattr(self, k) is not None}
        if self.v is not None:
            d["v"] = self.v
        return d


class Envelope:
    """A read envelope: the core (a dict), its canonical bytes and sha256, the mark and the v2 claims."""

    def __init__(self, job_id, ok, result=None, error=None, mark=None, claims=None):
        self.job_id, self.ok, self.result, self.error, self.mark, self.claims = job_id, ok, result, error, mark, claims

    @property
    def core_version(self):
        return 2 if self.claims else 1

    def core(self):
        d = {"job_id": self.job_id, "ok": self.ok}
        if self.result is not None:
            d["result"] = self.result
        if self.error is not None:
            d["error"] = self.error
        if self.claims:
            d.update(self.claims)
        return d

    def core_bytes(self):
        return canonical(self.core())

    def core_sha256(self):
        return hashlib.sha256(self.core_bytes()).hexdigest()

    def to_json(self):
        """The envelope as canonical JSON bytes: the core, with the mark when there is one."""
        d = self.core()
        if self.mark is not None:
            d["integrity"] = self.mark.to_json()
        return canonical(d)


def _present(d, name):
    return d.get(name) is not None


def _check_mark_field(name, value):
    if value is None:
        return
    if len(value.encode("utf-16-le", "surrogatepass")) // 2 > MARK_FIELD_LIMITS[name]:
        raise MalformedEnvelope("integrity.%s longer than %d characters" % (name, MARK_FIELD_LIMITS[name]))
    if any(not 0x20 <= ord(c) <= 0x7E for c in value):
        raise MalformedEnvelope("integrity.%s must be printable ASCII" % name)


def _small_integer(value, digits):
    """The canonical text of a number must be 1..digits decimal digits (what the Java reader checks)."""
    return isinstance(value, float) and re.fullmatch(r"[0-9]{1,%d}" % digits, es6_number(value)) is not None


def read_envelope(data, limits=None):
    """A JSON envelope's bytes to an Envelope, or MalformedEnvelope naming the broken rule."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if data[:2] == b"\xc3\x01":
        return _read_avro_envelope(data, limits)
    try:
        root = parse_json(data, limits)
    except StrictJsonError as e:
        raise MalformedEnvelope(str(e)) from e
    if not isinstance(root, dict):
        raise MalformedEnvelope("expected a JSON object")
    if "job_id" not in root:
        raise MalformedEnvelope("job_id is missing")
    job_id = root["job_id"]
    if not isinstance(job_id, str):
        raise MalformedEnvelope("job_id must be a string")
    if not job_id:
        raise MalformedEnvelope("job_id must not be empty")
    if len(job_id) > MAX_JOB_ID:
        raise MalformedEnvelope("job_id longer than %d characters" % MAX_JOB_ID)
    if "ok" not in root:
        raise MalformedEnvelope("ok is missing")
    if not isinstance(root["ok"], bool):
        raise MalformedEnvelope("ok must be a boolean")
    error = root.get("error")
    if error is not None and not isinstance(error, (str, dict)):
        raise MalformedEnvelope("error must be a string or an object")
    mark = None
    if _present(root, "integrity"):
        integrity = root["integrity"]
        if not isinstance(integrity, dict):
            raise MalformedEnvelope("integrity must be an object")
        fields = {}
        for name in ("mode", "sha256", "sig", "key_id"):
            value = integrity.get(name)
            if value is not None and not isinstance(value, str):
                raise MalformedEnvelope("integrity.%s must be a string" % name)
            fields[name] = value
        v = integrity.get("v")
        if v is not None:
            if not _small_integer(v, 3):
                raise MalformedEnvelope("integrity.v must be a small integer (the canonical version)")
            v = int(v)
        for name, value in fields.items():
            _check_mark_field(name, value)
        mark = Mark(v=v, **fields)
    claims = None
    if mark is not None and mark.version == 2:
        for name in ("node_id", "issued_at", "aud"):
            if not _present(root, name):
                raise MalformedEnvelope("%s is required by a version 2 mark" % name)
        node_id, issued_at, aud = root["node_id"], root["issued_at"], root["aud"]
        if not isinstance(node_id, str) or not isinstance(aud, str):
            raise MalformedEnvelope("node_id and aud must be strings")
        if not _small_integer(issued_at, 16):
            raise MalformedEnvelope("issued_at must be an integer: milliseconds since the epoch")
        claims = check_claims(node_id, int(issued_at), aud)
    return Envelope(job_id, root["ok"], root.get("result"), error, mark, claims)


def _read_avro_envelope(data, limits):
    """An Avro single-object ResultSubmission (DESIGN 2), read as the verifier reads it: result and error are
    JSON text through the strict canonicalizer, the mark's fields as in JSON, version 2 claims required."""
    try:
        record = AvroEnvelopes.get().decode(data)
    except ValueError as e:
        raise MalformedEnvelope("Avro: %s" % e)
    job_id = record.get("job_id")
    if not job_id:
        raise MalformedEnvelope("job_id must not be empty")
    if len(job_id) > MAX_JOB_ID:
        raise MalformedEnvelope("job_id longer than %d characters" % MAX_JOB_ID)

    def json_text(name):
        text = record.get(name)
        if text is None:
            return None
        try:
            return parse_json(text.encode("utf-8", "surrogatepass"), limits)
        except StrictJsonError as e:
            raise MalformedEnvelope("%s: %s" % (name, e))

    result, error = json_text("result"), json_text("error")
    if error is not None and not isinstance(error, (str, dict)):
        raise MalformedEnvelope("error must be a string or an object")
    mark = None
    integrity = record.get("integrity")
    if integrity is not None:
        fields = {name: integrity.get(name) for name in ("mode", "sha256", "sig", "key_id")}
        for name, value in fields.items():
            _check_mark_field(name, value)
        mark = Mark(v=integrity.get("v"), **fields)
    claims = None
    if mark is not None and mark.version == 2:
        node_id, issued_at, aud = record.get("node_id"), record.get("issued_at"), record.get("aud")
        if node_id is None or issued_at is None or aud is None:
            raise MalformedEnvelope("node_id, issued_at and aud are required by a version 2 mark")
        claims = check_claims(node_id, issued_at, aud)
    return Envelope(job_id, record["ok"], result, error, mark, claims)


class _AvroBytes:
    """Avro binary read as the verifier reads it (Java's StrictBinary): every length checked against the bytes
    there are (a length that lies is an error, never an allocation), and every zig-zag varint in its shortest
    form and within its type. Avro's own decoders read 80 80 80 80 80 80 80 80 80 02 as 0 (Java), 2^63
    (Python) or NaN (JavaScript); here it is refused, as is 80 00 (a second spelling of 0)."""

    def __init__(self, data, pos):
        self.data, self.pos = data, pos

    def varint(self, max_bytes, bits):
        """A zig-zag varint of at most max_bytes bytes and bits bits: an int is 5 and 32, a long 10 and 64."""
        start = self.pos
        raw = 0
        for i in range(max_bytes):
            if self.pos >= len(self.data):
                raise ValueError("truncated Avro record (a varint runs past the data)")
            b = self.data[self.pos]
            self.pos += 1
            # the last possible byte holds the top bits only: 4 of an int (32 = 4*7 + 4), 1 of a long (64 = 9*7 + 1)
            if i == max_bytes - 1 and (b & 0x80 or b >> (bits - 7 * i)):
                raise ValueError("overlong varint at byte %d (more than %d bits)" % (start, bits))
            raw |= (b & 0x7F) << (7 * i)
            if not b & 0x80:
                if b == 0 and i > 0:
                    raise ValueError("overlong varint at byte %d (not in its shortest form)" % start)
                return (raw >> 1) ^ -(raw & 1)

    def int(self):
        return self.varint(5, 32)

    def long(self):
        return self.varint(10, 64)

    def length(self):
        n = self.long()
        if n < 0:
            raise ValueError("negative length at byte %d" % self.pos)
        return n

    def skip(self, n):
        if n > len(self.data) - self.pos:
            raise ValueError("truncated Avro record (a length or the body runs past the data)")
        self.pos += n

    def string(self):
        n = self.length()
        start = self.pos
        self.skip(n)
        # as Java's Avro decoder: bytes that are not UTF-8 become U+FFFD (the verifier does the same)
        return self.data[start:self.pos].decode("utf-8", "replace")

    def value(self, schema):
        """A ResultSubmission's value: records, unions, null, boolean, int, long and string are all it holds."""
        if isinstance(schema, list):
            index = self.int()
            if not 0 <= index < len(schema):
                raise ValueError("union branch %d of %d" % (index, len(schema)))
            return self.value(schema[index])
        if isinstance(schema, dict):
            if schema.get("type") == "record":
                return {f["name"]: self.value(f["type"]) for f in schema["fields"]}
            return self.value(schema["type"])
        if schema == "null":
            return None
        if schema == "boolean":
            if self.pos >= len(self.data) or self.data[self.pos] > 1:
                raise ValueError("not a boolean")
            self.pos += 1
            return self.data[self.pos - 1] == 1
        if schema == "int":
            return self.int()
        if schema == "long":
            return self.long()
        if schema == "string":
            return self.string()
        raise ValueError("type %s is not in the envelope's schema" % schema)

    def datum(self, schema, names, ns=None, depth=0):
        """Walks one datum of any writer's schema without building it (StrictBinary.check): what the
        consumer runs before python3-avro decodes a value, so that it reads the varints Java reads."""
        if depth > 64:
            raise ValueError("Avro schema nested too deeply")
        if isinstance(schema, list):
            branch = self.int()
            if not 0 <= branch < len(schema):
                raise ValueError("union branch %d out of range at byte %d" % (branch, self.pos))
            return self.datum(schema[branch], names, ns, depth + 1)
        if isinstance(schema, str) and schema not in _PRIMITIVES:
            name = _avro_fullname(schema, ns)
            if name not in names:
                raise ValueError("the schema names an undefined type %s" % name)
            return self.datum(names[name], names, name.rpartition(".")[0] or None, depth + 1)
        t = schema["type"] if isinstance(schema, dict) else schema
        if t in ("record", "error"):
            inner = _avro_fullname(schema["name"], schema.get("namespace", ns)).rpartition(".")[0] or None
            for field in schema["fields"]:
                self.datum(field["type"], names, inner, depth + 1)
        elif t == "enum":
            symbol = self.int()
            if not 0 <= symbol < len(schema["symbols"]):
                raise ValueError("enum symbol %d out of range at byte %d" % (symbol, self.pos))
        elif t in ("array", "map"):
            item = schema["items"] if t == "array" else schema["values"]
            while True:
                count = self.long()
                if count == 0:
                    break
                if count < 0:
                    count = -count if count != -2 ** 63 else 0  # as Java's long negation: -(-2^63) stays negative, no items
                    if self.long() < 0:
                        raise ValueError("negative block size at byte %d" % self.pos)
                for _ in range(count):
                    if self.pos >= len(self.data):
                        raise ValueError("truncated Avro record (a block count runs past the data)")
                    if t == "map":
                        self.skip(self.length())
                    self.datum(item, names, ns, depth + 1)
        elif t == "fixed":
            self.skip(schema["size"])
        elif isinstance(t, (dict, list)) or t not in _PRIMITIVES:
            self.datum(t, names, ns, depth + 1)  # {"type": {...}} or {"type": "a.Named"}
        elif t == "boolean":
            self.skip(1)
            if self.data[self.pos - 1] > 1:  # Java's Avro reads 0x02 as false, avsc as true: refused everywhere
                raise ValueError("a boolean that is neither 00 nor 01 at byte %d" % (self.pos - 1))
        elif t == "int":
            self.int()
        elif t == "long":
            self.long()
        elif t == "float":
            self.skip(4)
        elif t == "double":
            self.skip(8)
        elif t in ("string", "bytes"):
            self.skip(self.length())


def _avro_fullname(name, ns):
    return name if "." in name or not ns else ns + "." + name


def _avro_names(schema, ns=None, names=None):
    """Every named type a schema defines, by full name (for the walk above)."""
    names = {} if names is None else names
    if isinstance(schema, list):
        for branch in schema:
            _avro_names(branch, ns, names)
    elif isinstance(schema, dict):
        t = schema.get("type")
        if t in ("record", "error", "enum", "fixed"):
            name = _avro_fullname(schema["name"], schema.get("namespace", ns))
            names[name] = schema
            for field in schema.get("fields", ()):
                _avro_names(field["type"], name.rpartition(".")[0] or None, names)
        elif t == "array":
            _avro_names(schema["items"], ns, names)
        elif t == "map":
            _avro_names(schema["values"], ns, names)
        elif isinstance(t, (dict, list)):
            _avro_names(t, ns, names)
    return names


def strict_avro_check(schema, data, pos=10):
    """Raises ValueError unless data[pos:] is exactly one datum of `schema` (parsed JSON) with every varint
    in its shortest form and within its type: the one reading of Avro binary all implementations share."""
    reader = _AvroBytes(bytes(data), pos)
    reader.datum(schema, _avro_names(schema))
    if reader.pos != len(data):
        raise ValueError("trailing bytes after the Avro record")


def _avro_schemas(name):
    """Record `name`'s current schema and every older one listed in avro-history/<name>.list, as parsed JSON,
    loaded as the services load them (AvroCodec.history): older writers' records still decode."""
    folder = _schema_dir()
    with open(os.path.join(folder, name + ".avsc"), encoding="utf-8") as f:
        current = json.loads(f.read())
    history = os.path.join(folder, "..", "resources", "avro-history")
    older = []
    listing = os.path.join(history, name + ".list")
    if os.path.isfile(listing):
        with open(listing, encoding="utf-8") as f:
            lines = f.read().splitlines()
        for line in lines:
            if not line.strip() or line.startswith("#"):
                continue
            path = os.path.join(history, line.strip())
            if not os.path.isfile(path):
                raise ConfigError("avro-history/%s.list names a missing file: %s" % (name, line.strip()))
            with open(path, encoding="utf-8") as f:
                older.append(json.loads(f.read()))
    return current, older


class AvroEnvelopes:
    """The ResultSubmission schemas the verifier decodes (current and older), by fingerprint."""

    _instance = None

    @classmethod
    def get(cls):
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def __init__(self):
        if not os.path.isfile(os.path.join(_schema_dir(), "ResultSubmission.avsc")):
            raise ConfigError("ResultSubmission.avsc not found: set SHERATAN_SCHEMAS_DIR")
        current, older = _avro_schemas("ResultSubmission")
        self.schemas = {avro_fingerprint(parsing_canonical_form(s)): s for s in older + [current]}

    def decode(self, data):
        if len(data) < 10:
            raise ValueError("shorter than the single-object header")
        schema = self.schemas.get(bytes(data[2:10]))
        if schema is None:
            raise ValueError("unknown schema fingerprint %s" % bytes(data[2:10]).hex())
        reader = _AvroBytes(bytes(data), 10)
        record = reader.value(schema)
        if reader.pos != len(data):
            raise ValueError("%d bytes after the record" % (len(data) - reader.pos))
        return record


def check_claims(node_id, issued_at, aud):
    if not isinstance(node_id, str) or not NODE_ID.match(node_id):
        raise MalformedEnvelope("node_id must be 1..128 characters of [A-Za-z0-9._:@/-]")
    if not 0 <= issued_at <= MAX_ISSUED_AT:
        raise MalformedEnvelope("issued_at must be between 0 and 2^53 (milliseconds since the epoch)")
    if not aud or len(aud.encode("utf-16-le", "surrogatepass")) // 2 > MAX_AUD_UNITS:
        raise MalformedEnvelope("aud must be 1..%d characters" % MAX_AUD_UNITS)
    return {"node_id": node_id, "issued_at": issued_at, "aud": aud}


def pae(core):
    """DSSE pre-authentication encoding of the canonical core (DESIGN 3b.3)."""
    return b"DSSEv1 %d %s %d %s" % (len(PAE_TYPE), PAE_TYPE, len(core), core)


# ----------------------------------------------------------------------------- Ed25519 (RFC 8032)

def _ed25519_backend():
    if os.environ.get("SHERATAN_CLIENT_PURE_ED25519") == "1":
        return None
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
        return ed25519
    except ImportError:
        return None


class _Ed:
    """RFC 8032 Ed25519 in pure Python, used when python3-cryptography is not installed."""
    p = 2 ** 255 - 19
    L = 2 ** 252 + 27742317777372353535851937790883648493
    d = -121665 * pow(121666, 2 ** 255 - 21, 2 ** 255 - 19) % (2 ** 255 - 19)
    I = pow(2, (2 ** 255 - 20) // 4, 2 ** 255 - 19)

    @classmethod
    def add(cls, P, Q):
        p, d = cls.p, cls.d
        A, B = (P[1] - P[0]) * (Q[1] - Q[0]) % p, (P[1] + P[0]) * (Q[1] + Q[0]) % p
        C, D = 2 * P[3] * Q[3] * d % p, 2 * P[2] * Q[2] % p
        E, F, G, H = B - A, D - C, D + C, B + A
        return (E * F % p, G * H % p, F * G % p, E * H % p)

    @classmethod
    def mul(cls, s, P):
        Q = (0, 1, 1, 0)
        while s > 0:
            if s & 1:
                Q = cls.add(Q, P)
            P = cls.add(P, P)
            s >>= 1
        return Q

    @classmethod
    def equal(cls, P, Q):
        p = cls.p
        return (P[0] * Q[2] - Q[0] * P[2]) % p == 0 and (P[1] * Q[2] - Q[1] * P[2]) % p == 0

    @classmethod
    def recover_x(cls, y, sign):
        p = cls.p
        if y >= p:
            return None
        x2 = (y * y - 1) * pow(cls.d * y * y + 1, p - 2, p)
        if x2 == 0:
            return None if sign else 0
        x = pow(x2, (p + 3) // 8, p)
        if (x * x - x2) % p != 0:
            x = x * cls.I % p
        if (x * x - x2) % p != 0:
            return None
        if (x & 1) != sign:
            x = p - x
        return x

    @classmethod
    def base(cls):
        y = 4 * pow(5, cls.p - 2, cls.p) % cls.p
        x = cls.recover_x(y, 0)
        return (x, y, 1, x * y % cls.p)

    @classmethod
    def compress(cls, P):
        p = cls.p
        zinv = pow(P[2], p - 2, p)
        x, y = P[0] * zinv % p, P[1] * zinv % p
        return int.to_bytes(y | ((x & 1) << 255), 32, "little")

    @classmethod
    def decompress(cls, s):
        if len(s) != 32:
            return None
        y = int.from_bytes(s, "little")
        sign = y >> 255
        y &= (1 << 255) - 1
        x = cls.recover_x(y, sign)
        if x is None:
            return None
        return (x, y, 1, x * y % cls.p)

    @classmethod
    def secret_expand(cls, seed):
        h = hashlib.sha512(seed).digest()
        a = int.from_bytes(h[:32], "little")
        a &= (1 << 254) - 8
        a |= 1 << 254
        return a, h[32:]

    @classmethod
    def public_key(cls, seed):
        a, _ = cls.secret_expand(seed)
        return cls.compress(cls.mul(a, cls.base()))

    @classmethod
    def sign(cls, seed, msg):
        a, prefix = cls.secret_expand(seed)
        A = cls.compress(cls.mul(a, cls.base()))
        r = int.from_bytes(hashlib.sha512(prefix + msg).digest(), "little") % cls.L
        R = cls.compress(cls.mul(r, cls.base()))
        h = int.from_bytes(hashlib.sha512(R + A + msg).digest(), "little") % cls.L
        s = (r + h * a) % cls.L
        return R + int.to_bytes(s, 32, "little")

    @classmethod
    def verify(cls, public, msg, sig):
        if len(public) != 32 or len(sig) != 64:
            return False
        A = cls.decompress(public)
        R = cls.decompress(sig[:32])
        if A is None or R is None:
            return False
        s = int.from_bytes(sig[32:], "little")
        if s >= cls.L:
            return False
        h = int.from_bytes(hashlib.sha512(sig[:32] + public + msg).digest(), "little") % cls.L
        return cls.equal(cls.mul(s, cls.base()), cls.add(R, cls.mul(h, A)))

    @classmethod
    def small_order(cls, public):
        A = cls.decompress(public)
        return A is not None and cls.equal(cls.mul(8, A), (0, 1, 1, 0))


_PKCS8_ED25519 = bytes.fromhex("302e020100300506032b657004220420")


def load_ed25519_seed(pem_text):
    """The 32-byte seed of an Ed25519 PKCS#8 PEM private key (what `sheratan keys generate` writes)."""
    body = "".join(line.strip() for line in pem_text.splitlines() if line.strip() and not line.startswith("-----"))
    try:
        der = base64.b64decode(body, validate=True)
    except ValueError:
        raise ConfigError("the signing key is not PEM (base64 between BEGIN and END lines)")
    if len(der) != 48 or not der.startswith(_PKCS8_ED25519):
        raise ConfigError("the signing key is not an Ed25519 PKCS#8 private key")
    return der[16:]


def ed25519_sign(seed, msg):
    backend = _ed25519_backend()
    if backend:
        return backend.Ed25519PrivateKey.from_private_bytes(seed).sign(msg)
    return _Ed.sign(seed, msg)


def ed25519_verify(public, msg, sig):
    if len(sig) != 64 or len(public) != 32:
        return False
    if int.from_bytes(sig[32:], "little") >= _Ed.L:
        return False
    backend = _ed25519_backend()
    if backend:
        from cryptography.exceptions import InvalidSignature
        try:
            backend.Ed25519PublicKey.from_public_bytes(public).verify(sig, msg)
            return True
        except (InvalidSignature, ValueError):
            return False
    return _Ed.verify(public, msg, sig)


# ----------------------------------------------------------------------------- policy and keyring (DESIGN 3c, 5)

def _duration_ms(name, text):
    m = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,9})?)S)?)?", text.upper())
    if not m or text.upper() in ("P", "PT") or text.upper().endswith("T"):
        raise ConfigError("%s: expected an ISO-8601 duration such as PT1H or PT5M, was '%s'" % (name, text))
    d, h, mi, s = m.groups()
    return int(d or 0) * 86400000 + int(h or 0) * 3600000 + int(mi or 0) * 60000 + int(round(float(s or 0) * 1000))


def _env(env, name, default=None):
    value = env.get(name)
    return default if value is None or value == "" else value


def _flag(env, name, default):
    value = _env(env, name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise ConfigError("%s: expected 1 or 0, was '%s'" % (name, value))


def _int(env, name, default, low, high):
    value = _env(env, name)
    if value is None:
        return default
    if not re.fullmatch(r"-?[0-9]{1,10}", value) or not low <= int(value) <= high:
        raise ConfigError("%s: expected an integer between %d and %d, was '%s'" % (name, low, high, value))
    return int(value)


def limits_from_env(env):
    return Limits(_int(env, "SHERATAN_RESULT_MAX_BYTES", DEFAULT_MAX_BYTES, 2, 64 * 1024 * 1024),
                  _int(env, "SHERATAN_RESULT_MAX_DEPTH", DEFAULT_MAX_DEPTH, 1, DEPTH_CEILING))


class Policy:
    """The verifier's policy from the variables of DESIGN section 5 (unknown values refused, naming the variable)."""

    def __init__(self, env=None):
        env = dict(os.environ if env is None else env)
        self.mode = _env(env, "SHERATAN_RESULT_INTEGRITY_MODE", "sha256")
        if self.mode not in MODES:
            raise ConfigError("SHERATAN_RESULT_INTEGRITY_MODE: expected sha256, hmac or ed25519, was '%s'" % self.mode)
        self.required = _flag(env, "SHERATAN_RESULT_INTEGRITY_REQUIRED", True)
        version = _env(env, "SHERATAN_RESULT_CANONICAL_VERSION", "1")
        if version not in ("1", "2"):
            raise ConfigError("SHERATAN_RESULT_CANONICAL_VERSION: expected 1 (v1 and v2 marks) or 2 (v2 only), was '%s'" % version)
        self.min_version = int(version)
        key = _env(env, "SHERATAN_RESULT_HMAC_KEY")
        if key is None and _env(env, "SHERATAN_RESULT_HMAC_KEY_FILE"):
            with open(env["SHERATAN_RESULT_HMAC_KEY_FILE"], "rb") as f:
                raw = f.read(64 * 1024 + 1)  # as the services: at most 64 KiB, and never a device read whole
            if len(raw) > 64 * 1024:
                raise ConfigError("SHERATAN_RESULT_HMAC_KEY_FILE: larger than 65536 bytes")
            key = raw.decode("utf-8").rstrip("\r\n")
        self.hmac_key = key.encode("utf-8") if key else None
        self.key_id = _env(env, "SHERATAN_RESULT_HMAC_KEY_ID")
        self.keyring_file = _env(env, "SHERATAN_KEYRING_FILE")
        if self.mode == "hmac" and self.hmac_key is None and self.keyring_file is None:
            raise ConfigError("SHERATAN_RESULT_HMAC_KEY: required when SHERATAN_RESULT_INTEGRITY_MODE is hmac"
                              " (or give a keyring: SHERATAN_KEYRING_FILE)")
        self.pipeline_id = _env(env, "SHERATAN_PIPELINE_ID", "sheratan")
        self.max_age_ms = _duration_ms("SHERATAN_RESULT_MAX_AGE", _env(env, "SHERATAN_RESULT_MAX_AGE", "PT1H"))
        self.max_skew_ms = _duration_ms("SHERATAN_RESULT_MAX_SKEW", _env(env, "SHERATAN_RESULT_MAX_SKEW", "PT5M"))
        self.limits = limits_from_env(env)

    def legacy_keyring(self):
        return Keyring.legacy(self.hmac_key, self.key_id)


class KeyringError(ValueError):
    pass


class Key:
    def __init__(self, key_id, alg, secret=None, public_key=None, nodes=None, not_before=None, not_after=None):
        self.key_id, self.alg, self.secret, self.public_key = key_id, alg, secret, public_key
        self.nodes, self.not_before, self.not_after = nodes, not_before, not_after

    @property
    def mode(self):
        return "hmac" if self.alg == "hmac-sha256" else "ed25519"

    def valid_at(self, t):
        return (self.not_before is None or t >= self.not_before) and (self.not_after is None or t < self.not_after)

    def allows_node(self, node_id):
        return self.nodes is None or (node_id is not None and node_id in self.nodes)


_ID = re.compile(r"[\x21-\x7E]{1,256}\Z")
# as Java's Base64 decoder: padding optional, but when present it completes the last group
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?\Z")
MAX_KEYRING_BYTES = 1024 * 1024
MAX_UNBOUND_HMAC_KEYS = 8  # hmac keys without nodes valid at one instant: what a v1 mark without key_id may cost


class Keyring:
    """The keyring file of DESIGN 3c, validated as the services validate it (refused whole on any problem)."""

    def __init__(self, keys, any_key_id_for_v1=False):
        self.keys = keys
        self.any_key_id_for_v1 = any_key_id_for_v1

    @classmethod
    def legacy(cls, hmac_key, key_id):
        keys = {}
        if hmac_key is not None:
            kid = key_id or "legacy-hmac"
            keys[kid] = Key(kid, "hmac-sha256", secret=hmac_key)
        return cls(keys, any_key_id_for_v1=key_id is None)

    @classmethod
    def read(cls, path):
        return cls.parse(cls.read_file(path))

    @classmethod
    def read_file(cls, path):
        """A keyring file's bytes, read as the services read them (Keyring.readFile): a regular file (a symbolic
        link to one is followed; a FIFO, device or directory is refused before it is opened, so nothing waits
        on it), at most 1 MiB, read twice with the same bytes (a file being written is refused, not half-read)."""
        first, second = cls._read_once(path), cls._read_once(path)
        if first != second:
            raise KeyringError("it changed while it was read (being written?); read it again when it is complete")
        return first

    @staticmethod
    def _read_once(path):
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise KeyringError("not a regular file (%s): a keyring must be a file"
                               % ("a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO, socket or device"))
        if st.st_size > MAX_KEYRING_BYTES:
            raise KeyringError("larger than %d bytes (%d)" % (MAX_KEYRING_BYTES, st.st_size))
        # non-blocking, and checked again once open: a FIFO put in its place after the stat never blocks either
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise KeyringError("not a regular file: a keyring must be a file")
            data = f.read(MAX_KEYRING_BYTES + 1)
        if len(data) > MAX_KEYRING_BYTES:
            raise KeyringError("larger than %d bytes" % MAX_KEYRING_BYTES)
        return data

    @classmethod
    def parse(cls, data):
        """Exactly one JSON document: anything after it (a merge conflict's <<<<<<<, a second object) is refused."""
        if len(data) > MAX_KEYRING_BYTES:
            raise KeyringError("the keyring file is larger than %d bytes" % MAX_KEYRING_BYTES)
        try:
            root = parse_json(data, Limits(MAX_KEYRING_BYTES, 16))
        except StrictJsonError as e:
            raise KeyringError("not one JSON document (bytes after it, not JSON, or a member name repeated): %s" % e.rule)
        if not isinstance(root, dict):
            raise KeyringError('the keyring must be a JSON object with "keys" and "tokens"')
        for name in root:
            if name not in ("keys", "tokens"):
                raise KeyringError('unknown member "%s" (expected keys and tokens)' % name[:40])
        keys = {}
        entries = root.get("keys", [])  # present means an array, as in Java: "keys": null or {} is refused
        if not isinstance(entries, list):
            raise KeyringError('"keys" must be an array')
        for i, node in enumerate(entries):
            key = cls._key(node, "keys[%d]" % i)
            if key.key_id in keys:
                raise KeyringError("key_id %s appears twice" % key.key_id)
            keys[key.key_id] = key
        cls._check_unbound_hmac_keys(keys.values())
        tokens = root.get("tokens", [])
        if not isinstance(tokens, list):
            raise KeyringError('"tokens" must be an array')
        seen = set()
        for i, node in enumerate(tokens):
            where = "tokens[%d]" % i
            if not isinstance(node, dict):
                raise KeyringError(where + " must be an object")
            token_id = cls._id(node, "token_id", where)
            sha = node.get("sha256")
            if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
                raise KeyringError(where + ": sha256 must be 64 lowercase hex digits (the SHA-256 of the token)")
            cls._window(node, where)
            if token_id in seen:
                raise KeyringError("token_id %s appears twice" % token_id)
            seen.add(token_id)
        return cls(keys)

    @staticmethod
    def _check_unbound_hmac_keys(keys):
        """A v1 hmac mark without key_id is tried against every hmac key without nodes valid at the record's
        time: at most 8 such keys may be valid at the same instant (a sweep over the windows' edges)."""
        edges = []  # (time, +1 start / -1 end); absent bounds are open
        for key in keys:
            if key.alg == "hmac-sha256" and key.nodes is None:
                edges.append((-2 ** 63 if key.not_before is None else key.not_before, 1))
                edges.append((2 ** 63 - 1 if key.not_after is None else key.not_after, -1))
        valid = 0
        for time_, delta in sorted(edges):  # ends before starts at equal times: windows are [not_before, not_after)
            valid += delta
            if valid > MAX_UNBOUND_HMAC_KEYS:
                raise KeyringError("%d hmac-sha256 keys without nodes are valid at the same time%s; at most %d are allowed "
                                   "(a v1 mark without key_id is tried against each): give them windows or nodes"
                                   % (valid, "" if time_ == -2 ** 63 else " (from %d)" % time_, MAX_UNBOUND_HMAC_KEYS))

    @staticmethod
    def _id(node, name, where):
        value = node.get(name)
        if value is None:
            raise KeyringError("%s: %s is missing" % (where, name))
        if not isinstance(value, str) or not _ID.match(value):
            raise KeyringError("%s: %s must be 1..256 printable ASCII characters without spaces" % (where, name))
        return value

    @staticmethod
    def _time(node, name, where):
        value = node.get(name)
        if value is None:
            return None
        # a Java long: 2^63 and beyond are refused there too
        if (not isinstance(value, float) or value != int(value) or value < 0 or value >= 2.0 ** 63
                or "." in es6_number(value) or "e" in es6_number(value)):
            raise KeyringError("%s: %s must be milliseconds since the epoch (a non-negative integer)" % (where, name))
        return int(value)

    @classmethod
    def _window(cls, node, where):
        not_before, not_after = cls._time(node, "not_before", where), cls._time(node, "not_after", where)
        if not_before is not None and not_after is not None and not_before >= not_after:
            raise KeyringError(where + ": not_before must be before not_after")
        return not_before, not_after

    @staticmethod
    def _base64(node, name, where):
        value = node.get(name)
        if not isinstance(value, str):
            raise KeyringError("%s: %s is missing" % (where, name))
        if not _BASE64.match(value):
            raise KeyringError("%s: %s is not base64" % (where, name))
        return base64.b64decode(value + "=" * (-len(value) % 4))

    @classmethod
    def _key(cls, node, where):
        if not isinstance(node, dict):
            raise KeyringError(where + " must be an object")
        key_id = cls._id(node, "key_id", where)
        where = "%s (%s)" % (where, key_id)
        alg = node.get("alg")
        if alg not in ("hmac-sha256", "ed25519"):
            raise KeyringError(where + ": alg must be hmac-sha256 or ed25519")
        not_before, not_after = cls._window(node, where)
        nodes = None
        if "nodes" in node:
            nodes = node["nodes"]
            if not isinstance(nodes, list) or not nodes:
                raise KeyringError(where + ": nodes must be a non-empty array of node ids")
            if any(not isinstance(n, str) or not NODE_ID.match(n) for n in nodes):
                raise KeyringError(where + ": nodes holds something that is not a node id (1..128 of [A-Za-z0-9._:@/-])")
            nodes = set(nodes)
        if alg == "hmac-sha256":
            if "public_key" in node:
                raise KeyringError(where + ": an hmac-sha256 key has a secret, not a public_key")
            secret = cls._base64(node, "secret", where)
            if len(secret) < 32:
                raise KeyringError(where + ": the secret is %d bytes, at least 32 are required" % len(secret))
            return Key(key_id, alg, secret=secret, nodes=nodes, not_before=not_before, not_after=not_after)
        if "secret" in node:
            raise KeyringError(where + ": an ed25519 entry holds the public_key only, never a secret")
        public = cls._base64(node, "public_key", where)
        if len(public) != 32:
            raise KeyringError(where + ": public_key refused: not 32 bytes")
        if _Ed.decompress(public) is None:
            raise KeyringError(where + ": public_key refused: not a canonical point encoding")
        if _Ed.small_order(public):
            raise KeyringError(where + ": public_key refused: a point of small order")
        return Key(key_id, alg, public_key=public, nodes=nodes, not_before=not_before, not_after=not_after)

    def key(self, key_id):
        return self.keys.get(key_id) if key_id is not None else None


# ----------------------------------------------------------------------------- the integrity rule

def _ct_equals(expected, given):
    return given is not None and _hmac.compare_digest(expected.encode("ascii"), given.encode("ascii"))


def _hmac_hex(secret, data):
    return _hmac.new(secret, data, hashlib.sha256).hexdigest()


_LOWER_HEX = re.compile(r"[0-9a-f]*\Z")


_ANY_HEX = re.compile(r"[0-9a-fA-F]*\Z")


def _any_hex(sig, length):
    """An Ed25519 sig (IntegrityVerifier.isHex): 128 hex digits of either case; upper case always verified."""
    return sig is not None and len(sig) == length and _ANY_HEX.match(sig) is not None


def _lower_hex(sig, length):
    """The one form a valid signature can have (IntegrityVerifier.isLowerHex): exactly `length` lowercase hex
    digits. Checked after the key checks, before any key is used: a misshapen sig costs no HMAC and no Ed25519
    verification. For hmac only lower case ever matched; an Ed25519 sig may be either case (_any_hex)."""
    return sig is not None and len(sig) == length and _LOWER_HEX.match(sig) is not None


def verify_envelope(envelope, policy, keyring, t):
    """The verdict on a read envelope at record time t (ms): ("verified", None), ("accepted_unmarked",
    "missing_integrity") or ("rejected", reason). Mirrors the verifier's order of checks (DESIGN 3, 3b, 3c)."""
    mark = envelope.mark
    if mark is None or mark.empty():
        return ("rejected", "missing_integrity") if policy.required else ("accepted_unmarked", "missing_integrity")
    version = mark.version
    if version not in (1, 2) or version < policy.min_version or version != envelope.core_version:
        return "rejected", "unsupported_version"
    declared = mark.mode if mark.mode is not None else policy.mode
    if declared not in MODES or (declared == "ed25519" and version == 1):
        return "rejected", "unsupported_mode"
    if MODES.index(declared) < MODES.index(policy.mode):
        return "rejected", "unsupported_mode"
    core = envelope.core_bytes()
    if mark.sha256 is not None and not _ct_equals(hashlib.sha256(core).hexdigest(), mark.sha256):
        return "rejected", "sha_mismatch"
    if declared == "sha256":
        if mark.sha256 is None:
            return "rejected", "sha_mismatch"
        return _claims(envelope, policy, t)
    if version == 1:
        named = keyring.key(mark.key_id)
        if mark.key_id is not None and named is not None:
            refused = _key_refused(named, "hmac", None, t)
            if refused:
                return "rejected", refused
            candidates = [named]
        elif mark.key_id is not None and not keyring.any_key_id_for_v1:
            return "rejected", "unknown_key"
        else:
            candidates = [k for k in keyring.keys.values() if k.alg == "hmac-sha256" and k.valid_at(t) and k.nodes is None]
            if not candidates:
                return "rejected", "unknown_key"
        if not _lower_hex(mark.sig, 64):
            return "rejected", "sig_mismatch"  # no HMAC computed for a sig that cannot match
        for key in candidates:
            if _ct_equals(_hmac_hex(key.secret, core), mark.sig):
                return _claims(envelope, policy, t)
        return "rejected", "sig_mismatch"
    key = keyring.key(mark.key_id)
    if key is None or key.mode != declared:
        return "rejected", "unknown_key"
    refused = _key_refused(key, declared, envelope.claims["node_id"], t)
    if refused:
        return "rejected", refused
    if not (_lower_hex(mark.sig, 64) if declared == "hmac" else _any_hex(mark.sig, 128)):
        return "rejected", "sig_mismatch"  # checked before any HMAC or curve work
    message = pae(core)
    if declared == "hmac":
        valid = _ct_equals(_hmac_hex(key.secret, message), mark.sig)
    else:
        valid = ed25519_verify(key.public_key, message, bytes.fromhex(mark.sig))
    return _claims(envelope, policy, t) if valid else ("rejected", "sig_mismatch")


def _key_refused(key, mode, node_id, t):
    if key.mode != mode:
        return "unknown_key"
    if not key.valid_at(t):
        return "key_not_valid"
    if not key.allows_node(node_id):
        return "node_mismatch"
    return None


def _claims(envelope, policy, t):
    claims = envelope.claims
    if claims:
        if claims["aud"] != policy.pipeline_id:
            return "rejected", "wrong_audience"
        if claims["issued_at"] < t - policy.max_age_ms:
            return "rejected", "stale"
        if claims["issued_at"] > t + policy.max_skew_ms:
            return "rejected", "future_dated"
    return "verified", None


def sign_envelope(envelope, mode="sha256", version=1, hmac_key=None, key_id=None, ed25519_seed=None, claims=None):
    """A copy of `envelope` with a fresh mark. Version 2 needs `claims` (node_id, issued_at, aud);
    hmac needs `hmac_key` (bytes); ed25519 needs `ed25519_seed` (32 bytes) and `key_id` and is always version 2."""
    if mode not in MODES:
        raise ConfigError("mode must be sha256, hmac or ed25519, was '%s'" % mode)
    if mode == "ed25519":
        version = 2
        if ed25519_seed is None or key_id is None:
            raise ConfigError("ed25519 needs a signing key (--key PEM or SHERATAN_SIGNING_KEY_FILE) and --key-id")
    if mode == "hmac":
        if hmac_key is None:
            raise ConfigError("SHERATAN_RESULT_HMAC_KEY is required for hmac")
        if version == 2 and key_id is None:
            raise ConfigError("a version 2 hmac mark names its key: key_id is required")
    signed = Envelope(envelope.job_id, envelope.ok, envelope.result, envelope.error)
    if version == 2:
        if not claims:
            raise ConfigError("version 2 needs node_id, issued_at and aud")
        signed.claims = check_claims(claims["node_id"], claims["issued_at"], claims["aud"])
    core = signed.core_bytes()
    sha = hashlib.sha256(core).hexdigest()
    v = 2 if version == 2 else None
    if mode == "sha256":
        signed.mark = Mark("sha256", sha, None, None, v)
    elif mode == "hmac":
        signed.mark = Mark("hmac", sha, _hmac_hex(hmac_key, pae(core) if version == 2 else core), key_id, v)
    else:
        signed.mark = Mark("ed25519", sha, ed25519_sign(ed25519_seed, pae(core)).hex(), key_id, 2)
    return signed


# ----------------------------------------------------------------------------- Avro single-object encoding

_CRC64_EMPTY = 0xC15D213AA4D7A795
_CRC64_TABLE = []
for _i in range(256):
    _fp = _i
    for _ in range(8):
        _fp = (_fp >> 1) ^ (_CRC64_EMPTY & -(_fp & 1))
    _CRC64_TABLE.append(_fp)


def avro_fingerprint(canonical_form):
    """CRC-64-AVRO (Rabin) of a schema's parsing canonical form, as the 8 little-endian header bytes."""
    fp = _CRC64_EMPTY
    for b in canonical_form.encode("utf-8"):
        fp = (fp >> 8) ^ _CRC64_TABLE[(fp ^ b) & 0xFF]
    return fp.to_bytes(8, "little")


_PRIMITIVES = ("null", "boolean", "int", "long", "float", "double", "bytes", "string")


def parsing_canonical_form(schema, namespace=None):
    """The Avro spec's Parsing Canonical Form of a schema given as parsed JSON (python3-avro's own
    canonical_form keeps {"type": "long"} for a logical type, so its fingerprints differ from Java's)."""
    def fullname(name, ns):
        return name if "." in name or not ns else ns + "." + name

    def pcf(s, ns):
        if isinstance(s, str):
            return json.dumps(s if s in _PRIMITIVES else fullname(s, ns))
        if isinstance(s, list):
            return "[" + ",".join(pcf(x, ns) for x in s) + "]"
        t = s["type"]
        if t in _PRIMITIVES:
            return json.dumps(t)
        if t in ("record", "error", "enum", "fixed"):
            name = fullname(s["name"], s.get("namespace", ns))
            inner = name.rsplit(".", 1)[0] if "." in name else None
            parts = ['"name":' + json.dumps(name), '"type":' + json.dumps("record" if t == "error" else t)]
            if t in ("record", "error"):
                parts.append('"fields":[' + ",".join('{"name":%s,"type":%s}' % (json.dumps(f["name"]), pcf(f["type"], inner))
                                                     for f in s["fields"]) + "]")
            elif t == "enum":
                parts.append('"symbols":' + json.dumps(s["symbols"], separators=(",", ":")))
            else:
                parts.append('"size":%d' % s["size"])
            return "{" + ",".join(parts) + "}"
        if t == "array":
            return '{"type":"array","items":%s}' % pcf(s["items"], ns)
        if t == "map":
            return '{"type":"map","values":%s}' % pcf(s["values"], ns)
        return pcf(t, ns)

    return pcf(schema, namespace)


def _packaged_schema_dir():
    """The schemas installed with this module (package sheratan_client_schemas: avro/*.avsc and
    resources/avro-history/, the repository's layout), or None when it is absent or not a folder on disk."""
    try:
        from importlib import resources
        folder = resources.files("sheratan_client_schemas") / "avro"
    except (ImportError, AttributeError, TypeError):  # not installed; Python before 3.9 has no files()
        return None
    return os.fspath(folder) if isinstance(folder, os.PathLike) else None  # a zip import: use SHERATAN_SCHEMAS_DIR


def _schema_dir():
    """SHERATAN_SCHEMAS_DIR, else the schemas installed with the client, else the repository's own
    (schemas/src/main/avro beside clients/python); older schemas are read from ../resources/avro-history."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.environ.get("SHERATAN_SCHEMAS_DIR"), _packaged_schema_dir(),
                  os.path.join(here, "..", "..", "schemas", "src", "main", "avro")]
    for c in candidates:
        if c and os.path.isdir(c):
            return c
    raise ConfigError("Avro schemas not found: set SHERATAN_SCHEMAS_DIR to the folder with VerifiedResult.avsc and AuditEvent.avsc")


class AvroReader:
    """Decodes single-object Avro values (C3 01, 8-byte fingerprint, body) of the pipeline's record types.
    A value written with an older schema (avro-history/) is resolved to the current one, so fields added
    since come out with their defaults (a VerifiedResult from before canonical_version: 0 and false)."""

    def __init__(self):
        try:
            import avro.schema
            import avro.io
        except ImportError:
            raise ConfigError("Avro values need python3-avro (Debian: apt-get install python3-avro; run with /usr/bin/python3)")
        self._io = avro.io
        self.schemas = {}  # fingerprint -> (writer's schema as JSON, writer's schema, the current schema of its name)
        folder = _schema_dir()
        for name in sorted(os.listdir(folder)):
            if name.endswith(".avsc"):
                current, older = _avro_schemas(name[:-len(".avsc")])
                reader = avro.schema.parse(json.dumps(current))
                for writer in older + [current]:
                    parsed = reader if writer is current else avro.schema.parse(json.dumps(writer))
                    self.schemas[avro_fingerprint(parsing_canonical_form(writer))] = (writer, parsed, reader)

    def decode(self, value):
        import io
        if value[:2] != b"\xc3\x01" or len(value) < 10:
            raise ValueError("not Avro single-object encoding")
        found = self.schemas.get(bytes(value[2:10]))
        if found is None:
            raise ValueError("unknown schema fingerprint %s" % bytes(value[2:10]).hex())
        writer_json, writer, reader = found
        strict_avro_check(writer_json, value)  # the varints Java reads, before python3-avro reads them its own way
        return self._io.DatumReader(writer, reader).read(self._io.BinaryDecoder(io.BytesIO(bytes(value[10:]))))


# ----------------------------------------------------------------------------- command line

def _read_input(path):
    if path in (None, "-"):
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def _fail(command, message, code=2):
    print("sheratan-client %s: %s" % (command, message), file=sys.stderr)
    return code


def cmd_canon(args):
    if args.each_line_hex:
        return _canon_lines(args)
    try:
        limits = limits_from_env(os.environ)
        data = _read_input(args.file)
        out = canonicalize(data, limits)
    except (StrictJsonError, ConfigError, OSError) as e:
        return _fail("canon", e)
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()
    return 0


def _canon_lines(args):
    """--each-line-hex: one document per input line, in hex; one output line each, 'ok <hex>' or 'error <rule>'."""
    try:
        limits = limits_from_env(os.environ)
        data = _read_input(args.file)
    except (ConfigError, OSError) as e:
        return _fail("canon", e)
    out = sys.stdout
    lines = data.split(b"\n")
    if lines and not lines[-1].strip():
        lines.pop()  # the newline that ends the last line; an empty line before it is the empty document
    for line in lines:
        line = line.strip()
        try:
            out.write("ok " + canonicalize(bytes.fromhex(line.decode("ascii")), limits).hex() + "\n")
        except StrictJsonError as e:
            out.write("error " + e.rule + "\n")
        except ValueError:
            return _fail("canon", "--each-line-hex: a line is not hex")
    out.flush()
    return 0


def _signing_inputs(args, env):
    policy = Policy(dict(env, SHERATAN_RESULT_INTEGRITY_MODE=args.mode) if args.mode and args.mode != "ed25519" else env)
    key_file = args.key or _env(env, "SHERATAN_SIGNING_KEY_FILE")
    mode = args.mode or ("ed25519" if key_file and not _env(env, "SHERATAN_RESULT_INTEGRITY_MODE") else policy.mode)
    seed = None
    key_id = args.key_id
    if mode == "ed25519":
        if not key_file:
            raise ConfigError("ed25519 needs --key PEM (or SHERATAN_SIGNING_KEY_FILE) and --key-id")
        with open(key_file, encoding="ascii") as f:
            seed = load_ed25519_seed(f.read())
        key_id = key_id or _env(env, "SHERATAN_SIGNING_KEY_ID")
    elif mode == "hmac":
        key_id = key_id or policy.key_id
    version = 2 if (args.v2 or mode == "ed25519" or policy.min_version == 2) else 1
    return policy, mode, version, seed, key_id


def _sign_one(data, args, env, policy, mode, version, seed, key_id):
    envelope = read_envelope(data, policy.limits)
    claims = None
    if version == 2:
        raw = parse_json(data, policy.limits)
        node = args.node or (raw.get("node_id") if isinstance(raw.get("node_id"), str) else None) or _env(env, "SHERATAN_NODE_ID")
        aud = args.aud or (raw.get("aud") if isinstance(raw.get("aud"), str) else None) or policy.pipeline_id
        issued = args.issued_at if args.issued_at is not None else (
            int(raw["issued_at"]) if isinstance(raw.get("issued_at"), float) else int(time.time() * 1000))
        if not node or not NODE_ID.match(node):
            raise ConfigError("version 2 needs a node id (1..128 of [A-Za-z0-9._:@/-]): --node, the envelope's node_id or SHERATAN_NODE_ID")
        claims = {"node_id": node, "issued_at": issued, "aud": aud}
    return sign_envelope(envelope, mode, version, policy.hmac_key, key_id, seed, claims)


def cmd_sign(args):
    env = dict(os.environ)
    try:
        inputs = _signing_inputs(args, env)
        data = _read_input(args.file)
        signed = _sign_one(data, args, env, *inputs)
    except MalformedEnvelope as e:
        return _fail("sign", "malformed envelope: %s" % e)
    except (ConfigError, StrictJsonError, OSError) as e:
        return _fail("sign", e)
    sys.stdout.buffer.write(signed.to_json() + b"\n")
    sys.stdout.buffer.flush()
    return 0


def cmd_verify(args):
    env = dict(os.environ)
    try:
        policy = Policy(env)
        data = _read_input(args.file)
    except (ConfigError, OSError) as e:
        return _fail("verify", e)
    try:
        envelope = read_envelope(data, policy.limits)
    except MalformedEnvelope as e:
        print("rejected malformed")
        return _fail("verify", "malformed envelope: %s" % e)
    path = args.keyring or policy.keyring_file
    try:
        if path:
            keyring = Keyring.read(path)
        else:
            keyring = policy.legacy_keyring()
    except (OSError, KeyringError) as e:
        return _fail("verify", "keyring %s refused: %s" % (path, e))
    outcome, reason = verify_envelope(envelope, policy, keyring, args.at if args.at is not None else int(time.time() * 1000))
    if outcome == "rejected":
        print("rejected " + reason)
        return 1
    print("verified")
    if outcome == "accepted_unmarked":
        print("sheratan-client verify: warning: no integrity mark; accepted because SHERATAN_RESULT_INTEGRITY_REQUIRED=0", file=sys.stderr)
    return 0


_JAAS_FIELD = re.compile(r'(username|password)\s*=\s*"((?:[^"\\]|\\.)*)"')


def _read_properties(path):
    """A Java .properties file of Kafka client settings (key=value or key: value, # and ! comments)."""
    settings = {}
    with open(path, encoding="utf-8") as f:
        for raw in f.read().splitlines():
            line = raw.strip()
            if not line or line[0] in "#!":
                continue
            cut = min([i for i in (line.find("="), line.find(":")) if i >= 0] or [-1])
            if cut < 0:
                raise ConfigError("%s: '%s' is not key=value" % (path, line[:40]))
            settings[line[:cut].strip()] = line[cut + 1:].strip()
    return settings


def _librdkafka(java, where):
    """Java Kafka client settings (what SHERATAN_KAFKA_* and SHERATAN_KAFKA_CONFIG_FILE give the Java services)
    as librdkafka's: the JAAS line becomes sasl.username/sasl.password, PEM trust and key stores become
    ssl.ca.location / ssl.certificate.location / ssl.key.location. A setting only the JVM understands is refused
    by name rather than passed on to fail obscurely."""
    config = {}
    for key, value in java.items():
        if key == "sasl.jaas.config":
            fields = dict(_JAAS_FIELD.findall(value))
            if "PlainLoginModule" not in value and "ScramLoginModule" not in value or set(fields) != {"username", "password"}:
                raise ConfigError("%s: sasl.jaas.config must be a PlainLoginModule or ScramLoginModule line with username and password "
                                  "(other login modules are Java-only)" % where)
            config["sasl.username"], config["sasl.password"] = fields["username"], fields["password"].replace('\\"', '"')
        elif key in ("ssl.truststore.location", "ssl.keystore.location"):
            kind = java.get(key.replace("location", "type"), "JKS").upper()
            if kind != "PEM":
                raise ConfigError("%s: %s is a %s store, which only Java reads: give a PEM file and %s=PEM"
                                  % (where, key, kind, key.replace("location", "type")))
            if key == "ssl.truststore.location":
                config["ssl.ca.location"] = value
            else:  # one PEM file with the client's certificate and its key
                config["ssl.certificate.location"] = value
                config["ssl.key.location"] = value
        elif key in ("ssl.truststore.type", "ssl.keystore.type"):
            continue
        elif key == "ssl.endpoint.identification.algorithm":
            config[key] = "https" if value.lower() == "https" else "none"
        elif key.startswith("ssl.truststore.") or key.startswith("ssl.keystore.") or key in ("sasl.login.callback.handler.class",
                                                                                                "sasl.client.callback.handler.class"):
            raise ConfigError("%s: %s is a Java-only setting; see docs/clients.md for what the Python client takes" % (where, key))
        else:
            config[key] = value
    return config


def _kafka_config(args, env):
    """The client settings, from the same sources as the Java services': SHERATAN_KAFKA_CONFIG_FILE (a Java
    properties file), then SHERATAN_KAFKA_* (SHERATAN_KAFKA_SASL_MECHANISM -> sasl.mechanism), translated to
    librdkafka's names; then --config NAME=VALUE (librdkafka's own names, as they are)."""
    java = {}
    where = "SHERATAN_KAFKA_*"
    file = env.get("SHERATAN_KAFKA_CONFIG_FILE")
    if file:
        try:
            java.update(_read_properties(file))
        except OSError as e:
            raise ConfigError("SHERATAN_KAFKA_CONFIG_FILE=%s: %s" % (file, e.strerror or e))
        where = "SHERATAN_KAFKA_CONFIG_FILE / SHERATAN_KAFKA_*"
    for name, value in env.items():  # the pass-through of DESIGN 5
        if name.startswith("SHERATAN_KAFKA_") and name not in ("SHERATAN_KAFKA_LOG_LEVEL", "SHERATAN_KAFKA_CONFIG_FILE"):
            java[name[len("SHERATAN_KAFKA_"):].lower().replace("_", ".")] = value
    config = _librdkafka(java, where)
    config["bootstrap.servers"] = args.bootstrap or _env(env, "KAFKA_BOOTSTRAP_SERVERS", java.get("bootstrap.servers", "127.0.0.1:9092"))
    for item in args.config or []:
        if "=" not in item:
            raise ConfigError("--config wants name=value, was '%s'" % item)
        k, v = item.split("=", 1)
        config[k] = v
    return config


def cmd_publish(args):
    env = dict(os.environ)
    try:
        config = _kafka_config(args, env)
        inputs = _signing_inputs(args, env) if args.sign else None
        limits = limits_from_env(env)
        data = _read_input(args.file)
    except (ConfigError, OSError) as e:
        return _fail("publish", e)
    from confluent_kafka import Producer, KafkaException
    config.update({"enable.idempotence": True, "acks": "all", "compression.type": "lz4",
                   # the Java producer's murmur2 partitioner, so a job id lands where Java clients put it
                   "partitioner": "murmur2_random", "message.timeout.ms": int(args.timeout * 1000)})
    topic = args.topic or _env(env, "SHERATAN_TOPIC_SUBMITTED", "sheratan.results.submitted")
    producer = Producer(config)
    state = {"acked": 0, "failed": 0}

    def delivered(err, msg):
        if err is not None:
            state["failed"] += 1
            print("sheratan-client publish: not delivered (%s): %s" % (msg.key().decode("utf-8", "replace"), err), file=sys.stderr)
        else:
            state["acked"] += 1

    malformed = 0
    lines = [line for line in data.split(b"\n") if line.strip()] if args.lines else [data]
    for number, line in enumerate(lines, 1):
        try:
            if inputs:
                envelope = _sign_one(line, args, env, *inputs)
                value = envelope.to_json()
            else:
                envelope = read_envelope(line, limits)
                value = line.strip()
        except (MalformedEnvelope, ConfigError, StrictJsonError) as e:
            malformed += 1
            print("sheratan-client publish: line %d not sent: %s" % (number, e), file=sys.stderr)
            continue
        headers = [("sheratan.sent_at", str(int(time.time() * 1000)).encode())]
        if envelope.claims:
            headers.append(("sheratan.node_id", envelope.claims["node_id"].encode()))
        while True:
            try:
                producer.produce(topic, value=value, key=envelope.job_id.encode("utf-8"), headers=headers, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.1)  # backpressure: wait for the buffer to drain
        producer.poll(0)
    remaining = producer.flush(args.timeout)
    unacked = remaining + state["failed"]
    print("published %d, not delivered %d, malformed %d" % (state["acked"], unacked, malformed), file=sys.stderr)
    if unacked:
        return 3
    return 2 if malformed else 0


def _plain(value):
    """Avro values JSON cannot hold: timestamp-millis (a datetime) as milliseconds, bytes as hex."""
    if hasattr(value, "timestamp"):
        return int(round(value.timestamp() * 1000))
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    raise TypeError("not JSON: %r" % type(value))


VERIFIED_DEFAULTS = {"canonical_version": 0, "node_attested": False}


def verified_defaults(value):
    """A verified result in the flat JSON form written before canonical_version and node_attested existed
    gets the values Avro schema resolution gives the Avro form (0: unknown; false: node_id only claimed)."""
    if isinstance(value, dict):
        for name, default in VERIFIED_DEFAULTS.items():
            if value.get(name) is None:  # absent or null, as the audit sink reads it (asInt(0), asBoolean(false))
                value[name] = default
    return value


def cmd_consume(args):
    env = dict(os.environ)
    try:
        config = _kafka_config(args, env)
    except ConfigError as e:
        return _fail("consume", e)
    from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING, KafkaException
    names = {"verified": ("SHERATAN_TOPIC_VERIFIED", "sheratan.results.verified"),
             "audit": ("SHERATAN_TOPIC_AUDIT", "sheratan.results.audit"),
             "checkpoints": ("SHERATAN_TOPIC_CHECKPOINTS", "sheratan.audit.checkpoints")}
    topic = _env(env, *names[args.topic]) if args.topic in names else args.topic
    verified_topic = _env(env, *names["verified"])
    config.update({"group.id": args.group or "sheratan-client-%d" % os.getpid(), "enable.auto.commit": bool(args.group),
                   "isolation.level": "read_committed", "auto.offset.reset": "earliest"})
    avro_reader = None
    consumer = Consumer(config)
    try:
        metadata = consumer.list_topics(topic, timeout=args.timeout)
        partitions = metadata.topics[topic].partitions if topic in metadata.topics else {}
        if not partitions or metadata.topics[topic].error is not None:
            return _fail("consume", "topic %s not found at %s" % (topic, config["bootstrap.servers"]), 3)
        idle_since = [time.time()]
        if args.group:
            # --idle counts from joining the group: the join can take seconds, and that is not idleness
            consumer.subscribe([topic], on_assign=lambda _consumer, _partitions: idle_since.__setitem__(0, time.time()))
        else:
            consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        count = 0
        while args.max is None or count < args.max:
            msg = consumer.poll(0.5)
            if msg is None:
                if time.time() - idle_since[0] > args.idle:
                    break
                continue
            idle_since[0] = time.time()
            if msg.error():
                print("sheratan-client consume: %s" % msg.error(), file=sys.stderr)
                continue
            value = msg.value()
            line = {"topic": msg.topic(), "partition": msg.partition(), "offset": msg.offset(),
                    "key": msg.key().decode("utf-8", "replace") if msg.key() is not None else None}
            try:
                if value is None:
                    line["value"] = None
                elif value[:2] == b"\xc3\x01":
                    avro_reader = avro_reader or AvroReader()
                    line["format"] = "avro"
                    line["value"] = avro_reader.decode(value)
                else:
                    text = value.decode("utf-8")
                    try:
                        line["value"] = json.loads(text)
                        line["format"] = "json"
                        if topic == verified_topic:
                            verified_defaults(line["value"])
                    except ValueError:
                        line["value"] = text  # a checkpoint note is text
                        line["format"] = "text"
            except (ValueError, UnicodeDecodeError) as e:
                line["error"] = str(e)
            except ConfigError as e:
                return _fail("consume", e)
            print(json.dumps(line, ensure_ascii=False, sort_keys=True, default=_plain), flush=True)
            count += 1
    except KafkaException as e:
        return _fail("consume", "cannot reach Kafka: %s" % e, 3)
    finally:
        consumer.close()
    print("consumed %d from %s" % (count, topic), file=sys.stderr)
    return 0


def _signing_options(p):
    p.add_argument("--mode", choices=MODES, help="mark to compute (default: SHERATAN_RESULT_INTEGRITY_MODE, or ed25519 with a signing key)")
    p.add_argument("--v2", action="store_true", help="canonical version 2 (implied by ed25519 and SHERATAN_RESULT_CANONICAL_VERSION=2)")
    p.add_argument("--key", metavar="PEM", help="Ed25519 PKCS#8 private key (default: $SHERATAN_SIGNING_KEY_FILE)")
    p.add_argument("--key-id", metavar="ID", help="the key's id in the keyring (default: $SHERATAN_SIGNING_KEY_ID, or $SHERATAN_RESULT_HMAC_KEY_ID)")
    p.add_argument("--node", metavar="NODE_ID", help="version 2: the worker (default: the envelope's node_id, else $SHERATAN_NODE_ID)")
    p.add_argument("--aud", metavar="PIPELINE", help="version 2: the audience (default: the envelope's aud, else $SHERATAN_PIPELINE_ID)")
    p.add_argument("--issued-at", metavar="MILLIS", type=int, help="version 2: issued_at (default: the envelope's, else now)")


def _kafka_options(p):
    p.add_argument("--bootstrap", metavar="HOST:PORT", help="Kafka (default: $KAFKA_BOOTSTRAP_SERVERS, else 127.0.0.1:9092)")
    p.add_argument("--config", metavar="NAME=VALUE", action="append", help="any librdkafka setting (repeatable); "
                   "SHERATAN_KAFKA_* variables pass through too (SHERATAN_KAFKA_SECURITY_PROTOCOL -> security.protocol)")
    p.add_argument("--timeout", metavar="SECONDS", type=float, default=30.0, help="give up on Kafka after this (default 30)")


def main(argv=None):
    installed = os.path.basename(sys.argv[0] or "").startswith("sheratan-client")  # the console script of pip install
    parser = argparse.ArgumentParser(prog="sheratan-client" if installed else "sheratan_client.py", description=__doc__.split("\n\n")[0],
                                     epilog="Exit codes: 0 ok; 1 rejected (verify); 2 bad input or configuration; 3 Kafka unreachable.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser("canon", help="strict-profile RFC 8785 bytes of a JSON value",
                       description="Print the RFC 8785 canonical bytes of a JSON value under the strict profile (no trailing newline). "
                                   "Limits: SHERATAN_RESULT_MAX_BYTES, SHERATAN_RESULT_MAX_DEPTH. Exit 0, or 2 with a one-line reason.")
    p.add_argument("file", nargs="?", metavar="FILE|-", help="JSON input (default: stdin)")
    p.add_argument("--each-line-hex", action="store_true", help="for cross-implementation checks: each input line is one document "
                   "in hex; prints one line per document, 'ok <canonical bytes in hex>' or 'error <rule>'; exit 0")
    p.set_defaults(run=cmd_canon)
    p = sub.add_parser("sign", help="write an envelope back with a fresh integrity mark",
                       description="Read a JSON envelope (any integrity member is ignored) and write it back, canonical, with a fresh mark. "
                                   "hmac uses SHERATAN_RESULT_HMAC_KEY. Exit 0, or 2 with a one-line reason.")
    p.add_argument("file", nargs="?", metavar="FILE|-", help="JSON envelope (default: stdin)")
    _signing_options(p)
    p.set_defaults(run=cmd_sign)
    p = sub.add_parser("verify", help="check one envelope offline under the env policy",
                       description="Check one envelope (JSON, or Avro single-object) under SHERATAN_RESULT_INTEGRITY_MODE, _REQUIRED, SHERATAN_RESULT_CANONICAL_VERSION, "
                                   "SHERATAN_PIPELINE_ID, SHERATAN_RESULT_MAX_AGE/_MAX_SKEW and the keyring (--keyring, SHERATAN_KEYRING_FILE, "
                                   "else SHERATAN_RESULT_HMAC_KEY). Prints 'verified' or 'rejected <reason>'. Exit 0 verified, 1 rejected, 2 malformed.")
    p.add_argument("file", nargs="?", metavar="FILE|-", help="JSON envelope (default: stdin)")
    p.add_argument("--keyring", metavar="FILE", help="keyring file (default: $SHERATAN_KEYRING_FILE)")
    p.add_argument("--at", metavar="MILLIS", type=int, help="the record time t for key windows and freshness (default: now)")
    p.set_defaults(run=cmd_verify)
    p = sub.add_parser("publish", help="publish envelopes to the submitted topic, keyed by job_id",
                       description="Publish JSON envelopes (one per line; --whole for a single multi-line document) to the submitted topic, "
                                   "keyed by job_id, idempotent, acks=all, lz4, murmur2 partitioning. Malformed lines are reported and not sent. "
                                   "Exit 0 all acknowledged, 2 some lines malformed, 3 not all delivered.")
    p.add_argument("file", nargs="?", metavar="FILE|-", help="envelopes, one per line (default: stdin)")
    p.add_argument("--whole", dest="lines", action="store_false", help="the input is one envelope, not one per line")
    p.add_argument("--topic", help="default: $SHERATAN_TOPIC_SUBMITTED, else sheratan.results.submitted")
    p.add_argument("--sign", action="store_true", help="sign each envelope first (the sign options below apply)")
    _signing_options(p)
    _kafka_options(p)
    p.set_defaults(run=cmd_publish)
    p = sub.add_parser("consume", help="read the verified, audit or checkpoint topic as JSON lines",
                       description="Read a topic from the beginning (read_committed) and print one JSON line per record: topic, partition, "
                                   "offset, key, format (avro or json) and the decoded value. Stops after --max records or --idle seconds "
                                   "without one. Exit 0, 3 when Kafka or the topic cannot be reached.")
    p.add_argument("topic", nargs="?", default="verified", help="verified (default), audit, checkpoints, or a topic name")
    p.add_argument("--max", type=int, help="stop after this many records")
    p.add_argument("--idle", type=float, default=5.0, help="stop after this many seconds without a record (default 5)")
    p.add_argument("--group", help="consume as this consumer group and commit (default: no group, every partition from the start)")
    _kafka_options(p)
    p.set_defaults(run=cmd_consume)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
