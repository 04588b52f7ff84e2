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
    if (expected.includes('.') || expected.includes('e') || Math.abs(value) < 2 ** 53) {
      assert.equal(sc.canonicalize(expected).toString(), expected, hex);
    }
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
