package io.sheratan.tools.bench;

import io.sheratan.cli.TempDirs;
import io.sheratan.kafka.Offsets;
import io.sheratan.kafka.Topics;
import io.sheratan.kafka.embedded.EmbeddedKafka;
import io.sheratan.producer.ResultPublisher;
import io.sheratan.verifier.VerifierConfig;
import io.sheratan.verifier.VerifierTopology;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
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
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sheratan.ed25519.Ed25519;
import io.sheratan.integrity.Keyring;
import io.sheratan.integrity.Signer;
import io.sheratan.metrics.ResultMetrics;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import com.sun.management.OperatingSystemMXBean;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.function.ToDoubleFunction;

/**
 * {@code sheratan bench pipeline}: the verifier's throughput against (a) a passthrough topology and
 * (b) a passthrough doing one store get/put per job id, all under exactly-once v2, on the same
 * embedded broker and the same pre-loaded input of signed ~1 KB results. Each run is a fresh
 * application reading from the start; its time runs from its first commit until its committed
 * offsets reach the end of the input (what the first commit covered is left out). Each round runs
 * the three in turn (the order rotates); the verdict is the median of the per-round ratios, which
 * cancels the drift of a noisy machine between rounds.
 */
@Command(name = "pipeline",
        header = "Benchmark: the verifier against passthrough topologies.",
        mixinStandardHelpOptions = true,
        description = {
            "Verifier throughput vs a passthrough (a) and a passthrough with one store get/put per key (b), EOS, same broker;",
            "two unmeasured warm-up runs per variant first; the order rotates each round.",
            "Also the bytes each run wrote to the broker per result (all topics: outputs, changelogs, offsets, transactions).",
            "Also the design's ceiling: (c) = (a) + a logged 73-byte dedup entry per id, (d) = (c) + a read-only table over the output",
            "topic (what the verifier keeps); when (d)/(a) is below 0.6 the design, not the code, is the limit.",
            "Last line: the medians of the per-round ratios; targets are >= 0.85 x (b), >= 0.60 x (a), bytes <= 1.15 x (a)."
        })
public final class PipelineBench implements Callable<Integer> {

    @Option(names = "--count", defaultValue = "60000", description = "results in the input (default: ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--rounds", defaultValue = "5", description = "runs per variant (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--threads", defaultValue = "1", description = "num.stream.threads, the same for every variant (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--mark", defaultValue = "sha256", paramLabel = "sha256|ed25519",
            description = "the input's marks: sha256 (version 1) or ed25519 (version 2, worker-attested) (default: ${DEFAULT-VALUE})")
    String mark;

    @Option(names = "--batch-size", description = "producer batch.size in bytes for every variant (default: Kafka's, 16384)")
    Integer batchSize;

    @Option(names = "--variants", defaultValue = "abcdev", paramLabel = "LETTERS",
            description = "which variants run: a, b, c, d, e and v (the verifier); (a) always runs, the ratios of absent ones print as NaN (default: ${DEFAULT-VALUE})")
    String only;

    @Option(names = "--config", paramLabel = "KEY=VALUE",
            description = "a Kafka Streams setting for every variant, e.g. commit.interval.ms=200 or producer.linger.ms=20 (repeatable)")
    Map<String, String> config = new LinkedHashMap<>();

    @picocli.CommandLine.Mixin
    BenchOutput output;

    private static final String STORE = "bench-store";
    private static final String PASSTHROUGH = "passthrough (a)";
    private static final String STORE_PASSTHROUGH = "passthrough+store (b)";
    private static final String DEDUP = "passthrough+dedup (c)";
    private static final String DEDUP_TABLE = "(c)+output table (d)";
    private static final String DEDUP_INDEX = "(c)+output index (e)";
    private static final String VERIFIER = "verifier";
    private static final String TABLE = "bench-table";
    /** What the verifier keeps per job id in its dedup store: the core hash and a little more. */
    private static final int DEDUP_VALUE_BYTES = 73;

