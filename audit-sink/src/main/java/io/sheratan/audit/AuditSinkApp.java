package io.sheratan.audit;

import io.sheratan.kafka.Producers;

import io.sheratan.kafka.KafkaProbe;
import io.sheratan.metrics.JvmMetrics;
import io.sheratan.config.Setting;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sheratan.http.HttpService;
import io.sheratan.http.HttpService.Reply;
import io.micrometer.core.instrument.Gauge;
import io.sheratan.config.EnvParsers;
import io.sheratan.kafka.Topics;
import io.sheratan.tlog.NoteException;
import io.sheratan.tlog.NoteKeys;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Wires the audit sink: a {@link ChainLog} in the data directory (checked to belong to this cluster
 * and audit topic, see {@link LogIdentity}) with its {@link TransparencyLog}, the {@link AuditSink} on
 * its own thread, a producer for the checkpoints topic, and HTTP on port 8790 ({@code /metrics},
 * {@code /health}, and the {@link AuditHttp} routes: checkpoint and proofs). A sink thread that dies
 * is reported to {@code onFailure}: the command ends the process non-zero, so that an orchestrator
 * restarts it instead of leaving a process up that writes nothing.
 */
public final class AuditSinkApp implements AutoCloseable {

    public static final Setting PORT_SETTING = Setting.of("SHERATAN_AUDIT_PORT", "8790", "the audit sink's HTTP port");
    public static final String PORT = PORT_SETTING.name();
    public static final Setting LOG_KEY_FILE_SETTING = Setting.optional("SHERATAN_AUDIT_LOG_KEY_FILE", "`<audit dir>/log-key.pem`",
            "the audit log's Ed25519 checkpoint key (PKCS#8 PEM); generated there (0600) when missing. Keep it out of copies of the log");
    public static final Setting ORIGIN_SETTING = Setting.of("SHERATAN_AUDIT_ORIGIN", "sheratan.local/audit",
            "the audit log's origin: the first line of its checkpoints, the name in its verifier key");
    public static final Setting GROUP_ID_SETTING = Setting.of("SHERATAN_AUDIT_GROUP_ID", "sheratan-audit-sink",
            "the audit sink's consumer group: one per log (a second sink in it is refused; a new group starts a new, complete log)");
    public static final String DEFAULT_GROUP_ID = GROUP_ID_SETTING.defaultValue();
    public static final Setting MIN_FREE_SETTING = DiskGuard.MIN_FREE_SETTING;
    public static final Setting WITNESSES_SETTING = Setting.optional("SHERATAN_AUDIT_WITNESSES", null,
            "witnesses that cosign each checkpoint: `<witness verifier key>@<url>`, comma separated (DESIGN section 9); "
                    + "a witness that is down costs its cosignature, never the checkpoint");
    /** What {@code sheratan up} keeps free on a developer's disk unless SHERATAN_AUDIT_MIN_FREE_BYTES says otherwise. */
    public static final long LOCAL_MIN_FREE_BYTES = 64L * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(AuditSinkApp.class);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmMetrics jvmMetrics = new JvmMetrics().bindTo(registry);
    private final LogLease lease;
    private final DiskGuard disk;
    private final ChainLog log;
    private final TransparencyLog tree;
    private final KafkaProducer<String, String> checkpoints;
    private final AuditSink sink;
    private final Thread thread;
    private final HttpService.Settings httpSettings;
    private final Path tlogDir;
    private final Map<String, Object> clientConfig;
    private KafkaProbe kafka;
    private HttpService http;
    private volatile Throwable failure;
    private volatile boolean closing;

    /** For tests: the default group, loopback, and a log key generated in the log directory. */
    public AuditSinkApp(Map<String, Object> clientConfig, Topics topics, Path dir, int port) {
        this(clientConfig, topics, dir, port, HttpService.DEFAULT_BIND_ADDRESS, DEFAULT_GROUP_ID,
                logKey(Map.of(), dir), e -> { }, Map.of(), LOCAL_MIN_FREE_BYTES);
    }

    /**
     * @param groupId   the consumer group; one per log (a second log under the same group would miss events)
     * @param logKey    signs the checkpoints (see {@link #logKey})
     * @param onFailure called once, from the sink thread, if it dies
     * @param env       the settings read here (SHERATAN_AUDIT_MIN_FREE_BYTES)
     * @param localMinFree the free-space default of a local stack, or null for the service's
     */
    public AuditSinkApp(Map<String, Object> clientConfig, Topics topics, Path dir, int port, String bindAddress,
                        String groupId, NoteKeys.Signer logKey, Consumer<Throwable> onFailure, Map<String, String> env, Long localMinFree) {
        this(clientConfig, topics, dir, port, bindAddress, groupId, logKey, onFailure, diskGuard(env, dir, localMinFree),
                EnvParsers.get(env, WITNESSES_SETTING.name()));
    }

