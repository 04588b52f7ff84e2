#!/usr/bin/env node
// Sheratan client for Node workers and consumers (DESIGN.md, docs/contract/).
//
//   node clients/node/sheratan-client.mjs canon|sign|verify|publish|consume [--help]
//
// canon, sign and verify need Node alone (Ed25519 from node:crypto); publish and consume use kafkajs with
// an LZ4 codec (lz4js: the pipeline's producers compress with lz4, which kafkajs cannot read by itself) and
// avsc for the single-object Avro values. The JSON parser is our own: JSON.parse keeps the last of two
// duplicate names and rounds big integers silently, which the strict profile refuses.
//
// Installed (npm install <the tarball of npm pack clients/node>): the same commands as `sheratan-client ...`, the module as
// import { signEnvelope } from 'sheratan-client' (types: sheratan-client.d.ts), the Avro schemas from its schemas/ folder.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 64;
const DEPTH_CEILING = 1000;
const MAX_JOB_ID = 256;
const MARK_FIELD_LIMITS = { mode: 32, sha256: 128, sig: 256, key_id: 256 };
const NODE_ID = /^[A-Za-z0-9._:@/-]{1,128}$/;
const MAX_AUD_UNITS = 256;
const MAX_ISSUED_AT = 2 ** 53;
const PAE_TYPE = 'application/vnd.sheratan.result.v2+json';
export const MODES = ['sha256', 'hmac', 'ed25519']; // weakest first

// ------------------------------------------------------------------------------ strict JSON (DESIGN 3.2)

const DESCRIPTIONS = {
  syntax: 'not valid JSON',
  duplicate_name: 'duplicate member name',
  lone_surrogate: 'lone surrogate in string',
  invalid_utf8: 'invalid UTF-8',
  inexact_integer: 'integer literal that canonicalization would rewrite (not exactly a double, or not printed as itself; send it as a string)',
  number_overflow: 'number overflows to infinity',
  too_deep: 'nesting deeper than the limit',
  trailing_bytes: 'bytes after the JSON value',
  too_large: 'document larger than the limit',
};

export class StrictJsonError extends Error {
  constructor(rule, offset, explanation) {
    super(`${DESCRIPTIONS[rule]} (${rule}) at character ${offset}${explanation ? ': ' + explanation : ''}`);
    this.rule = rule;
    this.offset = offset;
  }
}

export class MalformedEnvelope extends Error {}
export class ConfigError extends Error {}

export function limits(maxBytes = DEFAULT_MAX_BYTES, maxDepth = DEFAULT_MAX_DEPTH) {
  if (maxBytes < 2) throw new ConfigError('maxBytes must be at least 2');
  if (maxDepth < 1 || maxDepth > DEPTH_CEILING) throw new ConfigError(`maxDepth must be between 1 and ${DEPTH_CEILING}`);
  return { maxBytes, maxDepth };
}

/** Index of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629), or -1. */
function firstInvalidUtf8(b) {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const b0 = b[i];
    if (b0 < 0x80) { i++; continue; }
    let len; let lo = 0x80; let hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) len = 2;
    else if (b0 >= 0xe0 && b0 <= 0xef) { len = 3; if (b0 === 0xe0) lo = 0xa0; else if (b0 === 0xed) hi = 0x9f; }
    else if (b0 >= 0xf0 && b0 <= 0xf4) { len = 4; if (b0 === 0xf0) lo = 0x90; else if (b0 === 0xf4) hi = 0x8f; }
    else return i;
    if (n - i < len) return i;
    if (b[i + 1] < lo || b[i + 1] > hi) return i;
    for (let k = 2; k < len; k++) if (b[i + k] < 0x80 || b[i + k] > 0xbf) return i;
    i += len;
  }
  return -1;
}

const ESCAPES = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const BAD_BYTE = '\uDC80'; // stands for the first byte that is not UTF-8: a raw lone surrogate never comes out of a decoder

class Parser {
  constructor(text, maxDepth, totalBytes) { this.s = text; this.n = text.length; this.maxDepth = maxDepth; this.totalBytes = totalBytes; }

  fail(rule, pos, why) { throw new StrictJsonError(rule, pos, why); }

  ws(i) {
    const s = this.s;
    while (i < this.n) { const c = s.charCodeAt(i); if (c === 32 || c === 9 || c === 10 || c === 13) i++; else break; }
    return i;
  }

  value(i, depth) {
    if (i >= this.n) this.fail('syntax', i, 'unexpected end of input');
    const c = this.s[i];
    if (c === '{') return this.object(i, depth);
    if (c === '[') return this.array(i, depth);
    if (c === '"') return this.string(i);
    if (c === 't') return this.literal(i, 'true', true);
    if (c === 'f') return this.literal(i, 'false', false);
    if (c === 'n') return this.literal(i, 'null', null);
    return this.number(i);
  }

  literal(i, word, value) {
    if (this.s.startsWith(word, i)) return [value, i + word.length];
    return this.fail('syntax', i, 'unknown literal');
  }

  object(i, depth) {
    if (depth > this.maxDepth) this.fail('too_deep', i, `limit ${this.maxDepth}`);
    const result = new Map(); // never a plain object: "__proto__" is a name like any other
    i = this.ws(i + 1);
    if (this.s[i] === '}') return [result, i + 1];
    for (;;) {
      if (this.s[i] !== '"') this.fail('syntax', i, 'expected a member name');
      let name; [name, i] = this.string(i);
      i = this.ws(i);
      if (this.s[i] !== ':') this.fail('syntax', i, "expected ':'");
      let value; [value, i] = this.value(this.ws(i + 1), depth + 1);
      if (result.has(name)) this.fail('duplicate_name', i);
      result.set(name, value);
      i = this.ws(i);
      if (this.s[i] === ',') i = this.ws(i + 1);
      else if (this.s[i] === '}') return [result, i + 1];
      else this.fail('syntax', i, "expected ',' or '}'");
    }
  }

  array(i, depth) {
    if (depth > this.maxDepth) this.fail('too_deep', i, `limit ${this.maxDepth}`);
    const result = [];
    i = this.ws(i + 1);
    if (this.s[i] === ']') return [result, i + 1];
    for (;;) {
      let value; [value, i] = this.value(i, depth + 1);
      result.push(value);
      i = this.ws(i);
      if (this.s[i] === ',') i = this.ws(i + 1);
      else if (this.s[i] === ']') return [result, i + 1];
      else this.fail('syntax', i, "expected ',' or ']'");
    }
  }

  string(i) {
    const s = this.s;
    const start = i;
    i++;
    let out = '';
    let run = i;
    for (;;) {
      if (i >= this.n) this.fail('syntax', start, 'unterminated string');
      const c = s.charCodeAt(i);
      if (c === 0x22) return [out + s.slice(run, i), i + 1];
      if (c === 0x5c) {
        out += s.slice(run, i);
        const e = s[i + 1];
        if (e === undefined) this.fail('syntax', i, 'unterminated escape');
        if (e in ESCAPES) { out += ESCAPES[e]; i += 2; }
        else if (e === 'u') {
          const unit = this.hex4(i + 2);
          if (unit >= 0xd800 && unit <= 0xdbff) {
            // as the Java parser: a second escape is read only when six more bytes follow
            if (!s.startsWith('\\u', i + 6) || this.totalBytes - Buffer.byteLength(s.slice(0, i + 6)) < 6) {
              this.fail('lone_surrogate', i, 'high surrogate not followed by a low one');
            }
            const low = this.hex4(i + 8);
            if (low < 0xdc00 || low > 0xdfff) this.fail('lone_surrogate', i, 'high surrogate not followed by a low one');
            out += String.fromCharCode(unit, low);
            i += 12;
          } else if (unit >= 0xdc00 && unit <= 0xdfff) {
            this.fail('lone_surrogate', i, 'low surrogate without a high one');
          } else { out += String.fromCharCode(unit); i += 6; }
        } else this.fail('syntax', i, 'bad escape');
        run = i;
      } else if (c < 0x20) {
        this.fail('syntax', i, 'unescaped control character in string');
      } else if (c >= 0xd800 && c <= 0xdfff) {
        // raw surrogates come in pairs from valid UTF-8; a lone one is the stand-in for a bad byte
        const next = s.charCodeAt(i + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i += 2;
        else this.fail('invalid_utf8', i);
      } else i++;
    }
  }

  hex4(i) {
    const h = this.s.slice(i, i + 4);
    if (!HEX4.test(h)) this.fail('syntax', i, 'bad \\u escape');
    return parseInt(h, 16);
  }

  number(i) {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(this.s);
    if (!m) this.fail('syntax', i, 'unexpected character');
    const literal = m[0];
    const end = i + literal.length;
    if ('.eE'.includes(this.s[end] ?? 'x')) this.fail('syntax', end, "digit expected after '.' or in the exponent");
    if (m[1] === undefined && m[2] === undefined) {
      const digits = literal.length - (literal[0] === '-' ? 1 : 0);
      if (digits > 309) this.fail('number_overflow', i);
      const value = Number(literal);
      if (!Number.isFinite(value)) this.fail('number_overflow', i);
      // canonicalization would rewrite it (2^64 as typed, 10^21), which the fixed point of DESIGN 3.5 forbids; -0 is written 0
      if (value !== 0 && String(value) !== literal) this.fail('inexact_integer', i);
      return [value, end];
    }
    const value = Number(literal);
    if (!Number.isFinite(value)) this.fail('number_overflow', i);
    return [value, end];
  }
}

/**
 * Parses bytes (Buffer / Uint8Array / string) under the strict profile: objects are Maps, numbers are doubles.
 * The size limit holds for the document's canonical form too.
 */
export function parseJson(data, lim = limits()) {
  const value = parse(data, lim);
  withinLimit(canonical(value), lim);
  return value;
}

function parse(data, lim) {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length > lim.maxBytes) throw new StrictJsonError('too_large', lim.maxBytes, `${bytes.length} bytes, limit ${lim.maxBytes}`);
  const bad = firstInvalidUtf8(bytes);
  const text = bad < 0 ? bytes.toString('utf8') : bytes.subarray(0, bad).toString('utf8') + BAD_BYTE;
  const p = new Parser(text, lim.maxDepth, bytes.length);
  let [value, i] = p.value(p.ws(0), 1);
  i = p.ws(i);
  if (i < text.length) throw new StrictJsonError('trailing_bytes', i);
  return value;
}

