package io.sheratan.audit;

import io.sheratan.metrics.JvmMetrics;
import io.sheratan.config.Setting;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sheratan.http.HttpService;
import io.sheratan.http.HttpService.Reply;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Wires the audit sink: a {@link ChainLog} in the data directory (checked to belong to this cluster
 * and audit topic, see {@link LogIdentity}), the {@link AuditSink} on its own thread, and HTTP on
 * port 8790 ({@code /metrics}, {@code /health}). A sink thread that dies is reported to
 * {@code onFailure}: the command ends the process non-zero, so that an orchestrator restarts it
 * instead of leaving a process up that writes nothing.
 */
public final class AuditSinkApp implements AutoCloseable {

    public static final Setting PORT_SETTING = Setting.of("SHERATAN_AUDIT_PORT", "8790", "the audit sink's HTTP port");
    public static final String PORT = PORT_SETTING.name();
    public static final String DEFAULT_GROUP_ID = "sheratan-audit-sink";
    private static final Logger LOG = LoggerFactory.getLogger(AuditSinkApp.class);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmMetrics jvmMetrics = new JvmMetrics().bindTo(registry);
    private final ChainLog log;
    private final AuditSink sink;
    private final Thread thread;
    private final HttpService.Settings httpSettings;
    private HttpService http;
    private volatile Throwable failure;
    private volatile boolean closing;

    public AuditSinkApp(Map<String, Object> clientConfig, String topic, Path dir, int port) {
        this(clientConfig, topic, dir, port, HttpService.DEFAULT_BIND_ADDRESS, DEFAULT_GROUP_ID, e -> { });
    }

    /**
     * @param groupId   the consumer group; one per log (a second log under the same group would miss events)
     * @param onFailure called once, from the sink thread, if it dies
     */
    public AuditSinkApp(Map<String, Object> clientConfig, String topic, Path dir, int port, String bindAddress,
                        String groupId, Consumer<Throwable> onFailure) {
        this.log = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES);
        try (Admin admin = Admin.create(clientConfig)) {
            LogIdentity.of(admin, topic, Duration.ofSeconds(60)).checkAgainst(dir, log.lines() > 0);
        } catch (IOException e) {
            closeQuietly();
            throw new UncheckedIOException("cannot read or record the audit log's identity in " + dir, e);
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
        this.sink = new AuditSink(clientConfig, topic, groupId, log, registry);
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
    }

    public AuditSinkApp start() {
        http = HttpService.builder(httpSettings)
                .route("/metrics", e -> Reply.text(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()))
                .route("/health", e -> {
                    boolean up = thread.isAlive() && failure == null;
                    return Reply.json(up ? 200 : 503, up ? "{\"status\":\"up\",\"lines\":" + log.lines() + "}"
                            : "{\"status\":\"down\",\"error\":\"" + (failure == null ? "stopped" : failure.getClass().getSimpleName()) + "\"}");
                })
                .start();
        thread.start();
        return this;
    }

    public int httpPort() {
        return http.port();
    }

    public ChainLog log() {
        return log;
    }

    private void closeQuietly() {
        try {
            log.close();
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
        log.close();
        jvmMetrics.close();
    }
}
