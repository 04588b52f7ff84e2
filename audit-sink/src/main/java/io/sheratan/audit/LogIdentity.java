package io.sheratan.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Which Kafka cluster and which incarnation of the audit topic an audit log belongs to, kept in
 * {@code identity.json} beside the log. The log's tail tells a restarted sink which offsets it has
 * written; those offsets mean something only for the topic they came from. Pointed at a new cluster
 * (a {@code docker-compose down} that kept the sink's volume but not the broker's) or at a topic that
 * was deleted and created again, the sink would skip the new topic's first events as "already
 * written". So it refuses to start instead, naming both identities.
 *
 * @param topicId the audit topic's id, or null when the topic did not exist yet when it was recorded
 */
public record LogIdentity(String clusterId, String topic, String topicId) {

    public static final String FILE = "identity.json";
    private static final Logger LOG = LoggerFactory.getLogger(LogIdentity.class);

    /** The cluster's id and the topic's id, asked of the cluster. */
    public static LogIdentity of(Admin admin, String topic, Duration timeout) {
        try {
            String clusterId = admin.describeCluster().clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            String topicId = null;
            try {
                TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic);
                topicId = description.topicId().toString();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            return new LogIdentity(clusterId, topic, topicId);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe the cluster for the audit log: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer from the cluster within " + timeout
                    + " while checking which cluster the audit log belongs to: check KAFKA_BOOTSTRAP_SERVERS");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing the cluster", e);
        }
    }

    /**
     * Checks this (the cluster's) identity against the one recorded in {@code dir}, and records it
     * when none is (or when the topic id was not known yet). Throws {@link IllegalStateException}
     * naming both when they differ.
     *
     * @param logHasLines whether the log already holds lines (a log without an identity file and
     *                    with lines was written by an older version: adopted, with a warning)
     */
    public void checkAgainst(Path dir, boolean logHasLines) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            if (logHasLines) {
                LOG.warn("the audit log in {} has no {}; adopting cluster {} topic {} ({})", dir, FILE, clusterId, topic, topicId);
            }
            write(file);
            return;
        }
        LogIdentity recorded = read(file);
        boolean sameCluster = recorded.clusterId.equals(clusterId);
        boolean sameTopic = recorded.topic.equals(topic)
                && (recorded.topicId == null || topicId == null || recorded.topicId.equals(topicId));
        if (!sameCluster || !sameTopic) {
            throw new IllegalStateException("the audit log in " + dir + " belongs to cluster " + recorded.clusterId
                    + ", topic " + recorded.topic + " (id " + recorded.topicId + "), but this sink reads cluster " + clusterId
                    + ", topic " + topic + " (id " + topicId + "). Its offsets mean nothing here: appending would skip "
                    + "events. Use another SHERATAN_DATA_DIR (or --dir), or move the old log away to start a new one.");
        }
        if (recorded.topicId == null && topicId != null) {
            write(file);
        }
    }

    static LogIdentity read(Path file) throws IOException {
        JsonNode node = ChainLog.JSON.readTree(Files.readAllBytes(file));
        if (!node.hasNonNull("cluster_id") || !node.hasNonNull("topic")) {
            throw new IOException(file + " is not an audit log identity (cluster_id and topic are required)");
        }
        return new LogIdentity(node.get("cluster_id").asText(), node.get("topic").asText(),
                node.hasNonNull("topic_id") ? node.get("topic_id").asText() : null);
    }

    private void write(Path file) throws IOException {
        ObjectNode node = ChainLog.JSON.createObjectNode();
        node.put("cluster_id", clusterId);
        node.put("topic", topic);
        node.put("topic_id", topicId);
        Path tmp = file.resolveSibling(FILE + ".tmp");
        Files.write(tmp, ChainLog.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node).getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
