// The Node client against the repository's conformance data (run: npm test, in clients/node).
// A missing file is a failure, never a skip.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as sc from '../sheratan-client.mjs';

const CONFORMANCE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'conformance');
const read = (...p) => fs.readFileSync(path.join(CONFORMANCE, ...p));

function vectorBytes(v, prefix) {
  if (v[`${prefix}_hex`] !== undefined) return Buffer.from(v[`${prefix}_hex`], 'hex');
  if (v[`${prefix}_text`] !== undefined) return Buffer.from(v[`${prefix}_text`], 'utf8');
  if (prefix === 'input') return Buffer.from(v.input, 'utf8');
  return Buffer.from(JSON.stringify(v[prefix]), 'utf8');
}

test('strict-profile canon vectors', () => {
  const { vectors } = JSON.parse(read('strict', 'canon.json'));
  assert.ok(vectors.length >= 50);
  for (const v of vectors) {
    const lim = sc.limitsFromEnv(v.env ?? {});
    if (v.expected !== undefined) {
      assert.equal(sc.canonicalize(vectorBytes(v, 'input'), lim).toString('utf8'), v.expected, v.name);
    } else {
      assert.throws(() => sc.canonicalize(vectorBytes(v, 'input'), lim), (e) => e instanceof sc.StrictJsonError && e.rule === v.error, v.name);
    }
  }
});

test('RFC 8785 reference vectors', () => {
  const names = fs.readdirSync(path.join(CONFORMANCE, 'vectors', 'jcs', 'input')).sort();
  assert.equal(names.length, 6);
  for (const name of names) {
    assert.deepEqual(sc.canonicalize(read('vectors', 'jcs', 'input', name)), read('vectors', 'jcs', 'output', name), name);
  }
});

test('100,000 ES6 numbers through the parser and the writer', () => {
  const lines = zlib.gunzipSync(read('vectors', 'jcs', 'es6-numbers-100k.txt.gz')).toString('ascii').split('\n').filter(Boolean);
  let count = 0;
  const view = new DataView(new ArrayBuffer(8));
  for (const line of lines) {
    const [hex, expected] = line.split(',');
    view.setBigUint64(0, BigInt('0x' + hex));
    const value = view.getFloat64(0);
    if (!Number.isFinite(value)) continue;
    assert.equal(sc.canonical(value).toString(), expected, hex);
    // the fixed point (DESIGN 3.5): integer forms of 2^53 and above too, although they are not the double's exact value
    assert.equal(sc.canonicalize(expected).toString(), expected, hex);
    count++;
  }
  assert.ok(count > 99000);
});

test('every envelope vector: core, sha256, PAE, the signature reproduced and the verdict', () => {
  const doc = JSON.parse(read('v2', 'envelopes.json'));
  const keyring = sc.Keyring.parse(Buffer.from(JSON.stringify(doc.keyring)));
  const signingKey = sc.ed25519PrivateKey(Buffer.from(doc.ed25519_seed_hex, 'hex'));
  const secret = Buffer.from(doc.hmac_secret_ascii, 'ascii');
  const seen = new Set();
  assert.ok(doc.vectors.length >= 80);
  for (const v of doc.vectors) {
    const policy = sc.policyFromEnv({ SHERATAN_KEYRING_FILE: "(the file's keyring)", ...(v.env ?? {}) });
    const data = vectorBytes(v, 'envelope');
    seen.add(v.expected);
    if (v.expected === 'malformed') {
      assert.throws(() => sc.readEnvelope(data, policy.limits), sc.MalformedEnvelope, v.name);
      continue;
    }
    const envelope = sc.readEnvelope(data, policy.limits);
    const [outcome, reason] = sc.verifyEnvelope(envelope, policy, keyring, v.t);
    if (v.expected !== 'verified') {
      assert.deepEqual([outcome, reason], ['rejected', v.expected], v.name);
      continue;
    }
    assert.ok(outcome === 'verified' || outcome === 'accepted_unmarked', v.name);
    if (v.core !== undefined) {
      assert.equal(envelope.coreBytes().toString('utf8'), v.core, v.name);
      assert.equal(envelope.coreSha256(), v.sha256, v.name);
    }
    if (v.pae !== undefined) assert.equal(sc.pae(envelope.coreBytes()).toString('utf8'), v.pae, v.name);
    const mark = envelope.mark;
    if (mark && mark.mode && (mark.sha256 || mark.sig)) {
      const signed = sc.signEnvelope(envelope, { mode: mark.mode, version: mark.v ?? 1, keyId: mark.key_id, hmacKey: secret, signingKey, claims: envelope.claims });
      assert.equal(signed.mark.sha256, mark.sha256, v.name);
      if (mark.sig) assert.equal(signed.mark.sig, mark.sig, v.name);
    }
  }
  for (const r of ['verified', 'missing_integrity', 'sha_mismatch', 'sig_mismatch', 'unsupported_mode', 'unknown_key', 'key_not_valid',
    'node_mismatch', 'stale', 'future_dated', 'wrong_audience', 'unsupported_version', 'malformed']) assert.ok(seen.has(r), r);
});

