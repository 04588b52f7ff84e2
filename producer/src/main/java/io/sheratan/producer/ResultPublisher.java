package io.sheratan.producer;

import io.sheratan.kafka.Producers;

import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.kafka.Topics;
import io.sheratan.avro.ResultSubmission;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.canonical.JsonCanonicalizer;
import io.sheratan.canonical.StrictJsonException;
import io.sheratan.envelope.Claims;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.Submission;
import io.sheratan.envelope.WireFormat;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.Signer;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;

/**
 * Publishes job results the way the verifier wants them: the core is built and checked under the
 * strict profile before anything is sent (an inexact big integer fails here, naming the field),
 * signed with the same policy the verifier enforces, and sent keyed by job id with an idempotent
 * producer ({@code acks=all}, idempotence on).
 *
 * <p>B1 backpressure is the producer's own bounded buffer ({@code buffer.memory}): when it is full,
 * {@link #publish} blocks up to {@code max.block.ms} and then throws {@link PipelineSaturatedException}
 * instead of Kafka's generic timeout. Every call returns a future completed with the partition and
 * offset once the broker has acknowledged. Thread-safe, like the {@link KafkaProducer} inside.
 */
public final class ResultPublisher implements AutoCloseable {

    public static final String NODE_ID_HEADER = "sheratan.node_id";
    public static final String SENT_AT_HEADER = "sheratan.sent_at";

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final IntegrityPolicy policy;
    private final WireFormat format;
    private final String nodeId;
    private final Signer signer;
    private final String audience;
    private final LongSupplier clock;
    private final Duration maxBlock;
    private final long bufferBytes;
    private final AvroCodec<ResultSubmission> avro = AvroCodec.resultSubmissions();
    private final ThreadLocal<JsonCanonicalizer> canonicalizers;

