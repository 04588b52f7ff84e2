package io.sheratan.keys;

import io.sheratan.kafka.Producers;

import io.sheratan.avro.codec.AuditEventType;

import io.sheratan.avro.codec.AuditEvents;
import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.codec.OutputCodec;
import io.sheratan.integrity.Keyring;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Audit events about a service rather than a record: {@code KEYRING_APPLIED} (DESIGN.md section 3c),
 * one per keyring a service applies, naming the instance, the file's SHA-256 and every key and
 * token id with its window, never a secret. Written with an idempotent producer of their own.
 */
public final class ServiceEvents implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceEvents.class);

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final String instance;
    private final OutputCodec codec;

    public ServiceEvents(Map<String, Object> clientConfig, String auditTopic, String instance, OutputCodec codec) {
        this.producer = Producers.create(clientConfig, Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000),
                new ByteArraySerializer(), new ByteArraySerializer());
        this.topic = auditTopic;
        this.instance = instance;
        this.codec = codec;
    }

    /** The {@code KEYRING_APPLIED} event of {@code keyring} at {@code instance}. */
    public static AuditEvent keyringApplied(String instance, Keyring keyring, Instant at) {
        String detail = keyring.summary();
        if (detail.length() > 60_000) {
            detail = "{\"digest\":\"" + keyring.digest() + "\",\"keys\":" + keyring.keys().size() + ",\"tokens\":" + keyring.tokens().size() + "}";
        }
        return AuditEvents.event(AuditEventType.KEYRING_APPLIED, AuditEventType.KEYRING_APPLIED_REASON,
                        "keyring/" + instance + "/" + keyring.digest() + "/" + at.toEpochMilli(), at, null)
                .setNodeId(instance)
                .setDetail(detail)
                .setReceivedSha256(keyring.digest()) // the evidence here is the keyring file's own hash
                .build();
    }

    public void keyringApplied(Keyring keyring) {
        AuditEvent event = keyringApplied(instance, keyring, Instant.now());
        producer.send(new ProducerRecord<>(topic, event.getEventId().getBytes(StandardCharsets.UTF_8), codec.audit(event)),
                (meta, error) -> {
                    if (error != null) {
                        LOG.error("KEYRING_APPLIED event for {} not written: {}", keyring.digest(), error.toString());
                    }
                });
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
