package io.sheratan.tools.bench;

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
import java.util.concurrent.locks.LockSupport;

/**
 * {@code sheratan bench latency}: end-to-end latency from send to read_committed arrival on the
 * verified topic, through the real verifier (EOS v2, its commit interval) on an embedded
 * broker, everything in this JVM. The verified record keeps the input record's timestamp, so
 * latency is the reader's wall clock minus that timestamp (one JVM, one clock).
 *
 * <p>Without {@code --rate} it first measures the maximum: an unpaced burst, timed from the first
 * send to the last read_committed arrival, in this very setup (producer, broker, verifier and
 * reader sharing the cores); then it runs at half that rate. The burst also warms the JIT up; the
 * paced phase has its own unmeasured warm-up.
 */
@Command(name = "latency",
        header = "Benchmark: send to verified, end to end.",
        mixinStandardHelpOptions = true,
        description = {
            "Send -> read_committed arrival on the verified topic, through the verifier (EOS v2, Kafka Streams' commit interval of 100 ms unless --config sets one).",
            "Without --rate: measures the maximum end-to-end rate with a burst first, then runs at half of it.",
            "Last line: p99 and p50; the target is p99 <= 300 ms at half the maximum rate."
        })
public final class LatencyBench implements Callable<Integer> {

    @Option(names = "--rate", defaultValue = "0", description = "results per second; 0: half the measured maximum (default: ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--burst", defaultValue = "40000", description = "results in the maximum-rate burst (default: ${DEFAULT-VALUE})")
    int burst;

    @Option(names = "--seconds", defaultValue = "30", description = "how long to measure (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--fractions", defaultValue = "0.5", split = ",", paramLabel = "F,F,...",
            description = "with --rate 0: measure at these fractions of the measured maximum, each in turn (default: ${DEFAULT-VALUE};"
                    + " e.g. 0.25,0.5,0.75 for a curve of latency against rate)")
    double[] fractions;

    @Option(names = "--config", paramLabel = "KEY=VALUE",
            description = "a Kafka Streams setting for the verifier, as SHERATAN_KAFKA_* would pass it, e.g. commit.interval.ms=100 (repeatable)")
    Map<String, String> config = new java.util.LinkedHashMap<>();

    @picocli.CommandLine.Mixin
    BenchOutput output;