test('the keyring refuses small-order keys, short secrets and repeated ids', () => {
  const ring = (keys) => Buffer.from(JSON.stringify({ keys }));
  for (const pk of [Buffer.alloc(32), Buffer.concat([Buffer.from([1]), Buffer.alloc(31)])]) {
    assert.throws(() => sc.Keyring.parse(ring([{ key_id: 'k', alg: 'ed25519', public_key: pk.toString('base64') }])), sc.KeyringError);
  }
  assert.throws(() => sc.Keyring.parse(ring([{ key_id: 'k', alg: 'hmac-sha256', secret: Buffer.alloc(31, 1).toString('base64') }])), sc.KeyringError);
  assert.throws(() => sc.Keyring.parse(Buffer.from('{"keys":[{"key_id":"k","alg":"hmac-sha256","secret":"' + Buffer.alloc(32, 1).toString('base64')
    + '","key_id":"j"}]}')), sc.KeyringError);
});

test('Wycheproof Ed25519', () => {
  const doc = JSON.parse(read('vectors', 'ed25519', 'wycheproof_ed25519_test.json'));
  let checked = 0;
  for (const group of doc.testGroups) {
    const pk = Buffer.from(group.publicKey.pk, 'hex');
    for (const c of group.tests) {
      assert.equal(sc.ed25519Verify(pk, Buffer.from(c.msg, 'hex'), Buffer.from(c.sig, 'hex')), c.result === 'valid', `tcId ${c.tcId}`);
      checked++;
    }
  }
  assert.ok(checked > 100);
});

// ------------------------------------------------------------------------------ the fixed point (DESIGN 3.5)
// The properties of the Java FixedPointTest, from fixed seeds: the canonical form of every accepted document is
// accepted and canonicalizes to itself, and whatever a signer signs, the verifier verifies.

/** SplitMix64: 64-bit patterns and small integers from a seed. */
function random(seed) {
  const MASK = (1n << 64n) - 1n;
  let state = BigInt(seed);
  const bits = () => {
    state = (state + 0x9e3779b97f4a7c15n) & MASK;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  };
  const below = (n) => Number(bits() % BigInt(n));
  return { bits, below, between: (lo, hi) => lo + below(hi - lo + 1), unit: () => Number(bits() >> 11n) / 2 ** 53, pick: (xs) => xs[below(xs.length)] };
}

function randomDouble(rng) {
  const view = new DataView(new ArrayBuffer(8));
  for (;;) {
    view.setBigUint64(0, rng.bits());
    const value = view.getFloat64(0);
    if (Number.isFinite(value)) return value;
  }
}

/** Random bits, or an integer near a power of two (2^52..2^70) or of ten (10^15..10^22), where ES6 writes zeros. */
function someDouble(rng) {
  const kind = rng.below(3);
  if (kind === 0) return randomDouble(rng);
  const base = kind === 1 ? 2n ** BigInt(rng.between(52, 70)) : 10n ** BigInt(rng.between(15, 22));
  return rng.pick([1, -1]) * Number(base + BigInt(rng.between(-1000, 1000)));
}

/** 1 to 400 digits; half of them near a power of two or of ten, where rewriting happens. */
function integerLiteral(rng) {
  switch (rng.below(4)) {
    case 0: {
      const near = 2n ** BigInt(rng.between(50, 79)) + BigInt(rng.between(-1000, 1000));
      return String(near > 0n ? near : 1n);
    }
    case 1: return String(10n ** BigInt(rng.between(14, 23)) + BigInt(rng.between(-1000, 1000)));
    case 2: return String(Math.floor(rng.unit() * 2 ** (53 + rng.below(16)))); // ES6 of a double in the integer range: always accepted
    default: {
      let digits = String(rng.between(1, 9));
      for (let n = rng.below(400); n > 0; n--) digits += rng.below(10);
      return digits;
    }
  }
}

const STRINGS = ['"x"', '"h\\u00e9llo \\u2603"', '"\\ud83d\\ude00"', '"a\\/b\\n"', '""'];

