package io.sheratan.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sheratan.audit.AuditQuery;
import io.sheratan.audit.AuditSink;
import io.sheratan.audit.ChainLog;
import io.sheratan.audit.ChainVerifier;
import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.kafka.Topics;
import io.sheratan.kafka.embedded.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.Comparator;

/**
 * {@code sheratan bench audit}: the audit log's numbers. (1) The sink end to end: N events from the
 * audit topic of an embedded broker into fsynced lines (one fsync per polled batch). (2) A generated
 * log of {@code --lines} lines (default 1,000,000, written in fsynced batches of 10,000), then
 * {@code verify-chain} and a {@code query} by job id over it, timed.
 */
@Command(name = "audit",
        header = "Benchmark: audit sink appends, verify-chain and query.",
        mixinStandardHelpOptions = true,
        description = {
            "Audit sink append throughput (topic -> fsynced lines), then verify-chain and query over a generated log.",
            "Target: verify-chain of 1,000,000 lines in under 10 s."
        })
public final class AuditBench implements Callable<Integer> {

    @Option(names = "--lines", defaultValue = "1000000", description = "lines in the generated log (default: ${DEFAULT-VALUE})")
    int lines;

    @Option(names = "--events", defaultValue = "50000", description = "events through the sink (default: ${DEFAULT-VALUE})")
    int events;

    @Override
    public Integer call() throws Exception {
        Path root = Files.createTempDirectory("sheratan-bench-audit-");
        System.out.printf(Locale.ROOT, "sheratan bench audit: %,d events through the sink, %,d-line generated log in %s%n", events, lines, root);
        sinkThroughput(root.resolve("sink"));

        Path dir = root.resolve("log");
        long start = System.nanoTime();
        ObjectMapper json = new ObjectMapper();
        try (ChainLog log = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES)) {
            List<ChainLog.Entry> batch = new ArrayList<>(10_000);
            for (int i = 0; i < lines; i++) {
                ObjectNode event = json.createObjectNode();
                event.put("event_id", "sheratan.results.submitted/" + (i % 3) + "/" + i);
                event.put("event_type", i % 4 == 0 ? "RESULT_CONFLICT" : "RESULT_INTEGRITY_FAIL");
                event.put("reason", i % 4 == 0 ? "conflict" : "sha_mismatch");
                event.put("job_id", "job-" + i);
                event.put("ts", 1_795_000_000_000L + i);
                event.put("received_sha256", "ab".repeat(32));
                batch.add(new ChainLog.Entry(event, "sheratan.results.audit", i % 3, i / 3));
                if (batch.size() == 10_000) {
                    log.append(batch);
                    batch.clear();
                }
            }
            log.append(batch);
        }
        double writeSeconds = (System.nanoTime() - start) / 1e9;
        long bytes;
        try (var files = Files.list(dir)) {
            bytes = files.mapToLong(p -> p.toFile().length()).sum();
        }
        System.out.printf(Locale.ROOT, "  generated %,d lines (%.0f MB) in %.1f s (%,.0f lines/s, fsync per 10,000)%n",
                lines, bytes / 1e6, writeSeconds, lines / writeSeconds);

        start = System.nanoTime();
        ChainVerifier.Report report = ChainVerifier.verify(dir);
        double verifySeconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "  verify-chain: %s, %,d lines in %d files, %.2f s (%,.0f lines/s)%n",
                report.intact() ? "intact" : "BROKEN " + report.problem(), report.lines(), report.files(), verifySeconds, report.lines() / verifySeconds);

        start = System.nanoTime();
        long matched = AuditQuery.run(dir, new AuditQuery.Filter("job-" + (lines / 2), null, null, null, null),
                new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8));
        double querySeconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "  query --job-id: %d match in %.2f s%n", matched, querySeconds);
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        System.out.printf(Locale.ROOT, "verify-chain of %,d lines: %.2f s (target < 10 s)%n", report.lines(), verifySeconds);
        return report.intact() ? 0 : 1;
    }

    private void sinkThroughput(Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().start()) {
            String topic = "bench.audit";
            try (Admin admin = Admin.create(kafka.clientConfig())) {
                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            AvroCodec<AuditEvent> codec = AvroCodec.auditEvents();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < events; i++) {
                    AuditEvent e = AuditEvent.newBuilder().setEventId("s/0/" + i).setEventType("RESULT_INTEGRITY_FAIL")
                            .setReason("sha_mismatch").setJobId("job-" + i).setTs(Instant.now()).build();
                    producer.send(new ProducerRecord<>(topic, ("job-" + i).getBytes(StandardCharsets.UTF_8), codec.encode(e)));
                }
                producer.flush();
            }
            ChainLog log = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES);
            AuditSink sink = new AuditSink(kafka.clientConfig(), new Topics("bench.submitted", "bench.verified", topic, "bench.checkpoints", 3, 1),
                    "bench-sink", log, null, new SimpleMeterRegistry());
            Thread thread = new Thread(sink, "bench-sink");
            long start = System.nanoTime();
            thread.start();
            while (log.lines() < events) {
                Thread.sleep(10);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            sink.close();
            thread.join(15_000);
            sink.shutdown();
            log.close();
            System.out.printf(Locale.ROOT, "  sink: %,d events topic -> fsynced lines in %.1f s: %,.0f events/s (fsync once per polled batch, up to 2,000)%n",
                    events, seconds, events / seconds);
        }
    }
}
