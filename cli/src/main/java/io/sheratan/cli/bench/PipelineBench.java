package io.sheratan.cli.bench;

import io.sheratan.kafka.Topics;
import io.sheratan.kafka.embedded.EmbeddedKafka;
import io.sheratan.producer.ResultPublisher;
import io.sheratan.verifier.VerifierConfig;
import io.sheratan.verifier.VerifierTopology;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code sheratan bench pipeline}: the verifier's throughput against (a) a passthrough topology and
 * (b) a passthrough doing one store get/put per job id, all under exactly-once v2, on the same
 * embedded broker and the same pre-loaded input of signed ~1 KB results. Each run is a fresh
 * application reading from the start; its time runs from RUNNING until its committed offsets
 * reach the end of the input. Rounds alternate between the three; medians are compared.
 */
@Command(name = "pipeline",
        mixinStandardHelpOptions = true,
        description = {
            "Verifier throughput vs a passthrough (a) and a passthrough with one store get/put per key (b), EOS, same broker;",
            "one unmeasured warm-up run per variant first.",
            "Last line: the ratios; targets are >= 0.85 x (b) and >= 0.60 x (a)."
        })
public final class PipelineBench implements Callable<Integer> {

    @Option(names = "--count", defaultValue = "60000", description = "results in the input (default: ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--rounds", defaultValue = "5", description = "runs per variant (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--threads", defaultValue = "1", description = "num.stream.threads, the same for every variant (default: ${DEFAULT-VALUE})")
    int threads;

    private static final String STORE = "bench-store";