    private static void deleteTopics(Map<String, Object> client, String out, String appId) throws Exception {
        try (Admin admin = Admin.create(client)) {
            List<String> doomed = new ArrayList<>(List.of(out, out + ".audit"));
            admin.listTopics().names().get(30, TimeUnit.SECONDS).stream().filter(t -> t.startsWith(appId + "-")).forEach(doomed::add);
            admin.deleteTopics(doomed).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static void createOutputs(Map<String, Object> client, String out) throws Exception {
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic(out, 3, (short) 1), new NewTopic(out + ".audit", 3, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!only.chars().allMatch(c -> "abcdev".indexOf(c) >= 0)) {
            System.err.println("sheratan bench pipeline: --variants takes letters of abcdev (a, b, c, d, e and v for the verifier), was '" + only + "'");
            return 2;
        }
        for (String own : List.of(StreamsConfig.APPLICATION_ID_CONFIG, StreamsConfig.STATE_DIR_CONFIG, "bootstrap.servers")) {
            if (config.containsKey(own)) {
                System.err.println("sheratan bench pipeline: --config cannot set " + own + ": each run sets its own");
                return 2;
            }
        }
        Path state = Files.createTempDirectory("sheratan-bench-streams-");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().start()) {
            return runAll(kafka, state);
        } finally {
            TempDirs.deleteQuietly(state);
        }
    }

    private int runAll(EmbeddedKafka kafka, Path state) throws Exception {
        Map<String, Object> client = kafka.clientConfig();
        String input = "bench.pipeline.in";
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic(input, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        List<String> results = Corpus.results(256, 1024, 11);
        KeyPair worker = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        boolean ed25519 = mark.equals("ed25519");
        if (!ed25519 && !mark.equals("sha256")) {
            System.err.println("sheratan bench pipeline: --mark must be sha256 or ed25519");
            return 2;
        }
        Keyring keyring = ed25519 ? Keyring.parse(("{\"keys\":[{\"key_id\":\"bench\",\"alg\":\"ed25519\",\"public_key\":\""
                + Base64.getEncoder().encodeToString(Ed25519.raw(worker.getPublic())) + "\",\"nodes\":[\"bench-worker\"]}]}")
                .getBytes(StandardCharsets.UTF_8)) : Keyring.legacy(null, null, null);
        ResultPublisher.Builder builder = ResultPublisher.builder().clientConfig(client).topic(input);
        if (ed25519) {
            builder.signer(Signer.ed25519("bench", worker.getPrivate())).nodeId("bench-worker");
        }
        try (ResultPublisher publisher = builder.build()) {
            List<CompletableFuture<?>> acks = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                acks.add(publisher.publish("job-" + i, true, results.get(i & 255), null));
            }
            for (CompletableFuture<?> ack : acks) {
                ack.get(60, TimeUnit.SECONDS);
            }
        }
        System.out.printf(Locale.ROOT, "sheratan bench pipeline: %d signed ~1 KB results (%s), %d runs per variant, exactly_once_v2, %d stream thread(s), batch.size %s%s%n",
                count, ed25519 ? "ed25519 v2" : "sha256 v1", rounds, threads, batchSize == null ? "default" : batchSize,
                config.isEmpty() ? "" : ", settings " + config);

        Map<String, Function<String, Topology>> variants = new LinkedHashMap<>();
        variants.put(PASSTHROUGH, out -> passthrough(input, out, Store.NONE, false));
        variants.put(STORE_PASSTHROUGH, out -> passthrough(input, out, Store.WHOLE_RESULT, false));
        // the design's ceiling (issue: know it first): (c) keeps 73 bytes per id in a logged store, as the
        // verifier's dedup store does; (d) also keeps a read-only table over its own output topic, as the verifier does
        variants.put(DEDUP, out -> passthrough(input, out, Store.DEDUP_ENTRY, false));
        variants.put(DEDUP_TABLE, out -> passthrough(input, out, Store.DEDUP_ENTRY, true));
        // (e): the output read back as (d) does, but only where each record lies is kept (12 bytes, not the result)
        variants.put(DEDUP_INDEX, out -> passthrough(input, out, Store.DEDUP_ENTRY, true, true));
        variants.put(VERIFIER, out -> {
            Topics topics = new Topics(input, out, out + ".audit", out + ".checkpoints", 3, 1);
            return VerifierTopology.build(VerifierConfig.fromEnv(Map.of()).withTopics(topics),
                    new ResultMetrics(new SimpleMeterRegistry()), () -> keyring);
        });
        String[] letters = {PASSTHROUGH, STORE_PASSTHROUGH, DEDUP, DEDUP_TABLE, DEDUP_INDEX, VERIFIER};
        for (int i = 1; i < letters.length; i++) {
            if (only.indexOf("abcdev".charAt(i)) < 0) {
                variants.remove(letters[i]);
            }
        }
        Map<String, Run[]> runs = new HashMap<>();
        variants.keySet().forEach(k -> runs.put(k, new Run[rounds]));
        List<String> names = new ArrayList<>(variants.keySet());
        int run = 0;
        for (int w = 0; w < 2; w++) { // warm-up: two unmeasured runs each, for the JIT of both sides
            for (String name : names) {
                String out = "bench.pipeline.warmup." + (run++);
                createOutputs(client, out);
                measure(client, variants.get(name).apply(out), "bench-" + run, input, state);
                deleteTopics(client, out, "bench-" + run);
            }
        }
        double[] pairedB = new double[rounds];
        double[] pairedA = new double[rounds];
        double[] storeOverPassthrough = new double[rounds];
        double[] dedupOverA = new double[rounds];
        double[] tableOverA = new double[rounds];
        double[] indexOverA = new double[rounds];
        double[] bytesOverA = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            // the order rotates each round, so that no variant always runs first (or last) in a round
            List<String> order = new ArrayList<>(names);
            Collections.rotate(order, -r);
            for (String name : order) {
                String out = "bench.pipeline.out." + (run++);
                createOutputs(client, out);
                Run m = measure(client, variants.get(name).apply(out), "bench-" + run, input, state);
                deleteTopics(client, out, "bench-" + run); // a run's output and changelog are not needed again
                runs.get(name)[r] = m;
                System.out.printf(Locale.ROOT, "  run %d %-22s %,10.0f results/s   CPU per result %5.1f us: stream threads %5.1f, its producer %4.1f, other threads (broker) %5.1f, JVM (GC, JIT, RocksDB) %4.1f; stream threads allocate %,.0f B; broker bytes written %,.0f B%n",
                        r + 1, name, m.rate(), m.processCpuMicros(), m.streamCpuMicros(), m.producerCpuMicros(),
                        m.otherThreadsCpuMicros(), m.jvmCpuMicros(), m.streamAllocatedBytes(), m.brokerBytesPerResult());
            }
            double va = rate(runs, PASSTHROUGH, r);
            double vb = rate(runs, STORE_PASSTHROUGH, r);
            double vv = rate(runs, VERIFIER, r);
            pairedB[r] = vv / vb;
            pairedA[r] = vv / va;
            storeOverPassthrough[r] = vb / va;
            dedupOverA[r] = rate(runs, DEDUP, r) / va;
            tableOverA[r] = rate(runs, DEDUP_TABLE, r) / va;
            indexOverA[r] = rate(runs, DEDUP_INDEX, r) / va;
            bytesOverA[r] = runs.containsKey(VERIFIER)
                    ? runs.get(VERIFIER)[r].brokerBytesPerResult() / runs.get(PASSTHROUGH)[r].brokerBytesPerResult() : Double.NaN;
            System.out.printf(Locale.ROOT, "  round %d: verifier/(b) x%.2f, verifier/(a) x%.2f, (b)/(a) x%.2f, (c)/(a) x%.2f, (d)/(a) x%.2f, (e)/(a) x%.2f%n",
                    r + 1, pairedB[r], pairedA[r], storeOverPassthrough[r], dedupOverA[r], tableOverA[r], indexOverA[r]);
        }
        double a = median(runs.get(PASSTHROUGH), Run::rate);
        double b = runs.containsKey(STORE_PASSTHROUGH) ? median(runs.get(STORE_PASSTHROUGH), Run::rate) : Double.NaN;
        double v = runs.containsKey(VERIFIER) ? median(runs.get(VERIFIER), Run::rate) : Double.NaN;
        System.out.printf(Locale.ROOT, "  medians: passthrough %,.0f/s, passthrough+store %,.0f/s, verifier %,.0f/s (ratios of the medians: x%.2f of (b), x%.2f of (a))%n",
                a, b, v, v / b, v / a);
        for (String name : names) {
            System.out.printf(Locale.ROOT, "  median CPU per result, %-22s stream threads %5.1f us, whole process (broker included) %5.1f us; broker bytes written per result %,.0f B%n",
                    name, median(runs.get(name), Run::streamCpuMicros), median(runs.get(name), Run::processCpuMicros),
                    median(runs.get(name), Run::brokerBytesPerResult));
        }
        // (b) keeps the ~1 KB result in a logged store of its own; the verifier (since issue 16) keeps
        // 73 bytes per job id there and reads the results back from its output topic as a table
        System.out.printf(Locale.ROOT, "  (b)/(a) x%.2f: what a topology that logs each result a second time keeps of (a)%n",
                Stats.median(storeOverPassthrough));
        System.out.printf(Locale.ROOT, "  the design's ceiling: (c)/(a) x%.2f (a logged 73-byte dedup entry per id), (d)/(a) x%.2f (and a table over the "
                        + "output topic), verifier/(d) x%.2f%s%n", Stats.median(dedupOverA), Stats.median(tableOverA),
                Stats.median(pairedA) / Stats.median(tableOverA),
                Stats.median(tableOverA) < 0.6 ? "; (d)/(a) is below 0.6: the design, not the code, is the limit" : "");
        System.out.printf(Locale.ROOT, "  (e)/(a) x%.2f: the output read back as in (d), but only each record's partition and offset kept%n",
                Stats.median(indexOverA));
        System.out.printf(Locale.ROOT, "ratio verifier/(b) x%.2f (target x0.85), verifier/(a) x%.2f (target x0.60); broker bytes written per result verifier/(a) x%.2f (target <= x1.15)  [medians of the per-round ratios]%n",
                Stats.median(pairedB), Stats.median(pairedA), Stats.median(bytesOverA));
        if (output.wanted()) {
            com.fasterxml.jackson.databind.node.ObjectNode report = output.report("pipeline");
            report.put("count", count).put("rounds", rounds).put("threads", threads).put("mark", mark).put("variants", only);
            com.fasterxml.jackson.databind.node.ObjectNode settings = report.putObject("settings");
            config.forEach(settings::put);
            com.fasterxml.jackson.databind.node.ObjectNode medians = report.putObject("median_rate");
            names.forEach(n -> medians.put(n, median(runs.get(n), Run::rate)));
            com.fasterxml.jackson.databind.node.ObjectNode ratios = report.putObject("ratios_per_round");
            Map<String, double[]> perRound = new java.util.LinkedHashMap<>();
            perRound.put("verifier/(b)", pairedB);
            perRound.put("verifier/(a)", pairedA);
            perRound.put("bytes verifier/(a)", bytesOverA);
            perRound.put("(c)/(a)", dedupOverA);
            perRound.put("(d)/(a)", tableOverA);
            perRound.put("(e)/(a)", indexOverA);
            perRound.values().removeIf(values -> Double.isNaN(values[0])); // variants not run (--variants)
            perRound.forEach((n, values) -> {
                com.fasterxml.jackson.databind.node.ArrayNode array = ratios.putArray(n);
                Arrays.stream(values).forEach(array::add);
            });
            com.fasterxml.jackson.databind.node.ObjectNode verdict = report.putObject("median_of_ratios");
            perRound.forEach((n, values) -> verdict.put(n, Stats.median(values)));
            report.putObject("targets").put("verifier/(b)", 0.85).put("verifier/(a)", 0.60).put("bytes verifier/(a)", 1.15);
            output.write(report, BenchOutput.ratioChart("bench pipeline: per-round ratios", perRound,
                    Map.of("verifier/(b)", 0.85, "verifier/(a)", 0.60, "bytes verifier/(a)", 1.15)));
        }
        return 0;
    }