    private static DiskGuard diskGuard(Map<String, String> env, Path dir, Long localMinFree) {
        try {
            return DiskGuard.of(env, dir, localMinFree);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the audit log in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** With a disk guard of the caller's (tests: a budget instead of a small file system). */
    AuditSinkApp(Map<String, Object> clientConfig, Topics topics, Path dir, int port, String bindAddress,
                 String groupId, NoteKeys.Signer logKey, Consumer<Throwable> onFailure, DiskGuard disk) {
        this(clientConfig, topics, dir, port, bindAddress, groupId, logKey, onFailure, disk, null);
    }

    /** @param witnesses the SHERATAN_AUDIT_WITNESSES value, or null for none */
    private AuditSinkApp(Map<String, Object> clientConfig, Topics topics, Path dir, int port, String bindAddress,
                         String groupId, NoteKeys.Signer logKey, Consumer<Throwable> onFailure, DiskGuard disk, String witnesses) {
        io.sheratan.ed25519.Ed25519.requireConfiguredBackend(); // a wrong -Dsheratan.ed25519 fails here, before anything opens
        Witnesses cosigners = new Witnesses(Witnesses.parse(witnesses, registry), Clock.systemUTC()); // a bad setting: refused before anything opens
        this.clientConfig = clientConfig;
        this.disk = disk;
        try {
            this.lease = LogLease.acquire(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the audit log in " + dir + ": " + e.getMessage(), e);
        }
        ChainLog opening;
        try {
            opening = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES);
        } catch (RuntimeException e) {
            closeQuietly(lease);
            throw e;
        }
        this.log = opening;
        List<String> readTopics = List.of(topics.audit(), topics.verified());
        KafkaProducer<String, String> producer = null;
        TransparencyLog opened = null;
        try (Admin admin = Admin.create(clientConfig)) {
            LogIdentity.of(admin, readTopics, Duration.ofSeconds(60)).checkAgainst(dir, log.lines() > 0);
            lease.checkGroup(admin, groupId, readTopics, Duration.ofSeconds(60));
            producer = Producers.create(clientConfig, Map.of(), new StringSerializer(), new StringSerializer());
            KafkaProducer<String, String> publishing = producer;
            String checkpointTopic = topics.checkpoints();
            opened = TransparencyLog.open(dir, log, logKey, topics.verified(),
                    note -> publish(publishing, checkpointTopic, logKey.name(), note), Clock.systemUTC(), cosigners);
        } catch (IOException e) {
            closeQuietly(producer);
            throw new UncheckedIOException("cannot open the audit log in " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(producer);
            throw e;
        }
        this.checkpoints = producer;
        this.tree = opened;
        Gauge.builder("sheratan_audit_tree_size", tree, TransparencyLog::size)
                .description("entries in the audit log's Merkle tree").register(registry);
        Gauge.builder("sheratan_audit_checkpoint_age_seconds", tree, t -> {
                    TransparencyLog.Signed signed = t.latest();
                    return signed == null ? Double.NaN : Duration.between(signed.at(), Instant.now()).toMillis() / 1000.0;
                })
                .description("seconds since the newest signed checkpoint").register(registry);
        Gauge.builder("sheratan_audit_sink_last_poll_seconds", this, app -> app.sink == null ? Double.NaN : app.sink.lastPollMillis() / 1000.0)
                .description("when the sink thread last returned from a poll (epoch seconds): it polls every 0.5 s, also paused or idle; "
                        + "an old value is a hung sink").register(registry);
        Gauge.builder("sheratan_audit_disk_free_bytes", disk, DiskGuard::freeBytes)
                .description("free bytes on the audit log's disk, as last checked").register(registry);
        Gauge.builder("sheratan_audit_disk_low", disk, d -> d.lowReason() == null ? 0 : 1)
                .description("1 while the audit sink is paused because its disk is low (SHERATAN_AUDIT_MIN_FREE_BYTES)").register(registry);
        this.sink = new AuditSink(clientConfig, topics, groupId, log, tree, registry, lease, disk);
        sink.checkIdentityBeforeSkipping(assigned -> {
            LogIdentity identity;
            try (Admin admin = Admin.create(clientConfig)) {
                identity = LogIdentity.of(admin, readTopics, Duration.ofSeconds(10));
            }
            for (String topic : assigned) {
                if (identity.topicIds().get(topic) == null) { // assigned, so it exists: this broker has not heard of it yet
                    throw new IllegalStateException("the cluster does not describe topic " + topic + " yet");
                }
            }
            try {
                identity.checkAgainst(dir, true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read or write " + dir.resolve(LogIdentity.FILE), e);
            }
        });
        this.thread = new Thread(() -> {
            try {
                sink.run();
            } catch (RuntimeException | Error e) {
                failure = e;
                LOG.error("the audit sink stopped: {}", e.toString());
                if (!closing) {
                    onFailure.accept(e);
                }
                throw e;
            } finally {
                sink.shutdown();
            }
        }, "audit-sink");
        this.httpSettings = HttpService.Settings.of("audit-sink", bindAddress, port);
        this.tlogDir = dir.resolve("tlog");
    }

    /**
     * The log key: {@code SHERATAN_AUDIT_LOG_KEY_FILE}, else {@code log-key.pem} in the audit directory
     * (generated, 0600, when missing), named by {@code SHERATAN_AUDIT_ORIGIN}.
     */
    public static NoteKeys.Signer logKey(Map<String, String> env, Path auditDir) {
        String configured = EnvParsers.get(env, LOG_KEY_FILE_SETTING.name());
        Path file = configured != null ? Path.of(configured) : auditDir.resolve("log-key.pem");
        String origin = ORIGIN_SETTING.text(env);
        try {
            if (configured != null && !Files.exists(file)) {
                throw new IllegalArgumentException(LOG_KEY_FILE_SETTING.name() + "=" + configured + ": no such file (unset it to have one generated)");
            }
            return NoteKeys.loadOrGenerate(file, origin);
        } catch (NoteException e) {
            throw new IllegalArgumentException(ORIGIN_SETTING.name() + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(LOG_KEY_FILE_SETTING.name() + " (" + file + ") is not an Ed25519 PKCS#8 PEM private key: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the audit log key " + file, e);
        }
    }

    private static void publish(KafkaProducer<String, String> producer, String topic, String origin, String note) {
        producer.send(new ProducerRecord<>(topic, origin, note), (metadata, e) -> {
            if (e != null) {
                LOG.warn("could not publish a checkpoint on {} ({}); the next one supersedes it, and {} has it", topic, e.getClass().getSimpleName(),
                        "audit/tlog/checkpoint");
            }
        });
    }

    public AuditSinkApp start() {
        kafka = KafkaProbe.start(clientConfig, Duration.ofSeconds(5)).awaitFirst(Duration.ofSeconds(6));
        io.sheratan.metrics.KafkaReachable.bind(kafka, registry);
        http = HttpService.builder(httpSettings)
                .route("/metrics", e -> Reply.text(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()))
                .route("/audit/", new AuditHttp(tree, tlogDir))
                // live: the process serves and its sink thread runs; ready (DESIGN 7): also Kafka answers,
                // this instance holds the log (a sink that lost it has stopped: not live), the disk has room
                .route("/health/live", e -> {
                    boolean alive = thread.isAlive() && failure == null;
                    return Reply.json(alive ? 200 : 503, "{\"status\":\"" + (alive ? "up" : "down") + "\""
                            + (alive ? "" : ",\"error\":\"" + (failure == null ? "stopped" : failure.getClass().getSimpleName()) + "\"") + "}");
                })
                .route("/health", e -> ready())
                .route("/health/ready", e -> ready())
                .start();
        thread.start();
        return this;
    }

    private Reply ready() {
        boolean alive = thread.isAlive() && failure == null;
        boolean reachable = kafka.reachable();
        String low = sink.paused();
        String status = !alive ? "down" : !reachable ? "kafka_unreachable" : low != null ? "disk_low" : "up";
        return Reply.json("up".equals(status) ? 200 : 503, "{\"status\":\"" + status + "\",\"lines\":" + log.lines()
                + ",\"kafka\":" + kafka.json()
                + (low == null ? "" : ",\"reason\":\"" + low.replace("\"", "'") + "\"")
                + ",\"log_id\":\"" + lease.logId() + "\""
                + (alive ? "" : ",\"error\":\"" + (failure == null ? "stopped" : failure.getClass().getSimpleName()) + "\"") + "}");
    }

    public int httpPort() {
        return http.port();
    }

    public ChainLog log() {
        return log;
    }

    public TransparencyLog tree() {
        return tree;
    }

    private void closeQuietly(KafkaProducer<String, String> producer) {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        try {
            log.close();
        } catch (IOException ignored) {
            // already failing
        }
        closeQuietly(lease);
    }

    private static void closeQuietly(LogLease lease) {
        try {
            lease.close();
        } catch (IOException ignored) {
            // already failing
        }
    }

    @Override
    public void close() throws Exception {
        closing = true;
        sink.close();
        thread.join(15_000);
        if (http != null) {
            http.close();
        }
        checkpoints.close(Duration.ofSeconds(10));
        if (kafka != null) {
            kafka.close();
        }
        tree.close();
        log.close();
        jvmMetrics.close();
        lease.close();
    }
}
