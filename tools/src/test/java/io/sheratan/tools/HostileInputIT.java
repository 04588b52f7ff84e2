package io.sheratan.tools;

import io.sheratan.avro.codec.AuditEventType;

import io.sheratan.cli.TempDirs;
import static io.sheratan.testing.Processes.awaitLine;
import static io.sheratan.testing.Processes.freePort;

import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.tools.bench.HostileCorpus;
import io.sheratan.tools.bench.HostileCorpus.Hostile;
import io.sheratan.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import io.sheratan.audit.ChainLog;

/**
 * The hostile-input suite of the poison-pill issue, against {@code ./sheratan up} as a user runs it
 * (the launcher, its own JVM at {@code -Xmx256m}, the embedded broker, verifier, audit sink and
 * gateway in it). Every hostile record is followed by a valid one: each valid result must still be
 * verified, and each hostile record must end in exactly one outcome (one audit event carrying its
 * coordinates, or a verified result). Then the edges of HTTP: 200 idle connections on each server,
 * after which health and a valid submit still answer, and a submit without the token is refused.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileInputIT {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final String TOKEN = "hostile-suite-token";
    private static final Topics TOPICS = Topics.defaults();

    private static Path data;
    private static Process up;
    private static int kafkaPort;
    private static int verifierPort;
    private static int auditPort;
    private static int gatewayPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startUpAt256Megabytes() throws Exception {
        data = Files.createTempDirectory("sheratan-hostile-");
        kafkaPort = io.sheratan.testing.Processes.freePortPair();
        verifierPort = freePort();
        auditPort = freePort();
        gatewayPort = freePort();
        startUp();
    }

    private static void startUp() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(ROOT.resolve("sheratan").toString(), "up").directory(ROOT.toFile());
        builder.environment().putAll(Map.of(
                "SHERATAN_DATA_DIR", data.toString(),
                "SHERATAN_EMBEDDED_KAFKA_PORT", String.valueOf(kafkaPort),
                "SHERATAN_VERIFIER_PORT", String.valueOf(verifierPort),
                "SHERATAN_AUDIT_PORT", String.valueOf(auditPort),
                "SHERATAN_GATEWAY_PORT", String.valueOf(gatewayPort),
                "SHERATAN_HUB_TOKEN", TOKEN,
                "SHERATAN_JAVA_OPTS", "-Xmx256m"));
        builder.environment().remove("KAFKA_BOOTSTRAP_SERVERS");
        builder.redirectError(ProcessBuilder.Redirect.appendTo(data.resolve("up.stderr").toFile()));
        up = builder.start();
        assertThat(awaitLine(up, "sheratan is up.", 180)).as("up printed its banner; stderr in " + data).isNotNull();
    }

    @AfterAll
    static void stop() throws Exception {
        if (up != null) {
            up.destroy();
            up.waitFor(60, TimeUnit.SECONDS);
        }
        Path log = data.resolve("up.stderr");
        if (Files.exists(log)) { // kept for a look after a failure: target/hostile-up.stderr
            Files.copy(log, Path.of(System.getProperty("user.dir")).resolve("target/hostile-up.stderr"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        TempDirs.deleteQuietly(data);
    }

    private static Map<String, Object> client() {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", "127.0.0.1:" + kafkaPort);
        return config;
    }

    private static byte[] signed(String jobId, String result) {
        return HostileCorpus.signed(jobId, result);
    }

    @Test
    void shouldGiveEveryHostileRecordOneOutcomeAndKeepVerifyingValidOnes() throws Exception {
        List<Hostile> corpus = HostileCorpus.all(3);
        Map<String, Hostile> hostileAt = new LinkedHashMap<>();   // partition@offset -> what was sent
        Map<String, String> validAt = new LinkedHashMap<>();
        Map<String, Object> producerConfig = client();
        producerConfig.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
        producerConfig.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
            int i = 0;
            for (Hostile h : corpus) {
                RecordMetadata meta = producer.send(new ProducerRecord<>(TOPICS.submitted(), null, h.key(), h.value(), h.headers()))
                        .get(60, TimeUnit.SECONDS);
                hostileAt.put(meta.partition() + "@" + meta.offset(), h);
                String jobId = "valid-after-" + i++;
                RecordMetadata ok = producer.send(new ProducerRecord<>(TOPICS.submitted(), jobId.getBytes(StandardCharsets.UTF_8),
                        signed(jobId, "{\"n\":" + i + "}"))).get(60, TimeUnit.SECONDS);
                validAt.put(ok.partition() + "@" + ok.offset(), jobId);
            }
        }

        List<String> sent = new ArrayList<>(hostileAt.keySet());
        sent.addAll(validAt.keySet());
        Map<String, List<String>> outcomes = readOutcomes(sent, Duration.ofSeconds(240));

        for (Map.Entry<String, String> valid : validAt.entrySet()) {
            assertThat(outcomes.get(valid.getKey())).as("valid %s", valid.getValue()).containsExactly("verified");
        }
        for (Map.Entry<String, Hostile> hostile : hostileAt.entrySet()) {
            assertThat(outcomes.get(hostile.getKey())).as("hostile: %s", hostile.getValue().name())
                    .hasSize(1).allSatisfy(o -> assertThat(o).startsWith(hostile.getValue().expected()));
        }
        assertThat(status(verifierPort, "/health/live")).isEqualTo(200);
    }

    @Test
    void shouldLogEveryAuditRecordTheSinkCannotReadAndStayUp() throws Exception {
        List<byte[]> values = List.of(
                "not an event".getBytes(StandardCharsets.UTF_8),
                "{\"event_type\":\"RESULT_MALFORMED\",\"reason\":\"malformed\",\"n\":123456789012345678901234567890}".getBytes(StandardCharsets.UTF_8),
                ("{\"event_type\":\"RESULT_MALFORMED\",\"reason\":\"malformed\",\"detail\":\"" + "\\u0001".repeat(150_000) + "\"}")
                        .getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xC3, 0x01, 1, 2, 3});
        String topic = TOPICS.audit();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(client(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[] value : values) {
                producer.send(new ProducerRecord<>(topic, "foreign".getBytes(StandardCharsets.UTF_8), value)).get(30, TimeUnit.SECONDS);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int found = 0;
        while (System.nanoTime() < deadline && found < values.size()) {
            found = 0;
            for (Path file : ChainLog.files(data.resolve("audit"))) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.contains("AUDIT_RECORD_UNREADABLE") || line.contains(AuditEventType.AUDIT_EVENT_NOT_LOGGABLE.name())) {
                        found++;
                    }
                }
            }
            Thread.sleep(500);
        }
        assertThat(found).as("one placeholder line per unloggable record").isEqualTo(values.size());
        assertThat(status(auditPort, "/health")).isEqualTo(200);
        assertThat(up.isAlive()).isTrue();
    }

    @Test
    void shouldAnswerHealthAndSubmitsUnderTwoHundredIdleConnectionsPerServer() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int port : List.of(gatewayPort, verifierPort, auditPort)) {
                for (int i = 0; i < 200; i++) {
                    Socket socket = new Socket("127.0.0.1", port);
                    OutputStream out = socket.getOutputStream();
                    out.write("POST /mesh/results/submit HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII)); // half a request
                    out.flush();
                    idle.add(socket);
                }
            }
            long started = System.nanoTime();
            assertThat(status(verifierPort, "/health/live")).isEqualTo(200);
            assertThat(status(auditPort, "/health")).isEqualTo(200);
            assertThat(status(gatewayPort, "/health")).isEqualTo(200);
            HttpResponse<String> accepted = submit(signed("gateway-under-load", "1"), TOKEN);
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
            assertThat(submit(signed("gateway-no-token", "1"), null).statusCode()).isEqualTo(401);
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    @Test
    void shouldAnswerHostileTransparencyRequestsWithFourHundredsAndStayUp() throws Exception {
        String huge = "9".repeat(40);
        String longId = "x".repeat(6_000);
        List<String> paths = List.of(
                "/audit/proof?index=-1", "/audit/proof?index=" + huge, "/audit/proof?index=abc", "/audit/proof",
                "/audit/proof?index=1&job_id=a", "/audit/proof?event_id=" + longId, "/audit/proof?job_id=%00%ff",
                "/audit/consistency?old=" + huge, "/audit/consistency?old=5&new=1", "/audit/consistency?old=-3",
                "/audit/consistency", "/audit/tlog/..%2f..%2flog-key.pem", "/audit/tlog/tile/0/999.p/9999",
                "/audit/tlog/tile/entries/x" + "999/".repeat(50) + "000", "/audit/nothing");
        for (String path : paths) {
            int code = status(auditPort, path);
            assertThat(code).as(path).isIn(400, 404);
        }
        assertThat(status(verifierPort, "/results/" + longId + "/proof")).isIn(404, 414, 431);
        assertThat(status(verifierPort, "/results/%2F/proof")).isEqualTo(404);
        assertThat(status(auditPort, "/health")).isEqualTo(200);
        HttpResponse<String> accepted = submit(signed("after-transparency-probes", "1"), TOKEN);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int proof = 0;
        while (proof != 200 && System.nanoTime() < deadline) {
            proof = status(verifierPort, "/results/after-transparency-probes/proof");
            Thread.sleep(proof == 200 ? 0 : 300);
        }
        assertThat(proof).as("the next valid result is verified and proved").isEqualTo(200);
        assertThat(up.isAlive()).isTrue();
    }

    /**
     * DESIGN 4 and 9 against hostile writers of the topics the pipeline reads back: a huge integer,
     * a forged RESULT_VERIFIED and 400 made-up event types on the audit topic, a tombstone on the
     * verified topic. None of them changes what the pipeline vouches for (the job's proof is its own
     * result's entry, the result stays, no metric series appears), and a kill -9 right after them
     * (inside the tree's durable lag) is followed by a clean start and a log that verifies.
     */
    @Test
    @Order(Integer.MAX_VALUE) // it restarts the stack: last
    void shouldChangeNothingItVouchesForOnForeignRecordsAndStartCleanAfterAKill() throws Exception {
        String job = "vouched-job";
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(client(), new ByteArraySerializer(), new ByteArraySerializer())) {
            byte[] key = job.getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(TOPICS.audit(), key,
                    "{\"event_type\":\"RESULT_MALFORMED\",\"reason\":\"malformed\",\"n\":18446744073709551616}".getBytes(StandardCharsets.UTF_8)));
            producer.send(new ProducerRecord<>(TOPICS.audit(), key, ("{\"event_type\":\"RESULT_VERIFIED\",\"reason\":\"none\",\"job_id\":\"" + job
                    + "\",\"sha256\":\"" + "ab".repeat(32) + "\",\"event_id\":\"forged\"}").getBytes(StandardCharsets.UTF_8)));
            for (int i = 0; i < 400; i++) {
                producer.send(new ProducerRecord<>(TOPICS.audit(), null, ("{\"event_type\":\"MADE_UP_" + i + "\",\"reason\":\"invented_" + i
                        + "\",\"event_id\":\"made-up-" + i + "\"}").getBytes(StandardCharsets.UTF_8)));
            }
            producer.send(new ProducerRecord<>(TOPICS.submitted(), key, signed(job, "{\"n\":1}"))).get(30, TimeUnit.SECONDS);
        }
        awaitStatus(verifierPort, "/results/" + job + "/proof", 200);
        HttpResponse<String> proof = get(verifierPort, "/results/" + job + "/proof");
        String stored = get(verifierPort, "/results/" + job).body();
        String sha = stored.replaceAll(".*\"sha256\":\"([0-9a-f]{64})\".*", "$1");
        assertThat(proof.body()).as("the proof is the stored result's entry, not the forged one").contains(sha).doesNotContain("ab".repeat(32));

        // a copy on the verified topic with a job's id and core hash, another mode, key and node: logged (the sink logs what
        // the topic holds) and the newest entry of the job and hash, yet never the stored result's proof. (Another job: after
        // the restart below, a table restored onto the copy answers 503 for that job, RELIABILITY.)
        String copied = "copied-job";
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(client(), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(TOPICS.submitted(), copied.getBytes(StandardCharsets.UTF_8), signed(copied, "{\"n\":2}")))
                    .get(30, TimeUnit.SECONDS);
        }
        awaitStatus(verifierPort, "/results/" + copied + "/proof", 200);
        String copiedSha = get(verifierPort, "/results/" + copied).body().replaceAll(".*\"sha256\":\"([0-9a-f]{64})\".*", "$1");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(client(), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(TOPICS.verified(), copied.getBytes(StandardCharsets.UTF_8), ("{\"job_id\":\"" + copied
                    + "\",\"ok\":true,\"result\":\"{}\",\"sha256\":\"" + copiedSha + "\",\"mode\":\"ed25519\",\"key_id\":\"forged-key\","
                    + "\"node_id\":\"forged-node\",\"node_attested\":true,\"canonical_version\":2,\"source_partition\":0,\"source_offset\":0,"
                    + "\"verified_at\":" + System.currentTimeMillis() + "}").getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        }
        long logged = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String newest = "";
        while (!newest.contains("forged-key") && System.nanoTime() < logged) {
            Thread.sleep(300);
            newest = get(auditPort, "/audit/proof?job_id=" + copied + "&sha256=" + copiedSha).body().lines()
                    .filter(line -> line.startsWith("extra ")) // the entry, base64
                    .map(line -> new String(java.util.Base64.getDecoder().decode(line.substring("extra ".length())), StandardCharsets.UTF_8))
                    .findFirst().orElse("");
        }
        assertThat(newest).as("the copy is logged, signed and the newest entry of the job and hash").contains("forged-key");
        HttpResponse<String> afterCopy = get(verifierPort, "/results/" + copied + "/proof");
        assertThat(afterCopy.statusCode()).isEqualTo(200);
        assertThat(afterCopy.body()).as("the stored result's own entry still proves it").contains(copiedSha).doesNotContain("forged-key");

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(client(), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(TOPICS.verified(), job.getBytes(StandardCharsets.UTF_8), null)).get(30, TimeUnit.SECONDS);
        }
        Thread.sleep(2_000);
        assertThat(status(verifierPort, "/results/" + job)).as("a tombstone deletes no verified result").isEqualTo(200);
        String metrics = get(auditPort, "/metrics").body();
        assertThat(metrics).doesNotContain("MADE_UP").doesNotContain("invented_").contains("type=\"AUDIT_FOREIGN_EVENT\"");

        // kill -9 inside the tree's durable lag, then a clean start and a log that verifies
        up.destroyForcibly();
        assertThat(up.waitFor(30, TimeUnit.SECONDS)).isTrue();
        startUp();
        awaitStatus(auditPort, "/health/ready", 200);
        awaitStatus(verifierPort, "/results/" + job + "/proof", 200);
        io.sheratan.tlog.NoteKeys.Verifier key = io.sheratan.tlog.NoteKeys.loadOrGenerate(data.resolve("audit/log-key.pem"),
                "sheratan.local/audit").verifier();
        io.sheratan.audit.LogVerifier.Report report = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) { // the newest checkpoint can be a moment behind the newest line
            report = io.sheratan.audit.LogVerifier.verify(data.resolve("audit"), key, List.of(), n -> { });
            if (report.holds()) {
                break;
            }
            Thread.sleep(1_000);
        }
        assertThat(report.problems()).as("verify-log after a kill -9").isEmpty();
    }

    private void awaitStatus(int port, String path, int expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int code = -1;
        while (System.nanoTime() < deadline) {
            try {
                code = status(port, path);
            } catch (IOException e) {
                code = -1; // not listening yet
            }
            if (code == expected) {
                return;
            }
            Thread.sleep(300);
        }
        String body = code < 0 ? "" : get(port, path).body();
        List<String> log = Files.readAllLines(data.resolve("up.stderr"), StandardCharsets.UTF_8);
        throw new AssertionError(path + " answered " + code + " " + body + ", not " + expected + "; up's stderr says:\n"
                + String.join("\n", log.stream().filter(l -> l.matches(".*(query table|RestoreFiltering|skipping|first start|adopted|ERROR|corrupted).*")).toList())
                + "\n...\n" + String.join("\n", log.subList(Math.max(0, log.size() - 15), log.size())));
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> submit(byte[] body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/mesh/results/submit"))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            request.header("X-Sheratan-Token", token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private int status(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** partition@offset of each submitted record -> its outcomes ("verified" / "audit reason"), read committed. */
    private Map<String, List<String>> readOutcomes(List<String> sent, Duration timeout) throws Exception {
        Map<String, Object> config = client();
        config.put("isolation.level", "read_committed");
        config.put("enable.auto.commit", false);
        Map<String, List<String>> outcomes = new HashMap<>();
        AvroCodec<VerifiedResult> verified = AvroCodec.verifiedResults();
        AvroCodec<AuditEvent> audit = AvroCodec.auditEvents();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(TOPICS.verified(), TOPICS.audit())) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            long settle = Long.MAX_VALUE; // after every record has an outcome, two more seconds: a second outcome would show
            while (System.nanoTime() < Math.min(deadline, settle)) {
                if (settle == Long.MAX_VALUE && outcomes.keySet().containsAll(sent)) {
                    settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.topic().equals(TOPICS.verified())) {
                        VerifiedResult r = verified.decode(record.value());
                        outcomes.computeIfAbsent(r.getSourcePartition() + "@" + r.getSourceOffset(), k -> new ArrayList<>()).add("verified");
                    } else {
                        AuditEvent e;
                        try {
                            e = audit.decode(record.value());
                        } catch (RuntimeException foreign) {
                            continue; // a foreign record another test put on the audit topic
                        }
                        if (!TOPICS.submitted().equals(e.getSourceTopic())) {
                            continue; // the gateway's events
                        }
                        outcomes.computeIfAbsent(e.getSourcePartition() + "@" + e.getSourceOffset(), k -> new ArrayList<>())
                                .add("audit " + e.getReason());
                    }
                }
            }
        }
        return outcomes;
    }
}
