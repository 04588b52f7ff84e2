package io.sheratan.tools.bench;

import io.sheratan.cli.TempDirs;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Offsets;
import io.sheratan.kafka.Topics;
import io.sheratan.kafka.embedded.EmbeddedKafka;
import io.sheratan.producer.ResultPublisher;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.sheratan.avro.codec.AvroCodec;
import java.util.Random;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * {@code sheratan bench heap}: the verifier's Java heap with a million job ids in its store. The
 * verifier runs as its own JVM through the launcher with a capped heap ({@code -Xmx256m} by
 * default), so "it kept up with N ids without an OutOfMemoryError" is itself part of the result;
 * once every id is verified the bench forces a full GC in that JVM ({@code jcmd GC.run}) and reads
 * the live heap ({@code jcmd GC.heap_info}), plus the process's resident memory (RocksDB lives
 * outside the heap).
 */
@Command(name = "heap",
        header = "Benchmark: verifier heap with a million job ids.",
        mixinStandardHelpOptions = true,
        description = {
            "Verifier heap with --ids job ids in its store: the verifier runs as its own JVM with -Xmx<--max-heap>,",
            "every id is published signed and verified, then a full GC is forced and the live heap is read with jcmd.",
            "Last line: live heap after GC / max heap; the target is <= 256 MB with 1,000,000 ids."
        })
public final class HeapBench implements Callable<Integer> {

    @Option(names = "--ids", defaultValue = "1000000", description = "distinct job ids (default: ${DEFAULT-VALUE})")
    int ids;

    @Option(names = "--hostile", defaultValue = "2000",
            description = "then this many hostile records (up to ~1 MB each: deep nesting, huge strings, bad bytes) (default: ${DEFAULT-VALUE})")
    int hostile;

    @Option(names = "--restore", defaultValue = "true", negatable = true,
            description = "then delete the state directory and time the restore until the last id answers (default: ${DEFAULT-VALUE})")
    boolean restore;

    @Option(names = "--max-heap", defaultValue = "256m", description = "the verifier's -Xmx (default: ${DEFAULT-VALUE})")
    String maxHeap;

    private static final String APP_ID = "bench-heap";