function writeString(s, out) {
  let r = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) r += '\\"';
    else if (c === 0x5c) r += '\\\\';
    else if (c < 0x20) r += { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' }[c] ?? '\\u' + c.toString(16).padStart(4, '0');
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      r += s[i] + s[i + 1];
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) throw new StrictJsonError('lone_surrogate', i, 'in a string value');
    else r += s[i];
  }
  out.push(r + '"');
}

function write(value, out) {
  if (value === null) out.push('null');
  else if (value === true) out.push('true');
  else if (value === false) out.push('false');
  else if (typeof value === 'string') writeString(value, out);
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new StrictJsonError('number_overflow', 0);
    out.push(String(value)); // ECMAScript Number::toString is RFC 8785's number form; -0 gives "0"
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((v, j) => { if (j) out.push(','); write(v, out); });
    out.push(']');
  } else if (value instanceof Map || typeof value === 'object') {
    const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); // UTF-16 code unit order
    out.push('{');
    entries.forEach(([k, v], j) => { if (j) out.push(','); writeString(k, out); out.push(':'); write(v, out); });
    out.push('}');
  } else throw new TypeError(`not a JSON value: ${typeof value}`);
}

/** The RFC 8785 bytes of a parsed value. */
export function canonical(value) {
  const out = [];
  write(value, out);
  return Buffer.from(out.join(''), 'utf8');
}

/**
 * Canonical forms can be longer than their input (1e20 is 21 digits): the size limit holds for both,
 * so that what is accepted canonicalizes to something accepted (fixed point).
 */
function withinLimit(out, lim) {
  if (out.length > lim.maxBytes) throw new StrictJsonError('too_large', lim.maxBytes, `canonical form ${out.length} bytes, limit ${lim.maxBytes}`);
  return out;
}

/** The strict-profile canonical bytes of a JSON text. */
export function canonicalize(data, lim = limits()) {
  return withinLimit(canonical(parse(data, lim)), lim);
}

// ------------------------------------------------------------------------------ envelopes (DESIGN 2, 3, 3b)

const utf16Length = (s) => s.length;
const codePoints = (s) => [...s].length;
const sha256Hex = (b) => crypto.createHash('sha256').update(b).digest('hex');
const hmacHex = (key, b) => crypto.createHmac('sha256', key).update(b).digest('hex');

export function pae(core) {
  const type = Buffer.from(PAE_TYPE, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${core.length} `), core]);
}

export class Envelope {
  constructor(jobId, ok, result = null, error = null, mark = null, claims = null) {
    Object.assign(this, { jobId, ok, result, error, mark, claims });
  }

  get coreVersion() { return this.claims ? 2 : 1; }

  core() {
    const m = new Map([['job_id', this.jobId], ['ok', this.ok]]);
    if (this.result !== null && this.result !== undefined) m.set('result', this.result);
    if (this.error !== null && this.error !== undefined) m.set('error', this.error);
    if (this.claims) for (const k of ['node_id', 'issued_at', 'aud']) m.set(k, this.claims[k]);
    return m;
  }

  coreBytes() { return canonical(this.core()); }

  coreSha256() { return sha256Hex(this.coreBytes()); }

  toJson() {
    const m = this.core();
    if (this.mark) {
      const i = new Map();
      for (const k of ['key_id', 'mode', 'sha256', 'sig', 'v']) if (this.mark[k] !== null && this.mark[k] !== undefined) i.set(k, this.mark[k]);
      m.set('integrity', i);
    }
    return canonical(m);
  }
}

const present = (m, k) => m.has(k) && m.get(k) !== null;

function smallInteger(value, digits) {
  return typeof value === 'number' && new RegExp(`^[0-9]{1,${digits}}$`).test(String(value));
}

export function checkClaims(nodeId, issuedAt, aud) {
  if (typeof nodeId !== 'string' || !NODE_ID.test(nodeId)) throw new MalformedEnvelope('node_id must be 1..128 characters of [A-Za-z0-9._:@/-]');
  if (!(issuedAt >= 0 && issuedAt <= MAX_ISSUED_AT)) throw new MalformedEnvelope('issued_at must be between 0 and 2^53 (milliseconds since the epoch)');
  if (typeof aud !== 'string' || aud.length === 0 || utf16Length(aud) > MAX_AUD_UNITS) throw new MalformedEnvelope(`aud must be 1..${MAX_AUD_UNITS} characters`);
  return { node_id: nodeId, issued_at: issuedAt, aud };
}

/** A JSON envelope's bytes to an Envelope, or MalformedEnvelope naming the broken rule. */
export function readEnvelope(data, lim) {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (bytes[0] === 0xc3 && bytes[1] === 0x01) return readAvroEnvelope(bytes, lim);
  let root;
  try {
    root = parseJson(bytes, lim);
  } catch (e) {
    if (e instanceof StrictJsonError) throw new MalformedEnvelope(e.message);
    throw e;
  }
  if (!(root instanceof Map)) throw new MalformedEnvelope('expected a JSON object');
  if (!root.has('job_id')) throw new MalformedEnvelope('job_id is missing');
  const jobId = root.get('job_id');
  if (typeof jobId !== 'string') throw new MalformedEnvelope('job_id must be a string');
  if (jobId.length === 0) throw new MalformedEnvelope('job_id must not be empty');
  if (codePoints(jobId) > MAX_JOB_ID) throw new MalformedEnvelope(`job_id longer than ${MAX_JOB_ID} characters`);
  if (!root.has('ok')) throw new MalformedEnvelope('ok is missing');
  if (typeof root.get('ok') !== 'boolean') throw new MalformedEnvelope('ok must be a boolean');
  const error = root.get('error') ?? null;
  if (error !== null && typeof error !== 'string' && !(error instanceof Map)) throw new MalformedEnvelope('error must be a string or an object');
  let mark = null;
  if (present(root, 'integrity')) {
    const integrity = root.get('integrity');
    if (!(integrity instanceof Map)) throw new MalformedEnvelope('integrity must be an object');
    mark = {};
    for (const name of ['mode', 'sha256', 'sig', 'key_id']) {
      const value = integrity.get(name) ?? null;
      if (value !== null && typeof value !== 'string') throw new MalformedEnvelope(`integrity.${name} must be a string`);
      mark[name] = value;
    }
    let v = integrity.get('v') ?? null;
    if (v !== null && !smallInteger(v, 3)) throw new MalformedEnvelope('integrity.v must be a small integer (the canonical version)');
    mark.v = v;
    for (const name of ['mode', 'sha256', 'sig', 'key_id']) {
      const value = mark[name];
      if (value === null) continue;
      if (utf16Length(value) > MARK_FIELD_LIMITS[name]) throw new MalformedEnvelope(`integrity.${name} longer than ${MARK_FIELD_LIMITS[name]} characters`);
      if (!/^[\x20-\x7e]*$/.test(value)) throw new MalformedEnvelope(`integrity.${name} must be printable ASCII`);
    }
  }
  let claims = null;
  if (mark && (mark.v ?? 1) === 2) {
    for (const name of ['node_id', 'issued_at', 'aud']) if (!present(root, name)) throw new MalformedEnvelope(`${name} is required by a version 2 mark`);
    const nodeId = root.get('node_id');
    const aud = root.get('aud');
    if (typeof nodeId !== 'string' || typeof aud !== 'string') throw new MalformedEnvelope('node_id and aud must be strings');
    if (!smallInteger(root.get('issued_at'), 16)) throw new MalformedEnvelope('issued_at must be an integer: milliseconds since the epoch');
    claims = checkClaims(nodeId, root.get('issued_at'), aud);
  }
  return new Envelope(jobId, root.get('ok'), root.get('result') ?? null, error, mark, claims);
}

/** An Avro single-object ResultSubmission, read as the verifier reads it (result and error are JSON text, strictly). */
function readAvroEnvelope(bytes, lim) {
  let record;
  try {
    record = avroEnvelopes().decode(bytes);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new MalformedEnvelope(`Avro: ${e.message}`);
  }
  const jobId = record.job_id;
  if (!jobId) throw new MalformedEnvelope('job_id must not be empty');
  if (codePoints(jobId) > MAX_JOB_ID) throw new MalformedEnvelope(`job_id longer than ${MAX_JOB_ID} characters`);
  const jsonText = (name) => {
    if (record[name] == null) return null;
    try {
      return parseJson(Buffer.from(record[name], 'utf8'), lim);
    } catch (e) {
      if (e instanceof StrictJsonError) throw new MalformedEnvelope(`${name}: ${e.message}`);
      throw e;
    }
  };
  const result = jsonText('result');
  const error = jsonText('error');
  if (error !== null && typeof error !== 'string' && !(error instanceof Map)) throw new MalformedEnvelope('error must be a string or an object');
  let mark = null;
  if (record.integrity != null) {
    mark = { v: record.integrity.v ?? null };
    for (const name of ['mode', 'sha256', 'sig', 'key_id']) {
      const value = record.integrity[name] ?? null;
      if (value !== null) {
        if (value.length > MARK_FIELD_LIMITS[name]) throw new MalformedEnvelope(`integrity.${name} longer than ${MARK_FIELD_LIMITS[name]} characters`);
        if (!/^[\x20-\x7e]*$/.test(value)) throw new MalformedEnvelope(`integrity.${name} must be printable ASCII`);
      }
      mark[name] = value;
    }
  }
  let claims = null;
  if (mark && (mark.v ?? 1) === 2) {
    if (record.node_id == null || record.issued_at == null || record.aud == null) {
      throw new MalformedEnvelope('node_id, issued_at and aud are required by a version 2 mark');
    }
    claims = checkClaims(record.node_id, record.issued_at, record.aud);
  }
  return new Envelope(jobId, record.ok, result, error, mark, claims);
}

/**
 * Avro binary read as the verifier reads it (Java's StrictBinary): every length checked against the bytes there are
 * (a length that lies is an error, never an allocation), and every zig-zag varint in its shortest form and within its
 * type. Avro's own decoders read 80 80 80 80 80 80 80 80 80 02 as 0 (Java), 2^63 (Python) or NaN (JavaScript); here it
 * is refused, as is 80 00 (a second spelling of 0).
 */
class AvroBytes {
  constructor(data, pos) { this.data = data; this.pos = pos; }

  /** A zig-zag varint of at most maxBytes bytes and bits bits (an int: 5 and 32, a long: 10 and 64), as a BigInt. */
  varint(maxBytes, bits) {
    const start = this.pos;
    let raw = 0n;
    for (let i = 0; i < maxBytes; i++) {
      if (this.pos >= this.data.length) throw new Error('truncated Avro record (a varint runs past the data)');
      const b = this.data[this.pos++];
      // the last possible byte holds the top bits only: 4 of an int (32 = 4*7 + 4), 1 of a long (64 = 9*7 + 1)
      if (i === maxBytes - 1 && ((b & 0x80) || b >>> (bits - 7 * i))) throw new Error(`overlong varint at byte ${start} (more than ${bits} bits)`);
      raw |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (!(b & 0x80)) {
        if (b === 0 && i > 0) throw new Error(`overlong varint at byte ${start} (not in its shortest form)`);
        return (raw >> 1n) ^ -(raw & 1n);
      }
    }
    throw new Error('unreachable');
  }

  int() { return Number(this.varint(5, 32)); }

  /** A long as a Number where that is exact (|v| <= 2^53), else as a BigInt: a v1 envelope's unread issued_at may hold any long. */
  long() {
    const v = this.varint(10, 64);
    return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
  }

  length() {
    const n = this.varint(10, 64);
    if (n < 0n) throw new Error(`negative length at byte ${this.pos}`);
    return n;
  }

  skip(n) {
    if (BigInt(n) > BigInt(this.data.length - this.pos)) throw new Error('truncated Avro record (a length or the body runs past the data)');
    this.pos += Number(n);
  }

  string() {
    const n = this.length();
    const start = this.pos;
    this.skip(n);
    return this.data.subarray(start, this.pos).toString('utf8'); // bytes that are not UTF-8 become U+FFFD, as in Java's decoder
  }

  /** A ResultSubmission's value: records, unions, null, boolean, int, long and string are all it holds. */
  value(schema) {
    if (Array.isArray(schema)) {
      const index = this.int();
      if (!(index >= 0 && index < schema.length)) throw new Error(`union branch ${index} of ${schema.length}`);
      return this.value(schema[index]);
    }
    if (typeof schema === 'object') {
      if (schema.type === 'record') return Object.fromEntries(schema.fields.map((f) => [f.name, this.value(f.type)]));
      return this.value(schema.type);
    }
    if (schema === 'null') return null;
    if (schema === 'boolean') {
      if (this.pos >= this.data.length || this.data[this.pos] > 1) throw new Error('not a boolean');
      return this.data[this.pos++] === 1;
    }
    if (schema === 'int') return this.int();
    if (schema === 'long') return this.long();
    if (schema === 'string') return this.string();
    throw new Error(`type ${schema} is not in the envelope's schema`);
  }

  /**
   * Walks one datum of any writer's schema without building it (StrictBinary.check): what the consumer runs before
   * avsc decodes a value, so that it reads the varints Java reads.
   */
  datum(schema, names, ns = null, depth = 0) {
    if (depth > 64) throw new Error('Avro schema nested too deeply');
    if (Array.isArray(schema)) {
      const branch = this.int();
      if (!(branch >= 0 && branch < schema.length)) throw new Error(`union branch ${branch} out of range at byte ${this.pos}`);
      return this.datum(schema[branch], names, ns, depth + 1);
    }
    if (typeof schema === 'string' && !AVRO_PRIMITIVES.includes(schema)) {
      const name = avroFullname(schema, ns);
      return this.datum(names.get(name), names, avroNamespace(name), depth + 1);
    }
    const t = typeof schema === 'object' ? schema.type : schema;
    if (t === 'record' || t === 'error') {
      const inner = avroNamespace(avroFullname(schema.name, schema.namespace ?? ns));
      for (const field of schema.fields) this.datum(field.type, names, inner, depth + 1);
    } else if (t === 'enum') {
      const symbol = this.int();
      if (!(symbol >= 0 && symbol < schema.symbols.length)) throw new Error(`enum symbol ${symbol} out of range at byte ${this.pos}`);
    } else if (t === 'array' || t === 'map') {
      const item = t === 'array' ? schema.items : schema.values;
      for (;;) {
        let count = this.varint(10, 64);
        if (count === 0n) break;
        if (count < 0n) {
          count = count === -(2n ** 63n) ? 0n : -count; // as Java's long negation: -(-2^63) stays negative, no items
          if (this.varint(10, 64) < 0n) throw new Error(`negative block size at byte ${this.pos}`);
        }
        for (let i = 0n; i < count; i++) {
          if (this.pos >= this.data.length) throw new Error('truncated Avro record (a block count runs past the data)');
          if (t === 'map') this.skip(this.length());
          this.datum(item, names, ns, depth + 1);
        }
      }
    } else if (t === 'fixed') this.skip(schema.size);
    else if (typeof t === 'object' || !AVRO_PRIMITIVES.includes(t)) this.datum(t, names, ns, depth + 1); // {"type": {...}} or {"type": "a.Named"}
    else if (t === 'boolean') {
      this.skip(1);
      // Java's Avro reads 0x02 as false, avsc as true: refused everywhere
      if (this.data[this.pos - 1] > 1) throw new Error(`a boolean that is neither 00 nor 01 at byte ${this.pos - 1}`);
    }
    else if (t === 'int') this.varint(5, 32);
    else if (t === 'long') this.varint(10, 64);
    else if (t === 'float') this.skip(4);
    else if (t === 'double') this.skip(8);
    else if (t === 'string' || t === 'bytes') this.skip(this.length());
    return undefined;
  }
}

