package io.sheratan.audit;

import io.sheratan.avro.codec.AuditEventType;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.kafka.Topics;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.avro.codec.OutputCodec;
import io.sheratan.canonical.StrictJsonException;
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
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import java.util.Collection;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Consumes the audit topic and the verified topic ({@code read_committed}) into the {@link ChainLog}
 * and its {@link TransparencyLog}, exactly once into the file: each polled batch is appended and
 * fsynced first, offsets are committed after; on start the log's tail says the last offset written
 * per partition and anything at or below it is skipped. So a crash before the write loses nothing
 * (the records are polled again) and a crash between write and commit duplicates nothing (they are
 * skipped). After partitions are assigned and before a record is skipped by offset, the topics' identity is asked again (see
 * {@link LogIdentity}): a topic deleted and created again restarts its offsets, and its new records
 * must stop the sink, not be skipped as written. A verified result becomes one {@code RESULT_VERIFIED} entry (DESIGN section 9: its job,
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
    private volatile java.util.function.Consumer<Set<String>> identityCheck;
    /** The pause before the checks are tried again after Kafka did not answer: 100 ms, doubling up to 5 s. */
    private long checkBackoffMillis = 100;
    /** Set when the group assigned partitions; cleared once they were checked (sink thread only). */
    private boolean assignmentUnchecked;
    private volatile long lastPollMillis = System.currentTimeMillis();

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

    /**
     * Asked after partitions were assigned and before a record is skipped by offset, with the topics of
     * the partitions assigned (which must be described: they exist): throws
     * {@link LogIdentity.MismatchException} when a topic is not the one the log was written from, or
     * {@link UncheckedIOException} when the log's identity file cannot be read or written (the sink stops),
     * anything else when the cluster could not be asked (the batch is read again later). Unset: no check
     * (tests of the chain alone).
     */
    void checkIdentityBeforeSkipping(java.util.function.Consumer<Set<String>> check) {
        this.identityCheck = check;
    }

    /** When the sink thread last came round its loop (epoch ms): every 0.5 s at most, also while paused or idle. */
    public long lastPollMillis() {
        return lastPollMillis;
    }

    /** Null while the sink reads; else why it is paused ({@code disk_low: ...}). */
    public String paused() {
        return paused;
    }

    @Override
    public void run() {
        Set<String> subscribed = tree == null ? Set.of(topics.audit()) : Set.of(topics.audit(), topics.verified());
        consumer.subscribe(subscribed, new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                // checked before anything of them is written, on the sink's loop: a Kafka that does not answer
                // there puts the batch back, where here it would stop the sink
                assignmentUnchecked |= !partitions.isEmpty();
            }
        });
        try {
            while (running.get()) {
                lastPollMillis = System.currentTimeMillis();
                if (waitForDisk()) {
                    continue;
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    if (assignmentUnchecked) {
                        checkedBeforeWriting(records); // nothing to write yet: a standby that must not take over stops now
                    }
                    if (tree != null) {
                        tree.maybeSign(); // the last batch's checkpoint, once a second has passed
                    }
                    continue;
                }
                checkSoleReader(subscribed);
                if (!checkedBeforeWriting(records)) {
                    continue;
                }
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
                logged.forEach(l -> count(l.event())); // what was written: a placeholder counts as one
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

    /**
     * Whether the batch may be written. After partitions were assigned: they carry no other log's offsets
     * (one writer per log) and the topics are the ones the log was written from (their ids, recorded
     * then if new). Before a record is skipped by offset: the topics' ids again, since a topic created
     * again restarts its offsets. A mismatch, or a log's own file that cannot be read or written, stops
     * the sink; a cluster that does not answer puts the batch back to be read again.
     */
    private boolean checkedBeforeWriting(ConsumerRecords<byte[], byte[]> records) {
        java.util.function.Consumer<Set<String>> identity = identityCheck;
        boolean skips = false;
        for (TopicPartition partition : records.partitions()) {
            skips |= records.records(partition).get(0).offset() <= log.lastOffset(partition.topic(), partition.partition());
        }
        if (!assignmentUnchecked && (!skips || identity == null)) {
            return true;
        }
        try {
            if (assignmentUnchecked) {
                checkNotAnotherLogsOffsets(consumer.assignment());
            }
            if (identity != null) {
                Set<String> assigned = new HashSet<>();
                consumer.assignment().forEach(p -> assigned.add(p.topic()));
                identity.accept(assigned);
            }
            assignmentUnchecked = false;
            checkBackoffMillis = 100;
            return true;
        } catch (LeaseLostException | LogIdentity.MismatchException | UncheckedIOException | WakeupException e) {
            throw e; // stopped, or stopping (close wakes the consumer up)
        } catch (RuntimeException e) {
            if (refusedForGood(e)) { // not allowed, not supported: asking again changes nothing
                throw new IllegalStateException("cannot check the assigned partitions and the topics' identity: " + e, e);
            }
            LOG.warn("cannot check the assigned partitions and the topics' identity before writing ({}); the batch will be read again in {} ms",
                    e.toString(), checkBackoffMillis);
            for (TopicPartition partition : records.partitions()) {
                consumer.seek(partition, records.records(partition).get(0).offset());
            }
            sleepQuietly(checkBackoffMillis);
            checkBackoffMillis = Math.min(5_000, checkBackoffMillis * 2);
            return false;
        }
    }

    /** A Kafka error in the chain that is not retriable (authorization, an unsupported version). */
    static boolean refusedForGood(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.apache.kafka.common.KafkaException && !(t instanceof org.apache.kafka.common.errors.RetriableException)
                    && !(t instanceof org.apache.kafka.common.errors.TimeoutException)) {
                return true;
            }
        }
        return false;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    /**
     * One writer per log, after start: a sink that waited in the group with no partitions (it started
     * beside the writer, on other storage) and is now assigned them, because that writer died, finds the
     * offsets committed by the writer's log. Continuing from them would write a second log that misses
     * everything before: it stops before reading, naming that log.
     */
    private void checkNotAnotherLogsOffsets(Collection<TopicPartition> partitions) {
        if (lease == null || partitions.isEmpty()) {
            return;
        }
        Set<String> others = lease.otherLogs(consumer.committed(new HashSet<>(partitions), Duration.ofSeconds(30)));
        if (!others.isEmpty()) {
            throw new LeaseLostException("this sink was assigned partitions whose offsets another audit log committed (log-id "
                    + String.join(", ", others) + "): continuing from them would write a second log that misses everything before. "
                    + "It stops before reading (one writer per log, DESIGN section 9); point it at that log's storage, or give it its own "
                    + "SHERATAN_AUDIT_GROUP_ID to write a new, complete log");
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

    /** The log line's entry for one record: its event (or the sink's own about it), coordinates and raw SHA-256. */
    ChainLog.Entry entry(ConsumerRecord<byte[], byte[]> record) {
        String rawSha256 = record.value() == null ? null : Marks.sha256Hex(record.value());
        return new ChainLog.Entry(event(record, rawSha256), record.topic(), record.partition(), record.offset(), rawSha256);
    }

    private LogEvent event(ConsumerRecord<byte[], byte[]> record, String rawSha256) {
        try {
            return record.topic().equals(topics.verified()) ? verified(record, rawSha256) : auditEvent(record, rawSha256);
        } catch (StrictJsonException e) {
            // a member with no canonical form (a lone surrogate in JSON text, a long beyond 2^53): from a writer not ours
            return LogEvent.notLoggable(coordinates(record), "event not canonicalizable: " + e.detail(), rawSha256);
        }
    }

    private LogEvent auditEvent(ConsumerRecord<byte[], byte[]> record, String rawSha256) {
        AuditEvent event;
        try {
            event = OutputCodec.read(record.value(), codec, AuditEvent::new);
        } catch (IOException e) {
            return unreadable(record, rawSha256, e);
        }
        if (!AuditVocabulary.isPipelineEvent(event.getEventType(), event.getReason())) {
            // DESIGN 4, foreign records: a type the sink writes itself (RESULT_VERIFIED, AUDIT_*) or one
            // outside the table is not logged as what it claims, never indexed, counted under "other"
            LOG.warn("foreign event on {}: an event type or reason the pipeline does not write", coordinates(record));
            return LogEvent.about(AuditEventType.AUDIT_FOREIGN_EVENT, AuditVocabulary.OTHER, coordinates(record), rawSha256);
        }
        return LogEvent.of(event);
    }

    /**
     * The {@code RESULT_VERIFIED} entry of a verified result (see {@link LogEvent#resultVerified}). A
     * record on the verified topic that the verifier would not have written (a tombstone, an unreadable
     * value, a key that is not the job id) is logged as a foreign event and is no job's proof.
     */
    private LogEvent verified(ConsumerRecord<byte[], byte[]> record, String rawSha256) {
        if (record.value() == null) {
            return LogEvent.about(AuditEventType.AUDIT_FOREIGN_EVENT, AuditVocabulary.OTHER, coordinates(record), null);
        }
        VerifiedResult result;
        try {
            result = OutputCodec.read(record.value(), verifiedCodec, VerifiedResult::new);
        } catch (IOException e) {
            return unreadable(record, rawSha256, e);
        }
        if (record.key() == null || !Arrays.equals(record.key(), result.getJobId().getBytes(StandardCharsets.UTF_8))) {
            LOG.warn("foreign record on {}: its key is not its job id", coordinates(record));
            return LogEvent.about(AuditEventType.AUDIT_FOREIGN_EVENT, AuditVocabulary.OTHER, coordinates(record), rawSha256);
        }
        return LogEvent.resultVerified(result, topics.submitted(), coordinates(record));
    }

    private static LogEvent unreadable(ConsumerRecord<byte[], byte[]> record, String rawSha256, IOException why) {
        // the kind of failure only: a parser's message quotes the record's bytes, and this log carries no payload
        Throwable cause = why.getCause() == null ? why : why.getCause();
        LOG.warn("unreadable record on {}: {}", coordinates(record), cause.getClass().getSimpleName());
        return LogEvent.about(AuditEventType.AUDIT_RECORD_UNREADABLE, "malformed", coordinates(record), rawSha256);
    }

    private static String coordinates(ConsumerRecord<byte[], byte[]> record) {
        return record.topic() + "/" + record.partition() + "/" + record.offset();
    }

    /** Counts a written event; labels come from fixed sets (DESIGN 8), whatever the event says. */
    private void count(LogEvent event) {
        String type = AuditVocabulary.typeLabel(event.type() == null ? "" : event.type());
        String reason = AuditVocabulary.reasonLabel(event.reason() == null ? "none" : event.reason());
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
