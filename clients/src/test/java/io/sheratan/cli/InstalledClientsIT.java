package io.sheratan.cli;

import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.kafka.embedded.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The clients as their users get them: {@code scripts/check-client-packages.sh} installs both (pip into a
 * venv, npm install of the packed tarball) into a folder outside the repository and runs canon, sign and
 * verify there; then each installed {@code sheratan-client}, with no schema folder given, publishes a
 * signed result to a real broker that requires SASL (the Java services' variables) and reads a verified
 * one back (the Avro schemas shipped in its package).
 */
class InstalledClientsIT {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    @TempDir
    static Path installed;
    private static EmbeddedKafka kafka;
    private static Topics topics;

    @BeforeAll
    static void install() throws Exception {
        ProcessBuilder script = new ProcessBuilder("sh", ROOT.resolve("scripts/check-client-packages.sh").toString()).redirectErrorStream(true);
        script.environment().put("SHERATAN_CLIENT_INSTALL_DIR", installed.toString());
        Process process = script.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(300, TimeUnit.SECONDS)).isTrue();
        System.out.println(output);
        assertThat(process.exitValue()).as(output).isZero();

        kafka = EmbeddedKafka.builder().saslUser("worker", "worker-secret").start(); // a cluster that requires SASL
        topics = Topics.defaults().withSuffix(".installed");
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics);
        }
        SecuredClusterClientsIT.publishVerified(kafka, topics.verified(), "installed-1");
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldPublishAndConsumeFromOutsideTheRepository() {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("SHERATAN_TOPIC_SUBMITTED", topics.submitted());
        env.put("SHERATAN_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        env.put("SHERATAN_KAFKA_SASL_MECHANISM", "PLAIN");
        env.put("SHERATAN_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"worker\" password=\"worker-secret\";");
        for (Path cli : List.of(installed.resolve("venv/bin/sheratan-client"), installed.resolve("node-project/node_modules/.bin/sheratan-client"))) {
            String jobId = "installed-" + cli.getParent().getParent().getFileName();
            OtherLanguages.Result published = OtherLanguages.exec(List.of(cli.toString(), "publish", "--sign", "--timeout", "30"), env,
                    ("{\"job_id\":\"" + jobId + "\",\"ok\":true,\"result\":{\"v\":1}}").getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(90));
            assertThat(published.exit()).as(cli + " publish: " + published).isZero();
            OtherLanguages.Result consumed = OtherLanguages.exec(List.of(cli.toString(), "consume", topics.verified(), "--idle", "3"), env, null,
                    Duration.ofSeconds(90));
            assertThat(consumed.exit()).as(cli + " consume: " + consumed).isZero();
            assertThat(consumed.out()).as(cli + " read the verified result with its own schemas").contains("\"installed-1\"").contains("\"avro\"");
        }
    }
}