const AVRO_PRIMITIVES = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'];
const avroFullname = (name, ns) => (name.includes('.') || !ns ? name : `${ns}.${name}`);
const avroNamespace = (fullname) => (fullname.includes('.') ? fullname.slice(0, fullname.lastIndexOf('.')) : null);

/** Every named type a schema defines, by full name (for the walk above). */
function avroNames(schema, ns = null, names = new Map()) {
  if (Array.isArray(schema)) for (const branch of schema) avroNames(branch, ns, names);
  else if (schema !== null && typeof schema === 'object') {
    const t = schema.type;
    if (['record', 'error', 'enum', 'fixed'].includes(t)) {
      const name = avroFullname(schema.name, schema.namespace ?? ns);
      names.set(name, schema);
      for (const field of schema.fields ?? []) avroNames(field.type, avroNamespace(name), names);
    } else if (t === 'array') avroNames(schema.items, ns, names);
    else if (t === 'map') avroNames(schema.values, ns, names);
    else if (typeof t === 'object') avroNames(t, ns, names);
  }
  return names;
}

/**
 * Throws unless bytes[pos..] is exactly one datum of `schema` (parsed JSON) with every varint in its shortest form and
 * within its type: the one reading of Avro binary all implementations share.
 */
export function strictAvroCheck(schema, bytes, pos = 10) {
  const reader = new AvroBytes(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), pos);
  reader.datum(schema, avroNames(schema));
  if (reader.pos !== bytes.length) throw new Error('trailing bytes after the Avro record');
}

/**
 * Record `name`'s current schema and every older one listed in avro-history/<name>.list, as parsed JSON, loaded as the
 * services load them (AvroCodec.history): older writers' records still decode.
 */
function avroSchemas(name) {
  const dir = schemaDir();
  const current = JSON.parse(fs.readFileSync(path.join(dir, `${name}.avsc`), 'utf8'));
  const history = path.join(dir, '..', 'resources', 'avro-history');
  const listing = path.join(history, `${name}.list`);
  const older = [];
  if (fs.existsSync(listing)) {
    for (const line of fs.readFileSync(listing, 'utf8').split(/\r?\n/)) {
      if (!line.trim() || line.startsWith('#')) continue;
      const file = path.join(history, line.trim());
      if (!fs.existsSync(file)) throw new ConfigError(`avro-history/${name}.list names a missing file: ${line.trim()}`);
      older.push(JSON.parse(fs.readFileSync(file, 'utf8')));
    }
  }
  return { current, older };
}

let envelopeSchemas = null;
function avroEnvelopes() {
  if (!envelopeSchemas) {
    if (!fs.existsSync(path.join(schemaDir(), 'ResultSubmission.avsc'))) throw new ConfigError('ResultSubmission.avsc not found: set SHERATAN_SCHEMAS_DIR');
    const { current, older } = avroSchemas('ResultSubmission');
    const schemas = new Map([...older, current].map((s) => [avroFingerprint(parsingCanonicalForm(s)).toString('hex'), s]));
    envelopeSchemas = {
      decode(bytes) {
        if (bytes.length < 10) throw new Error('shorter than the single-object header');
        const schema = schemas.get(Buffer.from(bytes.subarray(2, 10)).toString('hex'));
        if (!schema) throw new Error(`unknown schema fingerprint ${Buffer.from(bytes.subarray(2, 10)).toString('hex')}`);
        const reader = new AvroBytes(Buffer.from(bytes), 10);
        const record = reader.value(schema);
        if (reader.pos !== bytes.length) throw new Error(`${bytes.length - reader.pos} bytes after the record`);
        return record;
      },
    };
  }
  return envelopeSchemas;
}

