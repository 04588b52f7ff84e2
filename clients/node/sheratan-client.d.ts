// Types of sheratan-client.mjs (the package's only module). test/package.test.mjs holds the names declared here to the
// module's exports.

/// <reference types="node" />

import type { KeyObject } from 'node:crypto';

export const DEFAULT_MAX_BYTES: number;
export const DEFAULT_MAX_DEPTH: number;
/** Integrity modes, weakest first. */
export const MODES: readonly ['sha256', 'hmac', 'ed25519'];

export type Mode = 'sha256' | 'hmac' | 'ed25519';

/** A parsed JSON value under the strict profile: objects are Maps (member order as written), numbers are doubles. */
export type JsonValue = null | boolean | number | string | JsonValue[] | Map<string, JsonValue>;

/** What canonical() writes: parsed values, and plain objects too. */
export type JsonInput = null | boolean | number | string | JsonInput[] | Map<string, JsonInput> | { [name: string]: JsonInput };

/** Bytes of a JSON text (a string is encoded as UTF-8). */
export type Bytes = Buffer | Uint8Array | string;

/** The strict-profile rule a document broke. */
export type StrictRule =
  | 'syntax' | 'duplicate_name' | 'lone_surrogate' | 'invalid_utf8' | 'inexact_integer' | 'number_overflow'
  | 'too_deep' | 'trailing_bytes' | 'too_large';

export class StrictJsonError extends Error {
  constructor(rule: StrictRule, offset: number, explanation?: string);
  readonly rule: StrictRule;
  readonly offset: number;
}

/** An envelope that breaks a rule of the contract (verify: `rejected malformed`). */
export class MalformedEnvelope extends Error {}

/** Bad settings: a policy variable, a key, a missing schema folder. */
export class ConfigError extends Error {}

export interface Limits {
  maxBytes: number;
  maxDepth: number;
}

/** Size (bytes, at least 2) and depth (1..1000) limits; throws ConfigError outside them. */
export function limits(maxBytes?: number, maxDepth?: number): Limits;

/** Parses under the strict profile; throws StrictJsonError. The limit holds for the canonical form too. */
export function parseJson(data: Bytes, lim?: Limits): JsonValue;

/** The RFC 8785 bytes of a value. */
export function canonical(value: JsonInput): Buffer;

/** The strict-profile canonical bytes of a JSON text; throws StrictJsonError. */
export function canonicalize(data: Bytes, lim?: Limits): Buffer;

/** DSSE pre-authentication encoding of a version 2 core: what hmac and ed25519 marks of version 2 sign. */
export function pae(core: Uint8Array): Buffer;

/** Version 2 claims. */
export interface Claims {
  node_id: string;
  /** milliseconds since the epoch */
  issued_at: number;
  aud: string;
}

/** An envelope's integrity member. */
export interface Mark {
  mode: string | null;
  sha256: string | null;
  sig: string | null;
  key_id: string | null;
  /** the canonical version: null (1) or 2 */
  v: number | null;
}

export class Envelope {
  constructor(jobId: string, ok: boolean, result?: JsonValue | null, error?: string | Map<string, JsonValue> | null,
    mark?: Mark | null, claims?: Claims | null);
  jobId: string;
  ok: boolean;
  result: JsonValue | null;
  error: string | Map<string, JsonValue> | null;
  mark: Mark | null;
  claims: Claims | null;
  /** 2 with claims, else 1 */
  readonly coreVersion: 1 | 2;
  /** job_id, ok, result, error and (version 2) node_id, issued_at, aud */
  core(): Map<string, JsonInput>;
  coreBytes(): Buffer;
  /** lowercase hex SHA-256 of coreBytes() */
  coreSha256(): string;
  /** the whole envelope, canonical */
  toJson(): Buffer;
}

/** Checks version 2 claims (throws MalformedEnvelope) and returns them. */
export function checkClaims(nodeId: string, issuedAt: number, aud: string): Claims;

/**
 * A JSON envelope, or an Avro single-object ResultSubmission (C3 01 ...; the schemas of schemaDir()), to an Envelope;
 * throws MalformedEnvelope naming the broken rule, ConfigError when the schemas are not found.
 */
export function readEnvelope(data: Bytes, lim?: Limits): Envelope;

/** Throws unless bytes[pos..] is exactly one datum of `schema` (parsed JSON) with every varint in its shortest form. */
export function strictAvroCheck(schema: unknown, bytes: Uint8Array, pos?: number): void;

/** The Avro specification's Parsing Canonical Form of a schema given as parsed JSON. */
export function parsingCanonicalForm(schema: unknown, namespace?: string | null): string;

/** An Ed25519 private key from its 32-byte seed. */
export function ed25519PrivateKey(seed: Uint8Array): KeyObject;

/** An Ed25519 PKCS#8 PEM private key; throws ConfigError for anything else. */
export function loadSigningKey(pemText: string | Buffer): KeyObject;

/** Ed25519 verification with a raw 32-byte public key; false for keys or signatures of the wrong size. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean;

export class KeyringError extends Error {}

export interface HmacKey {
  keyId: string;
  alg: 'hmac-sha256';
  mode: 'hmac';
  secret: Buffer | string;
  /** null or absent: any node */
  nodes?: Set<string> | null;
  /** milliseconds since the epoch; null or absent: open */
  notBefore?: number | null;
  notAfter?: number | null;
}

