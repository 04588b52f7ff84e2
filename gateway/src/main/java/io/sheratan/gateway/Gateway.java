package io.sheratan.gateway;

import io.sheratan.kafka.Producers;

import io.micrometer.core.instrument.Timer;
import io.sheratan.metrics.JvmMetrics;
import io.sheratan.avro.codec.AuditEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.sheratan.kafka.KafkaProbe;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sheratan.avro.AuditEvent;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.http.HttpService;
import io.sheratan.integrity.Keyring;
import io.sheratan.keys.KeyringWatcher;
import io.sheratan.keys.ServiceEvents;
import io.sheratan.http.HttpService.Reply;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.envelope.Submission;
import io.sheratan.avro.codec.AuditEventType;
import io.sheratan.integrity.IntegrityVerifier;
import io.sheratan.integrity.Marks;
import io.sheratan.integrity.Reason;
import io.sheratan.integrity.Verdict;
import io.sheratan.metrics.ResultMetrics;
import io.sheratan.avro.codec.OutputCodec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import io.sheratan.canonical.JsonCanonicalizer;
import java.util.Collections;

/**
 * The HTTP gateway of DESIGN.md section 7 (port 8788), for the hub's existing clients:
 * {@code POST /mesh/results/submit} with {@code X-Sheratan-Token}. It checks the token in constant
 * time, verifies synchronously with the verifier's own {@link IntegrityVerifier} (400 / 422 at
 * once, with an audit event carrying {@code remote_addr}), and publishes an accepted envelope, as
 * submitted, to the submitted topic, answering only once Kafka has acknowledged. The verifier
 * checks it again downstream: the gateway is a fast first gate, not the authority.
 *
 * <p>B1: at most {@code maxInFlight} requests are verified or awaiting Kafka at once; beyond that,
 * 429 with {@code Retry-After}, before the body is read. The server has more threads than that
 * bound, so a shed request is answered at once instead of queueing, and {@code /health} still
 * answers under full load; idle and slow clients are bounded by {@link HttpService}. A repeated identical submission gets the
 * first answer again without a second publish (a bounded memory of recent answers).
 */
public final class Gateway implements AutoCloseable {

    public static final String PATH = "/mesh/results/submit";
    /** The hub's other result path (DESIGN 7): the same contract as {@link #PATH}. */
    public static final String SYNC_PATH = "/mesh/sync_result";
    public static final String TOKEN_HEADER = "X-Sheratan-Token";
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    /** Bounded so that unique submissions cannot grow the heap: at most ~1.5 KB each, ~15 MB in all. */
    private static final int REMEMBERED_ANSWERS = 10_000;

