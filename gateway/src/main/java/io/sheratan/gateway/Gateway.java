package io.sheratan.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sheratan.avro.AuditEvent;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.envelope.Submission;
import io.sheratan.integrity.EventType;
import io.sheratan.integrity.IntegrityVerifier;
import io.sheratan.integrity.Marks;
import io.sheratan.integrity.Reason;
import io.sheratan.integrity.Verdict;
import io.sheratan.verifier.VerifierMetrics;
import io.sheratan.verifier.internals.OutputCodec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP gateway of DESIGN.md section 7 (port 8788), for the hub's existing clients:
 * {@code POST /mesh/results/submit} with {@code X-Sheratan-Token}. It checks the token in constant
 * time, verifies synchronously with the verifier's own {@link IntegrityVerifier} (400 / 422 at
 * once, with an audit event carrying {@code remote_addr}), and publishes an accepted envelope, as
 * submitted, to the submitted topic, answering only once Kafka has acknowledged. The verifier
 * checks it again downstream: the gateway is a fast first gate, not the authority.
 *
 * <p>B1: at most {@code maxInFlight} requests are verified or awaiting Kafka at once; beyond that,
 * 429 with {@code Retry-After}, before the body is read. A repeated identical submission gets the
 * first answer again without a second publish (a bounded memory of recent answers).
 */
public final class Gateway implements AutoCloseable {

    public static final String PATH = "/mesh/results/submit";
    public static final String TOKEN_HEADER = "X-Sheratan-Token";
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    private static final int REMEMBERED_ANSWERS = 100_000;

