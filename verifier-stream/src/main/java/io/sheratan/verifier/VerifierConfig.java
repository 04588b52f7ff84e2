package io.sheratan.verifier;

import io.sheratan.config.Setting;
import io.sheratan.avro.codec.OutputFormat;
import io.sheratan.config.ConfigException;
import io.sheratan.config.EnvParsers;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.kafka.Topics;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Everything the verifier's topology and app need, parsed from the environment by a pure function
 * ({@link #fromEnv(Map)}) so that it can be tested with {@code Map.of(...)}. Kafka client settings
 * are not here: they pass through {@code KafkaClientConfig} untouched.
 *
 * @param retention how long a verified job id is remembered for dedup. A replay older than this
 *                  is indistinguishable from a first submission and is verified again: the price of
 *                  bounded state (7 days by default, like the submitted topic's retention).
 * @param maxOutputBytes the largest record (key + value) the verifier writes. Checked before
 *                  anything is stored or sent: a result whose verified record would exceed it is
 *                  {@code malformed}, instead of a send that fails on every retry. The default stays
 *                  under the producer's {@code max.request.size} and the broker's {@code message.max.bytes}
 *                  (both about 1 MiB by default); raise all three together.
 * @param auditUrl  the audit sink's HTTP base URL, asked for the inclusion proof of a verified result's
 *                  {@code RESULT_VERIFIED} entry ({@code GET /results/{job_id}/proof}).
 */
public record VerifierConfig(Topics topics, IntegrityPolicy policy, Duration retention, OutputFormat outputFormat,
                             String applicationId, String processingGuarantee, int httpPort, int maxOutputBytes, String auditUrl) {

    public static final Setting RETENTION_SETTING = Setting.of("SHERATAN_VERIFIER_RETENTION", "P7D",
            "how long a job id is remembered for dedup; must exceed MAX_AGE + MAX_SKEW");
    public static final Setting GUARANTEE_SETTING = Setting.of("SHERATAN_PROCESSING_GUARANTEE", "exactly_once_v2",
            "exactly_once_v2 or at_least_once");
    public static final Setting APPLICATION_ID_SETTING = Setting.of("SHERATAN_VERIFIER_APPLICATION_ID", "sheratan-verifier",
            "the Kafka Streams application id");
    public static final Setting HTTP_PORT_SETTING = Setting.of("SHERATAN_VERIFIER_PORT", "8789", "the verifier's HTTP port");
    public static final Setting MAX_OUTPUT_BYTES_SETTING = Setting.of("SHERATAN_OUTPUT_MAX_BYTES", "1000000",
            "extension: the largest record the verifier writes (key + value); larger results are malformed");
    public static final Setting AUDIT_URL_SETTING = Setting.of("SHERATAN_AUDIT_URL", "http://127.0.0.1:8790",
            "where the verifier asks the audit sink for the proofs of GET /results/{job_id}/proof");
    public static final String RETENTION = RETENTION_SETTING.name();
    public static final String OUTPUT_FORMAT = OutputFormat.ENV;
    public static final String APPLICATION_ID = APPLICATION_ID_SETTING.name();
    public static final String GUARANTEE = GUARANTEE_SETTING.name();
    public static final String HTTP_PORT = HTTP_PORT_SETTING.name();
    public static final String MAX_OUTPUT_BYTES = MAX_OUTPUT_BYTES_SETTING.name();
    public static final int DEFAULT_MAX_OUTPUT_BYTES = Integer.parseInt(MAX_OUTPUT_BYTES_SETTING.defaultValue());

    /** Streams knobs with production defaults (one standby per task: a failed instance's tasks resume from a warm copy). */
    public static final Setting STANDBY_REPLICAS_SETTING = Setting.of("SHERATAN_STREAMS_STANDBY_REPLICAS", "1",
            "Kafka Streams num.standby.replicas: warm copies of each task's state on other instances (0 saves disk, slows failover)");
    public static final Setting STREAM_THREADS_SETTING = Setting.of("SHERATAN_STREAMS_THREADS", "1",
            "Kafka Streams num.stream.threads per verifier instance (scale out with instances first: one thread per core)");

    /**
     * The Streams settings of {@link #STANDBY_REPLICAS_SETTING} and {@link #STREAM_THREADS_SETTING}, to merge under the
     * client settings ({@code SHERATAN_KAFKA_NUM_STANDBY_REPLICAS} and the like still win). The internal topics' replication
     * follows {@code SHERATAN_TOPIC_REPLICATION} (see {@code VerifierApp}).
     */
    public static Map<String, Object> streamsSettings(Map<String, String> env) {
        return Map.of("num.standby.replicas", STANDBY_REPLICAS_SETTING.integer(env, 0, 16),
                "num.stream.threads", STREAM_THREADS_SETTING.integer(env, 1, 64));
    }

    public static VerifierConfig fromEnv(Map<String, String> env) {
        String retentionText = RETENTION_SETTING.text(env);
        Duration retention;
        try {
            retention = Duration.parse(retentionText.toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new ConfigException(RETENTION, "expected an ISO-8601 duration such as P7D or PT12H, was '" + retentionText + "'");
        }
        if (retention.isNegative() || retention.isZero()) {
            throw new ConfigException(RETENTION, "must be positive, was " + retentionText);
        }
        IntegrityPolicy policy = IntegrityPolicy.fromEnv(env);
        if (policy.maxAge().plus(policy.maxSkew()).compareTo(retention) >= 0) {
            // else a replay could outlive the dedup memory and pass the freshness check unnoticed
            throw new ConfigException(RETENTION, "must be longer than " + IntegrityPolicy.MAX_AGE + " + " + IntegrityPolicy.MAX_SKEW
                    + " (" + policy.maxAge() + " + " + policy.maxSkew() + "), was " + retentionText);
        }
        OutputFormat outputFormat = OutputFormat.fromEnv(env);
        String guarantee = GUARANTEE_SETTING.text(env);
        if (!guarantee.equals("exactly_once_v2") && !guarantee.equals("at_least_once")) {
            throw new ConfigException(GUARANTEE, "expected exactly_once_v2 or at_least_once, was '" + guarantee + "'");
        }
        return new VerifierConfig(Topics.fromEnv(env), policy, retention, outputFormat,
                APPLICATION_ID_SETTING.text(env), guarantee,
                HTTP_PORT_SETTING.integer(env, 0, 65535),
                MAX_OUTPUT_BYTES_SETTING.integer(env, 4096, 100 * 1024 * 1024),
                auditUrl(AUDIT_URL_SETTING.text(env)));
    }

    private static String auditUrl(String url) {
        String trimmed = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        if (!trimmed.matches("https?://[^/?#\\s]+(/[^?#\\s]*)?")) {
            throw new ConfigException(AUDIT_URL_SETTING.name(), "expected an http(s) URL such as http://audit-sink:8790, was '" + url + "'");
        }
        return trimmed;
    }

    /**
     * The one expiry rule: a job id verified at {@code verifiedAtMs} is forgotten once the retention
     * has passed. The processor treats it as absent (and purges it); the query endpoint answers 404.
     */
    public boolean isExpired(long verifiedAtMs, long nowMs) {
        return verifiedAtMs + retention.toMillis() <= nowMs;
    }

    public VerifierConfig withTopics(Topics newTopics) {
        return new VerifierConfig(newTopics, policy, retention, outputFormat, applicationId, processingGuarantee, httpPort, maxOutputBytes, auditUrl);
    }

    public VerifierConfig withRetention(Duration newRetention) {
        return new VerifierConfig(topics, policy, newRetention, outputFormat, applicationId, processingGuarantee, httpPort, maxOutputBytes, auditUrl);
    }

    public VerifierConfig withOutputFormat(OutputFormat format) {
        return new VerifierConfig(topics, policy, retention, format, applicationId, processingGuarantee, httpPort, maxOutputBytes, auditUrl);
    }

    public VerifierConfig withPolicy(IntegrityPolicy newPolicy) {
        return new VerifierConfig(topics, newPolicy, retention, outputFormat, applicationId, processingGuarantee, httpPort, maxOutputBytes, auditUrl);
    }

    public VerifierConfig withApplicationId(String id) {
        return new VerifierConfig(topics, policy, retention, outputFormat, id, processingGuarantee, httpPort, maxOutputBytes, auditUrl);
    }

    public VerifierConfig withMaxOutputBytes(int bytes) {
        return new VerifierConfig(topics, policy, retention, outputFormat, applicationId, processingGuarantee, httpPort, bytes, auditUrl);
    }

    public VerifierConfig withAuditUrl(String url) {
        return new VerifierConfig(topics, policy, retention, outputFormat, applicationId, processingGuarantee, httpPort, maxOutputBytes, auditUrl(url));
    }

    public VerifierConfig withHttpPort(int port) {
        return new VerifierConfig(topics, policy, retention, outputFormat, applicationId, processingGuarantee, port, maxOutputBytes, auditUrl);
    }
}
