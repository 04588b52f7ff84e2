package io.sheratan.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sheratan.integrity.Marks;
import io.sheratan.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard tells the truth (issue: "the dashboard's totals equal the verifier's counters on a
 * running stack"): a real Prometheus (Debian's, installed by scripts/check-ops.sh) scrapes the three
 * services of a running stack as the jobs the dashboard and the alerts select; results arrive through
 * the gateway, so the gateway's counters move too. The dashboard's own totals, queried from that
 * Prometheus, equal the verifier's counters (where an unfiltered sum would count each result twice); every
 * panel's expression evaluates, and every alert of ops/prometheus/alerts.yml, loaded as that Prometheus's
 * rules, is evaluated with health "ok".
 */
class DashboardTruthIT {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final String TOKEN = "dashboard-truth-token";
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void shouldShowTheVerifiersCountsOnceThroughARealPrometheus() throws Exception {
        Path prometheusBinary = Path.of("/usr/bin/prometheus");
        assertThat(prometheusBinary).as("Prometheus (Debian package prometheus; scripts/check-ops.sh installs it)").isExecutable();
        try (LocalStack stack = new LocalStack(Map.of("SHERATAN_HUB_TOKEN", TOKEN), null, dir.resolve("stack"), false)) {
            for (int i = 0; i < 5; i++) {
                assertThat(submit(stack, "truth-" + i, true)).isEqualTo(200);
            }
            for (int i = 0; i < 2; i++) {
                assertThat(submit(stack, "tampered-" + i, false)).isEqualTo(422); // the gateway's own rejects (never forwarded)
            }
            // rejects the verifier sees: tampered envelopes written to the submitted topic directly
            try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> raw = new org.apache.kafka.clients.producer.KafkaProducer<>(
                    stack.clientConfig, new org.apache.kafka.common.serialization.ByteArraySerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                for (int i = 0; i < 3; i++) {
                    String body = "{\"job_id\":\"kafka-tampered-" + i + "\",\"ok\":true,\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + "00".repeat(32) + "\"}}";
                    raw.send(new org.apache.kafka.clients.producer.ProducerRecord<>(stack.topics.submitted(), ("kafka-tampered-" + i).getBytes(StandardCharsets.UTF_8),
                            body.getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
                }
            }
            String verifier = "127.0.0.1:" + stack.verifier.httpPort();
            String gateway = "127.0.0.1:" + stack.gateway.port();
            String sink = "127.0.0.1:" + stack.auditSink.httpPort();
            await("the verifier has verified the 5 results and rejected the 3", () -> counter(verifier, "sheratan_results_verified_total") >= 5
                    && counter(verifier, "sheratan_results_rejected_total") >= 3);

            int port = Processes.freePort();
            Path config = Files.writeString(dir.resolve("prometheus.yml"), """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    rule_files: ["%s"]
                    scrape_configs:
                      - job_name: sheratan-verifier
                        static_configs: [{targets: ["%s"]}]
                      - job_name: sheratan-gateway
                        static_configs: [{targets: ["%s"]}]
                      - job_name: sheratan-audit-sink
                        static_configs: [{targets: ["%s"]}]
                    """.formatted(ROOT.resolve("ops/prometheus/alerts.yml"), verifier, gateway, sink));
            Process prometheus = new ProcessBuilder(prometheusBinary.toString(), "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            try {
                String api = "http://127.0.0.1:" + port;
                // both jobs' counters as they stand now (nothing more arrives), scraped: only then is any sum comparable
                for (String[] job : new String[][]{{"sheratan-verifier", verifier}, {"sheratan-gateway", gateway}}) {
                    for (String name : new String[]{"sheratan_results_verified_total", "sheratan_results_rejected_total"}) {
                        double now = counter(job[1], name);
                        await("Prometheus has scraped " + job[0] + "'s " + name, () -> {
                            JsonNode r = query(api, "sum(" + name + "{job=\"" + job[0] + "\"})");
                            return r != null && r.size() == 1 && r.get(0).path("value").get(1).asDouble() == now;
                        });
                    }
                }
                JsonNode dashboard = json.readTree(ROOT.resolve("ops/grafana/sheratan.json").toFile());
                JsonNode totals = null;
                for (JsonNode panel : dashboard.path("panels")) {
                    if (panel.path("title").asText().startsWith("Results since start")) {
                        totals = panel;
                    }
                }
                assertThat(totals).as("the dashboard's totals panel").isNotNull();
                Map<String, String> counterOf = Map.of("verified", "sheratan_results_verified_total", "rejected", "sheratan_results_rejected_total",
                        "duplicates", "sheratan_results_duplicate_total");
                for (JsonNode target : totals.path("targets")) {
                    String expr = variables(target.path("expr").asText());
                    double expected = counter(verifier, counterOf.get(target.path("legendFormat").asText()));
                    JsonNode result = query(api, expr);
                    double shown = result.isEmpty() ? 0 : result.get(0).path("value").get(1).asDouble();
                    assertThat(shown).as("%s: the dashboard's %s", expr, target.path("legendFormat").asText()).isEqualTo(expected);
                }
                // the check has teeth: without the job filter, the gateway's own verdicts are counted again
                double unfiltered = query(api, "sum(sheratan_results_verified_total)").get(0).path("value").get(1).asDouble();
                assertThat(unfiltered).isGreaterThan(counter(verifier, "sheratan_results_verified_total"));

                List<String> expressions = new ArrayList<>();
                for (JsonNode panel : dashboard.path("panels")) {
                    panel.path("targets").forEach(t -> expressions.add(variables(t.path("expr").asText())));
                }
                assertThat(expressions).hasSizeGreaterThan(20);
                for (String expr : expressions) {
                    assertThat(query(api, expr)).as("evaluates: " + expr).isNotNull();
                }
                // every alert of ops/prometheus/alerts.yml, loaded into this Prometheus, evaluates without error
                int alerts = (int) Files.readAllLines(ROOT.resolve("ops/prometheus/alerts.yml")).stream().filter(l -> l.trim().startsWith("- alert: ")).count();
                await("Prometheus has evaluated every rule", () -> evaluated(api) == alerts);
                for (JsonNode group : rules(api)) {
                    for (JsonNode rule : group.path("rules")) {
                        assertThat(rule.path("health").asText()).as(rule.path("name").asText() + ": " + rule.path("lastError").asText()).isEqualTo("ok");
                    }
                }
            } finally {
                prometheus.destroy();
                prometheus.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private JsonNode rules(String api) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/rules")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        return json.readTree(response.body()).path("data").path("groups");
    }

    /** How many rules Prometheus has evaluated at least once. */
    private int evaluated(String api) throws Exception {
        int count = 0;
        for (JsonNode group : rules(api)) {
            for (JsonNode rule : group.path("rules")) {
                if (!rule.path("lastEvaluation").asText("0001").startsWith("0001")) {
                    count++;
                }
            }
        }
        return count;
    }

    /** The dashboard's template variables as "All" selects them. */
    private static String variables(String expr) {
        return expr.replace("$instance", ".*").replace("$job", "sheratan-.*");
    }

    /** The result vector of an instant query, or null when Prometheus refuses the expression. */
    private JsonNode query(String api, String expr) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/query?query="
                + URLEncoder.encode(expr, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = json.readTree(response.body());
        if (!"success".equals(body.path("status").asText())) {
            System.out.println("prometheus refused " + expr + ": " + response.body());
            return null;
        }
        JsonNode data = body.path("data");
        return "vector".equals(data.path("resultType").asText()) ? data.path("result") : json.createArrayNode().add(data);
    }

    private double counter(String hostPort, String name) throws Exception {
        double total = 0;
        String body = http.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String line : body.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    private int submit(LocalStack stack, String jobId, boolean honest) throws Exception {
        String core = "{\"job_id\":\"" + jobId + "\",\"ok\":true}";
        String sha = honest ? Marks.sha256Hex(core.getBytes(StandardCharsets.UTF_8)) : "00".repeat(32);
        String body = "{\"job_id\":\"" + jobId + "\",\"ok\":true,\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + sha + "\"}}";
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.gateway.port() + "/mesh/results/submit"))
                .header("X-Sheratan-Token", TOKEN).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @FunctionalInterface
    private interface Condition {
        boolean holds() throws Exception;
    }

    /** False while the service does not answer yet (Prometheus starting). */
    private static boolean holds(Condition condition) throws Exception {
        try {
            return condition.holds();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static void await(String what, Condition condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!holds(condition)) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(250);
        }
    }
}
