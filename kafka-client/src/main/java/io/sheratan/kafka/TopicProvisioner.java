package io.sheratan.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the three topics if they are missing; leaves existing ones alone (idempotent). Each
 * topic's policy is decided here, once:
 * <ul>
 *   <li><b>submitted</b>: {@code delete}, 7 days — the input, replayable for as long as the
 *       verifier remembers job ids (its store retention is also 7 days by default);</li>
 *   <li><b>verified</b>: {@code compact} — one record per job id by construction, so compaction
 *       loses nothing and the topic stays a complete table of verified results;</li>
 *   <li><b>audit</b>: {@code delete}, 30 days — a buffer in front of the audit sink's hash-chained
 *       log, long enough to re-feed a sink that was down for weeks;</li>
 *   <li><b>checkpoints</b>: one partition (one log, one order), {@code delete}, 30 days — the signed
 *       checkpoints, for witnesses and auditors who follow the log; the log itself keeps the newest.</li>
 * </ul>
 * The submitted and audit topics stamp records with the broker's append time
 * ({@code message.timestamp.type=LogAppendTime}): a sender's clock, or a negative or ancient
 * timestamp, can then neither stop the verifier nor make time-based retention delete an audit event
 * early. {@link #check} finds existing topics that differ on what the pipeline depends on (the
 * timestamp type, and room for the largest record the verifier writes); {@link #fix} sets them.
 * Replication is {@code min(3, brokers)} unless configured; {@code min.insync.replicas} is 2 when
 * replication is 3 or more, so an acknowledged result survives the loss of one broker.
 */
public final class TopicProvisioner {

    public static final long SUBMITTED_RETENTION_MS = Duration.ofDays(7).toMillis();
    public static final long AUDIT_RETENTION_MS = Duration.ofDays(30).toMillis();
    public static final String TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String LOG_APPEND_TIME = "LogAppendTime";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    /** The largest record the pipeline writes when nothing else is configured (SHERATAN_OUTPUT_MAX_BYTES' default). */
    public static final int DEFAULT_RECORD_BYTES = 1_000_000;

    /**
     * What a topic's {@code max.message.bytes} must hold beyond the largest record (key + value) the
     * verifier writes: the record batch's header and the record's framing (about 100 bytes) and a
     * compression codec's worst case on bytes that do not compress (LZ4: 1/255 of the input), rounded up.
     */
    public static int framing(int recordBytes) {
        return 1024 + recordBytes / 200;
    }

    /** A topic setting the pipeline depends on, as found, and the value it needs. */
    public record Problem(String topic, String setting, String found, String wanted, String why) {
        /** The {@code setting} of a topic that does not exist. */
        public static final String MISSING = "(topic)";

        public boolean missing() {
            return setting.equals(MISSING);
        }

        /** What {@code topics} does (or, dry, would do) about it. */
        public String change() {
            return missing() ? "create " + topic : "set " + topic + ": " + setting + " " + found + " -> " + wanted;
        }

        @Override
        public String toString() {
            return missing() ? "topic " + topic + " does not exist (" + why + ")"
                    : "topic " + topic + " has " + setting + "=" + found + ", needs " + wanted + " (" + why + ")";
        }
    }

    private final Admin admin;
    private final Duration timeout;

    public TopicProvisioner(Admin admin, Duration timeout) {
        this.admin = admin;
        this.timeout = timeout;
    }

    /** {@link #ensure(Topics, int)} for records of at most {@link #DEFAULT_RECORD_BYTES}. */
    public List<String> ensure(Topics topics) {
        return ensure(topics, DEFAULT_RECORD_BYTES);
    }

    /**
     * Creates what is missing; returns the names it created. Fails with a message naming the cause.
     * The verified and audit topics are created with room for records of {@code recordBytes} (key +
     * value) when the broker's default is smaller.
     */
    public List<String> ensure(Topics topics, int recordBytes) {
        int brokers = brokerCount();
        int replication = topics.replication() == Topics.AUTO_REPLICATION ? Math.min(3, brokers) : topics.replication();
        if (replication > brokers) {
            throw new ProvisioningException("replication " + replication + " needs at least " + replication
                    + " brokers, the cluster has " + brokers + " (set " + Topics.REPLICATION + ")");
        }
        String minIsr = String.valueOf(replication >= 3 ? 2 : 1);
        List<NewTopic> wanted = List.of(
                new NewTopic(topics.submitted(), topics.partitions(), (short) replication).configs(Map.of(
                        "cleanup.policy", "delete",
                        "retention.ms", String.valueOf(SUBMITTED_RETENTION_MS),
                        "message.timestamp.type", "LogAppendTime",
                        "min.insync.replicas", minIsr)),
                new NewTopic(topics.verified(), topics.partitions(), (short) replication).configs(Map.of(
                        "cleanup.policy", "compact",
                        MAX_MESSAGE_BYTES, String.valueOf(Math.max(BROKER_DEFAULT_MAX_MESSAGE_BYTES, recordBytes + framing(recordBytes))),
                        "min.insync.replicas", minIsr)),
                new NewTopic(topics.audit(), topics.partitions(), (short) replication).configs(Map.of(
                        "cleanup.policy", "delete",
                        "retention.ms", String.valueOf(AUDIT_RETENTION_MS),
                        "message.timestamp.type", "LogAppendTime",
                        MAX_MESSAGE_BYTES, String.valueOf(Math.max(BROKER_DEFAULT_MAX_MESSAGE_BYTES, recordBytes + framing(recordBytes))),
                        "min.insync.replicas", minIsr)),
                new NewTopic(topics.checkpoints(), 1, (short) replication).configs(Map.of(
                        "cleanup.policy", "delete",
                        "retention.ms", String.valueOf(AUDIT_RETENTION_MS),
                        "min.insync.replicas", minIsr)));
        List<String> created = new ArrayList<>();
        var results = admin.createTopics(wanted).values();
        for (NewTopic topic : wanted) {
            try {
                results.get(topic.name()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                created.add(topic.name());
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof TopicExistsException) {
                    continue;
                }
                throw refused(topic.name(), cause);
            } catch (TimeoutException e) {
                throw new ProvisioningException("creating " + topic.name() + " timed out after " + timeout
                        + ": is the cluster reachable?");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProvisioningException("interrupted while creating " + topic.name());
            }
        }
        return created;
    }

    /** Kafka's default {@code message.max.bytes} (1 MiB + 12). */
    static final int BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

    /**
     * The settings of existing topics that the pipeline depends on (DESIGN.md 3b.6 and 5): the
     * submitted and audit topics stamp records with the broker's clock ({@code LogAppendTime}: no
     * producer's clock decides a key window, freshness or retention), and the verified and audit
     * topics take records of {@code recordBytes} plus {@link #framing}. A topic that does not exist
     * is no problem here (Kafka Streams names it).
     */
    public List<Problem> check(Topics topics, int recordBytes) {
        Map<String, Config> configs = describe(List.of(topics.submitted(), topics.verified(), topics.audit()));
        List<Problem> problems = new ArrayList<>();
        for (String topic : List.of(topics.submitted(), topics.verified(), topics.audit())) {
            if (!configs.containsKey(topic)) {
                // a topic a first producer would auto-create has the broker's defaults (CreateTime): create it first
                problems.add(new Problem(topic, Problem.MISSING, "missing", "created",
                        "a topic auto-created by a first producer gets the broker's defaults, CreateTime among them"));
            }
        }
        for (String topic : List.of(topics.submitted(), topics.audit())) {
            String type = value(configs.get(topic), TIMESTAMP_TYPE);
            if (type != null && !type.equals(LOG_APPEND_TIME)) {
                problems.add(new Problem(topic, TIMESTAMP_TYPE, type, LOG_APPEND_TIME,
                        "a producer's clock would decide key windows, freshness and retention"));
            }
        }
        long needed = (long) recordBytes + framing(recordBytes);
        for (String topic : List.of(topics.verified(), topics.audit())) {
            String max = value(configs.get(topic), MAX_MESSAGE_BYTES);
            if (max != null && Long.parseLong(max) < needed) {
                problems.add(new Problem(topic, MAX_MESSAGE_BYTES, max, String.valueOf(needed),
                        "the broker would refuse an output of SHERATAN_OUTPUT_MAX_BYTES=" + recordBytes + " bytes"));
            }
        }
        return problems;
    }

    /**
     * The largest record (key + value) that fits every one of {@code topics}' {@code max.message.bytes}
     * now, after {@link #framing}; {@code Integer.MAX_VALUE} when none exists.
     */
    public int largestRecordThatFits(Collection<String> topics) {
        long smallest = Integer.MAX_VALUE;
        for (Config config : describe(topics).values()) {
            String max = value(config, MAX_MESSAGE_BYTES);
            if (max != null) {
                smallest = Math.min(smallest, Long.parseLong(max));
            }
        }
        return largestRecordFor(smallest);
    }

    /** The inverse of {@link #framing}: the largest record {@code r} with {@code r + framing(r) <= maxMessageBytes} (0 if none). */
    static int largestRecordFor(long maxMessageBytes) {
        long fits = Math.max(0, Math.min(Integer.MAX_VALUE - 1L, (maxMessageBytes - 1024) * 200 / 201));
        while (fits > 0 && fits + framing((int) fits) > maxMessageBytes) {
            fits--;
        }
        while (fits < Integer.MAX_VALUE - 1L && fits + 1 + framing((int) fits + 1) <= maxMessageBytes) {
            fits++;
        }
        return (int) fits;
    }

    /** Sets what {@link #check} found; returns one line per change ("topic: setting old -> new"). */
    public List<String> fix(List<Problem> problems) {
        Map<ConfigResource, Collection<AlterConfigOp>> ops = new LinkedHashMap<>();
        List<String> changes = new ArrayList<>();
        for (Problem p : problems) {
            if (p.missing()) {
                continue; // created by ensure(), not altered
            }
            ops.computeIfAbsent(new ConfigResource(ConfigResource.Type.TOPIC, p.topic()), t -> new ArrayList<>())
                    .add(new AlterConfigOp(new ConfigEntry(p.setting(), p.wanted()), AlterConfigOp.OpType.SET));
            changes.add(p.topic() + ": " + p.setting() + " " + p.found() + " -> " + p.wanted());
        }
        if (ops.isEmpty()) {
            return changes;
        }
        try {
            admin.incrementalAlterConfigs(ops).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw refusedTo("change the settings of " + String.join(", ", problems.stream().map(Problem::topic).distinct().toList())
                    + " (an ACL must allow ALTER_CONFIGS)", e.getCause());
        } catch (TimeoutException e) {
            throw new ProvisioningException("changing topic settings timed out after " + timeout + ": is the cluster reachable?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProvisioningException("interrupted while changing topic settings");
        }
        return changes;
    }

    private Map<String, Config> describe(Collection<String> topics) {
        List<ConfigResource> resources = topics.stream().distinct().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        Map<String, Config> found = new HashMap<>();
        var futures = admin.describeConfigs(resources).values();
        for (ConfigResource resource : resources) {
            try {
                found.put(resource.name(), futures.get(resource).get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                    throw refusedTo("describe the settings of " + resource.name(), e.getCause());
                }
            } catch (TimeoutException e) {
                throw new ProvisioningException("no answer from the cluster within " + timeout + " describing " + resource.name());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProvisioningException("interrupted while describing " + resource.name());
            }
        }
        return found;
    }

    private static String value(Config config, String name) {
        if (config == null) {
            return null;
        }
        ConfigEntry entry = config.get(name);
        return entry == null ? null : entry.value();
    }

    private int brokerCount() {
        try {
            return admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
        } catch (ExecutionException e) {
            throw refused("(describe cluster)", e.getCause());
        } catch (TimeoutException e) {
            throw new ProvisioningException("no answer from the cluster within " + timeout
                    + ": check KAFKA_BOOTSTRAP_SERVERS and the client settings");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProvisioningException("interrupted while describing the cluster");
        }
    }

    private static ProvisioningException refused(String topic, Throwable cause) {
        return refusedTo("create " + topic, cause);
    }

    private static ProvisioningException refusedTo(String action, Throwable cause) {
        String why;
        if (cause instanceof TopicAuthorizationException || cause instanceof ClusterAuthorizationException) {
            why = "not authorized (an ACL must allow CREATE on the topic or the cluster)";
        } else if (cause instanceof InvalidReplicationFactorException) {
            why = "too few brokers for the replication factor";
        } else {
            why = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        }
        return new ProvisioningException("the cluster refused to " + action + ": " + why);
    }

    /** The cluster refused or could not be reached; the message says which and why. */
    public static final class ProvisioningException extends RuntimeException {
        public ProvisioningException(String message) {
            super(message);
        }
    }
}
