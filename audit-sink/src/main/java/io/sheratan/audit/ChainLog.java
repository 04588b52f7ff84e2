package io.sheratan.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sheratan.canonical.CanonicalWriter;
import io.sheratan.integrity.Marks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tamper-evident audit log: JSON lines in {@code audit-NNNNNN.jsonl} files, each line
 * <pre>{"event":{...},"hash":"…","prev_hash":"…","seq":N,"source":{"offset":O,"partition":P,"topic":"…"},"written_at":T}</pre>
 * in RFC 8785 canonical form, where {@code hash = SHA-256(prev_hash || canonical(line without hash))},
 * {@code prev_hash} is the previous line's hash (lowercase hex, as ASCII bytes) and the very first
 * line chains to {@link #GENESIS}. Rotation (by size or UTC day) opens the next numbered file and
 * continues the chain, so a file missing from the middle breaks it.
 *
 * <p>Appends are batched and made durable with {@code FileChannel.force} before {@link #append}
 * returns; the sink commits Kafka offsets only after that. On open, the newest two files are read
 * to learn the chain head and the last offset written per partition.
 */
public final class ChainLog implements AutoCloseable {

    /** The value the first line's {@code prev_hash} holds: 64 zeros. */
    public static final String GENESIS = "0".repeat(64);
    public static final long DEFAULT_MAX_FILE_BYTES = 64L * 1024 * 1024;

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(ChainLog.class);
    private static final Pattern FILE = Pattern.compile("audit-(\\d{6})\\.jsonl");

    private final Path dir;
    private final long maxFileBytes;
    private final Map<String, Long> lastOffsets = new HashMap<>();
    private FileChannel channel;
    private int fileNumber;
    private long fileBytes;
    private LocalDate fileDay;
    private long seq;
    private String head = GENESIS;

    public ChainLog(Path dir, long maxFileBytes) {
        this.dir = dir;
        this.maxFileBytes = maxFileBytes;
        try {
            Files.createDirectories(dir);
            recover();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the audit log in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * One line to append: the event, where it came from, and the SHA-256 of the record's raw bytes
     * (evidence for a placeholder, should the event be larger than an entry may be).
     */
    public record Entry(LogEvent event, String topic, int partition, long offset, String rawSha256) {
        /** An event given as a JSON tree (tests, benchmarks); one with no canonical form becomes a placeholder. */
        public Entry(JsonNode event, String topic, int partition, long offset, String rawSha256) {
            this(LogEvent.ofJson(event, topic + "/" + partition + "/" + offset, rawSha256), topic, partition, offset, rawSha256);
        }

        public Entry(JsonNode event, String topic, int partition, long offset) {
            this(event, topic, partition, offset, null);
        }

        public Entry(LogEvent event, String topic, int partition, long offset) {
            this(event, topic, partition, offset, null);
        }

        String coordinates() {
            return topic + "/" + partition + "/" + offset;
        }
    }
    /** DESIGN section 9 bounds a Merkle log entry (the canonical event) at 65,535 bytes: its length travels in 16 bits. */
    public static final int MAX_ENTRY_BYTES = 65_535;
    /** The largest line written: the entry plus the line's own fields (hashes, coordinates, the time). */
    public static final int MAX_LINE_BYTES = MAX_ENTRY_BYTES + 1_024;

    /**
     * What one line put into the Merkle log: its event (a placeholder's, for an event larger than
     * {@link #MAX_ENTRY_BYTES}), whose canonical bytes are the entry byte for byte as stored, and the
     * topic of the record it came from.
     */
    public record Logged(LogEvent event, String topic) {
        /** The Merkle log entry: the event's canonical JSON, at most {@link #MAX_ENTRY_BYTES}. */
        public byte[] entry() {
            return event.canonical();
        }
    }

    /**
     * Appends the entries in order and returns once they are on disk (fsync), with what each line
     * logged, in the same order.
     */
    public List<Logged> append(List<Entry> entries) throws IOException {
        if (entries.isEmpty()) {
            return List.of();
        }
        long seqBefore = seq;
        String headBefore = head;
        Map<String, Long> offsetsBefore = new HashMap<>(lastOffsets);
        try {
            return appendBatch(entries);
        } catch (IOException | RuntimeException e) {
            rollBack(seqBefore, headBefore, offsetsBefore);
            throw e;
        }
    }

    /**
     * After a failed write (a full disk): the file is cut back to its last complete batch and the chain
     * state is as before it, so the same entries can be appended again once there is room. If even the
     * cut fails, the next open repairs the torn tail; the batch's offsets were not committed either way.
     */
    private void rollBack(long seqBefore, String headBefore, Map<String, Long> offsetsBefore) {
        seq = seqBefore;
        head = headBefore;
        lastOffsets.clear();
        lastOffsets.putAll(offsetsBefore);
        try {
            if (channel != null && channel.size() > fileBytes) {
                channel.truncate(fileBytes);
            }
        } catch (IOException e) {
            LOG.warn("could not cut the audit log back after a failed write ({}); the next start repairs it", e.getMessage());
        }
    }

    private List<Logged> appendBatch(List<Entry> entries) throws IOException {
        if (channel != null && channel.size() != fileBytes) {
            // an earlier failed write could not be cut back: cut it now, or refuse to write after it
            channel.truncate(fileBytes);
        }
        rotateIfNeeded(); // once per batch, before any line: the offsets file then holds written offsets only
        List<byte[]> lines = new ArrayList<>(entries.size());
        List<Logged> logged = new ArrayList<>(entries.size());
        for (Entry entry : entries) {
            lines.add(nextLine(entry, logged));
            lastOffsets.merge(entry.topic() + "/" + entry.partition(), entry.offset(), Math::max);
        }
        int total = lines.stream().mapToInt(l -> l.length + 1).sum();
        ByteBuffer batch = ByteBuffer.allocate(total);
        for (byte[] line : lines) {
            batch.put(line).put((byte) '\n');
        }
        batch.flip();
        while (batch.hasRemaining()) {
            channel.write(batch);
        }
        channel.force(false);
        fileBytes += total;
        return logged;
    }

    /**
     * The next line for an entry. An event larger than {@link #MAX_ENTRY_BYTES} (from a producer that
     * is not ours) becomes a placeholder line: its coordinates, the SHA-256 of the raw record and why.
     * The chain goes on; nothing is skipped and the sink never stops on an event.
     */
    private byte[] nextLine(Entry entry, List<Logged> logged) {
        LogEvent event = entry.event();
        if (event.canonical().length > MAX_ENTRY_BYTES) {
            event = LogEvent.notLoggable(entry.coordinates(), "event larger than " + MAX_ENTRY_BYTES + " bytes as a Merkle log entry ("
                    + event.canonical().length + ")", entry.rawSha256());
        }
        logged.add(new Logged(event, entry.topic()));
        return line(event.canonical(), entry);
    }

    /**
     * The canonical line for an already canonical event, written member by member: the event is
     * canonicalized once (by whoever made it), not once per hash and line.
     */
    private byte[] line(byte[] event, Entry entry) {
        byte[] source = new CanonicalWriter().string("topic", entry.topic()).integer("partition", entry.partition())
                .integer("offset", entry.offset()).toBytes();
        CanonicalWriter line = new CanonicalWriter()
                .canonical("event", event)
                .integer("seq", seq + 1)
                .canonical("source", source)
                .string("written_at", Instant.now().toString())
                .string("prev_hash", head);
        String hash = Marks.sha256Hex(concat(head.getBytes(StandardCharsets.US_ASCII), line.toBytes()));
        byte[] bytes = line.string("hash", hash).toBytes();
        seq++;
        head = hash;
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * Streams the Merkle log entries of the lines numbered {@code seq > from}, in order, byte for byte
     * as they were written (never re-canonicalized: DESIGN section 9): how the transparency log catches
     * up with lines written before a crash, and what {@code verify-log} compares with the tiles.
     */
    public static void entries(Path dir, long from, java.util.function.Consumer<Logged> sink) throws IOException {
        List<Path> files = files(dir);
        int start = 0;
        for (int i = files.size() - 1; i >= 0; i--) {
            if (firstSeq(files.get(i)) <= from + 1) {
                start = i;
                break;
            }
        }
        long[] next = {from + 1};
        for (Path file : files.subList(start, files.size())) {
            StoredLine.forEach(file, line -> {
                if (line.seq() > from) {
                    if (line.seq() != next[0]) { // a file of the log is missing, or lines were cut out: entries would land at other indexes
                        throw new UncheckedIOException(new IOException("line " + line.seq() + " of the audit log in " + file.getFileName()
                                + " where line " + next[0] + " was expected: a file of the log is missing or lines were removed"));
                    }
                    next[0]++;
                    sink.accept(new Logged(LogEvent.stored(line.event()), line.topic()));
                }
            });
        }
    }

    private static long firstSeq(Path file) throws IOException {
        long[] first = {Long.MAX_VALUE};
        StoredLine.first(file, line -> first[0] = line.seq());
        return first[0];
    }

    /** The last offset written for a topic partition, or -1. */
    public long lastOffset(String topic, int partition) {
        return lastOffsets.getOrDefault(topic + "/" + partition, -1L);
    }

    public long lines() {
        return seq;
    }

    public String head() {
        return head;
    }

    private void rotateIfNeeded() throws IOException {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        if (channel != null && fileBytes < maxFileBytes && today.equals(fileDay)) {
            return;
        }
        if (channel != null && fileBytes == 0) {
            return; // never rotate an empty file
        }
        // the next file is made whole (offsets file, then the file) before the old one is let go:
        // a failure here (a full disk) leaves the log as it was, with no gap in the numbers
        int next = fileNumber + 1;
        OffsetsFile.write(dir, next, seq, lastOffsets);
        FileChannel previous = channel;
        openFile(next, true);
        fileNumber = next;
        fileDay = today;
        if (previous != null) {
            previous.close();
        }
    }

    private void openFile(int number, boolean create) throws IOException {
        Path file = dir.resolve(fileName(number));
        FileChannel opened = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        try {
            fileBytes = opened.size();
        } catch (IOException e) {
            opened.close();
            throw e;
        }
        channel = opened;
        if (create) {
            // make the new file's directory entry durable too
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException ignored) {
                // some file systems cannot open directories; the data itself is still fsynced
            }
        }
    }

    static String fileName(int number) {
        return String.format("audit-%06d.jsonl", number);
    }

    /** The numbered log files of a directory, in order. */
    public static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> FILE.matcher(p.getFileName().toString()).matches()).sorted().toList();
        }
    }

    static int number(Path file) {
        Matcher m = FILE.matcher(file.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException("not an audit log file: " + file);
        }
        return Integer.parseInt(m.group(1));
    }

    /**
     * Learns the chain head, the sequence number and the last offset written per partition from what
     * is on disk. The offsets of every partition, also of one quiet for many rotations, come from the
     * newest file's offsets file (written before the file, see {@link OffsetsFile}) plus that file's
     * lines; without one (a log of an older release, or a file lost) every file is read. Lines are read
     * as stored: only each line's own members are parsed, never its event, so no event content can
     * keep the log from opening.
     */
    private void recover() throws IOException {
        List<Path> files = files(dir);
        if (files.isEmpty()) {
            return;
        }
        Path newest = files.get(files.size() - 1);
        repairTornTail(newest);
        fileNumber = number(newest);
        Map<String, Long> before = OffsetsFile.read(dir, fileNumber);
        List<Path> toRead;
        if (before != null) {
            lastOffsets.putAll(before);
            toRead = files.subList(Math.max(0, files.size() - 2), files.size()); // the previous file for the head when the newest is empty
        } else {
            if (files.size() > 2) {
                LOG.info("no offsets file for {}: reading all {} files of the audit log for the offsets of every partition", newest.getFileName(), files.size());
            }
            toRead = files;
        }
        for (Path file : toRead) {
            StoredLine.forEach(file, line -> {
                seq = line.seq();
                head = line.hash();
                lastOffsets.merge(line.topic() + "/" + line.partition(), line.offset(), Math::max);
            });
        }
        openFile(fileNumber, false);
        fileDay = LocalDate.now(ZoneOffset.UTC);
    }

    /**
     * A crash or a full disk in the middle of a write can leave the newest file ending in part of a
     * line. Its batch was never fsynced as a whole, so its Kafka offsets were never committed: the
     * sink will read those events again. Cutting the file back to its last complete line therefore
     * loses nothing, where refusing to start would stop the audit trail.
     */
    private void repairTornTail(Path newest) throws IOException {
        long size = Files.size(newest);
        if (size == 0) {
            return;
        }
        try (FileChannel file = FileChannel.open(newest, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long keep = size;
            ByteBuffer one = ByteBuffer.allocate(1);
            while (keep > 0) {
                one.clear();
                file.read(one, keep - 1);
                if (one.get(0) == '\n') {
                    break;
                }
                keep--;
            }
            if (keep < size) {
                LOG.warn("{} ended in a torn line ({} bytes after the last complete line); cut back to {} bytes, "
                        + "its events will be read again from Kafka", newest, size - keep, keep);
                file.truncate(keep);
                file.force(true);
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }
}
