package io.sheratan.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Readiness that means "can reach Kafka" (the gateway's and the audit sink's {@code /health}): a daemon
 * thread asks the cluster for its nodes every few seconds with a short timeout and remembers when that
 * last worked. {@link #reachable()} never blocks, so a health check answers at once even while the
 * cluster is gone; it turns false once no answer came for {@code 3 x interval}.
 */
public final class KafkaProbe implements AutoCloseable {

    private final Admin admin;
    private final Duration interval;
    private final ScheduledExecutorService timer;
    private volatile Instant lastReached;
    private volatile String lastError = "not probed yet";
    private final java.util.concurrent.CountDownLatch firstProbe = new java.util.concurrent.CountDownLatch(1);

    private KafkaProbe(Map<String, Object> clientConfig, Duration interval) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "sheratan-kafka-probe");
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) interval.toMillis());
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) interval.toMillis());
        this.admin = Admin.create(config);
        this.interval = interval;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kafka-probe");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts probing at once, then every {@code interval}. */
    public static KafkaProbe start(Map<String, Object> clientConfig, Duration interval) {
        KafkaProbe probe = new KafkaProbe(clientConfig, interval);
        probe.timer.scheduleWithFixedDelay(probe::probe, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return probe;
    }

    private void probe() {
        try {
            int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) interval.toMillis()))
                    .nodes().get(interval.toMillis(), TimeUnit.MILLISECONDS).size();
            if (nodes > 0) {
                lastReached = Instant.now();
            } else {
                lastError = "the cluster named no nodes";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            lastError = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } finally {
            firstProbe.countDown();
        }
    }

    /** Waits for the first probe's answer (at most {@code timeout}), so that a service reports ready as soon as it starts. */
    public KafkaProbe awaitFirst(Duration timeout) {
        try {
            firstProbe.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return this;
    }

    public boolean reachable() {
        Instant seen = lastReached;
        return seen != null && Duration.between(seen, Instant.now()).compareTo(interval.multipliedBy(3)) < 0;
    }

    /** A JSON object for {@code /health}: {@code {"reachable":true,"last_reached":"..."}} or the last error. */
    public String json() {
        Instant seen = lastReached;
        StringBuilder out = new StringBuilder("{\"reachable\":").append(reachable());
        out.append(",\"last_reached\":").append(seen == null ? "null" : "\"" + seen + "\"");
        if (!reachable()) {
            out.append(",\"error\":\"").append(lastError.replaceAll("[^\\x20-\\x7E]", "?").replace("\\", "\\\\").replace("\"", "'")).append('"');
        }
        return out.append('}').toString();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}