    /** A variant's rate in round r, NaN when it did not run. */
    private static double rate(Map<String, Run[]> runs, String name, int r) {
        return runs.containsKey(name) ? runs.get(name)[r].rate() : Double.NaN;
    }

    private static double median(Run[] runs, ToDoubleFunction<Run> figure) {
        return Stats.median(Arrays.stream(runs).mapToDouble(figure).toArray());
    }

    /** One measured run: results per second, and CPU per result (stream threads; the whole process, broker included). */
    private record Run(double rate, double streamCpuMicros, double processCpuMicros, double producerCpuMicros,
                       double otherThreadsCpuMicros, double jvmCpuMicros, double streamAllocatedBytes, double brokerBytesPerResult) {
    }

    /** Bytes in every partition of the broker (all topics: outputs, changelogs, offsets, transaction state). */
    private static long logBytes(Admin admin) throws Exception {
        List<Integer> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream().map(n -> n.id()).toList();
        long total = 0;
        for (var dirs : admin.describeLogDirs(nodes).allDescriptions().get(30, TimeUnit.SECONDS).values()) {
            for (var dir : dirs.values()) {
                for (var replica : dir.replicaInfos().values()) {
                    total += replica.size();
                }
            }
        }
        return total;
    }

    private Run measure(Map<String, Object> client, Topology topology, String appId, String input, Path state) throws Exception {
        Properties props = new Properties();
        props.putAll(client);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        if (batchSize != null) {
            props.put(StreamsConfig.producerPrefix("batch.size"), batchSize);
        }
        props.put("processing.exception.handler.global.enabled", true);
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L); // as VerifierApp sets it (one input each for (a) and (b): no effect)
        props.putAll(config);
        try (KafkaStreams streams = new KafkaStreams(topology, props); Admin admin = Admin.create(client)) {
            long bytesBefore = logBytes(admin);
            streams.start();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            long total = Offsets.sum(Offsets.ends(admin, input));
            // The clock starts at the first commit, not at RUNNING: with several stream threads the
            // first one can be done with its partitions while the instance is still rebalancing.
            // What was committed by then is left out of both the count and the CPU.
            Map<Long, long[]> threadsAtStart = null;
            long processCpuAtStart = 0;
            long start = 0;
            long before = 0;
            while (System.nanoTime() < deadline) {
                long committed = Offsets.sum(Offsets.committed(admin, appId, input));
                if (threadsAtStart == null && committed > 0) {
                    threadsAtStart = threads();
                    processCpuAtStart = processCpu();
                    start = System.nanoTime();
                    before = committed;
                }
                if (committed >= total) {
                    break;
                }
                Thread.sleep(20);
            }
            if (threadsAtStart == null || before >= total) {
                throw new IllegalStateException(appId + ": the input was done before a first commit could be seen; use a larger --count");
            }
            int measured = (int) (total - before);
            double seconds = (System.nanoTime() - start) / 1e9;
            long processCpu = processCpu() - processCpuAtStart;
            long streamCpu = 0;
            long streamAllocated = 0;
            long producerCpu = 0;
            long javaCpu = 0;
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            for (Map.Entry<Long, long[]> now : threads().entrySet()) {
                ThreadInfo info = mx.getThreadInfo(now.getKey());
                if (info == null) {
                    continue;
                }
                long[] then = threadsAtStart.getOrDefault(now.getKey(), new long[2]);
                long used = Math.max(0, now.getValue()[0] - then[0]);
                String name = info.getThreadName();
                javaCpu += used;
                if (name.startsWith(appId + "-") && name.contains("-StreamThread-") && !name.contains("producer") && !name.contains("consumer")) {
                    streamCpu += used;
                    streamAllocated += now.getValue()[1] - then[1];
                } else if (name.startsWith("kafka-producer-network-thread | " + appId + "-")) {
                    producerCpu += used;
                }
            }
            streams.close();
            // everything the run wrote to the broker, over every input record (changelogs, offsets and
            // transaction markers included), before its topics are deleted
            double bytesPerResult = (double) (logBytes(admin) - bytesBefore) / total;
            streams.cleanUp(); // this run's state directory
            double perResult = 1e3 * measured;
            return new Run(measured / seconds, streamCpu / perResult, processCpu / perResult, producerCpu / perResult,
                    (javaCpu - streamCpu - producerCpu) / perResult, (processCpu - javaCpu) / perResult, (double) streamAllocated / measured,
                    bytesPerResult);
        }
    }

    /** CPU time (ns) and bytes allocated so far, per live thread id. */
    private static Map<Long, long[]> threads() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Map<Long, long[]> threads = new HashMap<>();
        for (long id : mx.getAllThreadIds()) {
            threads.put(id, new long[] {mx.getThreadCpuTime(id), mx.getThreadAllocatedBytes(id)});
        }
        return threads;
    }

    private static long processCpu() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** What a passthrough variant keeps per key in a logged store. */
    private enum Store { NONE, WHOLE_RESULT, DEDUP_ENTRY }

    private static Topology passthrough(String input, String output, Store store, boolean outputTable) {
        return passthrough(input, output, store, outputTable, false);
    }

    private static Topology passthrough(String input, String output, Store store, boolean outputTable, boolean indexOnly) {
        Topology topology = new Topology();
        topology.addSource("in", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), input);
        topology.addProcessor("pass", () -> new Passthrough(store), "in");
        if (store != Store.NONE) {
            topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE),
                    Serdes.ByteArray(), Serdes.ByteArray()), "pass");
        }
        if (outputTable) {
            // as the verifier's table: the output topic read back into a store of its own (the topic is its changelog)
            topology.addReadOnlyStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TABLE), Serdes.ByteArray(),
                    Serdes.ByteArray()).withLoggingDisabled(), "table-in", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                    output, "table", () -> new TableWriter(indexOnly));
        }
        topology.addSink("out", output, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), "pass");
        return topology;
    }

    private static final class TableWriter implements Processor<byte[], byte[], Void, Void> {
        private final boolean indexOnly;
        private ProcessorContext<Void, Void> context;
        private KeyValueStore<byte[], byte[]> table;

        TableWriter(boolean indexOnly) {
            this.indexOnly = indexOnly;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            this.context = context;
            table = context.getStateStore(TABLE);
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            if (!indexOnly) {
                table.put(record.key(), record.value());
                return;
            }
            var meta = context.recordMetadata().orElseThrow();
            table.put(record.key(), java.nio.ByteBuffer.allocate(12).putInt(meta.partition()).putLong(meta.offset()).array());
        }
    }

    private static final class Passthrough implements Processor<byte[], byte[], byte[], byte[]> {
        private final Store kind;
        private ProcessorContext<byte[], byte[]> context;
        private KeyValueStore<byte[], byte[]> store;

        Passthrough(Store kind) {
            this.kind = kind;
        }

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
            if (kind != Store.NONE) {
                store = context.getStateStore(STORE);
            }
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            if (kind != Store.NONE && store.get(record.key()) == null) {
                store.put(record.key(), kind == Store.WHOLE_RESULT ? record.value() : new byte[DEDUP_VALUE_BYTES]);
            }
            context.forward(record);
        }
    }
}
