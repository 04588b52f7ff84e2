package io.sheratan.cli;

import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
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
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hostile-input suite of the poison-pill issue, against {@code ./sheratan up} as a user runs it
 * (the launcher, its own JVM at {@code -Xmx256m}, the embedded broker, verifier, audit sink and
 * gateway in it). Every hostile record is followed by a valid one: each valid result must still be
 * verified, and each hostile record must end in exactly one outcome (one audit event carrying its
 * coordinates, or a verified result). Then the edges of HTTP: 200 idle connections on each server,
 * after which health and a valid submit still answer, and a submit without the token is refused.
 */
class HostileInputIT {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final String TOKEN = "hostile-suite-token";
    private static final IntegrityPolicy POLICY = IntegrityPolicy.defaults();
    private static final Topics TOPICS = Topics.defaults();

    private static Path data;
    private static Process up;
    private static int kafkaPort;
    private static int verifierPort;
    private static int auditPort;
    private static int gatewayPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final EnvelopeReader reader = new EnvelopeReader(CanonicalLimits.DEFAULTS);

    @BeforeAll
    static void startUpAt256Megabytes() throws Exception {
        data = Files.createTempDirectory("sheratan-hostile-");
        kafkaPort = freePort();
        verifierPort = freePort();
        auditPort = freePort();
        gatewayPort = freePort();
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
        builder.redirectError(data.resolve("up.stderr").toFile());
        up = builder.start();
        assertThat(awaitLine(up, "sheratan is up.", 180)).as("up printed its banner; stderr in " + data).isNotNull();
    }

    @AfterAll
    static void stop() throws Exception {
        if (up != null) {
            up.destroy();
            up.waitFor(60, TimeUnit.SECONDS);
        }
        TempDirs.deleteQuietly(data);
    }

    private static Map<String, Object> client() {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", "127.0.0.1:" + kafkaPort);
        return config;
    }

    private byte[] signed(String jobId, String result) throws Exception {
        byte[] unsigned = ("{\"job_id\":\"" + jobId + "\",\"ok\":true,\"result\":" + result + "}").getBytes(StandardCharsets.UTF_8);
        return EnvelopeWriter.toJson(reader.read(unsigned).signed(POLICY));
    }

    /** A hostile record: what it is, the bytes, key and headers an attacker sends, and the outcome it must get. */
    private record Hostile(String name, byte[] key, byte[] value, RecordHeaders headers, String expected) {
        Hostile(String name, String key, byte[] value) {
            this(name, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, new RecordHeaders(), "audit malformed");
        }

        Hostile expecting(String outcome) {
            return new Hostile(name, key, value, headers, outcome);
        }
    }

