// The Java services' Kafka settings (SHERATAN_KAFKA_*, SHERATAN_KAFKA_CONFIG_FILE) as kafkajs options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kafkaSecurity, ConfigError } from '../sheratan-client.mjs';

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="worker" password="s3cr=t";';

test('SASL and TLS from the Java variables', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sheratan-sec-'));
  const ca = path.join(dir, 'ca.pem');
  fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n');
  const s = kafkaSecurity({ SHERATAN_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', SHERATAN_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
    SHERATAN_KAFKA_SASL_JAAS_CONFIG: JAAS, SHERATAN_KAFKA_SSL_TRUSTSTORE_TYPE: 'PEM', SHERATAN_KAFKA_SSL_TRUSTSTORE_LOCATION: ca });
  assert.deepEqual(s.sasl, { mechanism: 'scram-sha-256', username: 'worker', password: 's3cr=t' });
  assert.equal(s.ssl.ca[0].toString(), fs.readFileSync(ca, 'utf8'));
  fs.rmSync(dir, { recursive: true });
});

test('the config file, plaintext by default, and what only Java reads', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sheratan-sec-'));
  const file = path.join(dir, 'client.properties');
  fs.writeFileSync(file, `# comment\nsecurity.protocol=SASL_PLAINTEXT\nsasl.mechanism: PLAIN\nsasl.jaas.config=${JAAS}\n`);
  assert.deepEqual(kafkaSecurity({ SHERATAN_KAFKA_CONFIG_FILE: file }).sasl, { mechanism: 'plain', username: 'worker', password: 's3cr=t' });
  assert.deepEqual(kafkaSecurity({}), { bootstrap: undefined });
  assert.throws(() => kafkaSecurity({ SHERATAN_KAFKA_SECURITY_PROTOCOL: 'SSL', SHERATAN_KAFKA_SSL_TRUSTSTORE_LOCATION: '/t.jks' }),
    (e) => e instanceof ConfigError && /JKS store, which only Java reads/.test(e.message));
  assert.throws(() => kafkaSecurity({ SHERATAN_KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', SHERATAN_KAFKA_SASL_MECHANISM: 'GSSAPI' }),
    (e) => e instanceof ConfigError && /PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512/.test(e.message));
  fs.rmSync(dir, { recursive: true });
});
