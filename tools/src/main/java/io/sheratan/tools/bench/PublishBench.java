package io.sheratan.tools.bench;

import io.sheratan.cli.KafkaOptions;
import io.sheratan.kafka.embedded.EmbeddedKafka;
import io.sheratan.producer.ResultPublisher;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import com.sun.management.OperatingSystemMXBean;

/**
 * {@code sheratan bench publish}: N signed ~1 KB results through {@link ResultPublisher} against N
 * unsigned records of the same size through a plain {@link KafkaProducer} with the same settings
 * (acks=all, idempotence, linger 5 ms, lz4), alternating rounds on one broker in one JVM.
 */
@Command(name = "publish",
        header = "Benchmark: signed publishing against a plain producer.",
        mixinStandardHelpOptions = true,
        description = {
            "Throughput of ResultPublisher (validate+sign+send) vs a plain KafkaProducer, same settings, same broker.",
            "Starts an embedded broker unless --bootstrap-servers / KAFKA_BOOTSTRAP_SERVERS is given.",
            "Last line: the ratio signed/plain; the target is >= 0.90."
        })
public final class PublishBench implements Callable<Integer> {

    @Option(names = "--count", defaultValue = "40000", description = "records per round (default: ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--rounds", defaultValue = "8", description = "measured rounds per side (default: ${DEFAULT-VALUE})")
    int rounds;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = System.getenv();
        boolean embedded = kafka.bootstrapServersGiven(env) == null;
        try (EmbeddedKafka broker = embedded ? EmbeddedKafka.builder().start() : null) {
            Map<String, Object> client = embedded ? broker.clientConfig() : kafka.clientConfig(env);
            String topic = "sheratan.bench.publish." + System.currentTimeMillis();
            try (Admin admin = Admin.create(client)) {
                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            List<String> results = Corpus.results(256, 1024, 7);
            // the plain side sends the same envelopes unsigned: same sizes, same compressibility
            List<byte[]> plainValues = Corpus.envelopes(256, 1024, 7);

            Map<String, Object> plainConfig = new HashMap<>(client);
            plainConfig.put("acks", "all");
            plainConfig.put("enable.idempotence", true);
            plainConfig.put("linger.ms", 5);
            plainConfig.put("compression.type", "lz4");
            plainConfig.put("batch.size", 64 * 1024);
            plainConfig.put("buffer.memory", 32L * 1024 * 1024);
            System.out.printf(Locale.ROOT, "sheratan bench publish: %d records x %d rounds per side, %s broker%n",
                    count, rounds, embedded ? "embedded" : "external");
            try (ResultPublisher publisher = ResultPublisher.builder().clientConfig(client).topic(topic).build();
                 KafkaProducer<byte[], byte[]> plain = new KafkaProducer<>(plainConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
                Round signedRound = n -> {
                    for (int i = 0; i < n; i++) {
                        publisher.publish("bench-" + i, true, results.get(i & 255), null);
                    }
                    publisher.flush();
                };
                Round plainRound = n -> {
                    for (int i = 0; i < n; i++) {
                        plain.send(new ProducerRecord<>(topic, ("plain-" + i).getBytes(StandardCharsets.UTF_8), plainValues.get(i & 255)));
                    }
                    plain.flush();
                };
                for (int w = 0; w < 2; w++) { // warm-up, unmeasured: the JIT compiles both paths
                    signedRound.run(count);
                    plainRound.run(count);
                }
                Side signed = new Side(rounds);
                Side plainSide = new Side(rounds);
                for (int r = 0; r < rounds; r++) {
                    signed.measure(r, signedRound, count);
                    plainSide.measure(r, plainRound, count);
                }
                double s = Stats.median(signed.rates);
                double p = Stats.median(plainSide.rates);
                System.out.printf(Locale.ROOT, "  signed (ResultPublisher): median %,.0f records/s; CPU per record: caller thread %.1f us, whole process %.1f us%n",
                        s, Stats.median(signed.callerMicros), Stats.median(signed.processMicros));
                System.out.printf(Locale.ROOT, "  plain (KafkaProducer):    median %,.0f records/s; CPU per record: caller thread %.1f us, whole process %.1f us%n",
                        p, Stats.median(plainSide.callerMicros), Stats.median(plainSide.processMicros));
                System.out.printf(Locale.ROOT, "ratio signed/plain (median records/s): x%.2f (target x0.90)%n", s / p);
            }
        }
        return 0;
    }

    private interface Round {
        void run(int n) throws Exception;
    }

    /**
     * Rates of one side, and the CPU it cost per record: on the calling thread, and in the whole
     * process (the broker too when it is embedded) — the figures that explain the ratio.
     */
    private static final class Side {
        private static final OperatingSystemMXBean OS =
                (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        final double[] rates;
        final double[] callerMicros;
        final double[] processMicros;

        Side(int rounds) {
            rates = new double[rounds];
            callerMicros = new double[rounds];
            processMicros = new double[rounds];
        }

        void measure(int round, Round work, int n) throws Exception {
            long process = OS.getProcessCpuTime();
            long caller = THREADS.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            work.run(n);
            long wall = System.nanoTime() - start;
            rates[round] = n / (wall / 1e9);
            callerMicros[round] = (THREADS.getCurrentThreadCpuTime() - caller) / 1e3 / n;
            processMicros[round] = (OS.getProcessCpuTime() - process) / 1e3 / n;
        }
    }
}
