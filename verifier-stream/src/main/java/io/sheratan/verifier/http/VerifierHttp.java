package io.sheratan.verifier.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.tlog.InclusionProof;
import io.sheratan.tlog.NoteException;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.http.HttpService;
import io.sheratan.keys.KeyringWatcher;
import io.sheratan.http.HttpService.Reply;
import io.sheratan.verifier.VerifierConfig;
import io.sheratan.verifier.VerifierTopology;
import io.sheratan.verifier.internals.PoisonGuard;
import io.sheratan.verifier.internals.VerifiedTable;
import io.sheratan.avro.codec.OutputCodec;
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
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The verifier's HTTP face (DESIGN.md section 7, port 8789): {@code GET /results/{job_id}} answered
 * from the store of whichever instance owns the key (forwarded once, using the
 * {@code application.server} metadata), {@code GET /results/{job_id}/proof} (the result with the
 * inclusion proof of its {@code RESULT_VERIFIED} entry, fetched from the audit sink and checked to
 * name the same job and core hash), {@code /health/live}, {@code /health/ready} and {@code /metrics}.
 * Served by {@link HttpService}, so idle or slow clients cannot keep it from answering.
 *
 * <p>Liveness is more than "the process is up": it turns false while a stream thread keeps dying on
 * the same offset ({@link PoisonGuard#looping()}), so an orchestrator sees a verifier that is not
 * making progress even though its HTTP port answers.
 */
public final class VerifierHttp implements AutoCloseable {

    static final String FORWARDED = "X-Sheratan-Forwarded";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(VerifierHttp.class);

    private final HttpService server;
    private final KafkaStreams streams;
    private final HostInfo self;
    private final PoisonGuard guard;
    private final VerifierConfig config;
    private final AvroCodec<VerifiedResult> codec = AvroCodec.verifiedResults();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public VerifierHttp(HttpService.Settings settings, HostInfo self, KafkaStreams streams, PrometheusMeterRegistry registry,
                        VerifierConfig config, PoisonGuard guard, KeyringWatcher keyrings) {
        this.streams = streams;
        this.self = self;
        this.guard = guard;
        this.config = config;
        this.server = HttpService.builder(settings)
                .route("/results/", this::result)
                .route("/health/live", e -> isAlive() ? Reply.text(200, TEXT, "live")
                        : Reply.text(503, TEXT, "not live: " + (guard.looping() ? "a record keeps stopping the stream thread" : streams.state())))
                .route("/health/ready", e -> Reply.text(isReady() ? 200 : 503, TEXT, "state " + streams.state()))
                .route("/health", e -> Reply.json(isAlive() ? 200 : 503, "{\"status\":\"" + (isAlive() ? "up" : "down")
                        + "\",\"state\":\"" + streams.state() + "\",\"keyring\":\"" + keyrings.get().digest()
                        + "\",\"ed25519\":\"" + io.sheratan.ed25519.Ed25519.backend().name().toLowerCase(java.util.Locale.ROOT) + "\"}"))
                .route("/metrics", e -> Reply.text(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()))
                .start();
    }

    private static final String TEXT = "text/plain; charset=utf-8";

    public int port() {
        return server.port();
    }

    private boolean isAlive() {
        KafkaStreams.State state = streams.state();
        return state != KafkaStreams.State.ERROR && state != KafkaStreams.State.NOT_RUNNING
                && state != KafkaStreams.State.PENDING_ERROR && !guard.looping();
    }

    private boolean isReady() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    private Reply result(HttpService.Exchange exchange) {
        String raw = exchange.rawPath().substring("/results/".length());
        // an id's own '/' arrives as %2F, so a literal "/proof" ending is the proof route
        if (raw.endsWith("/proof") && raw.length() > "/proof".length()) {
            return proof(exchange, raw.substring(0, raw.length() - "/proof".length()));
        }
        return result(exchange, raw);
    }

    private Reply proof(HttpService.Exchange exchange, String raw) {
        Reply result = result(exchange, raw);
        if (result.status() != 200) {
            return result;
        }
        String jobId = URLDecoder.decode(raw, StandardCharsets.UTF_8);
        JsonNode stored;
        try {
            stored = throughSchema(result.body(), codec);
        } catch (IOException e) {
            return Reply.json(503, "{\"error\":\"unavailable\"}");
        }
        String query = proofQuery(jobId, stored);
        URI uri = URI.create(config.auditUrl() + query);
        HttpResponse<java.io.InputStream> response;
        String body;
        try {
            response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (java.io.InputStream in = response.body()) {
                byte[] bytes = in.readNBytes(InclusionProof.MAX_BYTES + 1); // a proof is small; never hold more
                if (bytes.length > InclusionProof.MAX_BYTES) {
                    return Reply.json(502, "{\"error\":\"oversized proof from the audit sink\"}");
                }
                body = new String(bytes, StandardCharsets.UTF_8);
            }
        } catch (IOException | IllegalArgumentException e) {
            return Reply.json(503, "{\"error\":\"unavailable\",\"state\":\"audit sink unreachable at " + config.auditUrl() + "\"}");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Reply.json(503, "{\"error\":\"unavailable\"}");
        }
        if (response.statusCode() == 404) {
            return Reply.json(404, "{\"error\":\"not_found\",\"note\":\"verified, not yet in a signed checkpoint of the audit log\"}");
        }
        if (response.statusCode() != 200) {
            return Reply.json(503, "{\"error\":\"unavailable\",\"state\":\"audit sink answered " + response.statusCode() + "\"}");
        }
        try {
            InclusionProof proof = InclusionProof.parse(body);
            JsonNode entry = JSON.readTree(proof.extra());
            String differs = mismatch(stored, entry);
            if (differs != null) {
                LOG.warn("the audit log's entry for job {} states another {} than the stored result", jobId.length() > 80 ? jobId.substring(0, 80) : jobId,
                        differs);
                return Reply.json(502, "{\"error\":\"audit_entry_mismatch\",\"member\":\"" + differs + "\"}");
            }
            ObjectNode out = JSON.createObjectNode();
            out.set("result", JSON.readTree(result.body()));
            out.put("entry", new String(proof.extra(), StandardCharsets.UTF_8));
            out.put("proof", body);
            return Reply.json(200, JSON.writeValueAsString(out));
        } catch (NoteException | IOException | RuntimeException e) {
            return Reply.json(502, "{\"error\":\"unreadable proof from the audit sink\"}");
        }
    }

    /** What a {@code RESULT_VERIFIED} entry vouches for: the audit sink looks the entry up by all of them. */
    static final List<String> VOUCHED = io.sheratan.avro.codec.AuditEvents.RESULT_VOUCHED;

    /**
     * A stored result read through the current schema: one an earlier release wrote as flat JSON lacks
     * members that have defaults now ({@code canonical_version}, {@code node_attested}), and the audit
     * sink's entry of it states them.
     */
    static JsonNode throughSchema(byte[] result, AvroCodec<VerifiedResult> codec) throws IOException {
        return JSON.readTree(OutputCodec.json(OutputCodec.read(result, codec, VerifiedResult::new)));
    }

    /**
     * The audit sink's lookup of this result's own entry (DESIGN 9): by job id and everything the entry
     * vouches for, so a foreign copy on the verified topic that keeps the job and core hash is another entry.
     */
    static String proofQuery(String jobId, JsonNode stored) {
        StringBuilder query = new StringBuilder("/audit/proof?job_id=").append(URLEncoder.encode(jobId, StandardCharsets.UTF_8));
        for (String name : VOUCHED.subList(1, VOUCHED.size())) {
            JsonNode value = stored.get(name);
            if (value != null && value.isValueNode() && !value.isNull()) {
                query.append('&').append(name).append('=').append(URLEncoder.encode(value.asText(), StandardCharsets.UTF_8));
            }
        }
        return query.toString();
    }

    /**
     * The first member the entry states otherwise than the stored result, or null. The job and core hash
     * are always compared; another member only when the entry has it (an earlier release's entry lacks some).
     */
    static String mismatch(JsonNode stored, JsonNode entry) {
        for (String name : VOUCHED) {
            JsonNode said = entry.get(name);
            boolean identity = name.equals("job_id") || name.equals("sha256");
            if (said == null ? identity : !sameScalar(said, stored.get(name))) {
                return name;
            }
        }
        return null;
    }

    private static boolean sameScalar(JsonNode a, JsonNode b) {
        boolean aNull = a == null || a.isNull();
        boolean bNull = b == null || b.isNull();
        if (aNull || bNull) {
            return aNull && bNull;
        }
        return a.isValueNode() && b.isValueNode() && a.getNodeType() == b.getNodeType() && a.asText().equals(b.asText());
    }

    private Reply result(HttpService.Exchange exchange, String raw) {
        try {
            String jobId = URLDecoder.decode(raw, StandardCharsets.UTF_8);
            if (!"GET".equals(exchange.method()) || jobId.isEmpty()) {
                return Reply.json(404, "{\"error\":\"not_found\"}");
            }
            if (!isReady()) {
                return Reply.json(503, "{\"error\":\"unavailable\",\"state\":\"" + streams.state() + "\"}");
            }
            KeyQueryMetadata owner = streams.queryMetadataForKey(VerifierTopology.STORE, jobId, Serdes.String().serializer());
            if (owner == null || owner == KeyQueryMetadata.NOT_AVAILABLE) {
                return Reply.json(503, "{\"error\":\"unavailable\",\"state\":\"rebalancing\"}");
            }
            if (owner.activeHost().equals(self)) {
                return local(jobId);
            } else if (exchange.header(FORWARDED) != null) {
                return Reply.json(503, "{\"error\":\"unavailable\",\"state\":\"ownership moving\"}");
            } else {
                return forward(owner.activeHost(), raw);
            }
        } catch (InvalidStateStoreException e) {
            return Reply.json(503, "{\"error\":\"unavailable\",\"state\":\"store not queryable\"}");
        } catch (RuntimeException e) {
            LOG.warn("GET {} failed: {}", exchange.rawPath(), e.toString());
            return Reply.json(500, "{\"error\":\"internal\"}");
        }
    }

    /** The verifier's own dedup entry for the job, or null (the table may hold a restored foreign value). */
    private byte[] dedupEntry(String jobId) {
        ReadOnlyKeyValueStore<String, byte[]> ids = streams.store(
                StoreQueryParameters.fromNameAndType(VerifierTopology.DEDUP_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
        return ids.get(jobId);
    }

    private Reply local(String jobId) {
        ReadOnlyKeyValueStore<String, byte[]> store = streams.store(
                StoreQueryParameters.fromNameAndType(VerifierTopology.STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
        byte[] bytes = store.get(jobId);
        if (bytes == null) {
            return Reply.json(404, "{\"error\":\"not_found\"}");
        }
        // the table holds the verified topic's records as they are: Avro single-object or flat JSON
        VerifiedTable.Stored stored = VerifiedTable.read(bytes, codec);
        byte[] entry = dedupEntry(jobId);
        if (stored == null) {
            // nothing the verifier vouches for is unknown (DESIGN 7); what it vouches for and cannot read is an error
            return entry == null ? Reply.json(404, "{\"error\":\"not_found\"}") : Reply.json(500, "{\"error\":\"unreadable store entry\"}");
        }
        switch (VerifiedTable.answer(jobId, bytes, stored.verifiedAtMs(), entry, codec, config, System.currentTimeMillis())) {
            case NOT_FOUND:
                return Reply.json(404, "{\"error\":\"not_found\"}");
            case EXPIRED:
                return Reply.json(404, "{\"error\":\"not_found\",\"note\":\"expired\"}");
            case NOT_RECORDED:
                // DESIGN 4: a foreign value (one a restore copied past the table's own check) is never served
                LOG.warn("the query table holds a result for a job that is not the record the verifier wrote for it; not served");
                return Reply.json(503, "{\"error\":\"unavailable\",\"state\":\"the stored value is not the result the verifier recorded\"}");
            case SERVE:
            default:
                break;
        }
        try {
            byte[] json = AvroCodec.isSingleObject(bytes) ? OutputCodec.json(codec.decode(bytes)) : bytes;
            return new Reply(200, "application/json", json, Map.of());
        } catch (AvroCodec.AvroDecodeException e) {
            return Reply.json(500, "{\"error\":\"unreadable store entry\"}");
        }
    }

    private Reply forward(HostInfo owner, String rawJobId) {
        URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + "/results/" + rawJobId);
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                    .header(FORWARDED, "1").GET().build(), HttpResponse.BodyHandlers.ofString());
            return Reply.json(response.statusCode(), response.body());
        } catch (IOException | IllegalArgumentException e) {
            return Reply.json(503, "{\"error\":\"unavailable\",\"state\":\"owner " + owner.host() + ":" + owner.port() + " unreachable\"}");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Reply.json(503, "{\"error\":\"unavailable\"}");
        }
    }

    /** For callers building URLs. */
    public static String path(String jobId) {
        return "/results/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public void close() {
        server.close();
    }
}
