package io.sheratan.audit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * One writer per audit log (DESIGN section 9). Three locks, each for a way a second sink could start
 * a second, partial log:
 * <ul>
 *   <li>the storage: an exclusive lock on {@code writer.lock} in the log directory, held for the
 *   process's life (a second sink on the same directory refuses, naming the holder written there);</li>
 *   <li>the consumer group, while a sink runs: an active member that is not this log's own earlier
 *   incarnation (same {@code group.instance.id}, i.e. a process that died) means another sink reads
 *   the topics: refused, naming it. While running, the sink is a static member named after the log,
 *   so a second process of the same log fences the first, which then stops writing at once;</li>
 *   <li>the consumer group, after a sink stopped: offsets are committed with the id of the log that
 *   wrote them ({@code log-id} in the directory), so a sink with other storage never continues a log
 *   from the middle.</li>
 * </ul>
 */
final class LogLease implements AutoCloseable {

    static final String LOCK_FILE = "writer.lock";
    static final String ID_FILE = "log-id";
    private static final String METADATA_PREFIX = "sheratan-audit-log=";

    private final FileChannel channel;
    private final FileLock lock;
    private final String logId;

    private LogLease(FileChannel channel, FileLock lock, String logId) {
        this.channel = channel;
        this.lock = lock;
        this.logId = logId;
    }

    /** Takes the storage lock of {@code dir}; throws {@link IllegalStateException} naming the holder when another sink has it. */
    static LogLease acquire(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(LOCK_FILE);
        FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS));
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String holder = holder(channel);
            channel.close();
            throw new IllegalStateException("the audit log in " + dir + " is being written by another audit sink (" + holder
                    + "): one writer per log (DESIGN section 9). Stop that one first; a second sink on the same storage never starts");
        }
        String who = "pid " + ManagementFactory.getRuntimeMXBean().getPid() + " on " + hostName() + " since " + Instant.now();
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((who + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        channel.force(true);
        return new LogLease(channel, lock, logId(dir));
    }

    private static String holder(FileChannel channel) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(512);
            channel.read(buffer, 0);
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "holder unknown" : text;
        } catch (IOException e) {
            return "holder unknown";
        }
    }

    /** The log's own id: a random UUID made once, with the log, and kept in its directory. */
    private static String logId(Path dir) throws IOException {
        Path file = dir.resolve(ID_FILE);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.writeString(file, UUID.randomUUID() + "\n", StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException raced) {
                // another writer made it first: read it
            }
        }
        String id = Files.readString(file, StandardCharsets.US_ASCII).strip();
        if (!id.matches("[0-9a-f-]{36}")) {
            throw new IOException(file + " does not hold a log id (a UUID); it identifies this log in its consumer group's offsets");
        }
        return id;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "an unknown host";
        }
    }

    String logId() {
        return logId;
    }

    /** The consumer's {@code group.instance.id}: one per log, so that only one process of a log is ever a member. */
    String instanceId() {
        return "sheratan-audit-" + logId;
    }

    /** What the sink commits with each offset: which log wrote it. */
    String offsetMetadata() {
        return METADATA_PREFIX + logId;
    }

    /**
     * Checks the consumer group before the sink joins it: no active member but this log's own, and no
     * offset of the given topics committed by another log. Throws {@link IllegalStateException} saying
     * which and what to do.
     */
    void checkGroup(Admin admin, String groupId, Collection<String> topics, Duration timeout) {
        try {
            long ms = timeout.toMillis();
            ConsumerGroupDescription group;
            try {
                group = admin.describeConsumerGroups(List.of(groupId)).all().get(ms, TimeUnit.MILLISECONDS).get(groupId);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof GroupIdNotFoundException) {
                    return;
                }
                throw e;
            }
            for (MemberDescription member : group == null ? List.<MemberDescription>of() : group.members()) {
                if (!member.groupInstanceId().map(instanceId()::equals).orElse(false)) {
                    throw new IllegalStateException("consumer group " + groupId + " already has a member reading the audit topics: "
                            + member.clientId() + " on " + member.host() + member.groupInstanceId().map(id -> " (" + id + ")").orElse("")
                            + ". One audit sink writes a log (DESIGN section 9); a second would write a second, partial log. "
                            + "Stop the other one, or give this one its own SHERATAN_AUDIT_GROUP_ID for a log of its own");
                }
            }
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata()
                    .get(ms, TimeUnit.MILLISECONDS);
            Set<String> otherLogs = otherLogs(committed.entrySet().stream().filter(e -> topics.contains(e.getKey().topic()))
                    .collect(java.util.HashMap::new, (m, e) -> m.put(e.getKey(), e.getValue()), Map::putAll));
            if (!otherLogs.isEmpty()) {
                throw new IllegalStateException("consumer group " + groupId + " has offsets committed by another audit log (log-id "
                        + String.join(", ", otherLogs) + "), not by this one (log-id " + logId + "): continuing from them would write a "
                        + "second log that misses everything before. Point this sink at that log's storage, or give it its own "
                        + "SHERATAN_AUDIT_GROUP_ID to write a new, complete log");
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe consumer group " + groupId + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer from the cluster within " + timeout + " while checking consumer group " + groupId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking consumer group " + groupId, e);
        }
    }

    /**
     * The other logs (their ids) that committed these offsets, empty when none: a standby assigned
     * partitions after the writer it waited behind died must not continue that log's offsets.
     */
    Set<String> otherLogs(Map<TopicPartition, OffsetAndMetadata> committed) {
        return committed.values().stream()
                .filter(o -> o != null && o.metadata() != null && o.metadata().startsWith(METADATA_PREFIX) && !o.metadata().equals(offsetMetadata()))
                .map(o -> o.metadata().substring(METADATA_PREFIX.length()))
                .collect(Collectors.toSet());
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