    private ResultPublisher(Builder b) {
        Map<String, Object> config = Producers.config(b.clientConfig, Map.of(ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024));
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, b.maxBlock.toMillis()); // the builder's, over the client settings
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, b.bufferBytes);
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        this.topic = b.topic;
        this.policy = b.policy;
        this.format = b.format;
        this.nodeId = b.nodeId;
        this.signer = b.signer;
        this.audience = b.audience != null ? b.audience : b.policy.pipelineId();
        this.clock = b.clock;
        if (signer != null && signer.version() == 2 && !Claims.isNodeId(nodeId)) {
            throw new IllegalArgumentException("a version 2 signer needs the worker's node id (1..128 of [A-Za-z0-9._:@/-]): set nodeId");
        }
        this.maxBlock = b.maxBlock;
        this.bufferBytes = b.bufferBytes;
        this.canonicalizers = ThreadLocal.withInitial(() -> new JsonCanonicalizer(policy.limits()));
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Validates, signs and sends one result.
     *
     * @param resultJson JSON text of the result, or null
     * @param errorJson  JSON text of the error (a string or an object), or null
     * @throws InvalidResultException     the verifier would refuse this result
     * @throws PipelineSaturatedException the buffer stayed full for the configured wait
     */
    public CompletableFuture<PublishReceipt> publish(String jobId, boolean ok, String resultJson, String errorJson) {
        return publish(prepare(jobId, ok, resultJson, errorJson));
    }

    /** Signs (replacing any mark) and sends a submission that was already read, e.g. by {@code sheratan submit}. */
    public CompletableFuture<PublishReceipt> publish(Submission unsigned) {
        Submission signed = sign(unsigned);
        byte[] value = format == WireFormat.AVRO
                ? avro.encode(EnvelopeWriter.toAvro(signed))
                : EnvelopeWriter.toJson(signed);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, signed.jobId().getBytes(StandardCharsets.UTF_8), value);
        if (nodeId != null) {
            record.headers().add(NODE_ID_HEADER, nodeId.getBytes(StandardCharsets.UTF_8));
        }
        record.headers().add(SENT_AT_HEADER, Long.toString(System.currentTimeMillis()).getBytes(StandardCharsets.US_ASCII));

        CompletableFuture<PublishReceipt> receipt = new CompletableFuture<>();
        Future<?> sent = producer.send(record, (metadata, error) -> {
            if (error != null) {
                receipt.completeExceptionally(error);
            } else {
                receipt.complete(new PublishReceipt(signed.jobId(), metadata.topic(), metadata.partition(),
                        metadata.offset(), signed.coreSha256()));
            }
        });
        if (sent.isDone()) {
            failFastIfSaturated(sent);
        }
        return receipt;
    }

    /**
     * The submission with a fresh mark: by the {@link Builder#signer signer} when one is set (version 2:
     * the node id, {@code issued_at} = now and the audience go into the signed core), else under the policy.
     */
    public Submission sign(Submission unsigned) {
        if (signer == null) {
            return unsigned.signedBy(Signer.v1(policy));
        }
        Submission core = signer.version() == 2 ? unsigned.withClaims(new Claims(nodeId, clock.getAsLong(), audience)) : unsigned;
        return core.signedBy(signer);
    }

    /** Builds the unsigned submission, enforcing the strict profile and the envelope rules. */
    public Submission prepare(String jobId, boolean ok, String resultJson, String errorJson) {
        try {
            EnvelopeReader.checkRules(jobId, null);
        } catch (MalformedEnvelopeException e) {
            throw new InvalidResultException(e.detail(), e);
        }
        JsonCanonicalizer canonicalizer = canonicalizers.get();
        byte[] jobIdCanonical;
        try {
            jobIdCanonical = JsonCanonicalizer.canonicalString(jobId);
        } catch (StrictJsonException e) {
            throw new InvalidResultException("job_id: " + e.getMessage(), e);
        }
        byte[] result = canonical(canonicalizer, "result", resultJson);
        byte[] error = canonical(canonicalizer, "error", errorJson);
        try {
            EnvelopeReader.checkRules(jobId, error);
        } catch (MalformedEnvelopeException e) {
            throw new InvalidResultException(e.detail(), e);
        }
        return Submission.of(jobId, jobIdCanonical, ok, result, error, null, format);
    }

    private static byte[] canonical(JsonCanonicalizer canonicalizer, String field, String json) {
        try {
            return canonicalizer.applyOptional(json);
        } catch (StrictJsonException e) {
            throw new InvalidResultException(field + ": " + e.getMessage().replace("path $", "path " + field), e);
        }
    }

    private void failFastIfSaturated(Future<?> sent) {
        try {
            sent.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof BufferExhaustedException) {
                throw new PipelineSaturatedException("pipeline saturated: the producer buffer (" + bufferBytes
                        + " bytes) stayed full for " + maxBlock.toMillis() + " ms; Kafka is not keeping up or is unreachable", cause);
            }
            if (cause instanceof TimeoutException) {
                throw new PipelineSaturatedException("pipeline saturated: no metadata for topic " + topic + " within "
                        + maxBlock.toMillis() + " ms; is Kafka reachable and does the topic exist?", cause);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Blocks until every result handed to {@link #publish} so far is acknowledged or failed. */
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }

    /** Settings; defaults: topic {@code sheratan.results.submitted}, JSON, the env's integrity policy, 32 MiB buffer, 60 s block. */
    public static final class Builder {
        private Map<String, Object> clientConfig = Map.of();
        private String topic = Topics.SUBMITTED_SETTING.defaultValue();
        private IntegrityPolicy policy = IntegrityPolicy.defaults();
        private WireFormat format = WireFormat.JSON;
        private String nodeId;
        private Signer signer;
        private String audience;
        private LongSupplier clock = System::currentTimeMillis;
        private Duration maxBlock = Duration.ofSeconds(60);
        private long bufferBytes = 32L * 1024 * 1024;

        public Builder clientConfig(Map<String, Object> config) {
            this.clientConfig = Map.copyOf(config);
            return this;
        }

        public Builder topic(String topic) {
            this.topic = topic;
            return this;
        }

        public Builder policy(IntegrityPolicy policy) {
            this.policy = policy;
            return this;
        }

        public Builder format(WireFormat format) {
            this.format = format;
            return this;
        }

        public Builder nodeId(String nodeId) {
            this.nodeId = nodeId;
            return this;
        }

        /**
         * Signs with this key instead of the policy's single key: {@code Signer.ed25519(keyId, privateKey)}
         * or {@code Signer.hmac(keyId, secret, 2)} for canonical version 2 (then {@link #nodeId} is required).
         */
        public Builder signer(Signer signer) {
            this.signer = signer;
            return this;
        }

        /** The pipeline version 2 results are meant for ({@code aud}); default: the policy's {@code SHERATAN_PIPELINE_ID}. */
        public Builder audience(String aud) {
            this.audience = aud;
            return this;
        }

        /** Where {@code issued_at} comes from (tests); default: the system clock. */
        public Builder clock(LongSupplier clock) {
            this.clock = clock;
            return this;
        }

        /** How long {@link #publish} may block on a full buffer before {@link PipelineSaturatedException}. */
        public Builder maxBlock(Duration maxBlock) {
            this.maxBlock = maxBlock;
            return this;
        }

        /** The bound of the buffer, in bytes ({@code buffer.memory}). */
        public Builder bufferBytes(long bytes) {
            this.bufferBytes = bytes;
            return this;
        }

        public ResultPublisher build() {
            return new ResultPublisher(this);
        }
    }
}
