package io.sheratan.cli;

import io.sheratan.audit.AuditSinkApp;
import io.sheratan.config.EnvParsers;
import io.sheratan.gateway.Gateway;
import io.sheratan.gateway.GatewayConfig;
import io.sheratan.http.HttpService;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.keys.KeyringWatcher;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.tlog.NoteKeys;
import io.sheratan.kafka.embedded.EmbeddedKafka;
import io.sheratan.verifier.VerifierApp;
import io.sheratan.verifier.VerifierConfig;
import io.sheratan.witness.WitnessApp;
import org.apache.kafka.clients.admin.Admin;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The whole pipeline in one process, as {@code sheratan up} and a self-contained {@code sheratan demo}
 * run it: an embedded broker (unless a cluster is given), the topics, the verifier, the audit sink and
 * the gateway, which enforces the token it is given (or one generated here). HTTP servers bind
 * {@code SHERATAN_BIND_ADDRESS} (loopback by default). Closing stops them in reverse order.
 *
 * <p>An isolated stack (the demo's own) gets topics, a Streams application id and an audit consumer
 * group of its own, suffixed with its run id: on a real cluster it never joins the production groups
 * or reads production topics, and its topics are deleted when it closes.
 */
final class LocalStack implements AutoCloseable {

    final EmbeddedKafka broker;
    final Map<String, Object> clientConfig;
    final Topics topics;
    final VerifierApp verifier;
    final AuditSinkApp auditSink;
    final Path auditDir;
    final NoteKeys.Signer logKey;
    /** The local witness of {@code up --witness}, or null. */
    final WitnessApp witness;
    final Gateway gateway;
    final String token;
    final boolean tokenGenerated;
    private final String isolation;

    /**
     * @param dataRoot where kafka/, streams/ and audit/ live
     * @param ports    true: the contract's fixed ports (9092 unless set, 8789, 8790); false: free ports
     */
    LocalStack(Map<String, String> env, Map<String, Object> externalClientConfig, Path dataRoot, boolean ports)
            throws InterruptedException {
        this(env, externalClientConfig, dataRoot, ports, null);
    }

    /** @param isolation null for the shared stack ({@code up}); a run id for a stack of its own ({@code demo}) */
    LocalStack(Map<String, String> env, Map<String, Object> externalClientConfig, Path dataRoot, boolean ports, String isolation)
            throws InterruptedException {
        this(env, externalClientConfig, dataRoot, ports, isolation, false);
    }

    /**
     * @param withWitness also a local witness ({@code dataRoot/witness}) that follows this stack's log, with
     *                    the audit sink sending it every checkpoint (besides SHERATAN_AUDIT_WITNESSES)
     */
    LocalStack(Map<String, String> env, Map<String, Object> externalClientConfig, Path dataRoot, boolean ports, String isolation,
               boolean withWitness) throws InterruptedException {
        this.isolation = isolation;
        EmbeddedKafka startedBroker = null;
        Map<String, Object> client;
        if (externalClientConfig != null) {
            client = externalClientConfig;
        } else {
            int port = ports ? KafkaOptions.EMBEDDED_PORT_SETTING.integer(env, 1, 65534) : 0;
            startedBroker = EmbeddedKafka.builder().dataDir(dataRoot.resolve("kafka")).port(port).start();
            client = new HashMap<>(startedBroker.clientConfig());
        }
        this.broker = startedBroker;
        this.clientConfig = client;
        this.topics = isolation == null ? Topics.fromEnv(env) : Topics.fromEnv(env).withSuffix(".demo-" + isolation);
        try (Admin admin = Admin.create(client)) {
            new TopicProvisioner(admin, Duration.ofSeconds(60)).ensure(topics, VerifierConfig.fromEnv(env).maxOutputBytes());
        }
        String bind = HttpService.bindAddress(env);
        VerifierConfig config = VerifierConfig.fromEnv(env).withTopics(topics);
        if (isolation != null) {
            config = config.withApplicationId("sheratan-demo-" + isolation);
        }
        if (!ports) {
            config = config.withHttpPort(0);
        }
        this.auditDir = dataRoot.resolve("audit");
        int auditPort = ports ? AuditSinkApp.PORT_SETTING.integer(env, 0, 65535) : 0;
        String auditGroup = isolation == null ? AuditSinkApp.GROUP_ID_SETTING.text(env) : "sheratan-demo-audit-" + isolation;
        this.logKey = AuditSinkApp.logKey(env, auditDir);
        Map<String, String> sinkEnv = env;
        if (withWitness) {
            witness = new WitnessApp(WitnessApp.key(env, dataRoot.resolve("witness")), List.of(logKey.verifier()),
                    dataRoot.resolve("witness/state"), bind, ports ? WitnessApp.PORT_SETTING.integer(env, 0, 65535) : 0).start();
            sinkEnv = new HashMap<>(env);
            String others = EnvParsers.get(env, AuditSinkApp.WITNESSES_SETTING.name());
            sinkEnv.put(AuditSinkApp.WITNESSES_SETTING.name(), (others == null ? "" : others + ",") + witness.endpoint("127.0.0.1"));
        } else {
            witness = null;
        }
        this.auditSink = new AuditSinkApp(client, topics, auditDir, auditPort, bind, auditGroup, logKey, LocalStack::sinkDied,
                sinkEnv, AuditSinkApp.LOCAL_MIN_FREE_BYTES).start();
        // the verifier asks this stack's own sink for proofs
        config = config.withAuditUrl("http://127.0.0.1:" + auditSink.httpPort());
        Map<String, Object> streams = new HashMap<>(VerifierConfig.streamsSettings(env));
        if (EnvParsers.get(env, VerifierConfig.STANDBY_REPLICAS_SETTING.name()) == null) {
            // one verifier instance: a standby has nowhere to live (Streams would warn that it cannot place one)
            streams.put("num.standby.replicas", 0);
        }
        streams.putAll(client);
        this.verifier = new VerifierApp(config, streams, dataRoot.resolve("streams"), "127.0.0.1", bind,
                KeyringWatcher.fromEnv(env, config.policy(), null)).start(false);
        String configured = EnvParsers.get(env, GatewayConfig.TOKEN);
        boolean keyringFile = EnvParsers.get(env, IntegrityPolicy.KEYRING_FILE) != null;
        this.tokenGenerated = configured == null && !keyringFile;
        this.token = configured != null || keyringFile ? configured : randomToken();
        // the token printed is the token enforced: never an open gateway from 'up'
        GatewayConfig gatewayConfig = GatewayConfig.fromEnv(env, true).withToken(token).enforcingToken().withTopics(topics);
        if (!ports) {
            gatewayConfig = gatewayConfig.withPort(0);
        }
        this.gateway = new Gateway(gatewayConfig, client, bind, KeyringWatcher.fromEnv(env, gatewayConfig.policy(), token)).start();
        verifier.awaitRunning(Duration.ofSeconds(60));
    }

    /** A dead audit sink must not leave a stack up that writes no audit log: stop the process, non-zero. */
    static void sinkDied(Throwable e) {
        System.err.println("sheratan: the audit sink stopped (" + e + "); exiting so that it can be restarted");
        new Thread(() -> System.exit(70), "audit-sink-exit").start();
    }

    private static String randomToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** The demo's own topics and its verifier's internal topics, from a cluster that is not ours. */
    private void deleteIsolatedTopics() {
        try (Admin admin = Admin.create(clientConfig)) {
            String appId = "sheratan-demo-" + isolation;
            List<String> names = new ArrayList<>(List.of(topics.submitted(), topics.verified(), topics.audit(), topics.checkpoints()));
            admin.listTopics().names().get(30, TimeUnit.SECONDS).stream().filter(n -> n.startsWith(appId + "-")).forEach(names::add);
            admin.deleteTopics(names).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("sheratan: could not delete the demo's topics (" + e.getMessage() + "); they end in .demo-" + isolation);
        }
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
        if (witness != null) {
            witness.close();
        }
        if (isolation != null && broker == null) {
            deleteIsolatedTopics();
        }
        if (broker != null) {
            broker.close();
        }
    }
}
