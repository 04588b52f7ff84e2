package io.sheratan.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;

import java.time.Duration;
import java.util.ArrayList;
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
 * early. Existing topics keep their settings (set it with {@code kafka-configs --alter}).
 * Replication is {@code min(3, brokers)} unless configured; {@code min.insync.replicas} is 2 when
 * replication is 3 or more, so an acknowledged result survives the loss of one broker.
 */
public final class TopicProvisioner {

    public static final long SUBMITTED_RETENTION_MS = Duration.ofDays(7).toMillis();
    public static final long AUDIT_RETENTION_MS = Duration.ofDays(30).toMillis();

    private final Admin admin;
    private final Duration timeout;

    public TopicProvisioner(Admin admin, Duration timeout) {
        this.admin = admin;
        this.timeout = timeout;
    }

    /** Creates what is missing; returns the names it created. Fails with a message naming the cause. */
    public List<String> ensure(Topics topics) {
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
                        "min.insync.replicas", minIsr)),
                new NewTopic(topics.audit(), topics.partitions(), (short) replication).configs(Map.of(
                        "cleanup.policy", "delete",
                        "retention.ms", String.valueOf(AUDIT_RETENTION_MS),
                        "message.timestamp.type", "LogAppendTime",
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
        String why;
        if (cause instanceof TopicAuthorizationException || cause instanceof ClusterAuthorizationException) {
            why = "not authorized (an ACL must allow CREATE on the topic or the cluster)";
        } else if (cause instanceof InvalidReplicationFactorException) {
            why = "too few brokers for the replication factor";
        } else {
            why = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        }
        return new ProvisioningException("the cluster refused to create " + topic + ": " + why);
    }

    /** The cluster refused or could not be reached; the message says which and why. */
    public static final class ProvisioningException extends RuntimeException {
        public ProvisioningException(String message) {
            super(message);
        }
    }
}
