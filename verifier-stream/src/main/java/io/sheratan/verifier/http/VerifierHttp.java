package io.sheratan.verifier.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.verifier.VerifierConfig;
import io.sheratan.verifier.internals.OutputCodec;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * The verifier's HTTP face (DESIGN.md section 7, port 8789): {@code GET /results/{job_id}} answered
 * from the store of whichever instance owns the key (forwarded once, using the
 * {@code application.server} metadata), {@code /health/live}, {@code /health/ready} and {@code /metrics}.
 * The JDK's own HTTP server: no framework for four endpoints.
 */
public final class VerifierHttp implements AutoCloseable {

    static final String FORWARDED = "X-Sheratan-Forwarded";
    private static final Logger LOG = LoggerFactory.getLogger(VerifierHttp.class);

    private final HttpServer server;
    private final KafkaStreams streams;
    private final HostInfo self;
    private final PrometheusMeterRegistry registry;
    private final long retentionMs;
    private final AvroCodec<VerifiedResult> codec = AvroCodec.verifiedResults();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public VerifierHttp(int port, HostInfo self, KafkaStreams streams, PrometheusMeterRegistry registry, Duration retention)
            throws IOException {
        this.streams = streams;
        this.self = self;
        this.registry = registry;
        this.retentionMs = retention.toMillis();
        this.server = HttpServer.create(new InetSocketAddress(port), 64);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "verifier-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/results/", this::result);
        server.createContext("/health/live", e -> respond(e, isAlive() ? 200 : 503, isAlive() ? "live" : "not live: " + streams.state()));
        server.createContext("/health/ready", e -> respond(e, isReady() ? 200 : 503, "state " + streams.state()));
        server.createContext("/metrics", e -> respond(e, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private boolean isAlive() {
        KafkaStreams.State state = streams.state();
        return state != KafkaStreams.State.ERROR && state != KafkaStreams.State.NOT_RUNNING
                && state != KafkaStreams.State.PENDING_ERROR;
    }

    private boolean isReady() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    private void result(HttpExchange exchange) throws IOException {
        try {
            String raw = exchange.getRequestURI().getRawPath().substring("/results/".length());
            String jobId = URLDecoder.decode(raw, StandardCharsets.UTF_8);
            if (!"GET".equals(exchange.getRequestMethod()) || jobId.isEmpty()) {
                respond(exchange, 404, "{\"error\":\"not_found\"}");
                return;
            }
            if (!isReady()) {
                respond(exchange, 503, "{\"error\":\"unavailable\",\"state\":\"" + streams.state() + "\"}");
                return;
            }
            KeyQueryMetadata owner = streams.queryMetadataForKey(VerifierConfig.STORE, jobId, Serdes.String().serializer());
            if (owner == null || owner == KeyQueryMetadata.NOT_AVAILABLE) {
                respond(exchange, 503, "{\"error\":\"unavailable\",\"state\":\"rebalancing\"}");
                return;
            }
            if (owner.activeHost().equals(self)) {
                local(exchange, jobId);
            } else if (exchange.getRequestHeaders().containsKey(FORWARDED)) {
                respond(exchange, 503, "{\"error\":\"unavailable\",\"state\":\"ownership moving\"}");
            } else {
                forward(exchange, owner.activeHost(), raw);
            }
        } catch (InvalidStateStoreException e) {
            respond(exchange, 503, "{\"error\":\"unavailable\",\"state\":\"store not queryable\"}");
        } catch (RuntimeException e) {
            LOG.warn("GET {} failed: {}", exchange.getRequestURI().getPath(), e.toString());
            respond(exchange, 500, "{\"error\":\"internal\"}");
        }
    }

    private void local(HttpExchange exchange, String jobId) throws IOException {
        ReadOnlyKeyValueStore<String, byte[]> store = streams.store(
                StoreQueryParameters.fromNameAndType(VerifierConfig.STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
        byte[] bytes = store.get(jobId);
        if (bytes == null) {
            respond(exchange, 404, "{\"error\":\"not_found\"}");
            return;
        }
        try {
            VerifiedResult result = codec.decode(bytes);
            if (result.getVerifiedAt().toEpochMilli() + retentionMs <= System.currentTimeMillis()) {
                respond(exchange, 404, "{\"error\":\"not_found\",\"note\":\"expired\"}");
                return;
            }
            respond(exchange, 200, new String(OutputCodec.json(result), StandardCharsets.UTF_8));
        } catch (AvroCodec.AvroDecodeException e) {
            respond(exchange, 500, "{\"error\":\"unreadable store entry\"}");
        }
    }

    private void forward(HttpExchange exchange, HostInfo owner, String rawJobId) throws IOException {
        URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + "/results/" + rawJobId);
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                    .header(FORWARDED, "1").GET().build(), HttpResponse.BodyHandlers.ofString());
            respond(exchange, response.statusCode(), response.body());
        } catch (IOException e) {
            respond(exchange, 503, "{\"error\":\"unavailable\",\"state\":\"owner " + owner.host() + ":" + owner.port() + " unreachable\"}");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            respond(exchange, 503, "{\"error\":\"unavailable\"}");
        }
    }

    /** For callers building URLs. */
    public static String path(String jobId) {
        return "/results/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        respond(exchange, status, body.startsWith("{") ? "application/json" : "text/plain; charset=utf-8", body);
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
