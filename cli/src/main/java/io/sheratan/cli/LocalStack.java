package io.sheratan.cli;

import io.sheratan.audit.AuditSinkApp;
import io.sheratan.config.EnvParsers;
import io.sheratan.gateway.Gateway;
import io.sheratan.gateway.GatewayConfig;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.kafka.embedded.EmbeddedKafka;
import io.sheratan.verifier.VerifierApp;
import io.sheratan.verifier.VerifierConfig;
import org.apache.kafka.clients.admin.Admin;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The whole pipeline in one process, as {@code sheratan up} and a self-contained {@code sheratan demo}
 * run it: an embedded broker (unless a cluster is given), the topics, the verifier and the audit sink.
 * Closing stops them in reverse order.
 */
final class LocalStack implements AutoCloseable {

    final EmbeddedKafka broker;
    final Map<String, Object> clientConfig;
    final Topics topics;
    final VerifierApp verifier;
    final AuditSinkApp auditSink;
    final Path auditDir;
    final Gateway gateway;
    final String token;
    final boolean tokenGenerated;

    /**
     * @param dataRoot where kafka/, streams/ and audit/ live
     * @param ports    true: the contract's fixed ports (9092 unless set, 8789, 8790); false: free ports
     */
    LocalStack(Map<String, String> env, Map<String, Object> externalClientConfig, Path dataRoot, boolean ports)
            throws InterruptedException {
        EmbeddedKafka startedBroker = null;
        Map<String, Object> client;
        if (externalClientConfig != null) {
            client = externalClientConfig;
        } else {
            int port = ports ? EnvParsers.getInt(env, KafkaOptions.EMBEDDED_PORT, 9092, 1, 65534) : 0;
            startedBroker = EmbeddedKafka.builder().dataDir(dataRoot.resolve("kafka")).port(port).start();
            client = new HashMap<>(startedBroker.clientConfig());
        }
        this.broker = startedBroker;
        this.clientConfig = client;
        this.topics = Topics.fromEnv(env);
        try (Admin admin = Admin.create(client)) {
            new TopicProvisioner(admin, Duration.ofSeconds(60)).ensure(topics);
        }
        VerifierConfig config = VerifierConfig.fromEnv(env);
        if (!ports) {
            config = config.withHttpPort(0);
        }
        this.verifier = new VerifierApp(config, client, dataRoot.resolve("streams"), "127.0.0.1").start(false);
        this.auditDir = dataRoot.resolve("audit");
        int auditPort = ports ? EnvParsers.getInt(env, AuditSinkApp.PORT, 8790, 0, 65535) : 0;
        this.auditSink = new AuditSinkApp(client, topics.audit(), auditDir, auditPort).start();
        String configured = EnvParsers.get(env, GatewayConfig.TOKEN);
        this.tokenGenerated = configured == null;
        this.token = configured != null ? configured : randomToken();
        GatewayConfig gatewayConfig = GatewayConfig.fromEnv(env, true).withToken(token);
        if (!ports) {
            gatewayConfig = gatewayConfig.withPort(0);
        }
        this.gateway = new Gateway(gatewayConfig, client).start();
        verifier.awaitRunning(Duration.ofSeconds(60));
    }

    private static String randomToken() {
        byte[] bytes = new byte[24];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    String bootstrapServers() {
        return String.valueOf(clientConfig.get("bootstrap.servers"));
    }

    @Override
    public void close() {
        gateway.close();
        try {
            auditSink.close();
        } catch (Exception e) {
            System.err.println("sheratan: stopping the audit sink: " + e.getMessage());
        }
        verifier.close();
        if (broker != null) {
            broker.close();
        }
    }
}