export interface Ed25519Key {
  keyId: string;
  alg: 'ed25519';
  mode: 'ed25519';
  /** raw 32 bytes */
  publicKey: Buffer;
  nodes?: Set<string> | null;
  notBefore?: number | null;
  notAfter?: number | null;
}

export type KeyringKey = HmacKey | Ed25519Key;

/** The verifier's keyring (SHERATAN_KEYRING_FILE), read and checked as the services read it. */
export class Keyring {
  constructor(keys: Map<string, KeyringKey>, anyKeyIdForV1?: boolean);
  keys: Map<string, KeyringKey>;
  /** a v1 mark naming an unknown key_id is tried against every hmac key (the legacy single-key setup) */
  anyKeyIdForV1: boolean;
  /** The single-key setup of SHERATAN_RESULT_HMAC_KEY[_ID]: a keyring of that hmac key (empty without one). */
  static legacy(hmacKey: Buffer | string | null | undefined, keyId?: string | null): Keyring;
  /** Reads and parses a keyring file; throws KeyringError (or a file system error). */
  static read(file: string): Keyring;
  /** A keyring file's bytes: a regular file of at most 1 MiB, the same bytes read twice. */
  static readFile(file: string): Buffer;
  static readOnce(file: string): Buffer;
  /** Exactly one JSON document with "keys" and "tokens"; throws KeyringError. */
  static parse(data: Bytes): Keyring;
  /** Throws KeyringError when more than 8 hmac keys without nodes are valid at one instant. */
  static checkUnboundHmacKeys(keys: Iterable<KeyringKey>): void;
  static id(node: Map<string, JsonValue>, name: string, where: string): string;
  static time(node: Map<string, JsonValue>, name: string, where: string): number | null;
  static window(node: Map<string, JsonValue>, where: string): [number | null, number | null];
  static base64(node: Map<string, JsonValue>, name: string, where: string): Buffer;
  static key(node: JsonValue, where: string): KeyringKey;
  /** The key of that id, or null. */
  key(keyId: string | null | undefined): KeyringKey | null;
}

/** The verifier's policy variables (SHERATAN_RESULT_*, SHERATAN_PIPELINE_ID, SHERATAN_KEYRING_FILE). */
export interface Policy {
  mode: Mode;
  required: boolean;
  minVersion: 1 | 2;
  hmacKey: Buffer | null;
  keyId: string | null;
  keyringFile: string | null;
  pipelineId: string;
  maxAgeMs: number;
  maxSkewMs: number;
  limits: Limits;
}

export type Env = Record<string, string | undefined>;

/** SHERATAN_RESULT_MAX_BYTES and SHERATAN_RESULT_MAX_DEPTH; throws ConfigError. */
export function limitsFromEnv(e: Env): Limits;

/** The policy of these variables (default: process.env); throws ConfigError. */
export function policyFromEnv(e?: Env): Policy;

export type RejectReason =
  | 'missing_integrity' | 'unsupported_version' | 'unsupported_mode' | 'sha_mismatch' | 'sig_mismatch' | 'unknown_key'
  | 'key_not_valid' | 'node_mismatch' | 'wrong_audience' | 'stale' | 'future_dated';

export type Verdict = ['verified', null] | ['accepted_unmarked', 'missing_integrity'] | ['rejected', RejectReason];

/** The verdict at record time t (milliseconds since the epoch). */
export function verifyEnvelope(envelope: Envelope, policy: Policy, keyring: Keyring, t: number): Verdict;

export interface SignOptions {
  /** default sha256 */
  mode?: Mode;
  /** default 1; ed25519 is always 2 */
  version?: 1 | 2;
  hmacKey?: Buffer | string | null;
  keyId?: string | null;
  /** ed25519: from loadSigningKey or ed25519PrivateKey */
  signingKey?: KeyObject | null;
  /** version 2 */
  claims?: Claims | null;
}

/** A copy of the envelope with a fresh mark; throws ConfigError (a missing key or claims) or MalformedEnvelope. */
export function signEnvelope(envelope: Envelope, options?: SignOptions): Envelope;

/** CRC-64-AVRO of a schema's parsing canonical form: the 8 little-endian bytes of the single-object header. */
export function avroFingerprint(canonicalForm: string): Buffer;

/**
 * The folder of the current Avro schemas: SHERATAN_SCHEMAS_DIR, else the package's own schemas/avro, else the
 * repository's schemas/src/main/avro; older schemas are read from ../resources/avro-history beside it. Throws ConfigError.
 */
export function schemaDir(): string;

/** kafkajs security options from the Java services' settings: SHERATAN_KAFKA_CONFIG_FILE, then SHERATAN_KAFKA_*. */
export interface KafkaSecurity {
  bootstrap?: string;
  ssl?: true | { ca?: Buffer[]; cert?: Buffer; key?: Buffer; passphrase?: string; checkServerIdentity?: () => undefined };
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

/**
 * The Java Kafka client settings (security.protocol, sasl.mechanism, sasl.jaas.config, PEM trust and key stores)
 * as kafkajs options; throws ConfigError naming a setting only the JVM reads.
 */
export function kafkaSecurity(env?: Record<string, string | undefined>): KafkaSecurity;

/** A decoder of single-object Avro values of the pipeline's record types (needs the avsc package). */
export function avroReader(): Promise<(value: Buffer) => unknown>;

/** A verified result in the flat JSON form gets canonical_version 0 and node_attested false when absent. */
export function verifiedDefaults<T>(value: T): T;

/** The command line (canon, sign, verify, publish, consume) without the process: returns the exit code. */
export function main(argv: string[]): Promise<number>;
