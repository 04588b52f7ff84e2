package io.sheratan.cli;

import io.sheratan.kafka.KafkaProbe;
import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.integrity.Marks;
import io.sheratan.serdes.SheratanSerdes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import io.sheratan.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operations kit against a running stack (what {@code sheratan up} runs): every metric that
 * {@code ops/grafana/sheratan.json} and {@code ops/prometheus/alerts.yml} name is exported by one of the
 * three services' {@code /metrics}, JVM and producer metrics included; the gateway's and the sink's
 * {@code /health} say Kafka is reachable, and a probe of a port where no broker listens says it is not. And a
 * downstream Java consumer, written as the README shows (a plain {@code KafkaConsumer} with the shipped
 * deserializers named by class ({@link SheratanSerdes}' classes, read_committed), reads the verified result and the audit event the stack produced.
 */
class OpsKitIT {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    /** Names Prometheus makes itself, not the services. */
    private static final Set<String> PROMETHEUS_OWN = Set.of("up");
    private static final Pattern METRIC = Pattern.compile("\\b((?:sheratan|integrity|jvm|process|kafka)_[a-z0-9_]+)\\b");

    private static final String TOKEN = "ops-kit-token";
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    private static LocalStack stack;

    @org.junit.jupiter.api.BeforeAll
    static void start() throws Exception {
        stack = new LocalStack(Map.of("SHERATAN_HUB_TOKEN", TOKEN), null, dir, false, null, true); // with a witness: its metrics too
    }

    @org.junit.jupiter.api.AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void shouldExportEveryMetricTheDashboardAndTheAlertsName() throws Exception {
        Set<String> named = new TreeSet<>();
        for (Path file : new Path[]{ROOT.resolve("ops/grafana/sheratan.json"), ROOT.resolve("ops/prometheus/alerts.yml")}) {
            Matcher m = METRIC.matcher(Files.readString(file));
            while (m.find()) {
                named.add(m.group(1));
            }
        }
        named.removeAll(PROMETHEUS_OWN);
        assertThat(named).as("the files name the contract's metrics").contains("integrity_verified_1m", "sheratan_results_rejected_total",
                "sheratan_audit_tree_size", "sheratan_audit_checkpoint_age_seconds", "jvm_memory_used_bytes");

        String token = TOKEN;
        {
            String gateway = "http://127.0.0.1:" + stack.gateway.port();
            // one accepted, one tampered, one without a token: the gateway's histogram has its series
            assertThat(post(gateway, token, "{\"job_id\":\"ops-1\",\"ok\":true,\"integrity\":{\"mode\":\"sha256\",\"sha256\":\""
                    + io.sheratan.integrity.Marks.sha256Hex("{\"job_id\":\"ops-1\",\"ok\":true}".getBytes()) + "\"}}")).isEqualTo(200);
            assertThat(post(gateway, token, "{\"job_id\":\"ops-2\",\"ok\":true,\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"00\"}}")).isEqualTo(422);
            assertThat(post(gateway, "wrong", "{}")).isEqualTo(401);

            String[] endpoints = {"http://127.0.0.1:" + stack.verifier.httpPort(), "http://127.0.0.1:" + stack.auditSink.httpPort(), gateway};
            Set<String> exported = new TreeSet<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            do {
                exported.clear();
                for (String endpoint : endpoints) {
                    for (String line : get(endpoint + "/metrics").body().split("\n")) {
                        if (!line.startsWith("#") && !line.isBlank()) {
                            exported.add(line.split("[{ ]", 2)[0]);
                        }
                    }
                }
                if (exported.containsAll(named)) {
                    break;
                }
                Thread.sleep(1000); // the verifier's Streams metrics appear once its tasks run; the tree's after a checkpoint
            } while (System.nanoTime() < deadline);
            Set<String> missing = new TreeSet<>(named);
            missing.removeAll(exported);
            assertThat(missing).as("named by the dashboard or the alerts but exported by no service").isEmpty();

            for (String endpoint : new String[]{gateway, "http://127.0.0.1:" + stack.auditSink.httpPort()}) {
                HttpResponse<String> health = get(endpoint + "/health");
                assertThat(health.statusCode()).as(endpoint + " " + health.body()).isEqualTo(200);
                assertThat(health.body()).contains("\"status\":\"up\"").contains("\"reachable\":true");
            }
            // which Ed25519 implementation checks signatures (libsodium on a machine with libsodium23)
            assertThat(get(gateway + "/health").body()).contains("\"ed25519\":\"" + io.sheratan.ed25519.Ed25519.backend().name().toLowerCase(java.util.Locale.ROOT) + "\"");
        }
    }

    @Test
    void shouldReportKafkaUnreachableWhereNoBrokerListens() {
        try (KafkaProbe probe = KafkaProbe.start(Map.of("bootstrap.servers", "127.0.0.1:" + Processes.freePort()), Duration.ofSeconds(1))
                .awaitFirst(Duration.ofSeconds(5))) {
            assertThat(probe.reachable()).isFalse();
            assertThat(probe.json()).contains("\"reachable\":false").contains("\"error\":");
        }
    }

    private int post(String base, String token, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/mesh/results/submit")).header("X-Sheratan-Token", token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldLetADownstreamConsumerReadBothTopicsWithTheShippedSerdes() throws Exception {
        String token = TOKEN;
        {
            String core = "{\"job_id\":\"downstream-1\",\"ok\":true,\"result\":{\"v\":1}}";
            String sha = Marks.sha256Hex(core.getBytes(StandardCharsets.UTF_8));
            assertThat(post("http://127.0.0.1:" + stack.gateway.port(), token, core.substring(0, core.length() - 1) + ",\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + sha + "\"}}"))
                    .isEqualTo(200);
            assertThat(post("http://127.0.0.1:" + stack.gateway.port(), token, "{\"job_id\":\"downstream-2\",\"ok\":true,\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + sha + "\"}}"))
                    .isEqualTo(422);

            // configured only by properties, as a Spring or console consumer would be: the deserializers by class name
            ConsumerRecord<String, VerifiedResult> verified = first(stack, stack.topics.verified(), "io.sheratan.serdes.VerifiedResultDeserializer",
                    "downstream-1");
            assertThat(verified.value().getJobId()).isEqualTo("downstream-1");
            assertThat(verified.value().getSha256()).isEqualTo(sha);
            assertThat(verified.value().getResult()).isEqualTo("{\"v\":1}");

            ConsumerRecord<String, AuditEvent> audit = first(stack, stack.topics.audit(), "io.sheratan.serdes.AuditEventDeserializer", "downstream-2");
            assertThat(audit.value().getReason()).isEqualTo("sha_mismatch");
            assertThat(audit.value().getEventType()).isEqualTo("RESULT_INTEGRITY_FAIL");
        }
    }

    private static <V> ConsumerRecord<String, V> first(LocalStack stack, String topic, String valueDeserializer, String key) {
        java.util.Properties config = new java.util.Properties();
        stack.clientConfig.forEach((k, v) -> config.setProperty(k, String.valueOf(v)));
        config.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "downstream-" + System.nanoTime());
        config.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.setProperty(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, "org.apache.kafka.common.serialization.StringDeserializer");
        config.setProperty(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, valueDeserializer);
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(500))) {
                    if (key.equals(record.key())) {
                        return record;
                    }
                }
            }
        }
        throw new AssertionError(key + " never appeared on " + topic);
    }
}