/** The Avro spec's Parsing Canonical Form of a schema given as parsed JSON. */
export function parsingCanonicalForm(schema, namespace = null) {
  const PRIMITIVES = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'];
  const fullname = (name, ns) => (name.includes('.') || !ns ? name : `${ns}.${name}`);
  const pcf = (s, ns) => {
    if (typeof s === 'string') return JSON.stringify(PRIMITIVES.includes(s) ? s : fullname(s, ns));
    if (Array.isArray(s)) return `[${s.map((x) => pcf(x, ns)).join(',')}]`;
    const t = s.type;
    if (PRIMITIVES.includes(t)) return JSON.stringify(t);
    if (['record', 'error', 'enum', 'fixed'].includes(t)) {
      const name = fullname(s.name, s.namespace ?? ns);
      const inner = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : null;
      const parts = [`"name":${JSON.stringify(name)}`, `"type":${JSON.stringify(t === 'error' ? 'record' : t)}`];
      if (t === 'record' || t === 'error') parts.push(`"fields":[${s.fields.map((f) => `{"name":${JSON.stringify(f.name)},"type":${pcf(f.type, inner)}}`).join(',')}]`);
      else if (t === 'enum') parts.push(`"symbols":${JSON.stringify(s.symbols)}`);
      else parts.push(`"size":${s.size}`);
      return `{${parts.join(',')}}`;
    }
    if (t === 'array') return `{"type":"array","items":${pcf(s.items, ns)}}`;
    if (t === 'map') return `{"type":"map","values":${pcf(s.values, ns)}}`;
    return pcf(t, ns);
  };
  return pcf(schema, namespace);
}

// ------------------------------------------------------------------------------ Ed25519 (node:crypto) and the keyring

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

export function ed25519PrivateKey(seed) {
  return crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
}