/** A small JSON text: objects, arrays, literals, strings and numbers of every form, with some whitespace. */
function document(rng, depth = 0) {
  const kind = depth > 3 ? 3 + rng.below(4) : rng.below(7);
  const ws = rng.pick(['', '', ' ', '\n ']);
  const some = (f) => Array.from({ length: rng.below(4) }, (_, i) => f(i)).join(',' + ws);
  switch (kind) {
    case 0: return '{' + some((i) => `"${rng.pick(['a', 'b', 'c', 'd', 'e'])}${i}"${ws}:${document(rng, depth + 1)}`) + '}';
    case 1: return '[' + ws + some(() => document(rng, depth + 1)) + ']';
    case 2: return rng.pick(['true', 'false', 'null']);
    case 3: return rng.pick(STRINGS);
    case 4: return rng.pick(['', '-']) + integerLiteral(rng);
    case 5: {
      const value = someDouble(rng);
      return rng.below(2) ? String(value) : value.toExponential();
    }
    default: return `${rng.between(-1000, 999)}.${rng.below(1000)}e${rng.between(-40, 39)}`;
  }
}

const canon = (text, lim) => sc.canonicalize(Buffer.from(text, 'utf8'), lim).toString('utf8');

function assertFixedPoint(accepted, lim) {
  const once = canon(accepted, lim);
  assert.equal(canon(once, lim), once, accepted);
}

test('every finite double in ES6 form canonicalizes to itself', () => {
  const rng = random(1);
  for (let i = 0; i < 20000; i++) {
    const value = someDouble(rng);
    const es6 = String(value);
    assert.equal(canon(es6), es6);
    assertFixedPoint(value.toExponential());
  }
});

test('an integer literal is accepted exactly when ES6 prints its double as it is', () => {
  const rng = random(2);
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < 20000; i++) {
    const literal = rng.pick(['', '-']) + integerLiteral(rng);
    const es6 = String(Number(literal));
    let out;
    try {
      out = canon(literal);
    } catch (e) {
      assert.ok(e instanceof sc.StrictJsonError && ['inexact_integer', 'number_overflow'].includes(e.rule), literal);
      assert.notEqual(es6, literal);
      refused++;
      continue;
    }
    assert.equal(out, literal);
    assert.equal(es6, literal);
    assert.equal(canon(out), out);
    accepted++;
  }
  assert.ok(accepted > 1000 && refused > 1000, `${accepted} accepted, ${refused} refused`);
});

test('every accepted document canonicalizes to a fixed point under its limit', () => {
  const rng = random(3);
  let accepted = 0;
  let tooLarge = 0;
  for (let i = 0; i < 5000; i++) {
    const doc = document(rng);
    const lim = sc.limits(rng.pick([sc.DEFAULT_MAX_BYTES, 256, 64]));
    try {
      canon(doc, lim);
    } catch (e) {
      assert.ok(e instanceof sc.StrictJsonError, doc);
      if (e.rule === 'too_large') tooLarge++;
      continue;
    }
    assertFixedPoint(doc, lim);
    accepted++;
  }
  assert.ok(accepted > 2000, `${accepted} accepted`);
  assert.ok(tooLarge > 0);
});

test('every signer signs what the verifier verifies, for random results', () => {
  const doc = JSON.parse(read('v2', 'envelopes.json'));
  const keyring = sc.Keyring.parse(Buffer.from(JSON.stringify(doc.keyring)));
  const signingKey = sc.ed25519PrivateKey(Buffer.from(doc.ed25519_seed_hex, 'hex'));
  const hmacKey = Buffer.from(doc.hmac_secret_ascii, 'ascii');
  const t = 1795924800000;
  const policy = sc.policyFromEnv({ SHERATAN_KEYRING_FILE: "(the file's keyring)" });
  const claims = { node_id: 'worker-7', issued_at: t, aud: 'sheratan' };
  const signers = [{ mode: 'sha256', version: 1 }, { mode: 'sha256', version: 2 },
    { mode: 'hmac', version: 1, keyId: 'hmac/2026-11' }, { mode: 'hmac', version: 2, keyId: 'hmac/2026-11' },
    { mode: 'ed25519', version: 2, keyId: 'worker-7/2026-11' }];
  const rng = random(4);
  let signed = 0;
  for (let i = 0; i < 300; i++) {
    const result = document(rng);
    let envelope;
    try {
      envelope = sc.readEnvelope(Buffer.from(`{"job_id":"job-${i}","ok":true,"result":${result}}`), policy.limits);
    } catch (e) {
      assert.ok(e instanceof sc.MalformedEnvelope, result);
      continue; // the signer refuses it too: nothing is signed that the verifier would call malformed
    }
    for (const signer of signers) {
      const marked = sc.signEnvelope(envelope, { ...signer, hmacKey, signingKey, claims });
      const back = sc.readEnvelope(marked.toJson(), policy.limits);
      assert.deepEqual(sc.verifyEnvelope(back, policy, keyring, t), ['verified', null], `${signer.mode} v${signer.version} over ${result}`);
      signed++;
    }
  }
  assert.ok(signed > 500, `${signed} signed`);
});
