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
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Which Kafka cluster and which incarnation of each topic an audit log reads, kept in
 * {@code identity.json} beside the log. The log's tail tells a restarted sink which offsets it has
 * written; those offsets mean something only for the topic they came from. Pointed at a new cluster
 * (a {@code docker-compose down} that kept the sink's volume but not the broker's) or at a topic that
 * was deleted and created again (the audit topic or the verified topic), the sink would skip the new
 * topic's first records as "already written". So it refuses instead, naming both identities: at
 * start, and again while it runs whenever it is about to skip a record by offset.
 *
 * <p>The file keeps {@code topic} and {@code topic_id} (the audit topic, which releases before the
 * verified topic was checked read) and {@code topic_ids}, every topic read with its id.
 *
 * @param topicIds each topic read (the audit topic first) with its id, or null when the topic did not
 *                 exist when it was recorded
 */
public record LogIdentity(String clusterId, Map<String, String> topicIds) {

    public static final String FILE = "identity.json";
    private static final Logger LOG = LoggerFactory.getLogger(LogIdentity.class);

    public LogIdentity {
        if (topicIds.isEmpty()) {
            throw new IllegalArgumentException("an audit log reads at least one topic");
        }
        topicIds = Collections.unmodifiableMap(new LinkedHashMap<>(topicIds));
    }

    /** One topic: the audit topic. */
    public static LogIdentity of(String clusterId, String topic, String topicId) {
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put(topic, topicId);
        return new LogIdentity(clusterId, ids);
    }

    /** The audit topic, whose name the log is bound to. */
    public String topic() {
        return topicIds.keySet().iterator().next();
    }

    /** The cluster's id and each topic's id (null for a topic that does not exist), asked of the cluster. */
    public static LogIdentity of(Admin admin, List<String> topics, Duration timeout) {
        try {
            String clusterId = admin.describeCluster().clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Map<String, String> ids = new LinkedHashMap<>();
            for (String topic : topics) {
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
                ids.put(topic, topicId);
            }
            return new LogIdentity(clusterId, ids);
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
     * Checks this (the cluster's) identity against the one recorded in {@code dir}, and records what
     * is new (a topic first read, or an id not known yet). Throws {@link MismatchException}
     * naming both when the cluster differs, the audit topic's name differs, or a topic recorded with
     * an id now has another id or none (deleted: if it is created again, its offsets start over).
     *
     * @param logHasLines whether the log already holds lines (a log without an identity file and
     *                    with lines was written by an older version: adopted, with a warning)
     */
    public void checkAgainst(Path dir, boolean logHasLines) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            if (logHasLines) {
                LOG.warn("the audit log in {} has no {}; adopting cluster {} topics {}", dir, FILE, clusterId, topicIds);
            }
            write(file);
            return;
        }
        LogIdentity recorded = read(file);
        List<String> changed = new ArrayList<>();
        if (!recorded.clusterId.equals(clusterId)) {
            changed.add("cluster " + recorded.clusterId + " (this sink reads cluster " + clusterId + ")");
        }
        if (!recorded.topic().equals(topic())) {
            changed.add("audit topic " + recorded.topic() + " (id " + recorded.topicIds.get(recorded.topic())
                    + "; this sink reads " + topic() + ", id " + topicIds.get(topic()) + ")");
        }
        Map<String, String> merged = new LinkedHashMap<>(recorded.topicIds);
        boolean grown = false;
        for (Map.Entry<String, String> topic : topicIds.entrySet()) {
            String was = recorded.topicIds.get(topic.getKey());
            String now = topic.getValue();
            if (was != null && !was.equals(now)) {
                changed.add("topic " + topic.getKey() + " (id " + was + "; now " + (now == null ? "the topic does not exist: it was deleted" : "id " + now) + ")");
            } else if (was == null && now != null) {
                merged.put(topic.getKey(), now);
                grown = true;
            }
        }
        if (!changed.isEmpty()) {
            throw new MismatchException("the audit log in " + dir + " was written from " + String.join(", ", changed)
                    + ". Its offsets mean nothing here: appending would skip records. Use another SHERATAN_DATA_DIR (or --dir), "
                    + "or move the old log away to start a new one.");
        }
        if (grown) {
            new LogIdentity(clusterId, merged).write(file);
        }
    }

    /** The log was written from another cluster or another incarnation of a topic. */
    public static final class MismatchException extends IllegalStateException {
        MismatchException(String message) {
            super(message);
        }
    }

    static LogIdentity read(Path file) throws IOException {
        JsonNode node = ChainLog.JSON.readTree(Files.readAllBytes(file));
        if (node == null || !node.hasNonNull("cluster_id") || !node.hasNonNull("topic")) {
            throw new IOException(file + " is not an audit log identity (cluster_id and topic are required)");
        }
        String topic = node.get("topic").asText();
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put(topic, node.hasNonNull("topic_id") ? node.get("topic_id").asText() : null);
        JsonNode others = node.get("topic_ids");
        if (others != null && others.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = others.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> other = it.next();
                if (!other.getKey().equals(topic)) { // the audit topic's id is topic_id's
                    ids.put(other.getKey(), other.getValue().isNull() ? null : other.getValue().asText());
                }
            }
        }
        return new LogIdentity(node.get("cluster_id").asText(), ids);
    }

    private void write(Path file) throws IOException {
        ObjectNode node = ChainLog.JSON.createObjectNode();
        node.put("cluster_id", clusterId);
        node.put("topic", topic());
        node.put("topic_id", topicIds.get(topic()));
        ObjectNode ids = node.putObject("topic_ids");
        topicIds.forEach(ids::put);
        Path tmp = file.resolveSibling(FILE + ".tmp");
        // durable before the lines it vouches for: an id recorded at assignment must survive a power loss with them
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(
                    ChainLog.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node).getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try (java.nio.channels.FileChannel directory = java.nio.channels.FileChannel.open(file.getParent(), java.nio.file.StandardOpenOption.READ)) {
            directory.force(true);
        }
    }
}