    @Override
    public Integer call() throws Exception {
        String home = System.getenv("SHERATAN_HOME");
        Path launcher = Path.of(home == null ? "." : home).resolve("sheratan");
        Path work = Files.createTempDirectory("sheratan-bench-heap-");
        Topics topics = Topics.defaults().withSuffix(".heap");
        int port = EmbeddedKafka.freePort();
        Process verifier = null;
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(work.resolve("kafka")).start()) {
            Map<String, Object> client = kafka.clientConfig();
            try (Admin admin = Admin.create(client)) {
                new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics);
            }
            ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "verifier", "--state-dir", work.resolve("streams").toString())
                    .redirectErrorStream(true).redirectOutput(work.resolve("verifier.log").toFile());
            Map<String, String> env = builder.environment();
            env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
            env.put(Topics.SUBMITTED, topics.submitted());
            env.put(Topics.VERIFIED, topics.verified());
            env.put(Topics.AUDIT, topics.audit());
            env.put("SHERATAN_VERIFIER_APPLICATION_ID", APP_ID);
            env.put("SHERATAN_VERIFIER_PORT", String.valueOf(port));
            env.put("SHERATAN_JAVA_OPTS", "-Xmx" + maxHeap);
            env.put("SHERATAN_NO_BUILD", "1"); // run the build this JVM runs
            verifier = builder.start();
            System.out.printf(Locale.ROOT, "sheratan bench heap: %,d job ids, verifier pid %d with -Xmx%s (log %s)%n",
                    ids, verifier.pid(), maxHeap, work.resolve("verifier.log"));

            long start = System.nanoTime();
            try (ResultPublisher publisher = ResultPublisher.builder().clientConfig(client).topic(topics.submitted()).build()) {
                for (int i = 0; i < ids; i++) {
                    publisher.publish(jobId(i), true, "{\"attempt\":1,\"duration_ms\":" + (i % 997) + ",\"status\":\"done\",\"worker\":\"w-" + (i % 17) + "\"}", null);
                    if ((i + 1) % 200_000 == 0) {
                        System.out.printf(Locale.ROOT, "  published %,d%n", i + 1);
                    }
                }
                publisher.flush();
            }
            awaitCaughtUp(kafka, topics, verifier, Duration.ofMinutes(20));
            long verified = countVerified(kafka.clientConfig(), topics.verified());
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "  %,d verified in %.0f s (%,.0f/s, publishing included)%n", verified, seconds, verified / seconds);

            List<String> missing = new ArrayList<>();
            HttpClient http = HttpClient.newHttpClient();
            // the query table is the verified topic read back: a result is there once its commit is
            // (the last ones a moment after the verifier's offsets reached the end)
            long lookupDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (int i : new int[] {0, ids / 2, ids - 1}) {
                int status = 0;
                while (status != 200 && System.nanoTime() < lookupDeadline) {
                    status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/results/" + jobId(i))).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode();
                    if (status != 200) {
                        Thread.sleep(100);
                    }
                }
                if (status != 200) {
                    missing.add(jobId(i) + " -> " + status);
                }
            }
            long usedKb = liveHeapKb(verifier);
            long rssKb = firstKb(Files.readString(Path.of("/proc/" + verifier.pid() + "/status")), "VmRSS:\\s+(\\d+) kB");
            System.out.printf(Locale.ROOT, "  store lookups (first, middle, last id): %s%n", missing.isEmpty() ? "all 200" : "MISSING " + missing);
            System.out.printf(Locale.ROOT, "  live heap after full GC: %,d MB; process resident memory %,d MB (RocksDB and direct buffers live outside the heap)%n",
                    usedKb / 1024, rssKb / 1024);

            long malformed = 0;
            long hostileHeapKb = -1;
            if (hostile > 0) {
                long bytes = sendHostile(client, topics.submitted(), hostile);
                awaitCaughtUp(kafka, topics, verifier, Duration.ofMinutes(20));
                malformed = countMalformed(client, topics.audit());
                hostileHeapKb = liveHeapKb(verifier);
                System.out.printf(Locale.ROOT, "  %,d hostile records (%,d MB in all) -> %,d RESULT_MALFORMED events; live heap after them %,d MB%n",
                        hostile, bytes >> 20, malformed, hostileHeapKb / 1024);
            }
            boolean restored = true;
            if (restore) {
                // state lost: stop the verifier, delete its state directory, start it again and time
                // until it answers for the last id (the dedup store from its changelog, the table from
                // the verified topic)
                verifier.destroy();
                if (!verifier.waitFor(60, TimeUnit.SECONDS)) {
                    verifier.destroyForcibly().waitFor();
                }
                TempDirs.deleteQuietly(work.resolve("streams"));
                long restartAt = System.nanoTime();
                verifier = builder.redirectOutput(work.resolve("verifier-restored.log").toFile()).start();
                String last = "http://127.0.0.1:" + port + "/results/" + jobId(ids - 1);
                int status = 0;
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
                while (status != 200 && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                    try {
                        status = http.send(HttpRequest.newBuilder(URI.create(last)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                    } catch (IOException e) {
                        status = 0; // not listening yet
                    }
                }
                double restoreSeconds = (System.nanoTime() - restartAt) / 1e9;
                restored = status == 200;
                long restoredHeapKb = restored ? liveHeapKb(verifier) : -1;
                System.out.printf(Locale.ROOT, "  restore after deleting the state directory: %s in %.0f s for %,d ids (JVM start included); live heap after it %,d MB%n",
                        restored ? "answering" : "NOT ANSWERING", restoreSeconds, verified, restoredHeapKb / 1024);
            }
            System.out.printf(Locale.ROOT, "verifier live heap after full GC with %,d job ids: %,d MB of -Xmx%s (target <= 256 MB)%n",
                    verified, Math.max(usedKb, hostileHeapKb) / 1024, maxHeap);
            return missing.isEmpty() && verified == ids && malformed == hostile && restored ? 0 : 1;
        } finally {
            if (verifier != null) {
                verifier.destroy();
                if (!verifier.waitFor(60, TimeUnit.SECONDS)) {
                    verifier.destroyForcibly();
                }
            }
            TempDirs.deleteQuietly(work);
        }
    }

    /** Forces a full GC in the verifier's JVM and reads what stays live. */
    private static long liveHeapKb(Process verifier) throws IOException, InterruptedException {
        String jcmd = Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd").toString();
        run(jcmd, String.valueOf(verifier.pid()), "GC.run");
        return firstKb(run(jcmd, String.valueOf(verifier.pid()), "GC.heap_info"), "used (\\d+)K");
    }

    /** Hostile records in turn: deep nesting, near-limit strings with a bad escape at the end, bad UTF-8, random bytes, junk Avro. */
    private static long sendHostile(Map<String, Object> client, String topic, int count) throws Exception {
        Random random = new Random(13);
        byte[] randomBytes = new byte[64 * 1024];
        random.nextBytes(randomBytes);
        List<byte[]> corpus = List.of(
                ("{\"job_id\":\"h\",\"ok\":true,\"result\":" + "[".repeat(300_000) + "]".repeat(300_000) + "}").getBytes(StandardCharsets.UTF_8),
                ("{\"job_id\":\"h\",\"ok\":true,\"result\":\"" + "x".repeat(900_000) + "\\q\"}").getBytes(StandardCharsets.UTF_8),
                ("{\"job_id\":\"h\",\"ok\":true,\"result\":{" + "\"k\":1,".repeat(100_000) + "}}").getBytes(StandardCharsets.UTF_8),
                ("{\"job_id\":\"h\",\"ok\":true,\"result\":1" + "0".repeat(500_000) + "}").getBytes(StandardCharsets.UTF_8),
                new byte[] {'{', '"', 'j', (byte) 0xFF, '"', ':', '1', '}'},
                randomBytes,
                new byte[] {(byte) 0xC3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        Map<String, Object> config = new HashMap<>(client);
        config.put("max.request.size", 2 * 1024 * 1024);
        config.put("compression.type", "lz4");
        long bytes = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<?>> acks = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte[] value = corpus.get(i % corpus.size());
                bytes += value.length;
                acks.add(producer.send(new ProducerRecord<>(topic, ("h-" + i).getBytes(StandardCharsets.UTF_8), value)));
            }
            for (var ack : acks) {
                ack.get(120, TimeUnit.SECONDS);
            }
        }
        return bytes;
    }

    private static long countMalformed(Map<String, Object> client, String audit) throws Exception {
        var codec = AvroCodec.auditEvents();
        long[] malformed = {0};
        readToEnd(client, audit, record -> {
            if (codec.decode(record.value()).getEventType().equals("RESULT_MALFORMED")) {
                malformed[0]++;
            }
        });
        return malformed[0];
    }

    /** Records on the verified topic, read_committed (its end offsets also count transaction markers). */
    private static long countVerified(Map<String, Object> client, String topic) throws Exception {
        long[] count = {0};
        readToEnd(client, topic, record -> count[0]++);
        return count[0];
    }

    private interface RecordHandler {
        void handle(ConsumerRecord<byte[], byte[]> record) throws Exception;
    }

    /** Reads {@code topic} from the beginning to its read_committed end, handing each record to {@code each}. */
    private static void readToEnd(Map<String, Object> client, String topic, RecordHandler each) throws Exception {
        Offsets.readToEnd(client, topic, Duration.ofMinutes(30), record -> {
            try {
                each.handle(record);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static String jobId(int i) {
        return "heap-" + i;
    }

    /** Waits until the verifier has committed past the end of the input. */
    private static void awaitCaughtUp(EmbeddedKafka kafka, Topics topics, Process verifier, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastReport = 0;
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            while (System.nanoTime() < deadline) {
                if (!verifier.isAlive()) {
                    throw new IllegalStateException("the verifier exited with " + verifier.exitValue() + " (an OutOfMemoryError?)");
                }
                long end = Offsets.sum(Offsets.ends(admin, topics.submitted()));
                long done = Offsets.sum(Offsets.committed(admin, APP_ID, topics.submitted()));
                if (done >= end) {
                    return;
                }
                if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(10)) {
                    System.out.printf(Locale.ROOT, "  verifier at %,d of %,d%n", done, end);
                    lastReport = System.nanoTime();
                }
                Thread.sleep(1000);
            }
        }
        throw new IllegalStateException("the verifier did not catch up within " + timeout);
    }


    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    private static long firstKb(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no '" + regex + "' in: " + text);
        }
        return Long.parseLong(m.group(1));
    }

}