    private final GatewayConfig config;
    private final HttpServer server;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Semaphore inFlight;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final VerifierMetrics metrics = new VerifierMetrics(registry);
    private final OutputCodec auditCodec;
    private final ThreadLocal<EnvelopeReader> readers;
    private final Map<String, String> answers = java.util.Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED_ANSWERS;
        }
    });

    public Gateway(GatewayConfig config, Map<String, Object> clientConfig) {
        this.config = config;
        Map<String, Object> producerConfig = new HashMap<>(clientConfig);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        producerConfig.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 1);
        this.producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        this.inFlight = new Semaphore(config.maxInFlight());
        this.auditCodec = new OutputCodec(config.auditFormat());
        this.readers = ThreadLocal.withInitial(() -> new EnvelopeReader(config.policy().limits()));
        try {
            this.server = HttpServer.create(new InetSocketAddress(config.port()), 256);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve HTTP on port " + config.port() + " (set " + GatewayConfig.PORT + ")", e);
        }
        server.setExecutor(Executors.newFixedThreadPool(Math.max(8, Math.min(config.maxInFlight() * 2, 64)), r -> {
            Thread t = new Thread(r, "gateway-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext(PATH, this::submit);
        server.createContext("/metrics", e -> respond(e, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        server.createContext("/health", e -> respond(e, 200, "application/json", "{\"status\":\"up\"}"));
    }

    public Gateway start() {
        server.start();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void submit(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            json(exchange, 405, "{\"ok\":false,\"error\":\"method_not_allowed\"}");
            return;
        }
        if (!inFlight.tryAcquire()) {
            exchange.getResponseHeaders().set("Retry-After", String.valueOf(config.retryAfterSeconds()));
            json(exchange, 429, "{\"ok\":false,\"error\":\"saturated\",\"retry_after\":" + config.retryAfterSeconds() + "}");
            return;
        }
        try {
            handle(exchange);
        } finally {
            inFlight.release();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        if (!config.open() && !tokenMatches(exchange.getRequestHeaders().getFirst(TOKEN_HEADER))) {
            json(exchange, 401, "{\"ok\":false,\"error\":\"unauthorized\"}");
            return;
        }
        int limit = config.policy().limits().maxBytes();
        byte[] body = readAtMost(exchange.getRequestBody(), limit + 1);
        if (body.length > limit) {
            json(exchange, 413, "{\"ok\":false,\"error\":\"too_large\",\"limit\":" + limit + "}");
            return;
        }
        String remote = exchange.getRemoteAddress().getAddress().getHostAddress();
        Submission submission;
        try {
            submission = readers.get().readJson(body);
        } catch (MalformedEnvelopeException e) {
            metrics.rejected(Reason.MALFORMED);
            audit(EventType.RESULT_MALFORMED, Reason.MALFORMED, e.jobId(), null, null, e.detail(), remote, body);
            json(exchange, 400, "{\"ok\":false,\"error\":\"bad_request\",\"reason\":\"malformed\",\"detail\":" + quote(e.detail()) + "}");
            return;
        }
        Verdict verdict = IntegrityVerifier.verify(submission, config.policy());
        if (!verdict.accepted()) {
            metrics.rejected(verdict.reason());
            audit(EventType.RESULT_INTEGRITY_FAIL, verdict.reason(), submission.jobId(), verdict.mode(), verdict.keyId(), null, remote, body);
            int status = verdict.reason() == Reason.MISSING_INTEGRITY ? 400 : 422;
            json(exchange, status, "{\"ok\":false,\"error\":\"result_integrity_fail\",\"reason\":\"" + verdict.reason().code() + "\"}");
            return;
        }
        String answerKey = submission.jobId() + "\u0000" + submission.coreSha256();
        String earlier = answers.get(answerKey);
        if (earlier != null) {
            json(exchange, 200, earlier);
            return;
        }
        try {
            RecordMetadata meta = producer.send(new ProducerRecord<>(config.topics().submitted(),
                    submission.jobId().getBytes(StandardCharsets.UTF_8), body)).get(30, TimeUnit.SECONDS);
            metrics.verified(verdict.outcome() == Verdict.Outcome.ACCEPTED_UNMARKED);
            String answer = "{\"ok\":true,\"job_id\":" + quote(submission.jobId()) + ",\"sha256\":\"" + submission.coreSha256()
                    + "\",\"partition\":" + meta.partition() + ",\"offset\":" + meta.offset() + "}";
            answers.put(answerKey, answer);
            json(exchange, 200, answer);
        } catch (Exception e) {
            LOG.warn("publishing {} failed: {}", submission.jobId(), e.toString());
            exchange.getResponseHeaders().set("Retry-After", String.valueOf(config.retryAfterSeconds()));
            json(exchange, 503, "{\"ok\":false,\"error\":\"kafka_unavailable\"}");
        }
    }

    private boolean tokenMatches(String presented) {
        if (presented == null) {
            return false;
        }
        return MessageDigest.isEqual(Marks.sha256(config.token().getBytes(StandardCharsets.UTF_8)),
                Marks.sha256(presented.getBytes(StandardCharsets.UTF_8)));
    }

    private void audit(EventType type, Reason reason, String jobId, String mode, String keyId, String detail, String remote, byte[] body) {
        AuditEvent event = AuditEvent.newBuilder()
                .setEventId("gateway/" + UUID.randomUUID())
                .setEventType(type.name())
                .setReason(reason.code())
                .setDetail(detail)
                .setJobId(jobId)
                .setMode(mode)
                .setKeyId(keyId)
                .setRemoteAddr(remote)
                .setTs(Instant.now())
                .setReceivedSha256(Marks.sha256Hex(body))
                .build();
        String key = jobId != null ? jobId : event.getEventId();
        producer.send(new ProducerRecord<>(config.topics().audit(), key.getBytes(StandardCharsets.UTF_8), auditCodec.audit(event)),
                (meta, error) -> {
                    if (error != null) {
                        LOG.error("audit event {} not written: {}", event.getEventId(), error.toString());
                    }
                });
    }

    private static byte[] readAtMost(InputStream in, int max) throws IOException {
        try (in) {
            return in.readNBytes(max);
        }
    }

    private static String quote(String s) {
        return s == null ? "null" : new String(io.sheratan.canonical.JsonCanonicalizer.canonicalString(s), StandardCharsets.UTF_8);
    }

    private static void json(HttpExchange exchange, int status, String body) throws IOException {
        respond(exchange, status, "application/json", body);
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        producer.close(Duration.ofSeconds(10));
    }
}
