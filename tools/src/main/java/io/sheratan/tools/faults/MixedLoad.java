package io.sheratan.tools.faults;

import io.sheratan.integrity.Signer;

import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.WireFormat;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.kafka.Topics;
import io.sheratan.producer.ResultPublisher;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady mixed load until stopped: valid results (JSON and Avro), identical resubmissions,
 * conflicts, tampered, unmarked and unreadable records, each waited for until acknowledged so that
 * {@link #sent()} is exactly what the submitted topic holds.
 */
final class MixedLoad implements Runnable {

    private final Map<String, Object> client;
    private final Topics topics;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong sent = new AtomicLong();
    private volatile Exception failure;

    MixedLoad(Map<String, Object> client, Topics topics) {
        this.client = client;
        this.topics = topics;
    }

    long sent() {
        return sent.get();
    }

    Exception failure() {
        return failure;
    }

    void stop() {
        running.set(false);
    }

    @Override
    public void run() {
        IntegrityPolicy policy = IntegrityPolicy.defaults();
        try (ResultPublisher json = ResultPublisher.builder().clientConfig(client).topic(topics.submitted()).build();
             ResultPublisher avro = ResultPublisher.builder().clientConfig(client).topic(topics.submitted()).format(WireFormat.AVRO).build();
             KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(client, new ByteArraySerializer(), new ByteArraySerializer())) {
            int i = 0;
            while (running.get()) {
                for (int batch = 0; batch < 20; batch++, i++) {
                    String id = "load-" + i;
                    (i % 2 == 0 ? json : avro).publish(id, true, "{\"i\":" + i + "}", null).get(120, TimeUnit.SECONDS);
                    sent.incrementAndGet();
                    switch (i % 6) {
                        case 0 -> json.publish(id, true, "{\"i\": " + i + ".0}", null).get(120, TimeUnit.SECONDS);
                        case 1 -> avro.publish(id, true, "{\"i\":-" + i + "}", null).get(120, TimeUnit.SECONDS);
                        case 2 -> {
                            String t = new String(EnvelopeWriter.toJson(json.prepare(id + "-t", true, "{\"v\":1}", null).signedBy(Signer.v1(policy))),
                                    StandardCharsets.UTF_8).replace("{\"v\":1}", "{\"v\":2}");
                            raw.send(new ProducerRecord<>(topics.submitted(), bytes(id + "-t"), bytes(t))).get(120, TimeUnit.SECONDS);
                        }
                        case 3 -> raw.send(new ProducerRecord<>(topics.submitted(), bytes(id + "-u"),
                                bytes("{\"job_id\":\"" + id + "-u\",\"ok\":true}"))).get(120, TimeUnit.SECONDS);
                        case 4 -> raw.send(new ProducerRecord<>(topics.submitted(), bytes(id + "-g"),
                                new byte[] {(byte) 0xC3, 0x01, 1, 2, 3})).get(120, TimeUnit.SECONDS);
                        default -> {
                            continue;
                        }
                    }
                    sent.incrementAndGet();
                }
                Thread.sleep(200);
            }
        } catch (Exception e) {
            failure = e;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