    @Override
    public Integer call() throws Exception {
        Path state = Files.createTempDirectory("sheratan-bench-streams-");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().start()) {
            Map<String, Object> client = kafka.clientConfig();
            String input = "bench.pipeline.in";
            try (Admin admin = Admin.create(client)) {
                admin.createTopics(List.of(new NewTopic(input, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            List<String> results = Corpus.results(256, 1024, 11);
            try (ResultPublisher publisher = ResultPublisher.builder().clientConfig(client).topic(input).build()) {
                List<CompletableFuture<?>> acks = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    acks.add(publisher.publish("job-" + i, true, results.get(i & 255), null));
                }
                for (CompletableFuture<?> ack : acks) {
                    ack.get(60, TimeUnit.SECONDS);
                }
            }
            System.out.printf(Locale.ROOT, "sheratan bench pipeline: %d signed ~1 KB results, %d runs per variant, exactly_once_v2%n", count, rounds);

            Map<String, Function<String, Topology>> variants = new java.util.LinkedHashMap<>();
            variants.put("passthrough (a)", out -> passthrough(input, out, false));
            variants.put("passthrough+store (b)", out -> passthrough(input, out, true));
            variants.put("verifier", out -> {
                Topics topics = new Topics(input, out, out + ".audit", 3, 1);
                return VerifierTopology.build(VerifierConfig.fromEnv(Map.of()).withTopics(topics));
            });
            Map<String, double[]> rates = new HashMap<>();
            Map<String, double[]> streamCpu = new HashMap<>();
            Map<String, double[]> processCpu = new HashMap<>();
            variants.keySet().forEach(k -> {
                rates.put(k, new double[rounds]);
                streamCpu.put(k, new double[rounds]);
                processCpu.put(k, new double[rounds]);
            });
            int run = 0;
            for (var variant : variants.entrySet()) { // warm-up: one unmeasured run each, for the JIT
                String out = "bench.pipeline.warmup." + (run++);
                try (Admin admin = Admin.create(client)) {
                    admin.createTopics(List.of(new NewTopic(out, 3, (short) 1), new NewTopic(out + ".audit", 3, (short) 1)))
                            .all().get(30, TimeUnit.SECONDS);
                }
                measure(client, variant.getValue().apply(out), "bench-" + run, input, state);
            }
            for (int r = 0; r < rounds; r++) {
                for (var variant : variants.entrySet()) {
                    String out = "bench.pipeline.out." + (run++);
                    try (Admin admin = Admin.create(client)) {
                        admin.createTopics(List.of(new NewTopic(out, 3, (short) 1), new NewTopic(out + ".audit", 3, (short) 1)))
                                .all().get(30, TimeUnit.SECONDS);
                    }
                    Run m = measure(client, variant.getValue().apply(out), "bench-" + run, input, state);
                    rates.get(variant.getKey())[r] = m.rate();
                    streamCpu.get(variant.getKey())[r] = m.streamCpuMicros();
                    processCpu.get(variant.getKey())[r] = m.processCpuMicros();
                    System.out.printf(Locale.ROOT, "  run %d %-22s %,10.0f results/s   CPU per result: stream threads %5.1f us, process %5.1f us%n",
                            r + 1, variant.getKey(), m.rate(), m.streamCpuMicros(), m.processCpuMicros());
                }
            }
            double a = Stats.median(rates.get("passthrough (a)"));
            double b = Stats.median(rates.get("passthrough+store (b)"));
            double v = Stats.median(rates.get("verifier"));
            System.out.printf(Locale.ROOT, "  medians: passthrough %,.0f/s, passthrough+store %,.0f/s, verifier %,.0f/s%n", a, b, v);
            for (String k : variants.keySet()) {
                System.out.printf(Locale.ROOT, "  median CPU per result, %-22s stream threads %5.1f us, whole process (broker included) %5.1f us%n",
                        k, Stats.median(streamCpu.get(k)), Stats.median(processCpu.get(k)));
            }
            System.out.printf(Locale.ROOT, "ratio verifier/(b) x%.2f (target x0.85), verifier/(a) x%.2f (target x0.60)%n", v / b, v / a);
        }
        return 0;
    }

    /** One measured run: results per second, and CPU per result (stream threads; the whole process, broker included). */
    private record Run(double rate, double streamCpuMicros, double processCpuMicros) {
    }

    private Run measure(Map<String, Object> client, Topology topology, String appId, String input, Path state) throws Exception {
        Properties props = new Properties();
        props.putAll(client);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        props.put("processing.exception.handler.global.enabled", true);
        try (KafkaStreams streams = new KafkaStreams(topology, props); Admin admin = Admin.create(client)) {
            streams.start();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (streams.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Map<Long, Long> threadCpuAtStart = threadCpu();
            long processCpuAtStart = processCpu();
            long start = System.nanoTime();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                latest.put(new TopicPartition(input, p), OffsetSpec.latest());
            }
            var ends = admin.listOffsets(latest).all().get();
            while (System.nanoTime() < deadline) {
                var committed = admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get();
                boolean done = ends.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
                        && committed.get(e.getKey()).offset() >= e.getValue().offset());
                if (done) {
                    break;
                }
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long processCpu = processCpu() - processCpuAtStart;
            long streamCpu = 0;
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
                if (info != null && info.getThreadName().startsWith(appId + "-") && info.getThreadName().contains("-StreamThread-")
                        && !info.getThreadName().contains("producer") && !info.getThreadName().contains("consumer")) {
                    long now = mx.getThreadCpuTime(info.getThreadId());
                    streamCpu += Math.max(0, now - threadCpuAtStart.getOrDefault(info.getThreadId(), 0L));
                }
            }
            return new Run(count / seconds, streamCpu / 1e3 / count, processCpu / 1e3 / count);
        }
    }

    private static Map<Long, Long> threadCpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        for (long id : mx.getAllThreadIds()) {
            cpu.put(id, mx.getThreadCpuTime(id));
        }
        return cpu;
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static Topology passthrough(String input, String output, boolean withStore) {
        Topology topology = new Topology();
        topology.addSource("in", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), input);
        topology.addProcessor("pass", () -> new Passthrough(withStore), "in");
        if (withStore) {
            topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE),
                    Serdes.ByteArray(), Serdes.ByteArray()), "pass");
        }
        topology.addSink("out", output, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), "pass");
        return topology;
    }

    private static final class Passthrough implements Processor<byte[], byte[], byte[], byte[]> {
        private final boolean withStore;
        private ProcessorContext<byte[], byte[]> context;
        private KeyValueStore<byte[], byte[]> store;

        Passthrough(boolean withStore) {
            this.withStore = withStore;
        }

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
            if (withStore) {
                store = context.getStateStore(STORE);
            }
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            if (withStore && store.get(record.key()) == null) {
                store.put(record.key(), record.value());
            }
            context.forward(record);
        }
    }
}