export function loadSigningKey(pemText) {
  let key;
  try {
    key = crypto.createPrivateKey(pemText);
  } catch (e) {
    throw new ConfigError(`the signing key is not a PEM private key: ${e.message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ConfigError('the signing key is not an Ed25519 PKCS#8 private key');
  return key;
}

export function ed25519Verify(publicKey, message, sig) {
  if (publicKey.length !== 32 || sig.length !== 64) return false;
  try {
    const key = crypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKey]), format: 'der', type: 'spki' });
    return crypto.verify(null, message, key, sig);
  } catch {
    return false;
  }
}

// just enough curve arithmetic to refuse keys of small order (DESIGN 3c), as the services do
const P = 2n ** 255n - 19n;
const D = (-121665n * modPow(121666n, P - 2n, P)) % P + P;
function modPow(b, e, m) { let r = 1n; b %= m; while (e > 0n) { if (e & 1n) r = (r * b) % m; b = (b * b) % m; e >>= 1n; } return r; }
function decompress(bytes) {
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(bytes[i]);
  const sign = y >> 255n;
  y &= (1n << 255n) - 1n;
  if (y >= P) return null;
  const x2 = ((y * y - 1n) * modPow(D * y * y + 1n, P - 2n, P)) % P;
  const xx = (x2 + P) % P;
  if (xx === 0n) return sign ? null : [0n, y, 1n, 0n];
  let x = modPow(xx, (P + 3n) / 8n, P);
  if ((x * x - xx) % P !== 0n) x = (x * modPow(2n, (P - 1n) / 4n, P)) % P;
  if ((x * x - xx) % P !== 0n) return null;
  if ((x & 1n) !== sign) x = P - x;
  return [x, y, 1n, (x * y) % P];
}
function add(p1, p2) {
  const m = (a) => ((a % P) + P) % P;
  const A = m((p1[1] - p1[0]) * (p2[1] - p2[0])); const B = m((p1[1] + p1[0]) * (p2[1] + p2[0]));
  const C = m(2n * p1[3] * p2[3] * D); const Dd = m(2n * p1[2] * p2[2]);
  const E = B - A; const F = Dd - C; const G = Dd + C; const H = B + A;
  return [m(E * F), m(G * H), m(F * G), m(E * H)];
}
function isSmallOrder(bytes) {
  const pt = decompress(bytes);
  if (!pt) return false;
  let q = pt;
  for (let i = 0; i < 3; i++) q = add(q, q);
  return q[0] % P === 0n && ((q[1] - q[2]) % P + P) % P === 0n;
}

export class KeyringError extends Error {}

const KEY_ID = /^[\x21-\x7e]{1,256}$/;
const MAX_KEYRING_BYTES = 1024 * 1024;
const MAX_UNBOUND_HMAC_KEYS = 8; // hmac keys without nodes valid at one instant: what a v1 mark without key_id may cost

export class Keyring {
  constructor(keys, anyKeyIdForV1 = false) { this.keys = keys; this.anyKeyIdForV1 = anyKeyIdForV1; }

  static legacy(hmacKey, keyId) {
    const keys = new Map();
    if (hmacKey) keys.set(keyId ?? 'legacy-hmac', { keyId: keyId ?? 'legacy-hmac', alg: 'hmac-sha256', mode: 'hmac', secret: hmacKey });
    return new Keyring(keys, keyId == null);
  }

  static read(file) { return Keyring.parse(Keyring.readFile(file)); }

  /**
   * A keyring file's bytes, read as the services read them (Keyring.readFile): a regular file (a symbolic link to one is
   * followed; a FIFO, device or directory is refused before it is opened, so nothing waits on it), at most 1 MiB, read
   * twice with the same bytes (a file being written is refused, not half-read).
   */
  static readFile(file) {
    const first = Keyring.readOnce(file);
    const second = Keyring.readOnce(file);
    if (!first.equals(second)) throw new KeyringError('it changed while it was read (being written?); read it again when it is complete');
    return first;
  }

  static readOnce(file) {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new KeyringError(`not a regular file (${st.isDirectory() ? 'a directory' : 'a FIFO, socket or device'}): a keyring must be a file`);
    if (st.size > MAX_KEYRING_BYTES) throw new KeyringError(`larger than ${MAX_KEYRING_BYTES} bytes (${st.size})`);
    // non-blocking, and checked again once open: a FIFO put in its place after the stat never blocks either
    const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    try {
      if (!fs.fstatSync(fd).isFile()) throw new KeyringError('not a regular file: a keyring must be a file');
      const buffer = Buffer.alloc(MAX_KEYRING_BYTES + 1);
      let length = 0;
      let n;
      while (length < buffer.length && (n = fs.readSync(fd, buffer, length, buffer.length - length, null)) > 0) length += n;
      if (length > MAX_KEYRING_BYTES) throw new KeyringError(`larger than ${MAX_KEYRING_BYTES} bytes`);
      return buffer.subarray(0, length);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Exactly one JSON document: anything after it (a merge conflict's <<<<<<<, a second object) is refused. */
  static parse(data) {
    if (data.length > MAX_KEYRING_BYTES) throw new KeyringError(`the keyring file is larger than ${MAX_KEYRING_BYTES} bytes`);
    let root;
    try {
      root = parseJson(data, limits(MAX_KEYRING_BYTES, 16));
    } catch (e) {
      throw new KeyringError(`not one JSON document (bytes after it, not JSON, or a member name repeated): ${e.rule ?? e.message}`);
    }
    if (!(root instanceof Map)) throw new KeyringError('the keyring must be a JSON object with "keys" and "tokens"');
    for (const name of root.keys()) if (name !== 'keys' && name !== 'tokens') throw new KeyringError(`unknown member "${name.slice(0, 40)}" (expected keys and tokens)`);
    const keys = new Map();
    const entries = root.has('keys') ? root.get('keys') : []; // present means an array, as in Java: "keys": null is refused
    if (!Array.isArray(entries)) throw new KeyringError('"keys" must be an array');
    entries.forEach((node, i) => {
      const key = Keyring.key(node, `keys[${i}]`);
      if (keys.has(key.keyId)) throw new KeyringError(`key_id ${key.keyId} appears twice`);
      keys.set(key.keyId, key);
    });
    Keyring.checkUnboundHmacKeys(keys.values());
    const tokens = root.has('tokens') ? root.get('tokens') : [];
    if (!Array.isArray(tokens)) throw new KeyringError('"tokens" must be an array');
    const seen = new Set();
    tokens.forEach((node, i) => {
      const where = `tokens[${i}]`;
      if (!(node instanceof Map)) throw new KeyringError(`${where} must be an object`);
      const id = Keyring.id(node, 'token_id', where);
      if (typeof node.get('sha256') !== 'string' || !/^[0-9a-f]{64}$/.test(node.get('sha256'))) throw new KeyringError(`${where}: sha256 must be 64 lowercase hex digits (the SHA-256 of the token)`);
      Keyring.window(node, where);
      if (seen.has(id)) throw new KeyringError(`token_id ${id} appears twice`);
      seen.add(id);
    });
    return new Keyring(keys);
  }

  /**
   * A v1 hmac mark without key_id is tried against every hmac key without nodes valid at the record's time: at most 8
   * such keys may be valid at the same instant (a sweep over the windows' edges).
   */
  static checkUnboundHmacKeys(keys) {
    const edges = []; // [time, +1 start / -1 end]; absent bounds are open
    for (const key of keys) {
      if (key.alg === 'hmac-sha256' && key.nodes == null) edges.push([key.notBefore ?? -Infinity, 1], [key.notAfter ?? Infinity, -1]);
    }
    edges.sort((a, b) => (a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] - b[1])); // ends before starts: [not_before, not_after)
    let valid = 0;
    for (const [time, delta] of edges) {
      valid += delta;
      if (valid > MAX_UNBOUND_HMAC_KEYS) {
        throw new KeyringError(`${valid} hmac-sha256 keys without nodes are valid at the same time${time === -Infinity ? '' : ` (from ${time})`}; `
          + `at most ${MAX_UNBOUND_HMAC_KEYS} are allowed (a v1 mark without key_id is tried against each): give them windows or nodes`);
      }
    }
  }

  static id(node, name, where) {
    const v = node.get(name) ?? null;
    if (v === null) throw new KeyringError(`${where}: ${name} is missing`);
    if (typeof v !== 'string' || !KEY_ID.test(v)) throw new KeyringError(`${where}: ${name} must be 1..256 printable ASCII characters without spaces`);
    return v;
  }

  static time(node, name, where) {
    const v = node.get(name) ?? null;
    if (v === null) return null;
    // a Java long: 2^63 and beyond are refused there too
    if (typeof v !== 'number' || !/^[0-9]+$/.test(String(v)) || v >= 2 ** 63) throw new KeyringError(`${where}: ${name} must be milliseconds since the epoch (a non-negative integer)`);
    return v;
  }

  static window(node, where) {
    const notBefore = Keyring.time(node, 'not_before', where);
    const notAfter = Keyring.time(node, 'not_after', where);
    if (notBefore !== null && notAfter !== null && notBefore >= notAfter) throw new KeyringError(`${where}: not_before must be before not_after`);
    return [notBefore, notAfter];
  }

  static base64(node, name, where) {
    const v = node.get(name);
    if (typeof v !== 'string') throw new KeyringError(`${where}: ${name} is missing`);
    // as Java's Base64 decoder: padding optional, but when present it completes the last group
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/.test(v)) throw new KeyringError(`${where}: ${name} is not base64`);
    return Buffer.from(v, 'base64');
  }

  static key(node, where) {
    if (!(node instanceof Map)) throw new KeyringError(`${where} must be an object`);
    const keyId = Keyring.id(node, 'key_id', where);
    where = `${where} (${keyId})`;
    const alg = node.get('alg');
    if (alg !== 'hmac-sha256' && alg !== 'ed25519') throw new KeyringError(`${where}: alg must be hmac-sha256 or ed25519`);
    const [notBefore, notAfter] = Keyring.window(node, where);
    let nodes = null;
    if (node.has('nodes')) {
      const list = node.get('nodes');
      if (!Array.isArray(list) || list.length === 0) throw new KeyringError(`${where}: nodes must be a non-empty array of node ids`);
      if (list.some((n) => typeof n !== 'string' || !NODE_ID.test(n))) throw new KeyringError(`${where}: nodes holds something that is not a node id (1..128 of [A-Za-z0-9._:@/-])`);
      nodes = new Set(list);
    }
    const key = { keyId, alg, mode: alg === 'hmac-sha256' ? 'hmac' : 'ed25519', nodes, notBefore, notAfter };
    if (alg === 'hmac-sha256') {
      if (node.has('public_key')) throw new KeyringError(`${where}: an hmac-sha256 key has a secret, not a public_key`);
      key.secret = Keyring.base64(node, 'secret', where);
      if (key.secret.length < 32) throw new KeyringError(`${where}: the secret is ${key.secret.length} bytes, at least 32 are required`);
      return key;
    }
    if (node.has('secret')) throw new KeyringError(`${where}: an ed25519 entry holds the public_key only, never a secret`);
    key.publicKey = Keyring.base64(node, 'public_key', where);
    if (key.publicKey.length !== 32) throw new KeyringError(`${where}: public_key refused: not 32 bytes`);
    if (!decompress(key.publicKey)) throw new KeyringError(`${where}: public_key refused: not a canonical point encoding`);
    if (isSmallOrder(key.publicKey)) throw new KeyringError(`${where}: public_key refused: a point of small order`);
    return key;
  }

  key(keyId) { return keyId == null ? null : this.keys.get(keyId) ?? null; }
}

const validAt = (key, t) => (key.notBefore == null || t >= key.notBefore) && (key.notAfter == null || t < key.notAfter);
const allowsNode = (key, nodeId) => key.nodes == null || (nodeId != null && key.nodes.has(nodeId));

// ------------------------------------------------------------------------------ policy (DESIGN 5) and the integrity rule

const env = (e, name, dflt = null) => (e[name] === undefined || e[name] === '' ? dflt : e[name]);

function durationMs(name, text) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,9})?)S)?)?$/.exec(text.toUpperCase());
  if (!m || /^PT?$/.test(text.toUpperCase()) || text.toUpperCase().endsWith('T')) throw new ConfigError(`${name}: expected an ISO-8601 duration such as PT1H or PT5M, was '${text}'`);
  return Number(m[1] ?? 0) * 86400000 + Number(m[2] ?? 0) * 3600000 + Number(m[3] ?? 0) * 60000 + Math.round(Number(m[4] ?? 0) * 1000);
}

function intSetting(e, name, dflt, low, high) {
  const v = env(e, name);
  if (v === null) return dflt;
  if (!/^-?[0-9]{1,10}$/.test(v) || Number(v) < low || Number(v) > high) throw new ConfigError(`${name}: expected an integer between ${low} and ${high}, was '${v}'`);
  return Number(v);
}

export function limitsFromEnv(e) {
  return limits(intSetting(e, 'SHERATAN_RESULT_MAX_BYTES', DEFAULT_MAX_BYTES, 2, 64 * 1024 * 1024),
    intSetting(e, 'SHERATAN_RESULT_MAX_DEPTH', DEFAULT_MAX_DEPTH, 1, DEPTH_CEILING));
}

/** At most 64 KiB, as the services read it (a device such as /dev/zero is never read whole); one trailing line break dropped. */
function readSecretFile(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024 + 1);
    let length = 0;
    let n;
    while (length < buffer.length && (n = fs.readSync(fd, buffer, length, buffer.length - length, null)) > 0) length += n;
    if (length > 64 * 1024) throw new ConfigError('SHERATAN_RESULT_HMAC_KEY_FILE: larger than 65536 bytes');
    return buffer.subarray(0, length).toString('utf8').replace(/\r?\n$/, '');
  } finally {
    fs.closeSync(fd);
  }
}

export function policyFromEnv(e = process.env) {
  const mode = env(e, 'SHERATAN_RESULT_INTEGRITY_MODE', 'sha256');
  if (!MODES.includes(mode)) throw new ConfigError(`SHERATAN_RESULT_INTEGRITY_MODE: expected sha256, hmac or ed25519, was '${mode}'`);
  const req = env(e, 'SHERATAN_RESULT_INTEGRITY_REQUIRED', '1').toLowerCase();
  if (!['1', '0', 'true', 'false', 'yes', 'no'].includes(req)) throw new ConfigError(`SHERATAN_RESULT_INTEGRITY_REQUIRED: expected 1 or 0, was '${req}'`);
  const version = env(e, 'SHERATAN_RESULT_CANONICAL_VERSION', '1');
  if (version !== '1' && version !== '2') throw new ConfigError(`SHERATAN_RESULT_CANONICAL_VERSION: expected 1 (v1 and v2 marks) or 2 (v2 only), was '${version}'`);
  let key = env(e, 'SHERATAN_RESULT_HMAC_KEY');
  if (key === null && env(e, 'SHERATAN_RESULT_HMAC_KEY_FILE')) key = readSecretFile(e.SHERATAN_RESULT_HMAC_KEY_FILE);
  const keyringFile = env(e, 'SHERATAN_KEYRING_FILE');
  if (mode === 'hmac' && !key && keyringFile === null) throw new ConfigError('SHERATAN_RESULT_HMAC_KEY: required when SHERATAN_RESULT_INTEGRITY_MODE is hmac (or give a keyring: SHERATAN_KEYRING_FILE)');
  return {
    mode,
    required: ['1', 'true', 'yes'].includes(req),
    minVersion: Number(version),
    hmacKey: key ? Buffer.from(key, 'utf8') : null,
    keyId: env(e, 'SHERATAN_RESULT_HMAC_KEY_ID'),
    keyringFile,
    pipelineId: env(e, 'SHERATAN_PIPELINE_ID', 'sheratan'),
    maxAgeMs: durationMs('SHERATAN_RESULT_MAX_AGE', env(e, 'SHERATAN_RESULT_MAX_AGE', 'PT1H')),
    maxSkewMs: durationMs('SHERATAN_RESULT_MAX_SKEW', env(e, 'SHERATAN_RESULT_MAX_SKEW', 'PT5M')),
    limits: limitsFromEnv(e),
  };
}

function ctEquals(expected, given) {
  if (given == null) return false;
  const a = Buffer.from(expected, 'latin1');
  const b = Buffer.from(given, 'latin1');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** The verdict at record time t: ['verified', null], ['accepted_unmarked', 'missing_integrity'] or ['rejected', reason]. */
export function verifyEnvelope(envelope, policy, keyring, t) {
  const mark = envelope.mark;
  if (!mark || (mark.sha256 == null && mark.sig == null)) return policy.required ? ['rejected', 'missing_integrity'] : ['accepted_unmarked', 'missing_integrity'];
  const version = mark.v ?? 1;
  if ((version !== 1 && version !== 2) || version < policy.minVersion || version !== envelope.coreVersion) return ['rejected', 'unsupported_version'];
  const declared = mark.mode ?? policy.mode;
  if (!MODES.includes(declared) || (declared === 'ed25519' && version === 1)) return ['rejected', 'unsupported_mode'];
  if (MODES.indexOf(declared) < MODES.indexOf(policy.mode)) return ['rejected', 'unsupported_mode'];
  const core = envelope.coreBytes();
  if (mark.sha256 != null && !ctEquals(sha256Hex(core), mark.sha256)) return ['rejected', 'sha_mismatch'];
  if (declared === 'sha256') return mark.sha256 == null ? ['rejected', 'sha_mismatch'] : claimsVerdict(envelope, policy, t);
  if (version === 1) {
    const named = keyring.key(mark.key_id);
    let candidates;
    if (mark.key_id != null && named) {
      const refused = keyRefused(named, 'hmac', null, t);
      if (refused) return ['rejected', refused];
      candidates = [named];
    } else if (mark.key_id != null && !keyring.anyKeyIdForV1) {
      return ['rejected', 'unknown_key'];
    } else {
      candidates = [...keyring.keys.values()].filter((k) => k.alg === 'hmac-sha256' && validAt(k, t) && k.nodes == null);
      if (candidates.length === 0) return ['rejected', 'unknown_key'];
    }
    if (!isLowerHex(mark.sig, 64)) return ['rejected', 'sig_mismatch']; // no HMAC computed for a sig that cannot match
    for (const key of candidates) if (ctEquals(hmacHex(key.secret, core), mark.sig)) return claimsVerdict(envelope, policy, t);
    return ['rejected', 'sig_mismatch'];
  }
  const key = keyring.key(mark.key_id);
  if (!key || key.mode !== declared) return ['rejected', 'unknown_key'];
  const refused = keyRefused(key, declared, envelope.claims.node_id, t);
  if (refused) return ['rejected', refused];
  const shaped = declared === 'hmac' ? isLowerHex(mark.sig, 64) : isAnyHex(mark.sig, 128);
  if (!shaped) return ['rejected', 'sig_mismatch']; // checked before any HMAC or curve work
  const message = pae(core);
  let valid;
  if (declared === 'hmac') valid = ctEquals(hmacHex(key.secret, message), mark.sig);
  else valid = ed25519Verify(key.publicKey, message, Buffer.from(mark.sig, 'hex'));
  return valid ? claimsVerdict(envelope, policy, t) : ['rejected', 'sig_mismatch'];
}

/**
 * The one form a valid signature can have (IntegrityVerifier.isLowerHex): exactly `length` lowercase hex digits. Checked
 * after the key checks, before any key is used: a misshapen sig costs no HMAC and no Ed25519 verification. Only lower
 * case ever matched an HMAC; an Ed25519 sig may be either case (isAnyHex).
 */
/** An Ed25519 sig (IntegrityVerifier.isHex): 128 hex digits of either case; upper case always verified. */
function isAnyHex(sig, length) {
  return typeof sig === 'string' && sig.length === length && /^[0-9a-fA-F]*$/.test(sig);
}

function isLowerHex(sig, length) {
  return typeof sig === 'string' && sig.length === length && /^[0-9a-f]*$/.test(sig);
}

function keyRefused(key, mode, nodeId, t) {
  if (key.mode !== mode) return 'unknown_key';
  if (!validAt(key, t)) return 'key_not_valid';
  if (!allowsNode(key, nodeId)) return 'node_mismatch';
  return null;
}

function claimsVerdict(envelope, policy, t) {
  const c = envelope.claims;
  if (c) {
    if (c.aud !== policy.pipelineId) return ['rejected', 'wrong_audience'];
    if (c.issued_at < t - policy.maxAgeMs) return ['rejected', 'stale'];
    if (c.issued_at > t + policy.maxSkewMs) return ['rejected', 'future_dated'];
  }
  return ['verified', null];
}

/** A copy of the envelope with a fresh mark; ed25519 (always version 2) takes a KeyObject from loadSigningKey. */
export function signEnvelope(envelope, { mode = 'sha256', version = 1, hmacKey = null, keyId = null, signingKey = null, claims = null } = {}) {
  if (!MODES.includes(mode)) throw new ConfigError(`mode must be sha256, hmac or ed25519, was '${mode}'`);
  if (mode === 'ed25519') {
    version = 2;
    if (!signingKey || keyId == null) throw new ConfigError('ed25519 needs a signing key (--key PEM or SHERATAN_SIGNING_KEY_FILE) and --key-id');
  }
  if (mode === 'hmac') {
    if (!hmacKey) throw new ConfigError('SHERATAN_RESULT_HMAC_KEY is required for hmac');
    if (version === 2 && keyId == null) throw new ConfigError('a version 2 hmac mark names its key: key_id is required');
  }
  const signed = new Envelope(envelope.jobId, envelope.ok, envelope.result, envelope.error);
  if (version === 2) {
    if (!claims) throw new ConfigError('version 2 needs node_id, issued_at and aud');
    signed.claims = checkClaims(claims.node_id, claims.issued_at, claims.aud);
  }
  const core = signed.coreBytes();
  const sha = sha256Hex(core);
  const v = version === 2 ? 2 : null;
  if (mode === 'sha256') signed.mark = { mode, sha256: sha, sig: null, key_id: null, v };
  else if (mode === 'hmac') signed.mark = { mode, sha256: sha, sig: hmacHex(hmacKey, version === 2 ? pae(core) : core), key_id: keyId, v };
  else signed.mark = { mode, sha256: sha, sig: crypto.sign(null, pae(core), signingKey).toString('hex'), key_id: keyId, v: 2 };
  return signed;
}

// ------------------------------------------------------------------------------ Avro single-object encoding

const CRC64_EMPTY = 0xc15d213aa4d7a795n;
const CRC64_TABLE = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (CRC64_EMPTY & -(fp & 1n));
  return fp;
});

/** CRC-64-AVRO of a schema's parsing canonical form, as the 8 little-endian bytes of the single-object header. */
export function avroFingerprint(canonicalForm) {
  let fp = CRC64_EMPTY;
  for (const b of Buffer.from(canonicalForm, 'utf8')) fp = (fp >> 8n) ^ CRC64_TABLE[Number((fp ^ BigInt(b)) & 0xffn)];
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fp);
  return out;
}

/**
 * SHERATAN_SCHEMAS_DIR, else the schemas shipped in this package (schemas/avro, with schemas/resources/avro-history: the
 * repository's layout, copied byte for byte), else the repository's own (schemas/src/main/avro beside clients/node).
 */
export function schemaDir() {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [process.env.SHERATAN_SCHEMAS_DIR, path.join(here, 'schemas', 'avro'), path.join(here, '..', '..', 'schemas', 'src', 'main', 'avro')];
  for (const c of candidates) {
    if (c && fs.existsSync(c)) return c;
  }
  throw new ConfigError('Avro schemas not found: set SHERATAN_SCHEMAS_DIR to the folder with VerifiedResult.avsc and AuditEvent.avsc');
}

/**
 * Decodes single-object Avro values of the pipeline's record types. A value written with an older schema (avro-history/)
 * is resolved to the current one, so fields added since come out with their defaults (a VerifiedResult from before
 * canonical_version: 0 and false).
 */
export async function avroReader() {
  const avro = (await import('avsc')).default;
  const types = new Map(); // fingerprint -> { writer: the writer's schema as JSON, type: the current type, resolver }
  const dir = schemaDir();
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.avsc')).sort()) {
    const { current, older } = avroSchemas(name.slice(0, -'.avsc'.length));
    const type = avro.Type.forSchema(current);
    // the same fingerprint as the envelope reader's (the spec's canonical form), whatever avsc would print
    types.set(avroFingerprint(parsingCanonicalForm(current)).toString('hex'), { writer: current, type, resolver: undefined });
    for (const writer of older) {
      const key = avroFingerprint(parsingCanonicalForm(writer)).toString('hex');
      if (!types.has(key)) types.set(key, { writer, type, resolver: type.createResolver(avro.Type.forSchema(writer)) });
    }
  }
  return (value) => {
    if (value[0] !== 0xc3 || value[1] !== 0x01 || value.length < 10) throw new Error('not Avro single-object encoding');
    const found = types.get(value.subarray(2, 10).toString('hex'));
    if (!found) throw new Error(`unknown schema fingerprint ${value.subarray(2, 10).toString('hex')}`);
    strictAvroCheck(found.writer, value); // the varints Java reads, before avsc reads them its own way
    return found.type.fromBuffer(value.subarray(10), found.resolver);
  };
}

// ------------------------------------------------------------------------------ Kafka (kafkajs with an LZ4 codec)

/**
 * An LZ4 frame of independent 64 KiB blocks. lz4js's own compress() writes a frame whose descriptor lacks the
 * block-independence flag, which the broker refuses ("Dependent block stream is unsupported").
 */
function lz4Frame(lz4, xxh32, src) {
  const descriptor = Buffer.from([0x60, 4 << 4]); // version 01, blocks independent; 64 KiB maximum block size
  const parts = [Buffer.from([0x04, 0x22, 0x4d, 0x18]), descriptor, Buffer.from([(xxh32.hash(0, descriptor, 0, 2) >> 8) & 0xff])];
  const blockMax = 64 * 1024;
  const scratch = new Uint8Array(lz4.compressBound(blockMax));
  for (let at = 0; at < src.length; at += blockMax) {
    const size = Math.min(blockMax, src.length - at);
    const length = lz4.compressBlock(src, scratch, at, size, new Uint32Array(1 << 16)); // a fresh table: no match reaches back
    const header = Buffer.alloc(4);
    if (length === 0 || length >= size) {
      header.writeUInt32LE((0x80000000 | size) >>> 0);
      parts.push(header, Buffer.from(src.subarray(at, at + size)));
    } else {
      header.writeUInt32LE(length);
      parts.push(header, Buffer.from(scratch.subarray(0, length)));
    }
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

async function kafka(opts, e) {
  const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = (await import('kafkajs')).default;
  const lz4 = (await import('lz4js')).default;
  const xxh32 = (await import('lz4js/xxh32.js')).default;
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: async (encoder) => lz4Frame(lz4, xxh32, encoder.buffer),
    decompress: async (buffer) => Buffer.from(lz4.decompress(buffer)),
  });
  const secured = kafkaSecurity(e);
  const brokers = (opts.bootstrap ?? env(e, 'KAFKA_BOOTSTRAP_SERVERS', secured.bootstrap ?? '127.0.0.1:9092')).split(',');
  const client = new Kafka({ clientId: 'sheratan-node-client', brokers, logLevel: logLevel.NOTHING,
    connectionTimeout: 10000, requestTimeout: Math.round(opts.timeout * 1000), retry: { retries: 5 },
    ...(secured.ssl !== undefined ? { ssl: secured.ssl } : {}), ...(secured.sasl ? { sasl: secured.sasl } : {}) });
  return { client, CompressionTypes };
}

/** A Java .properties file of Kafka client settings (key=value or key: value; # and ! comments). */
function readProperties(file) {
  const settings = {};
  for (const raw of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line[0] === '#' || line[0] === '!') continue;
    const cuts = [line.indexOf('='), line.indexOf(':')].filter((i) => i >= 0);
    if (cuts.length === 0) throw new ConfigError(`${file}: '${line.slice(0, 40)}' is not key=value`);
    const cut = Math.min(...cuts);
    settings[line.slice(0, cut).trim()] = line.slice(cut + 1).trim();
  }
  return settings;
}

/**
 * The Java services' Kafka settings (SHERATAN_KAFKA_CONFIG_FILE, then SHERATAN_KAFKA_*, as Java names them:
 * security.protocol, sasl.mechanism, sasl.jaas.config, ssl.truststore.location with ssl.truststore.type=PEM,
 * ssl.keystore.location with ssl.keystore.type=PEM) as kafkajs options. SASL PLAIN and SCRAM-SHA-256/512; TLS
 * with a PEM CA and an optional PEM client certificate and key. What only the JVM reads is refused by name.
 */
export function kafkaSecurity(e = process.env) {
  const java = {};
  const file = e.SHERATAN_KAFKA_CONFIG_FILE;
  if (file) {
    try {
      Object.assign(java, readProperties(file));
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`SHERATAN_KAFKA_CONFIG_FILE=${file}: ${err.code ?? err.message}`);
    }
  }
  for (const [name, value] of Object.entries(e)) {
    if (name.startsWith('SHERATAN_KAFKA_') && name !== 'SHERATAN_KAFKA_LOG_LEVEL' && name !== 'SHERATAN_KAFKA_CONFIG_FILE') {
      java[name.slice('SHERATAN_KAFKA_'.length).toLowerCase().replaceAll('_', '.')] = value;
    }
  }
  const protocol = (java['security.protocol'] ?? 'PLAINTEXT').toUpperCase();
  if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) {
    throw new ConfigError(`security.protocol ${protocol}: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL`);
  }
  const out = { bootstrap: java['bootstrap.servers'] };
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    const ssl = {};
    for (const [store, keys] of [['ssl.truststore', ['ca']], ['ssl.keystore', ['cert', 'key']]]) {
      const location = java[`${store}.location`];
      if (!location) continue;
      const type = (java[`${store}.type`] ?? 'JKS').toUpperCase();
      if (type !== 'PEM') throw new ConfigError(`${store}.location is a ${type} store, which only Java reads: give a PEM file and ${store}.type=PEM`);
      const pem = fs.readFileSync(location);
      for (const k of keys) ssl[k] = k === 'ca' ? [pem] : pem;
    }
    if (java['ssl.key.password']) ssl.passphrase = java['ssl.key.password'];
    if (java['ssl.endpoint.identification.algorithm'] === '') ssl.checkServerIdentity = () => undefined;
    out.ssl = Object.keys(ssl).length ? ssl : true;
  }
  if (protocol.startsWith('SASL_')) {
    const mechanism = (java['sasl.mechanism'] ?? 'GSSAPI').toUpperCase();
    if (!['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(mechanism)) {
      throw new ConfigError(`sasl.mechanism ${mechanism}: the Node client speaks PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512`);
    }
    const jaas = java['sasl.jaas.config'] ?? '';
    const field = (name) => {
      const m = jaas.match(new RegExp(`${name}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`));
      return m ? m[1].replaceAll('\\"', '"') : undefined;
    };
    const username = field('username');
    const password = field('password');
    if (!/(PlainLoginModule|ScramLoginModule)/.test(jaas) || username === undefined || password === undefined) {
      throw new ConfigError('sasl.jaas.config must be a PlainLoginModule or ScramLoginModule line with username and password');
    }
    out.sasl = { mechanism: mechanism.toLowerCase(), username, password };
  }
  return out;
}

// ------------------------------------------------------------------------------ command line

const USAGE = `usage: sheratan-client.mjs COMMAND [options] [FILE|-]

  canon    [FILE|-]      strict-profile RFC 8785 bytes (no newline); exit 0, or 2 with a one-line reason
                         (limits: SHERATAN_RESULT_MAX_BYTES, SHERATAN_RESULT_MAX_DEPTH)
           --each-line-hex  cross-implementation checks: one document per line in hex, 'ok <hex>' or 'error <rule>' each
  sign     [FILE|-]      the envelope back, canonical, with a fresh mark
           --mode sha256|hmac|ed25519  --v2  --key PEM  --key-id ID  --node NODE_ID  --aud PIPELINE  --issued-at MILLIS
                         (defaults as sheratan sign: SHERATAN_RESULT_INTEGRITY_MODE, SHERATAN_RESULT_HMAC_KEY[_ID],
                          SHERATAN_SIGNING_KEY_FILE/_ID, SHERATAN_NODE_ID, SHERATAN_PIPELINE_ID)
  verify   [FILE|-]      one envelope (JSON or Avro) under the env policy: 'verified' or 'rejected <reason>'; exit 0 / 1 / 2 malformed
           --keyring FILE  --at MILLIS
  publish  [FILE|-]      envelopes (one per line; --whole for one document) to the submitted topic, keyed by job_id,
                         idempotent, acks=all, lz4; --sign signs each first (sign options apply); --topic NAME
                         exit 0 all acknowledged, 2 some lines malformed (not sent), 3 Kafka unreachable or not delivered
  consume  [verified|audit|checkpoints|TOPIC]  one JSON line per record (Avro or JSON values), read_committed,
                         from the beginning; --max N  --idle SECONDS (default 5)
  Kafka options: --bootstrap HOST:PORT (default $KAFKA_BOOTSTRAP_SERVERS, else 127.0.0.1:9092)  --timeout SECONDS (30)
`;

function parseArgs(argv) {
  const flags = new Set(['--v2', '--sign', '--whole', '--each-line-hex', '--help', '-h']);
  const opts = { _: [], timeout: 30, idle: 5 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-' || !a.startsWith('-')) { opts._.push(a); continue; }
    const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, null];
    const key = name.replace(/^--?/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (flags.has(name)) { opts[key === 'h' ? 'help' : key] = true; continue; }
    const known = ['--mode', '--key', '--key-id', '--node', '--aud', '--issued-at', '--keyring', '--at', '--topic', '--bootstrap', '--timeout', '--max', '--idle'];
    if (!known.includes(name)) throw new ConfigError(`unknown option ${name} (see --help)`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`${name} needs a value`);
    opts[key] = ['issuedAt', 'at', 'timeout', 'max', 'idle'].includes(key) ? Number(value) : value;
    if (typeof opts[key] === 'number' && !Number.isFinite(opts[key])) throw new ConfigError(`${name} wants a number, was '${value}'`);
  }
  return opts;
}

/** Writes all of it to stdout (fs.writeSync(1) writes part of a large buffer to a pipe and stops). */
function writeOut(data) {
  return new Promise((resolve, reject) => process.stdout.write(data, (e) => (e ? reject(e) : resolve())));
}

/** FILE, or all of stdin (read as a stream: readFileSync(0) fails with EAGAIN on a pipe nothing was written to yet). */
async function readInput(file) {
  if (file !== undefined && file !== '-') return fs.readFileSync(file);
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function fail(command, message, code = 2) {
  process.stderr.write(`sheratan-client ${command}: ${message}\n`);
  return code;
}

function signingInputs(opts, e) {
  const policy = policyFromEnv(opts.mode && opts.mode !== 'ed25519' ? { ...e, SHERATAN_RESULT_INTEGRITY_MODE: opts.mode } : e);
  if (opts.mode && !MODES.includes(opts.mode)) throw new ConfigError(`--mode must be sha256, hmac or ed25519, was '${opts.mode}'`);
  const keyFile = opts.key ?? env(e, 'SHERATAN_SIGNING_KEY_FILE');
  const mode = opts.mode ?? (keyFile && !env(e, 'SHERATAN_RESULT_INTEGRITY_MODE') ? 'ed25519' : policy.mode);
  let signingKey = null;
  let keyId = opts.keyId ?? null;
  if (mode === 'ed25519') {
    if (!keyFile) throw new ConfigError('ed25519 needs --key PEM (or SHERATAN_SIGNING_KEY_FILE) and --key-id');
    signingKey = loadSigningKey(fs.readFileSync(keyFile, 'utf8'));
    keyId = keyId ?? env(e, 'SHERATAN_SIGNING_KEY_ID');
  } else if (mode === 'hmac') keyId = keyId ?? policy.keyId;
  const version = opts.v2 || mode === 'ed25519' || policy.minVersion === 2 ? 2 : 1;
  return { policy, mode, version, signingKey, keyId };
}

function signOne(data, opts, e, s) {
  const envelope = readEnvelope(data, s.policy.limits);
  let claims = null;
  if (s.version === 2) {
    const raw = parseJson(data, s.policy.limits);
    const node = opts.node ?? (typeof raw.get('node_id') === 'string' ? raw.get('node_id') : null) ?? env(e, 'SHERATAN_NODE_ID');
    const aud = opts.aud ?? (typeof raw.get('aud') === 'string' ? raw.get('aud') : null) ?? s.policy.pipelineId;
    const issued = opts.issuedAt ?? (typeof raw.get('issued_at') === 'number' ? raw.get('issued_at') : Date.now());
    if (!node || !NODE_ID.test(node)) throw new ConfigError("version 2 needs a node id (1..128 of [A-Za-z0-9._:@/-]): --node, the envelope's node_id or SHERATAN_NODE_ID");
    claims = { node_id: node, issued_at: issued, aud };
  }
  return signEnvelope(envelope, { mode: s.mode, version: s.version, hmacKey: s.policy.hmacKey, keyId: s.keyId, signingKey: s.signingKey, claims });
}

/**
 * A verified result in the flat JSON form written before canonical_version and node_attested existed gets the values
 * Avro schema resolution gives the Avro form (0: unknown; false: node_id only claimed).
 */
export function verifiedDefaults(value) {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    value.canonical_version ??= 0;
    value.node_attested ??= false;
  }
  return value;
}

const commands = {
  async canon(opts) {
    if (opts.eachLineHex) {
      // for cross-implementation checks: one document per line in hex; 'ok <hex>' or 'error <rule>' per line
      let lim; let data;
      try { lim = limitsFromEnv(process.env); data = await readInput(opts._[0]); } catch (e) { return fail('canon', e.message); }
      const out = [];
      const lines = data.toString('ascii').split('\n');
      if (lines.length && !lines[lines.length - 1].trim()) lines.pop(); // the newline that ends the last line
      for (const raw of lines) {
        const line = raw.trim();
        if (!/^(?:[0-9a-fA-F]{2})*$/.test(line)) return fail('canon', '--each-line-hex: a line is not hex');
        try { out.push('ok ' + canonicalize(Buffer.from(line, 'hex'), lim).toString('hex')); } catch (e) {
          if (!(e instanceof StrictJsonError)) throw e;
          out.push('error ' + e.rule);
        }
      }
      await writeOut(out.join('\n') + (out.length ? '\n' : ''));
      return 0;
    }
    try {
      const out = canonicalize(await readInput(opts._[0]), limitsFromEnv(process.env));
      await writeOut(out);
      return 0;
    } catch (e) {
      if (e instanceof StrictJsonError || e instanceof ConfigError || e.code) return fail('canon', e.message);
      throw e;
    }
  },

  async sign(opts) {
    try {
      const s = signingInputs(opts, process.env);
      const signed = signOne(await readInput(opts._[0]), opts, process.env, s);
      await writeOut(Buffer.concat([signed.toJson(), Buffer.from('\n')]));
      return 0;
    } catch (e) {
      if (e instanceof MalformedEnvelope) return fail('sign', `malformed envelope: ${e.message}`);
      if (e instanceof ConfigError || e instanceof StrictJsonError || e.code) return fail('sign', e.message);
      throw e;
    }
  },

  async verify(opts) {
    let policy; let data;
    try {
      policy = policyFromEnv(process.env);
      data = await readInput(opts._[0]);
    } catch (e) {
      if (e instanceof ConfigError || e.code) return fail('verify', e.message);
      throw e;
    }
    let envelope;
    try {
      envelope = readEnvelope(data, policy.limits);
    } catch (e) {
      if (e instanceof ConfigError) return fail('verify', e.message); // an Avro envelope without the schemas
      if (!(e instanceof MalformedEnvelope)) throw e;
      process.stdout.write('rejected malformed\n');
      return fail('verify', `malformed envelope: ${e.message}`);
    }
    const file = opts.keyring ?? policy.keyringFile;
    let keyring;
    try {
      keyring = file ? Keyring.read(file) : Keyring.legacy(policy.hmacKey, policy.keyId);
    } catch (e) {
      if (e instanceof KeyringError || e.code) return fail('verify', `keyring ${file} refused: ${e.message}`);
      throw e;
    }
    const [outcome, reason] = verifyEnvelope(envelope, policy, keyring, opts.at ?? Date.now());
    if (outcome === 'rejected') {
      process.stdout.write(`rejected ${reason}\n`);
      return 1;
    }
    process.stdout.write('verified\n');
    if (outcome === 'accepted_unmarked') process.stderr.write('sheratan-client verify: warning: no integrity mark; accepted because SHERATAN_RESULT_INTEGRITY_REQUIRED=0\n');
    return 0;
  },

  async publish(opts) {
    const e = process.env;
    let s = null; let data; let lim;
    try {
      if (opts.sign) s = signingInputs(opts, e);
      lim = limitsFromEnv(e);
      data = await readInput(opts._[0]);
    } catch (err) {
      if (err instanceof ConfigError || err.code) return fail('publish', err.message);
      throw err;
    }
    const topic = opts.topic ?? env(e, 'SHERATAN_TOPIC_SUBMITTED', 'sheratan.results.submitted');
    const lines = opts.whole ? [data] : data.toString('latin1').split('\n').map((l) => Buffer.from(l, 'latin1')).filter((l) => l.toString('latin1').trim());
    const messages = [];
    let malformed = 0;
    lines.forEach((line, n) => {
      try {
        const envelope = s ? signOne(line, opts, e, s) : readEnvelope(line, lim);
        const headers = { 'sheratan.sent_at': String(Date.now()) };
        if (envelope.claims) headers['sheratan.node_id'] = envelope.claims.node_id;
        messages.push({ key: Buffer.from(envelope.jobId, 'utf8'), value: s ? envelope.toJson() : Buffer.from(line.toString('latin1').trim(), 'latin1'), headers });
      } catch (err) {
        if (!(err instanceof MalformedEnvelope || err instanceof ConfigError || err instanceof StrictJsonError)) throw err;
        malformed++;
        process.stderr.write(`sheratan-client publish: line ${n + 1} not sent: ${err.message}\n`);
      }
    });
    const { client, CompressionTypes } = await kafka(opts, e);
    // kafkajs's default partitioner is the Java client's murmur2: a job id lands where Java producers put it
    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    let acked = 0;
    try {
      await producer.connect();
      for (let i = 0; i < messages.length; i += 500) {
        const batch = messages.slice(i, i + 500);
        await producer.send({ topic, acks: -1, compression: CompressionTypes.LZ4, messages: batch, timeout: Math.round(opts.timeout * 1000) });
        acked += batch.length;
      }
    } catch (err) {
      process.stderr.write(`published ${acked}, not delivered ${messages.length - acked}, malformed ${malformed}\n`);
      return fail('publish', `cannot reach Kafka or not delivered: ${err.message}`, 3);
    } finally {
      await producer.disconnect().catch(() => {});
    }
    process.stderr.write(`published ${acked}, not delivered 0, malformed ${malformed}\n`);
    return malformed ? 2 : 0;
  },

  async consume(opts) {
    const e = process.env;
    const names = { verified: ['SHERATAN_TOPIC_VERIFIED', 'sheratan.results.verified'], audit: ['SHERATAN_TOPIC_AUDIT', 'sheratan.results.audit'],
      checkpoints: ['SHERATAN_TOPIC_CHECKPOINTS', 'sheratan.audit.checkpoints'] };
    const which = opts._[0] ?? 'verified';
    const topic = names[which] ? env(e, ...names[which]) : which;
    const verifiedTopic = env(e, ...names.verified);
    let decode;
    try {
      decode = await avroReader();
    } catch (err) {
      if (err instanceof ConfigError) return fail('consume', err.message);
      throw err;
    }
    const { client } = await kafka(opts, e);
    const consumer = client.consumer({ groupId: `sheratan-node-client-${process.pid}-${Date.now()}`, readUncommitted: false });
    let count = 0;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      let last = Date.now();
      let done;
      const finished = new Promise((resolve) => { done = resolve; });
      // --idle counts from joining the group, not from connecting: a first group on a fresh cluster
      // can take seconds to join, and that wait is not idleness
      consumer.on(consumer.events.GROUP_JOIN, () => { last = Date.now(); });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic: t, partition, message }) => {
          if (opts.max !== undefined && count >= opts.max) return;
          last = Date.now();
          const line = { topic: t, partition, offset: Number(message.offset), key: message.key ? message.key.toString('utf8') : null };
          const value = message.value;
          try {
            if (value === null) line.value = null;
            else if (value[0] === 0xc3 && value[1] === 0x01) { line.format = 'avro'; line.value = decode(value); }
            else {
              const text = new TextDecoder('utf-8', { fatal: true }).decode(value);
              try { line.value = JSON.parse(text); line.format = 'json'; } catch { line.value = text; line.format = 'text'; } // a checkpoint note is text
              if (line.format === 'json' && t === verifiedTopic) verifiedDefaults(line.value);
            }
          } catch (err) {
            line.error = err.message;
          }
          process.stdout.write(JSON.stringify(line, (k, v) => (typeof v === 'bigint' ? Number(v) : Buffer.isBuffer(v) ? v.toString('hex') : v)) + '\n');
          count++;
          if (opts.max !== undefined && count >= opts.max) done();
        },
      });
      const timer = setInterval(() => { if (Date.now() - last > opts.idle * 1000) done(); }, 200);
      await finished;
      clearInterval(timer);
    } catch (err) {
      return fail('consume', `cannot reach Kafka: ${err.message}`, 3);
    } finally {
      await consumer.disconnect().catch(() => {});
    }
    process.stderr.write(`consumed ${count} from ${topic}\n`);
    return 0;
  },
};

export async function main(argv) {
  let opts;
  const command = argv[0];
  try {
    opts = parseArgs(argv.slice(1));
  } catch (e) {
    return fail(command ?? '', e.message);
  }
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (!commands[command]) return fail(command, `unknown command (expected canon, sign, verify, publish or consume)\n${USAGE}`);
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  return commands[command](opts);
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
