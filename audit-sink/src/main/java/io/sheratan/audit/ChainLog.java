package io.sheratan.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sheratan.canonical.JsonCanonicalizer;
import io.sheratan.integrity.Marks;

import java.io.BufferedReader;
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
            throw new UncheckedIOException("cannot open the audit log in " + dir, e);
        }
    }

    /** One line to append: the event as a JSON object and where it came from. */
    public record Entry(ObjectNode event, String topic, int partition, long offset) {
    }

    /** Appends the entries in order and returns once they are on disk (fsync). */
    public void append(List<Entry> entries) throws IOException {
        if (entries.isEmpty()) {
            return;
        }
        ByteBuffer batch = null;
        List<byte[]> lines = new ArrayList<>(entries.size());
        for (Entry entry : entries) {
            rotateIfNeeded();
            byte[] line = nextLine(entry);
            lines.add(line);
            lastOffsets.merge(entry.topic() + "/" + entry.partition(), entry.offset(), Math::max);
        }
        int total = lines.stream().mapToInt(l -> l.length + 1).sum();
        batch = ByteBuffer.allocate(total);
        for (byte[] line : lines) {
            batch.put(line).put((byte) '\n');
        }
        batch.flip();
        while (batch.hasRemaining()) {
            channel.write(batch);
        }
        channel.force(false);
        fileBytes += total;
    }

    private byte[] nextLine(Entry entry) {
        ObjectNode line = JSON.createObjectNode();
        line.put("seq", ++seq);
        line.set("event", entry.event());
        ObjectNode source = line.putObject("source");
        source.put("topic", entry.topic());
        source.put("partition", entry.partition());
        source.put("offset", entry.offset());
        line.put("written_at", Instant.now().toString());
        line.put("prev_hash", head);
        head = hash(line);
        line.put("hash", head);
        return canonical(line);
    }

    /** {@code SHA-256(prev_hash || canonical(line without hash))}, lowercase hex. */
    static String hash(ObjectNode lineWithoutHash) {
        byte[] prev = lineWithoutHash.get("prev_hash").asText().getBytes(StandardCharsets.US_ASCII);
        byte[] body = canonical(lineWithoutHash);
        byte[] input = new byte[prev.length + body.length];
        System.arraycopy(prev, 0, input, 0, prev.length);
        System.arraycopy(body, 0, input, prev.length, body.length);
        return Marks.sha256Hex(input);
    }

    static byte[] canonical(JsonNode node) {
        try {
            return JsonCanonicalizer.canonicalize(JSON.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        if (channel != null) {
            channel.close();
        }
        fileNumber++;
        openFile(fileNumber, true);
        fileDay = today;
    }

    private void openFile(int number, boolean create) throws IOException {
        Path file = dir.resolve(fileName(number));
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        fileBytes = Files.size(file);
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

    private void recover() throws IOException {
        List<Path> files = files(dir);
        if (files.isEmpty()) {
            return;
        }
        for (Path file : files.subList(Math.max(0, files.size() - 2), files.size())) {
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String text;
                while ((text = reader.readLine()) != null) {
                    if (text.isBlank()) {
                        continue;
                    }
                    JsonNode line = JSON.readTree(text);
                    seq = line.get("seq").asLong();
                    head = line.get("hash").asText();
                    JsonNode source = line.get("source");
                    lastOffsets.merge(source.get("topic").asText() + "/" + source.get("partition").asInt(),
                            source.get("offset").asLong(), Math::max);
                }
            }
        }
        Path newest = files.get(files.size() - 1);
        fileNumber = number(newest);
        openFile(fileNumber, false);
        fileDay = LocalDate.now(ZoneOffset.UTC);
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }
}
