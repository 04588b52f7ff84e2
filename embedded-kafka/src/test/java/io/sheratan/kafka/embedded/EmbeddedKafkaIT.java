package io.sheratan.kafka.embedded;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded broker is a real one: data written before a restart is read after it. */
class EmbeddedKafkaIT {

    @Test
    void shouldKeepDataAcrossARestartOfTheSingleNode(@TempDir Path data) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(data).start()) {
            createTopic(kafka, "restart-topic", 1);
            produce(kafka, "restart-topic", 100);
            kafka.stopNode(0);
            kafka.restartNode(0);
            assertThat(consumeAll(kafka, "restart-topic", 100)).hasSize(100);
        }
        // and across a whole new process-like start on the same directory
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(data).start()) {
            assertThat(consumeAll(kafka, "restart-topic", 100)).hasSize(100);
        }
    }

    static void createTopic(EmbeddedKafka kafka, String topic, int replication) throws Exception {
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) replication))).all().get(30, TimeUnit.SECONDS);
        }
    }

    static void produce(EmbeddedKafka kafka, String topic, int count) throws Exception {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put("acks", "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    static List<ConsumerRecord<String, String>> consumeAll(EmbeddedKafka kafka, String topic, int expected) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put("group.id", "reader-" + System.nanoTime());
        config.put("auto.offset.reset", "earliest");
        config.put("isolation.level", "read_committed");
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