    private final GatewayConfig config;
    private final HttpService.Settings httpSettings;
    private final KeyringWatcher keyrings;
    private HttpService server;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Semaphore inFlight;
    private final KafkaClientMetrics producerMetrics;
    private final KafkaProbe kafka;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ResultMetrics metrics = new ResultMetrics(registry);
    private final JvmMetrics jvmMetrics = new JvmMetrics().bindTo(registry);
    private final Counter shed = Counter.builder("sheratan_gateway_shed_total")
            .description("submissions answered 429 because maxInFlight were in flight").register(registry);
    private final OutputCodec auditCodec;
    private final ThreadLocal<EnvelopeReader> readers;
    private final Map<String, String> answers = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED_ANSWERS;
        }
    });

    public Gateway(GatewayConfig config, Map<String, Object> clientConfig) {
        this(config, clientConfig, HttpService.DEFAULT_BIND_ADDRESS);
    }

    /** @param bindAddress where the HTTP server listens ({@code SHERATAN_BIND_ADDRESS}) */
    public Gateway(GatewayConfig config, Map<String, Object> clientConfig, String bindAddress) {
        this(config, clientConfig, bindAddress, KeyringWatcher.fixed(Keyring.legacy(
                config.policy().hmacKey(), config.policy().keyId(), config.token())));
    }

    /**
     * @param keyrings keys and tokens in force (DESIGN 3c): a token is accepted when it hashes to one
     *                 valid now; rotating the file rotates the tokens, no restart
     */
    public Gateway(GatewayConfig config, Map<String, Object> clientConfig, String bindAddress, KeyringWatcher keyrings) {
        io.sheratan.ed25519.Ed25519.requireConfiguredBackend(); // a wrong -Dsheratan.ed25519 fails here, before anything starts
        this.keyrings = keyrings;
        this.config = config;
        this.producer = Producers.create(clientConfig, Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000, ProducerConfig.LINGER_MS_CONFIG, 1),
                new ByteArraySerializer(), new ByteArraySerializer());
        // the producer's own metrics (buffer, batch, record errors, request latency): B1 saturation is visible
        this.producerMetrics = new KafkaClientMetrics(producer);
        producerMetrics.bindTo(registry);
        this.kafka = KafkaProbe.start(clientConfig, Duration.ofSeconds(5));
        io.sheratan.metrics.KafkaReachable.bind(kafka, registry);
        this.inFlight = new Semaphore(config.maxInFlight());
        this.auditCodec = new OutputCodec(config.auditFormat());
        this.readers = ThreadLocal.withInitial(() -> new EnvelopeReader(config.policy().limits()));
        // threads beyond the in-flight bound: 429s, /health and /metrics never wait behind submissions
        keyrings.bindTo(registry);
        if (keyrings.fromFile()) {
            keyrings.listen(k -> publishAudit(ServiceEvents.keyringApplied("gateway@" + bindAddress + ":" + config.port(), k, Instant.now())));
        }
        int threads = Math.min(config.maxInFlight(), 256) + 16;
        this.httpSettings = HttpService.Settings.of("gateway", bindAddress, config.port()).withMaxThreads(threads);
    }

    public Gateway start() {
        kafka.awaitFirst(Duration.ofSeconds(6));
        server = HttpService.builder(httpSettings)
                .route(PATH, this::submit)
                .route(SYNC_PATH, this::submit) // DESIGN 7: the hub's other result path, the same contract
                .route("/metrics", e -> Reply.text(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()))
                // live: the process serves (a Kafka outage is no reason to restart it); ready (DESIGN 7): it can
                // also reach Kafka, since a submission answered 200 needs the broker's ack
                .route("/health/live", e -> Reply.json(200, "{\"status\":\"up\"}"))
                .route("/health/ready", e -> ready())
                .route("/health", e -> ready())
                .start();
        return this;
    }

    private Reply ready() {
        boolean reachable = kafka.reachable();
        return Reply.json(reachable ? 200 : 503, "{\"status\":\"" + (reachable ? "up" : "kafka_unreachable")
                + "\",\"kafka\":" + kafka.json() + ",\"keyring\":\"" + keyrings.get().digest()
                + "\",\"ed25519\":\"" + io.sheratan.ed25519.Ed25519.backend().name().toLowerCase(java.util.Locale.ROOT) + "\"}");
    }

    public int port() {
        return server.port();
    }

    /** Every submission, timed, by status: 200, 400, 401, 413, 422, 429, 503 ({@code sheratan_gateway_requests_seconds}). */
    private Reply submit(HttpService.Exchange exchange) throws IOException {
        long start = System.nanoTime();
        Reply reply = submitUntimed(exchange);
        // a histogram, so that dashboards take the p99 with histogram_quantile; its _count by status counts the 401s, 413s, 429s
        Timer.builder("sheratan_gateway_requests").description("submissions by HTTP status").tag("status", String.valueOf(reply.status()))
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        return reply;
    }

    private Reply submitUntimed(HttpService.Exchange exchange) throws IOException {
        if (!"POST".equals(exchange.method())) {
            return Reply.json(405, "{\"ok\":false,\"error\":\"method_not_allowed\"}");
        }
        if (!inFlight.tryAcquire()) {
            shed.increment();
            return Reply.json(429, "{\"ok\":false,\"error\":\"saturated\",\"retry_after\":" + config.retryAfterSeconds() + "}")
                    .withHeader("Retry-After", String.valueOf(config.retryAfterSeconds()));
        }
        try {
            return handle(exchange);
        } finally {
            inFlight.release();
        }
    }

    private Reply handle(HttpService.Exchange exchange) throws IOException {
        long now = System.currentTimeMillis();
        Keyring keyring = keyrings.get();
        Optional<Keyring.Token> token = keyring.token(exchange.header(TOKEN_HEADER), now);
        if (!config.open() && token.isEmpty()) {
            return Reply.json(401, "{\"ok\":false,\"error\":\"unauthorized\"}");
        }
        String tokenId = token.map(Keyring.Token::tokenId).orElse(null);
        int limit = config.policy().limits().maxBytes();
        if (exchange.declaredLength() > limit) {
            return Reply.json(413, "{\"ok\":false,\"error\":\"too_large\",\"limit\":" + limit + "}");
        }
        byte[] body = exchange.readBody(limit);
        if (body.length > limit) {
            return Reply.json(413, "{\"ok\":false,\"error\":\"too_large\",\"limit\":" + limit + "}");
        }
        String remote = exchange.remoteAddress();
        Submission submission;
        try {
            submission = readers.get().readJson(body);
        } catch (MalformedEnvelopeException e) {
            metrics.rejected(Reason.MALFORMED);
            publishAudit(event(AuditEventType.RESULT_MALFORMED, Reason.MALFORMED, remote, body)
                    .setJobId(e.jobId()).setDetail(withToken(e.detail(), tokenId)).build());
            return Reply.json(400, "{\"ok\":false,\"error\":\"bad_request\",\"reason\":\"malformed\",\"detail\":" + quote(e.detail()) + "}");
        }
        // the gateway's clock at receipt is the record time t (DESIGN 3b.6)
        Verdict verdict = IntegrityVerifier.verify(submission, config.policy(), keyring, now);
        if (!verdict.accepted()) {
            metrics.rejected(verdict.reason());
            publishAudit(event(AuditEventType.RESULT_INTEGRITY_FAIL, verdict.reason(), remote, body).setJobId(submission.jobId())
                    .setMode(verdict.mode()).setKeyId(verdict.keyId()).setDetail(withToken(null, tokenId)).build());
            int status = verdict.reason() == Reason.MISSING_INTEGRITY ? 400 : 422;
            return Reply.json(status, "{\"ok\":false,\"error\":\"result_integrity_fail\",\"reason\":\"" + verdict.reason().code() + "\"}");
        }
        String answerKey = submission.jobId() + "\u0000" + submission.coreSha256();
        String earlier = answers.get(answerKey);
        if (earlier != null) {
            return Reply.json(200, earlier);
        }
        try {
            RecordMetadata meta = producer.send(new ProducerRecord<>(config.topics().submitted(),
                    submission.jobId().getBytes(StandardCharsets.UTF_8), body)).get(30, TimeUnit.SECONDS);
            metrics.verified(verdict.outcome() == Verdict.Outcome.ACCEPTED_UNMARKED);
            String answer = "{\"ok\":true,\"job_id\":" + quote(submission.jobId()) + ",\"sha256\":\"" + submission.coreSha256()
                    + "\",\"partition\":" + meta.partition() + ",\"offset\":" + meta.offset() + "}";
            answers.put(answerKey, answer);
            return Reply.json(200, answer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Reply.json(503, "{\"ok\":false,\"error\":\"kafka_unavailable\"}")
                    .withHeader("Retry-After", String.valueOf(config.retryAfterSeconds()));
        } catch (Exception e) {
            LOG.warn("publishing {} failed: {}", submission.jobId(), e.toString());
            return Reply.json(503, "{\"ok\":false,\"error\":\"kafka_unavailable\"}")
                    .withHeader("Retry-After", String.valueOf(config.retryAfterSeconds()));
        }
    }


    /** Gateway events name the token that was used by its id, never the token (DESIGN 3c). */
    private static String withToken(String detail, String tokenId) {
        if (tokenId == null) {
            return detail;
        }
        return (detail == null ? "" : detail + "; ") + "token_id=" + tokenId;
    }

    /** An audit event of the gateway's: its own id and clock, the caller's address, the SHA-256 of the body; the rest by name. */
    private static AuditEvent.Builder event(AuditEventType type, Reason reason, String remote, byte[] body) {
        return AuditEvents.event(type, reason.code(), "gateway/" + UUID.randomUUID(), Instant.now(), body).setRemoteAddr(remote);
    }

    private void publishAudit(AuditEvent event) {
        String key = event.getJobId() != null ? event.getJobId() : event.getEventId();
        producer.send(new ProducerRecord<>(config.topics().audit(), key.getBytes(StandardCharsets.UTF_8), auditCodec.audit(event)),
                (meta, error) -> {
                    if (error != null) {
                        LOG.error("audit event {} not written: {}", event.getEventId(), error.toString());
                    }
                });
    }

    private static String quote(String s) {
        return s == null ? "null" : new String(JsonCanonicalizer.canonicalString(s), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        keyrings.close();
        jvmMetrics.close();
        kafka.close();
        producerMetrics.close();
        if (server != null) {
            server.close();
        }
        producer.close(Duration.ofSeconds(10));
    }
}
