package io.sheratan.audit;

import io.sheratan.avro.codec.AuditEventType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.kafka.Topics;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.avro.codec.OutputCodec;
import io.sheratan.integrity.Marks;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Consumes the audit topic and the verified topic ({@code read_committed}) into the {@link ChainLog}
 * and its {@link TransparencyLog}, exactly once into the file: each polled batch is appended and
 * fsynced first, offsets are committed after; on start the log's tail says the last offset written
 * per partition and anything at or below it is skipped. So a crash before the write loses nothing
 * (the records are polled again) and a crash between write and commit duplicates nothing (they are
 * skipped). A verified result becomes one {@code RESULT_VERIFIED} entry (DESIGN section 9: its job,
 * core hash, mark and source, never the result); a checkpoint is signed after a durable batch, at
 * most once a second, and also when the sink falls idle.
 *
 * <p>A record that is not an AuditEvent is written as an event of its own kind,
 * {@code AUDIT_RECORD_UNREADABLE}, with its coordinates and the SHA-256 of its bytes; an event that
 * cannot be logged as it is (see {@link ChainLog}) becomes a placeholder line: never skipped
 * silently, never a crash.
 */
public final class AuditSink implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditSink.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ChainLog log;
    private final TransparencyLog tree;
    private final Topics topics;
    private final MeterRegistry registry;
    private final AvroCodec<AuditEvent> codec = AvroCodec.auditEvents();
    private final AvroCodec<VerifiedResult> verifiedCodec = AvroCodec.verifiedResults();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<String, Counter> written = new HashMap<>();
    private final KafkaClientMetrics clientMetrics;

    private final LogLease lease;
    private final DiskGuard disk;
    private final Set<TopicPartition> allPartitions = new HashSet<>();
    private volatile String paused;

    /**
     * @param tree the Merkle log beside {@code log}; null writes the chain alone (the benchmark's
     *             baseline) and reads the audit topic only
     */
    public AuditSink(Map<String, Object> clientConfig, Topics topics, String groupId, ChainLog log, TransparencyLog tree,
                     MeterRegistry registry) {
        this(clientConfig, topics, groupId, log, tree, registry, null, null);
    }

    /**
     * @param lease the log's lease (its static group membership and the log id committed with each
     *              offset; null for none)
     * @param disk  pauses reading while the disk is low (null: never)
     */
    AuditSink(Map<String, Object> clientConfig, Topics topics, String groupId, ChainLog log, TransparencyLog tree,
              MeterRegistry registry, LogLease lease, DiskGuard disk) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        if (lease != null) {
            config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, lease.instanceId());
        }
        this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.log = log;
        this.tree = tree;
        this.topics = topics;
        this.registry = registry;
        this.lease = lease;
        this.disk = disk;
        this.clientMetrics = new KafkaClientMetrics(consumer);
        clientMetrics.bindTo(registry);
    }

    /** Null while the sink reads; else why it is paused ({@code disk_low: ...}). */
    public String paused() {
        return paused;
    }

    @Override
    public void run() {
        Set<String> subscribed = tree == null ? Set.of(topics.audit()) : Set.of(topics.audit(), topics.verified());
        consumer.subscribe(subscribed);
        try {
            while (running.get()) {
                if (waitForDisk()) {
                    continue;
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    if (tree != null) {
                        tree.maybeSign(); // the last batch's checkpoint, once a second has passed
                    }
                    continue;
                }
                checkSoleReader(subscribed);
                List<ChainLog.Entry> entries = new ArrayList<>();
                Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    if (record.offset() <= log.lastOffset(record.topic(), record.partition())) {
                        continue; // written before a crash, not committed: skip, do not duplicate
                    }
                    entries.add(entry(record));
                }
                List<ChainLog.Logged> logged;
                try {
                    logged = log.append(entries);
                } catch (IOException e) {
                    writeFailed(records, e);
                    continue;
                }
                if (tree != null) {
                    tree.append(logged);
                }
                entries.forEach(e -> count(e.event()));
                // commit the consumer's position, not last offset + 1: on a transactional topic the
                // position is past the commit markers, so a caught-up sink shows a lag of zero
                String metadata = lease == null ? "" : lease.offsetMetadata();
                for (TopicPartition partition : records.partitions()) {
                    commits.put(partition, new OffsetAndMetadata(consumer.position(partition), metadata));
                }
                commit(commits);
                if (tree != null) {
                    tree.maybeSign();
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the audit log", e);
        }
    }

    /**
     * While the disk is low: every assigned partition paused (the consumer keeps polling, so it stays
     * in its group and nothing is read), true returned. Resumes when there is room again.
     */
    private boolean waitForDisk() {
        String low = disk == null ? null : disk.check();
        if (low == null) {
            if (paused != null) {
                LOG.info("the audit log's disk has room again: reading resumes");
                consumer.resume(consumer.paused());
                paused = null;
            }
            return false;
        }
        if (paused == null) {
            LOG.warn("audit sink paused: {} (nothing is lost: the events wait in Kafka)", low);
        }
        paused = low;
        consumer.pause(consumer.assignment());
        ConsumerRecords<byte[], byte[]> unread = consumer.poll(Duration.ofMillis(500));
        // partitions assigned during that poll were not paused yet: put what it returned back
        for (TopicPartition partition : unread.partitions()) {
            consumer.seek(partition, unread.records(partition).get(0).offset());
        }
        return true;
    }

    /** A failed write (a full disk): the chain is as before it; read the batch again once there is room. */
    private void writeFailed(ConsumerRecords<byte[], byte[]> records, IOException e) {
        LOG.error("cannot write the audit log ({}); pausing, the batch will be read again", e.getMessage());
        if (disk == null) {
            throw new UncheckedIOException("cannot write the audit log", e);
        }
        disk.writeFailed();
        for (TopicPartition partition : records.partitions()) {
            consumer.seek(partition, records.records(partition).get(0).offset());
        }
    }

    /**
     * One writer per log (DESIGN section 9): when the group gave this sink only part of the topics'
     * partitions, another member reads the rest and this log would miss them. It stops before writing.
     */
    private void checkSoleReader(Set<String> subscribed) {
        if (lease == null) {
            return;
        }
        Set<TopicPartition> assigned = consumer.assignment();
        if (assigned.containsAll(allPartitions) && !allPartitions.isEmpty()) {
            return;
        }
        allPartitions.clear();
        for (String topic : subscribed) {
            consumer.partitionsFor(topic).forEach(p -> allPartitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        if (!assigned.containsAll(allPartitions)) {
            Set<TopicPartition> missing = new HashSet<>(allPartitions);
            missing.removeAll(assigned);
            throw new LeaseLostException("another member of the consumer group reads " + missing.size() + " of the audit topics' "
                    + allPartitions.size() + " partitions (e.g. " + missing.iterator().next() + "): a second audit sink joined. "
                    + "This one stops writing (one writer per log, DESIGN section 9)");
        }
    }

    /** This sink no longer reads all of the topics: it must not write another line. */
    public static final class LeaseLostException extends IllegalStateException {
        LeaseLostException(String message) {
            super(message);
        }
    }

    /**
     * Commits after the lines are on disk. A commit refused because the group is rebalancing is not
     * an error: the lines are written, and whoever polls these records again skips them by offset.
     */
    private void commit(Map<TopicPartition, OffsetAndMetadata> commits) {
        try {
            consumer.commitSync(commits);
        } catch (CommitFailedException
                 | RebalanceInProgressException
                 | RetriableException e) {
            LOG.warn("offset commit deferred ({}); the written lines will be skipped when polled again", e.getClass().getSimpleName());
        }
    }

    /** The log line's entry for one audit record: its event (or an unreadable placeholder), coordinates and raw SHA-256. */
    ChainLog.Entry entry(ConsumerRecord<byte[], byte[]> record) {
        return new ChainLog.Entry(event(record), record.topic(), record.partition(), record.offset(),
                record.value() == null ? null : Marks.sha256Hex(record.value()));
    }

    private ObjectNode event(ConsumerRecord<byte[], byte[]> record) {
        byte[] value = record.value();
        if (record.topic().equals(topics.verified())) {
            return verified(record);
        }
        ObjectNode event;
        try {
            event = OutputCodec.readFlat(value, codec);
        } catch (IOException | RuntimeException e) {
            LOG.warn("unreadable record on {}/{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getClass().getSimpleName());
            return unreadable(record);
        }
        if (!event.hasNonNull("event_type") || !event.hasNonNull("reason")) {
            return unreadable(record);
        }
        if (!AuditVocabulary.isPipelineEvent(event.get("event_type").asText(), event.get("reason").asText())) {
            // DESIGN 4, foreign records: a type the sink writes itself (RESULT_VERIFIED, AUDIT_*) or one
            // outside the table is not logged as what it claims, never indexed, counted under "other"
            LOG.warn("foreign event on {}/{}@{}: an event type or reason the pipeline does not write", record.topic(), record.partition(),
                    record.offset());
            return sinkEvent(record, AuditEventType.AUDIT_FOREIGN_EVENT.name(), "other");
        }
        return event;
    }

    /**
     * The {@code RESULT_VERIFIED} entry of a verified result: what identifies it and its mark, never
     * the result itself. Its event id is the submitted record's, as the audit events' are; it names
     * where it was logged from ({@code logged_from}: the verified topic, partition and offset). A record
     * on the verified topic that the verifier would not have written (a tombstone, an unreadable value,
     * a key that is not the job id) is logged as a foreign event and is no job's proof.
     */
    private ObjectNode verified(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return sinkEvent(record, AuditEventType.AUDIT_FOREIGN_EVENT.name(), "other");
        }
        try {
            ObjectNode result = OutputCodec.readFlat(record.value(), verifiedCodec);
            if (result.path("job_id").isTextual() && result.path("sha256").isTextual() && result.path("source_offset").canConvertToLong()
                    && result.path("source_partition").canConvertToInt()) {
                if (record.key() == null || !java.util.Arrays.equals(record.key(), result.get("job_id").asText().getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                    LOG.warn("foreign record on {}/{}@{}: its key is not its job id", record.topic(), record.partition(), record.offset());
                    return sinkEvent(record, AuditEventType.AUDIT_FOREIGN_EVENT.name(), "other");
                }
                ObjectNode event = ChainLog.JSON.createObjectNode();
                event.put("event_type", AuditEventType.RESULT_VERIFIED.name());
                event.put("event_id", topics.submitted() + "/" + result.path("source_partition").asInt() + "/" + result.path("source_offset").asLong());
                event.set("job_id", result.get("job_id"));
                event.set("sha256", result.get("sha256"));
                for (String field : List.of("mode", "key_id", "node_id")) {
                    event.set(field, result.hasNonNull(field) ? result.get(field) : ChainLog.JSON.nullNode());
                }
                // DESIGN 4: a signed node identity and a claimed one look different in the log too
                JsonNode version = result.path("canonical_version");
                JsonNode attested = result.path("node_attested");
                event.put("canonical_version", version.isInt() ? version.asInt() : 0); // only what the schema allows, never "2" or 2.0
                event.put("node_attested", attested.isBoolean() && attested.booleanValue());
                event.put("source_topic", topics.submitted());
                event.set("source_partition", result.get("source_partition"));
                event.set("source_offset", result.get("source_offset"));
                event.set("verified_at", result.get("verified_at"));
                event.set("ts", result.get("verified_at"));
                event.put("logged_from", record.topic() + "/" + record.partition() + "/" + record.offset());
                return event;
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("unreadable record on {}/{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getClass().getSimpleName());
        }
        return unreadable(record);
    }

    private ObjectNode unreadable(ConsumerRecord<byte[], byte[]> record) {
        return sinkEvent(record, AuditEventType.AUDIT_RECORD_UNREADABLE.name(), "malformed");
    }

    /** An event of the sink's own about a record: its coordinates and the SHA-256 of its bytes, never its content. */
    private static ObjectNode sinkEvent(ConsumerRecord<byte[], byte[]> record, String type, String reason) {
        byte[] value = record.value();
        ObjectNode event = ChainLog.JSON.createObjectNode();
        event.put("event_type", type);
        event.put("reason", reason);
        event.put("event_id", record.topic() + "/" + record.partition() + "/" + record.offset());
        event.put("ts", Instant.now().toEpochMilli());
        event.put("received_sha256", value == null ? null : Marks.sha256Hex(value));
        return event;
    }

    /** Counts a written event; labels come from fixed sets (DESIGN 8), whatever the event says. */
    private void count(ObjectNode event) {
        String type = AuditVocabulary.typeLabel(event.path("event_type").asText(""));
        String reason = AuditVocabulary.reasonLabel(event.path("reason").asText("none"));
        written.computeIfAbsent(type + "/" + reason, k -> Counter.builder("sheratan_audit_events_written_total")
                .tag("type", type).tag("reason", reason).register(registry)).increment();
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
    }

    /** Closes the consumer; call from the thread that ran {@link #run()}, or after it ended. */
    public void shutdown() {
        clientMetrics.close();
        // a static member leaves its group on a clean stop, so the group shows no sink that is gone
        consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(10))
                .withGroupMembershipOperation(org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }
}
