// The Node client against the repository's conformance data (run: npm test, in clients/node).
// A missing file is a failure, never a skip.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
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

/** The keys, keyring, time and policy of conformance/v2/envelopes.json, as the signing tests use them. */
function v2Fixture() {
  const doc = JSON.parse(read('v2', 'envelopes.json'));
  return {
    doc,
    keyring: sc.Keyring.parse(Buffer.from(JSON.stringify(doc.keyring))),
    signingKey: sc.ed25519PrivateKey(Buffer.from(doc.ed25519_seed_hex, 'hex')),
    hmacKey: Buffer.from(doc.hmac_secret_ascii, 'ascii'),
    t: 1795924800000,
    policy: sc.policyFromEnv({ SHERATAN_KEYRING_FILE: "(the file's keyring)" }),
  };
}

test('every signer signs what the verifier verifies, for random results', () => {
  const { doc, keyring, signingKey, hmacKey, t, policy } = v2Fixture();
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

// ------------------------------------------------------------------------------ strict Avro varints (Java's StrictBinaryTest)

/** Avro's encoding of an int or long: zig-zag, then 7 bits a byte, least significant first. */
function zigzag(value, bits = 64n) {
  let raw = BigInt.asUintN(Number(bits), (BigInt(value) << 1n) ^ (BigInt(value) >> (bits - 1n)));
  const out = [];
  while (raw >= 0x80n) { out.push(Number(raw & 0x7fn) | 0x80); raw >>= 7n; }
  out.push(Number(raw));
  return Buffer.from(out);
}

test('every varint Avro writes at the limits is accepted', () => {
  for (const v of [0n, 1n, -1n, 63n, -64n, 64n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 63n - 1n, -(2n ** 63n)]) {
    assert.doesNotThrow(() => sc.strictAvroCheck('long', zigzag(v), 0), String(v));
  }
  assert.equal(zigzag(-(2n ** 63n)).toString('hex'), 'ffffffffffffffffff01');
  sc.strictAvroCheck('int', Buffer.from('ffffffff0f', 'hex'), 0); // -2^31: 5 bytes, top bits 1111
  sc.strictAvroCheck('int', Buffer.from('00', 'hex'), 0);
});

test('a boolean byte other than 00 or 01 is refused (Java reads 02 as false, avsc as true)', () => {
  sc.strictAvroCheck('boolean', Buffer.from([0]), 0);
  sc.strictAvroCheck('boolean', Buffer.from([1]), 0);
  assert.throws(() => sc.strictAvroCheck('boolean', Buffer.from([2]), 0), /boolean/);
});

test('overlong and ambiguous varints are refused', () => {
  const refused = [['80808080808080808002', 'long', 'more than 64 bits'], // Java 0, Python 2^63, JavaScript NaN
    ['ffffffffffffffffff03', 'long', 'more than 64 bits'], ['8080808080808080808000', 'long', 'more than 64 bits'], // 11 bytes
    ['8000', 'long', 'shortest form'], ['ff00', 'long', 'shortest form'], ['0180', 'long', 'trailing bytes'], ['80', 'long', 'runs past the data'],
    ['ffffffff1f', 'int', 'more than 32 bits'], ['808080808000', 'int', 'more than 32 bits'], ['8100', 'int', 'shortest form']];
  for (const [hex, schema, message] of refused) {
    assert.throws(() => sc.strictAvroCheck(schema, Buffer.from(hex, 'hex'), 0), (e) => e.message.includes(message), hex);
  }
});

test('the conformance vectors that Avro itself reads are malformed', () => {
  const vectors = JSON.parse(read('v2', 'envelopes.json')).vectors.filter((v) => v.name.includes('overlong varint'));
  assert.equal(vectors.length, 5);
  for (const v of vectors) {
    assert.throws(() => sc.readEnvelope(Buffer.from(v.envelope_hex, 'hex')), (e) => e instanceof sc.MalformedEnvelope && e.message.includes('overlong varint'), v.name);
  }
});

test('a v1 Avro envelope keeps whatever long it carries in issued_at, as the verifier does', () => {
  const v = JSON.parse(read('v2', 'envelopes.json')).vectors.find((x) => x.name === 'avro: v1 sha256');
  const data = Buffer.from(v.envelope_hex, 'hex');
  assert.equal(data.subarray(-3).toString('hex'), '000000'); // node_id, issued_at, aud: null
  for (const issuedAt of [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n]) {
    const envelope = sc.readEnvelope(Buffer.concat([data.subarray(0, -2), Buffer.from([2]), zigzag(issuedAt), Buffer.from([0])]));
    assert.deepEqual(sc.verifyEnvelope(envelope, sc.policyFromEnv({}), new sc.Keyring(new Map()), v.t), ['verified', null], String(issuedAt));
  }
});

// ------------------------------------------------------------------------------ VerifiedResult records of every schema version

const HISTORY = path.join(CONFORMANCE, '..', 'schemas', 'src', 'main', 'resources', 'avro-history');
const RECORD = { job_id: 'job-1', ok: true, result: '{"v":1}', error: null, sha256: 'ab'.repeat(32), mode: 'hmac', key_id: 'hmac/2026-11',
  node_id: 'worker-7', verified_at: 1795924800000, source_partition: 3, source_offset: 42 };

/** C3 01, the 8-byte little-endian CRC-64-AVRO fingerprint, the body written by avsc. */
async function singleObject(file, record) {
  const avro = (await import('avsc')).default;
  const schema = JSON.parse(fs.readFileSync(path.join(HISTORY, file), 'utf8'));
  return Buffer.concat([Buffer.from([0xc3, 0x01]), sc.avroFingerprint(sc.parsingCanonicalForm(schema)), avro.Type.forSchema(schema).toBuffer(record)]);
}

test('a VerifiedResult of the old schema reads with the defaults, one of the current schema with its values', async () => {
  const decode = await sc.avroReader();
  const old = decode(await singleObject('VerifiedResult-v1.avsc', RECORD));
  assert.deepEqual([old.canonical_version, old.node_attested, old.job_id, old.source_offset], [0, false, 'job-1', 42]);
  const current = decode(await singleObject('VerifiedResult-v2.avsc', { ...RECORD, canonical_version: 2, node_attested: true }));
  assert.deepEqual([current.canonical_version, current.node_attested], [2, true]);
  const printed = JSON.parse(JSON.stringify(current)); // what consume prints
  assert.deepEqual([printed.canonical_version, printed.node_attested, printed.verified_at], [2, true, 1795924800000]);
  const zero = await singleObject('VerifiedResult-v2.avsc', { ...RECORD, canonical_version: 0, node_attested: false });
  assert.equal(zero.subarray(-2).toString('hex'), '0000');
  assert.throws(() => decode(Buffer.concat([zero.subarray(0, -2), Buffer.from('800000', 'hex')])), /overlong varint/);
  assert.deepEqual(sc.verifiedDefaults({ job_id: 'j' }), { job_id: 'j', canonical_version: 0, node_attested: false });
  assert.deepEqual(sc.verifiedDefaults({ canonical_version: 2, node_attested: true }), { canonical_version: 2, node_attested: true });
});

// ------------------------------------------------------------------------------ keyring files as Keyring.java reads them

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sheratan-keyring-'));
const hmacEntry = (keyId, window = {}) => ({ key_id: keyId, alg: 'hmac-sha256', secret: Buffer.from(keyId.padEnd(32, 'x')).toString('base64'), ...window });
const ringOf = (keys) => Buffer.from(JSON.stringify({ keys }));
const refused = (data, message) => assert.throws(() => sc.Keyring.parse(data), (e) => e instanceof sc.KeyringError && e.message.includes(message), message);
const CLIENT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'sheratan-client.mjs');

test('a keyring is exactly one JSON document', () => {
  sc.Keyring.parse(Buffer.from('{"keys":[],"tokens":[]}\n  '));
  refused(Buffer.from('{"keys":[],"tokens":[]} <<<<<<< HEAD'), 'not one JSON document');
  refused(Buffer.from('{"keys":[],"tokens":[]}{"keys":[]}'), 'not one JSON document');
  for (const keys of ['null', '{}', '0', '""', 'false']) refused(Buffer.from(`{"keys":${keys}}`), '"keys" must be an array');
  refused(Buffer.from('{"tokens":null}'), '"tokens" must be an array');
});

test('a keyring file is a regular file of at most 1 MiB, read twice', () => {
  const dir = tmp();
  try {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // in a child, so that a read that waits on the FIFO fails the test instead of hanging it
    const script = `import(${JSON.stringify(CLIENT)}).then((sc) => { try { sc.Keyring.readFile(${JSON.stringify(fifo)}); } catch (e) { console.log(e.message); } });`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10000, encoding: 'utf8' });
    assert.equal(child.error, undefined, 'reading a FIFO waited');
    assert.match(child.stdout, /not a regular file/);
    assert.throws(() => sc.Keyring.readFile(dir), /a directory/);
    fs.writeFileSync(path.join(dir, 'max'), Buffer.alloc(1048576, 0x20));
    assert.equal(sc.Keyring.readFile(path.join(dir, 'max')).length, 1048576);
    fs.writeFileSync(path.join(dir, 'big'), Buffer.alloc(1048577, 0x20));
    assert.throws(() => sc.Keyring.readFile(path.join(dir, 'big')), /larger than 1048576 bytes/);
    fs.writeFileSync(path.join(dir, 'ring.json'), ringOf([hmacEntry('k')]));
    fs.symlinkSync(path.join(dir, 'ring.json'), path.join(dir, 'link')); // as Kubernetes mounts them
    assert.ok(sc.Keyring.read(path.join(dir, 'link')).keys.has('k'));
    const original = sc.Keyring.readOnce;
    const reads = [Buffer.from('{"keys":[]}'), Buffer.from('{"keys":[]} ')];
    sc.Keyring.readOnce = () => reads.shift();
    try {
      assert.throws(() => sc.Keyring.readFile(path.join(dir, 'ring.json')), /changed while it was read/);
    } finally {
      sc.Keyring.readOnce = original;
    }
    fs.writeFileSync(path.join(dir, 'e.json'), '{"job_id":"j","ok":true}');
    const verify = spawnSync(process.execPath, [CLIENT, 'verify', path.join(dir, 'e.json'), '--keyring', fifo], { timeout: 10000, encoding: 'utf8' });
    assert.equal(verify.error, undefined, 'verify waited on a FIFO keyring');
    assert.equal(verify.status, 2);
    assert.match(verify.stderr, /not a regular file/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('at most 8 hmac keys without nodes are valid at the same instant', () => {
  const eight = Array.from({ length: 8 }, (_, i) => hmacEntry(`k${i}`));
  sc.Keyring.parse(ringOf(eight));
  assert.throws(() => sc.Keyring.parse(ringOf([...eight, hmacEntry('k8')])), (e) => e.message.includes('hmac-sha256 keys without nodes are valid at the same time')
    && e.message.includes('at most 8') && !e.message.includes('(from'));
  // windows: [not_before, not_after), so a key ending at t and one starting at t are never valid together
  const ending = Array.from({ length: 8 }, (_, i) => hmacEntry(`k${i}`, { not_after: 1000 }));
  sc.Keyring.parse(ringOf([...ending, hmacEntry('late', { not_before: 1000 })]));
  refused(ringOf([...ending, hmacEntry('late', { not_before: 999 })]), 'at most 8 are allowed');
  refused(ringOf([...ending, hmacEntry('late', { not_before: 999 })]), '(from 999)');
  // keys bound to nodes and ed25519 keys are not tried for a v1 mark without key_id
  sc.Keyring.parse(ringOf([...eight, { ...hmacEntry('bound'), nodes: ['worker-7'] },
    { key_id: 'ed', alg: 'ed25519', public_key: '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=' }]));
});

test('base64 and times as Java reads them', () => {
  const secret = Buffer.alloc(32, 's').toString('base64'); // 44 characters, one '='
  for (const text of [secret, secret.replace(/=+$/, '')]) {
    assert.deepEqual(sc.Keyring.parse(ringOf([{ key_id: 'k', alg: 'hmac-sha256', secret: text }])).keys.get('k').secret, Buffer.alloc(32, 's'));
  }
  for (const text of [secret + '=', secret.slice(0, -1) + '==', secret + 'A', secret.slice(0, 4) + '=' + secret.slice(4), secret.slice(0, -1) + ' ']) {
    refused(ringOf([{ key_id: 'k', alg: 'hmac-sha256', secret: text }]), 'not base64');
  }
  refused(Buffer.from(JSON.stringify({ keys: [hmacEntry('k')] }).replace('}]', ',"not_after":100000000000000000000}]')), 'milliseconds since the epoch'); // a double, no Java long
});

// ------------------------------------------------------------------------------ the shape of sig, before any key work

test('a misshapen sig is sig_mismatch after the key checks, without any HMAC or Ed25519 work', () => {
  const { doc, keyring, signingKey, hmacKey, t, policy } = v2Fixture();
  const envelope = sc.readEnvelope(Buffer.from('{"job_id":"job-9","ok":true,"result":42}'));
  const signed = (mode, version, keyId, node = 'worker-7') => sc.signEnvelope(envelope, { mode, version, keyId, hmacKey, signingKey, claims: { node_id: node, issued_at: t, aud: 'sheratan' } });
  const calls = [];
  const { createHmac, verify } = crypto;
  const verdict = (e, sig, ring = keyring) => {
    e.mark.sig = sig;
    calls.length = 0;
    crypto.createHmac = (...a) => { calls.push('hmac'); return createHmac(...a); };
    crypto.verify = (...a) => { calls.push('ed25519'); return verify(...a); };
    try {
      return sc.verifyEnvelope(e, policy, ring, t);
    } finally {
      Object.assign(crypto, { createHmac, verify });
    }
  };
  for (const [mode, version, keyId] of [['hmac', 1, null], ['hmac', 1, 'hmac/2026-11'], ['hmac', 2, 'hmac/2026-11'], ['ed25519', 2, 'worker-7/2026-11']]) {
    const e = signed(mode, version, keyId);
    const sig = e.mark.sig;
    assert.deepEqual(verdict(e, sig), ['verified', null]);
    assert.deepEqual(calls, [mode]);
    const bads = [null, '', sig.slice(0, -1), sig + '0', sig.slice(0, -1) + 'g', sig.slice(0, -1) + ' '];
    if (mode === 'hmac') bads.push(sig.toUpperCase());
    for (const bad of bads) {
      assert.deepEqual(verdict(e, bad), ['rejected', 'sig_mismatch'], `${mode} v${version} ${keyId}: ${bad}`);
      assert.deepEqual(calls, [], `${mode} v${version} ${keyId}: ${bad}`);
    }
  }
  // the key checks come first: unknown_key, key_not_valid and node_mismatch whatever the sig looks like
  const noHmac = new sc.Keyring(new Map([...keyring.keys].filter(([, k]) => k.alg !== 'hmac-sha256')));
  assert.deepEqual(verdict(signed('hmac', 1, null), 'zz', noHmac), ['rejected', 'unknown_key']);
  assert.deepEqual(verdict(signed('hmac', 2, 'hmac/nope'), 'zz'), ['rejected', 'unknown_key']);
  assert.deepEqual(verdict(signed('ed25519', 2, 'retired/2025'), 'zz'), ['rejected', 'key_not_valid']);
  assert.deepEqual(verdict(signed('ed25519', 2, 'worker-7/2026-11', 'worker-8'), 'zz'), ['rejected', 'node_mismatch']);
});