    private List<Hostile> corpus() throws Exception {
        List<Hostile> corpus = new ArrayList<>();
        AvroCodec<io.sheratan.avro.ResultSubmission> avro = AvroCodec.resultSubmissions();
        byte[] goodAvro = avro.encode(io.sheratan.avro.ResultSubmission.newBuilder().setJobId("h-avro").setOk(true)
                .setResult("{\"v\":1}").setError(null).setIntegrity(null).build());
        // Avro: a 15-byte record whose first string claims ~2 GB, then length lies at every position
        ByteArrayOutputStream lie = new ByteArrayOutputStream();
        lie.write(goodAvro, 0, AvroCodec.HEADER_LENGTH);
        lie.writeBytes(new byte[] {(byte) 0xF0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F});
        corpus.add(new Hostile("avro 2 GB string claim", "h-avro", lie.toByteArray()));
        for (int at = AvroCodec.HEADER_LENGTH; at < goodAvro.length; at += 3) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(goodAvro, 0, at);
            out.writeBytes(new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07});
            out.write(goodAvro, at, goodAvro.length - at);
            // a lie that happens to decode is still one outcome: whatever the reader made of it, audited
            corpus.add(new Hostile("avro length lie at " + at, "h-avro", out.toByteArray()).expecting("audit "));
        }
        corpus.add(new Hostile("avro truncated", "h-avro", Arrays.copyOf(goodAvro, goodAvro.length - 2)));
        corpus.add(new Hostile("avro trailing bytes", "h-avro", Arrays.copyOf(goodAvro, goodAvro.length + 4)));
        // nulls and keys
        corpus.add(new Hostile("tombstone", "h-null", null));
        corpus.add(new Hostile("null key", null, signed("h-nokey", "1")));
        corpus.add(new Hostile("non-UTF-8 key", new byte[] {(byte) 0xFF, (byte) 0xFE}, signed("h-key", "1"), new RecordHeaders(),
                "audit malformed"));
        corpus.add(new Hostile("empty value", "h-empty", new byte[0]));
        // headers
        RecordHeaders many = new RecordHeaders();
        for (int i = 0; i < 2_000; i++) {
            many.add("sheratan.node_id", ("x".repeat(200) + i).getBytes(StandardCharsets.UTF_8));
        }
        corpus.add(new Hostile("2,000 oversized node_id headers", "h-headers".getBytes(StandardCharsets.UTF_8),
                signed("h-headers", "1"), many, "verified"));
        // sizes around the limits: the input limit (1 MiB), the output limit (1,000,000 bytes)
        int limit = CanonicalLimits.DEFAULTS.maxBytes();
        corpus.add(new Hostile("document one byte over the input limit", "h-big",
                ("{\"job_id\":\"h-big\",\"ok\":true,\"result\":\"" + "x".repeat(limit - 39) + "\"}").getBytes(StandardCharsets.UTF_8)));
        String expanding = "[" + String.join(",", Collections.nCopies(180_000, "1e20")) + "]";
        String sha = reader.read(("{\"job_id\":\"h-expand\",\"ok\":true,\"result\":" + expanding + "}").getBytes(StandardCharsets.UTF_8))
                .coreSha256();
        corpus.add(new Hostile("1e20 x 180,000: canonical form 4x the input, over the output limit", "h-expand",
                ("{\"job_id\":\"h-expand\",\"ok\":true,\"result\":" + expanding + ",\"integrity\":{\"mode\":\"sha256\",\"sha256\":\""
                        + sha + "\"}}").getBytes(StandardCharsets.UTF_8)));
        corpus.add(new Hostile("a 500 KB sig", "h-sig", ("{\"job_id\":\"h-sig\",\"ok\":true,\"integrity\":{\"mode\":\"hmac\",\"sig\":\""
                + "ab".repeat(250_000) + "\"}}").getBytes(StandardCharsets.UTF_8)));
        // CPU and nesting
        corpus.add(new Hostile("nesting 200,000 deep", "h-deep", ("{\"job_id\":\"h-deep\",\"ok\":true,\"result\":"
                + "[".repeat(200_000) + "]".repeat(200_000) + "}").getBytes(StandardCharsets.UTF_8)));
        corpus.add(new Hostile("a 500,000-digit number", "h-digits", ("{\"job_id\":\"h-digits\",\"ok\":true,\"result\":0."
                + "1".repeat(500_000) + "e-300}").getBytes(StandardCharsets.UTF_8)).expecting("audit missing_integrity"));
        StringBuilder members = new StringBuilder("{\"job_id\":\"h-members\",\"ok\":true,\"result\":{");
        for (int i = 0; i < 60_000; i++) {
            members.append(i == 0 ? "" : ",").append("\"m").append(i).append("\":").append(i);
        }
        corpus.add(new Hostile("60,000 members (one duplicated)", "h-members",
                members.append(",\"m7\":7}}").toString().getBytes(StandardCharsets.UTF_8)));
        corpus.add(new Hostile("150,000 escaped NULs", "h-escapes", ("{\"job_id\":\"h-escapes\",\"ok\":true,\"result\":\""
                + "\\u0000".repeat(150_000) + "\"}").getBytes(StandardCharsets.UTF_8)).expecting("audit missing_integrity"));
        corpus.add(new Hostile("lone surrogate", "h-surrogate",
                "{\"job_id\":\"h-surrogate\",\"ok\":true,\"result\":\"\\ud800\"}".getBytes(StandardCharsets.UTF_8)));
        return corpus;
    }

    @Test
    void shouldGiveEveryHostileRecordOneOutcomeAndKeepVerifyingValidOnes() throws Exception {
        List<Hostile> corpus = corpus();
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
            for (Path file : io.sheratan.audit.ChainLog.files(data.resolve("audit"))) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.contains("AUDIT_RECORD_UNREADABLE") || line.contains(io.sheratan.audit.ChainLog.PLACEHOLDER)) {
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
                        AuditEvent e = audit.decode(record.value());
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

    private static String awaitLine(Process process, String wanted, int seconds) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String line;
        while (System.nanoTime() < deadline && (line = reader.readLine()) != null) {
            if (line.contains(wanted)) {
                Thread drain = new Thread(() -> {
                    try {
                        while (reader.readLine() != null) {
                            // keep the pipe drained
                        }
                    } catch (IOException ignored) {
                        // process ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return line;
            }
        }
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
