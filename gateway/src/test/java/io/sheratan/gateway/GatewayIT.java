package io.sheratan.gateway;

import io.sheratan.integrity.Signer;

import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.testing.EmbeddedKafkaExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.Marks;
import io.sheratan.keys.KeyringWatcher;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.io.TempDir;

/** Every status code of the gateway (DESIGN.md section 7), the 429 bound, and scripts/verify-b3.sh against it. */
class GatewayIT {

    private static final String TOKEN = "test-token-1234";
    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();
    private static Gateway gateway;
    private static Gateway narrow;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(Topics.defaults());
        }
        GatewayConfig config = GatewayConfig.fromEnv(Map.of("SHERATAN_HUB_TOKEN", TOKEN), false).withPort(0);
        gateway = new Gateway(config, kafka.clientConfig()).start();
        narrow = new Gateway(config.withMaxInFlight(2), kafka.clientConfig()).start();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        narrow.close();
    }

    private static String signed(String jobId, String result) {
        var reader = new EnvelopeReader(CanonicalLimits.DEFAULTS);
        try {
            var s = reader.readJson(("{\"job_id\":\"" + jobId + "\",\"ok\":true,\"result\":" + result + "}").getBytes(StandardCharsets.UTF_8));
            return new String(EnvelopeWriter.toJson(s.signedBy(Signer.v1(IntegrityPolicy.defaults()))), StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private HttpResponse<String> post(Gateway target, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.port() + Gateway.PATH))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header(Gateway.TOKEN_HEADER, token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** DESIGN 7: POST /mesh/sync_result is the same contract as /mesh/results/submit. */
    @Test
    void shouldAnswerTheHubsOtherResultPathTheSameWay() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        URI sync = URI.create("http://127.0.0.1:" + gateway.port() + Gateway.SYNC_PATH);
        HttpResponse<String> accepted = client.send(HttpRequest.newBuilder(sync).header("X-Sheratan-Token", TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(signed("sync-1", "{\"v\":1}"))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(accepted.body()).contains("\"ok\":true");
        HttpResponse<String> noToken = client.send(HttpRequest.newBuilder(sync)
                .POST(HttpRequest.BodyPublishers.ofString(signed("sync-2", "{\"v\":2}"))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);
        HttpResponse<String> tampered = client.send(HttpRequest.newBuilder(sync).header("X-Sheratan-Token", TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(signed("sync-3", "{\"v\":3}").replace("\"v\":3", "\"v\":4"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(tampered.statusCode()).isEqualTo(422);
    }

    /** DESIGN 7: live while the process serves, ready only while Kafka answers; a Kafka outage never makes a liveness probe restart it. */
    @Test
    void shouldStayLiveButNotReadyWhileKafkaCannotBeReached() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + gateway.port();
        assertThat(client.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
        int deadPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        GatewayConfig config = GatewayConfig.fromEnv(Map.of("SHERATAN_HUB_TOKEN", TOKEN), false).withPort(0);
        try (Gateway cut = new Gateway(config, Map.of("bootstrap.servers", "127.0.0.1:" + deadPort)).start()) {
            String cutBase = "http://127.0.0.1:" + cut.port();
            assertThat(client.send(HttpRequest.newBuilder(URI.create(cutBase + "/health/live")).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(200);
            HttpResponse<String> ready = client.send(HttpRequest.newBuilder(URI.create(cutBase + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("kafka_unreachable");
        }
    }

    @Test
    void shouldAnswerEveryStatusCodeOfTheContract() throws Exception {
        HttpResponse<String> ok = post(gateway, TOKEN, signed("gw-1", "{\"value\":42}"));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).startsWith("{\"ok\":true,\"job_id\":\"gw-1\"");
        assertThat(post(gateway, TOKEN, signed("gw-1", "{\"value\":42}")).body()).as("idempotent").isEqualTo(ok.body());

        assertThat(post(gateway, null, signed("gw-2", "1")).statusCode()).isEqualTo(401);
        assertThat(post(gateway, "wrong", signed("gw-2", "1")).statusCode()).isEqualTo(401);
        assertThat(post(gateway, TOKEN, "{not json").statusCode()).isEqualTo(400);
        HttpResponse<String> unmarked = post(gateway, TOKEN, "{\"job_id\":\"gw-3\",\"ok\":true}");
        assertThat(unmarked.statusCode()).isEqualTo(400);
        assertThat(unmarked.body()).contains("missing_integrity");
        HttpResponse<String> tampered = post(gateway, TOKEN, signed("gw-4", "{\"value\":42}").replace("42", "43"));
        assertThat(tampered.statusCode()).isEqualTo(422);
        assertThat(tampered.body()).isEqualTo("{\"ok\":false,\"error\":\"result_integrity_fail\",\"reason\":\"sha_mismatch\"}");
        String huge = "{\"job_id\":\"gw-5\",\"ok\":true,\"result\":\"" + "x".repeat(1_100_000) + "\"}";
        assertThat(post(gateway, TOKEN, huge).statusCode()).isEqualTo(413);
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("integrity_fail_1m", "integrity_verified_1m", "integrity_missing_1m",
                "jvm_memory_used_bytes", "process_cpu_usage", "sheratan_gateway_requests_seconds_count{status=\"401\"}",
                "sheratan_gateway_requests_seconds_count{status=\"413\"}");
    }

    @Test
    void shouldRotateTokensByEditingTheKeyringWithoutARestart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keyring.json");
        String oldToken = "old-token-123";
        String newToken = "new-token-456";
        Files.writeString(file, "{\"tokens\":[" + tokenEntry("ops/old", oldToken, null) + "]}");
        Map<String, String> env = Map.of("SHERATAN_KEYRING_FILE", file.toString());
        GatewayConfig config = GatewayConfig.fromEnv(env, false).withPort(0);
        try (Gateway rotating = new Gateway(config, kafka.clientConfig(), "127.0.0.1",
                KeyringWatcher.fromEnv(env, config.policy(), null)).start()) {
            assertThat(post(rotating, oldToken, signed("rot-1", "1")).statusCode()).isEqualTo(200);
            assertThat(post(rotating, newToken, signed("rot-2", "1")).statusCode()).isEqualTo(401);
            Files.writeString(file.resolveSibling("k.tmp"), "{\"tokens\":[" + tokenEntry("ops/old", oldToken, System.currentTimeMillis())
                    + "," + tokenEntry("ops/new", newToken, null) + "]}");
            Files.move(file.resolveSibling("k.tmp"), file, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int status = 0;
            while (System.nanoTime() < deadline && (status = post(rotating, newToken, signed("rot-3", "1")).statusCode()) != 200) {
                Thread.sleep(100);
            }
            assertThat(status).as("the new token works within 10 s, no restart").isEqualTo(200);
            assertThat(post(rotating, oldToken, signed("rot-4", "1")).statusCode()).as("the expired token is 401 like a wrong one")
                    .isEqualTo(401);
        }
    }

    private static String tokenEntry(String id, String token, Long notAfter) {
        return "{\"token_id\":\"" + id + "\",\"sha256\":\"" + Marks.sha256Hex(token.getBytes(StandardCharsets.UTF_8))
                + "\"" + (notAfter == null ? "" : ",\"not_after\":" + notAfter) + "}";
    }

    @Test
    void shouldAnswer429BeyondTheInFlightBoundAndLoseNothingAccepted() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + narrow.port() + Gateway.PATH))
                    .header(Gateway.TOKEN_HEADER, TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(signed("burst-" + i, "{\"i\":" + i + "}"))).build();
            responses.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        Set<String> accepted = new HashSet<>();
        int saturated = 0;
        for (int i = 0; i < responses.size(); i++) {
            HttpResponse<String> response = responses.get(i).get(60, TimeUnit.SECONDS);
            if (response.statusCode() == 200) {
                accepted.add("burst-" + i);
            } else {
                assertThat(response.statusCode()).isEqualTo(429);
                assertThat(response.headers().firstValue("Retry-After")).contains("1");
                saturated++;
            }
        }
        assertThat(saturated).as("some requests beyond the bound").isPositive();
        assertThat(accepted).isNotEmpty();
        assertThat(keysOnSubmitted(accepted)).containsAll(accepted);
    }

    @Test
    void shouldPassTheHubsB3Script() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        ProcessBuilder builder = new ProcessBuilder("bash", root.resolve("scripts/verify-b3.sh").toString())
                .redirectErrorStream(true);
        builder.environment().put("SHERATAN_HUB_TOKEN", TOKEN);
        builder.environment().put("SHERATAN_GATEWAY_URL", "http://127.0.0.1:" + gateway.port());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("B3 check passed").doesNotContain("FAIL");
    }

    /** The keys on the submitted topic, read until every one expected is there (or a minute passed). */
    private static Set<String> keysOnSubmitted(java.util.Collection<String> expected) {
        Set<String> wanted = new HashSet<>(expected);
        Set<String> keys = new HashSet<>();
        io.sheratan.testing.TopicReader.readAll(kafka.clientConfig(), Topics.defaults().submitted(), wanted.size(),
                        r -> wanted.contains(new String(r.key(), StandardCharsets.UTF_8)), Duration.ofSeconds(60))
                .forEach(r -> keys.add(new String(r.key(), StandardCharsets.UTF_8)));
        return keys;
    }
}
