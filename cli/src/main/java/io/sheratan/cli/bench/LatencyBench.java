package io.sheratan.cli.bench;

import io.sheratan.cli.TempDirs;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.kafka.embedded.EmbeddedKafka;
import io.sheratan.producer.ResultPublisher;
import io.sheratan.verifier.VerifierApp;
import io.sheratan.verifier.VerifierConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code sheratan bench latency}: end-to-end latency from send to read_committed arrival on the
 * verified topic, at a fixed rate, through the real verifier (EOS v2, default commit interval) on
 * an embedded broker. The verified record keeps the input record's timestamp, so latency is the
 * reader's wall clock minus that timestamp (one JVM, one clock).
 */
@Command(name = "latency",
        mixinStandardHelpOptions = true,
        description = {
            "Send -> read_committed arrival on the verified topic, at --rate results/s for --seconds, through the verifier.",
            "Prints p50/p99/max; the target is p99 <= 300 ms at half the maximum rate (see bench pipeline)."
        })
public final class LatencyBench implements Callable<Integer> {

    @Option(names = "--rate", defaultValue = "2000", description = "results per second (default: ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--seconds", defaultValue = "30", description = "how long to send (default: ${DEFAULT-VALUE})")
    int seconds;

    @Override
    public Integer call() throws Exception {
        Path state = Files.createTempDirectory("sheratan-bench-latency-");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().start()) {
            Map<String, Object> client = kafka.clientConfig();
            Topics topics = Topics.defaults().withSuffix(".latency");
            try (Admin admin = Admin.create(client)) {
                new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics);
            }
            VerifierConfig config = VerifierConfig.fromEnv(Map.of()).withTopics(topics).withHttpPort(0)
                    .withApplicationId("bench-latency");
            List<String> results = Corpus.results(256, 1024, 5);
            int total = rate * seconds;
            long[] latencies = new long[total];
            int received = 0;
            Map<String, Object> consumerConfig = new HashMap<>(client);
            consumerConfig.put("group.id", "latency-reader");
            consumerConfig.put("auto.offset.reset", "latest");
            consumerConfig.put("isolation.level", "read_committed");
            try (VerifierApp app = new VerifierApp(config, client, state, "127.0.0.1").start(false);
                 KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                 ResultPublisher publisher = ResultPublisher.builder().clientConfig(client).topic(topics.submitted()).build()) {
                app.awaitRunning(Duration.ofSeconds(60));
                consumer.subscribe(Set.of(topics.verified()));
                while (consumer.assignment().isEmpty()) {
                    consumer.poll(Duration.ofMillis(100));
                }
                Thread sender = new Thread(() -> {
                    long start = System.nanoTime();
                    for (int i = 0; i < total; i++) {
                        long due = start + (long) (i * (1e9 / rate));
                        while (System.nanoTime() < due) {
                            Thread.onSpinWait();
                        }
                        publisher.publish("lat-" + i, true, results.get(i & 255), null);
                    }
                    publisher.flush();
                }, "latency-sender");
                sender.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 60L);
                while (received < total && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                        if (received < total) {
                            latencies[received++] = System.currentTimeMillis() - r.timestamp();
                        }
                    }
                }
                sender.join();
            }
            long[] all = Arrays.copyOf(latencies, received);
            Arrays.sort(all);
            int skip = Math.min(received / 10, rate * 2); // the first seconds include JIT warm-up and the first commit
            long[] afterWarmup = Arrays.copyOfRange(latencies, Math.min(skip, received), received);
            Arrays.sort(afterWarmup);
            TempDirs.deleteQuietly(state);
            System.out.printf(Locale.ROOT, "sheratan bench latency: %d results at %d/s, EOS v2, default commit interval; %d received%n",
                    total, rate, received);
            System.out.printf(Locale.ROOT, "  all:                p50 %d ms, p99 %d ms, max %d ms%n",
                    pct(all, 50), pct(all, 99), all.length == 0 ? -1 : all[all.length - 1]);
            System.out.printf(Locale.ROOT, "p99 after the first %d results: %d ms (p50 %d ms; target p99 <= 300 ms)%n",
                    skip, pct(afterWarmup, 99), pct(afterWarmup, 50));
            return received == total ? 0 : 1;
        }
    }


    private static long pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return -1;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p / 100.0) - 1)];
    }
}
