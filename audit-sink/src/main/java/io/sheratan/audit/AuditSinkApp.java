package io.sheratan.audit;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Wires the audit sink: a {@link ChainLog} in the data directory, the {@link AuditSink} on its own
 * thread, and HTTP on port 8790 ({@code /metrics}, {@code /health}).
 */
public final class AuditSinkApp implements AutoCloseable {

    public static final String PORT = "SHERATAN_AUDIT_PORT";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ChainLog log;
    private final AuditSink sink;
    private final Thread thread;
    private final HttpServer http;
    private volatile Throwable failure;

    public AuditSinkApp(Map<String, Object> clientConfig, String topic, Path dir, int port) {
        this.log = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES);
        this.sink = new AuditSink(clientConfig, topic, "sheratan-audit-sink", log, registry);
        this.thread = new Thread(() -> {
            try {
                sink.run();
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            } finally {
                sink.shutdown();
            }
        }, "audit-sink");
        try {
            this.http = HttpServer.create(new InetSocketAddress(port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve HTTP on port " + port + " (set " + PORT + ")", e);
        }
        http.createContext("/metrics", e -> respond(e, 200, registry.scrape()));
        http.createContext("/health", e -> {
            boolean up = thread.isAlive() && failure == null;
            respond(e, up ? 200 : 503, up ? "{\"status\":\"up\",\"lines\":" + log.lines() + "}"
                    : "{\"status\":\"down\",\"error\":\"" + (failure == null ? "stopped" : failure.getClass().getSimpleName()) + "\"}");
        });
    }

    public AuditSinkApp start() {
        thread.start();
        http.start();
        return this;
    }

    public int httpPort() {
        return http.getAddress().getPort();
    }

    public ChainLog log() {
        return log;
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() throws Exception {
        sink.close();
        thread.join(15_000);
        http.stop(0);
        log.close();
    }
}