    @Option(names = "--warmup-seconds", defaultValue = "10",
            description = "sent at the same rate first and not measured (default: ${DEFAULT-VALUE})")
    int warmupSeconds;

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
            Map<String, Object> consumerConfig = new HashMap<>(client);
            consumerConfig.put("group.id", "latency-reader");
            consumerConfig.put("auto.offset.reset", "latest");
            consumerConfig.put("isolation.level", "read_committed");
            Map<String, Object> verifierClient = new HashMap<>(client);
            verifierClient.putAll(this.config);
            Object commitInterval = verifierClient.getOrDefault("commit.interval.ms", "100");
            try (VerifierApp app = new VerifierApp(config, verifierClient, state, "127.0.0.1").start(false);
                 KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                 ResultPublisher publisher = ResultPublisher.builder().clientConfig(client).topic(topics.submitted()).build()) {
                app.awaitRunning(Duration.ofSeconds(60));
                consumer.subscribe(Set.of(topics.verified()));
                while (consumer.assignment().isEmpty()) {
                    consumer.poll(Duration.ofMillis(100));
                }
                double maxRate = 0;
                List<Integer> rates = new java.util.ArrayList<>();
                if (rate > 0) {
                    rates.add(rate);
                } else {
                    Phase max = run(publisher, consumer, results, "max-", burst, 0, 0);
                    maxRate = max.received / (max.elapsedNanos / 1e9);
                    System.out.printf(Locale.ROOT, "  maximum: %,d results sent unpaced, last arrival after %.1f s: %,.0f results/s end to end%n",
                            max.received, max.elapsedNanos / 1e9, maxRate);
                    for (double f : fractions) {
                        rates.add((int) Math.max(1, maxRate * f));
                    }
                }
                boolean all = true;
                com.fasterxml.jackson.databind.node.ArrayNode points = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
                double[] xs = new double[rates.size()];
                double[] p50s = new double[rates.size()];
                double[] p99s = new double[rates.size()];
                for (int k = 0; k < rates.size(); k++) {
                    int paced = rates.get(k);
                    int warmup = paced * warmupSeconds;
                    Phase phase = run(publisher, consumer, results, "lat" + k + "-", warmup + paced * seconds, paced, warmup);
                    long[] sorted = Arrays.copyOf(phase.latencies, phase.measured);
                    Arrays.sort(sorted);
                    System.out.printf(Locale.ROOT, "sheratan bench latency: %d s warm-up + %d s measured at %,d/s, EOS v2, commit interval %s ms; %d of %d received%n",
                            warmupSeconds, seconds, paced, commitInterval, phase.received, warmup + paced * seconds);
                    System.out.printf(Locale.ROOT, "  measured: %d results, p50 %d ms, p90 %d ms, max %d ms%n",
                            phase.measured, pct(sorted, 50), pct(sorted, 90), sorted.length == 0 ? -1 : sorted[sorted.length - 1]);
                    System.out.printf(Locale.ROOT, "p99 %d ms at %,d/s (p50 %d ms; target p99 <= 300 ms at half the maximum rate)%n",
                            pct(sorted, 99), paced, pct(sorted, 50));
                    all &= phase.received == warmup + paced * seconds;
                    xs[k] = paced;
                    p50s[k] = pct(sorted, 50);
                    p99s[k] = pct(sorted, 99);
                    points.addObject().put("rate", paced).put("fraction_of_max", maxRate > 0 ? paced / maxRate : 0)
                            .put("p50_ms", pct(sorted, 50)).put("p90_ms", pct(sorted, 90)).put("p99_ms", pct(sorted, 99))
                            .put("max_ms", sorted.length == 0 ? -1 : sorted[sorted.length - 1])
                            .put("received", phase.received).put("sent", warmup + paced * seconds);
                }
                if (output.wanted()) {
                    com.fasterxml.jackson.databind.node.ObjectNode report = output.report("latency");
                    report.put("max_rate", maxRate).put("commit_interval_ms", String.valueOf(commitInterval)).put("seconds", seconds).put("warmup_seconds", warmupSeconds).put("target_p99_ms", 300);
                    report.set("points", points);
                    Map<String, double[]> series = new java.util.LinkedHashMap<>();
                    series.put("p50", p50s);
                    series.put("p99", p99s);
                    output.write(report, BenchOutput.latencyChart(xs, series, 300));
                }
                return all ? 0 : 1;
            }
        } finally {
            TempDirs.deleteQuietly(state);
        }
    }

    private static final class Phase {
        long[] latencies;
        int received;
        int measured;
        long elapsedNanos;
    }

    /**
     * Sends {@code total} results keyed {@code prefix + i} at {@code rate} per second (0: as fast as
     * possible) and reads them back; latencies are kept for indexes from {@code skip} on.
     */
    private static Phase run(ResultPublisher publisher, KafkaConsumer<byte[], byte[]> consumer, List<String> results,
                             String prefix, int total, int rate, int skip) throws InterruptedException {
        Phase phase = new Phase();
        phase.latencies = new long[total - skip];
        long start = System.nanoTime();
        Thread sender = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                if (rate > 0) {
                    long wait = start + (long) (i * (1e9 / rate)) - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait); // not a spin: the cores are shared
                    }
                }
                publisher.publish(prefix + i, true, results.get(i & 255), null);
            }
            publisher.flush();
        }, "latency-sender");
        sender.start();
        long deadline = start + TimeUnit.SECONDS.toNanos(total / Math.max(rate, 1000) + 120L);
        while (phase.received < total && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                long latency = System.currentTimeMillis() - r.timestamp();
                String key = new String(r.key(), StandardCharsets.UTF_8);
                if (!key.startsWith(prefix)) {
                    continue;
                }
                phase.received++;
                int index = Integer.parseInt(key.substring(prefix.length()));
                if (index >= skip && phase.measured < phase.latencies.length) {
                    phase.latencies[phase.measured++] = latency;
                }
            }
        }
        phase.elapsedNanos = System.nanoTime() - start;
        sender.join();
        return phase;
    }

    private static long pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return -1;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p / 100.0) - 1)];
    }
}
