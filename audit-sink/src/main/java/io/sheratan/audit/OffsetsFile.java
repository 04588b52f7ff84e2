package io.sheratan.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code audit-NNNNNN.offsets}: the last offset written per topic partition by all the files before
 * {@code audit-NNNNNN.jsonl}, written (atomically, fsynced) before that file is created. A restarted
 * sink reads it plus the newest file's lines to know every partition's offset, also for a partition
 * that stayed quiet across many rotations, without reading the whole log. It is derived data: when it
 * is missing or unreadable the chain is read from its first file instead.
 */
final class OffsetsFile {

    private static final Logger LOG = LoggerFactory.getLogger(OffsetsFile.class);

    private OffsetsFile() {
    }

    static Path path(Path dir, int fileNumber) {
        return dir.resolve(String.format("audit-%06d.offsets", fileNumber));
    }

    static void write(Path dir, int fileNumber, long seqBefore, Map<String, Long> offsets) throws IOException {
        ObjectNode node = ChainLog.JSON.createObjectNode();
        node.put("seq_before", seqBefore);
        ObjectNode map = node.putObject("offsets");
        offsets.forEach(map::put);
        Path file = path(dir, fileNumber);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(ChainLog.JSON.writeValueAsBytes(node));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The offsets before file {@code fileNumber}, or null when there is no readable offsets file for it. */
    static Map<String, Long> read(Path dir, int fileNumber) {
        Path file = path(dir, fileNumber);
        try {
            if (Files.size(file) > 16 * 1024 * 1024) {
                throw new IOException("larger than 16 MiB");
            }
            JsonNode node = ChainLog.JSON.readTree(Files.readAllBytes(file));
            JsonNode offsets = node == null ? null : node.get("offsets");
            if (offsets == null || !offsets.isObject()) {
                throw new IOException("no offsets member");
            }
            Map<String, Long> out = new HashMap<>();
            for (Map.Entry<String, JsonNode> e : offsets.properties()) {
                if (!e.getValue().canConvertToLong()) {
                    throw new IOException("offset of " + e.getKey() + " is not a number");
                }
                out.put(e.getKey(), e.getValue().asLong());
            }
            return out;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            LOG.warn("{} is unreadable ({}); reading the whole log for the offsets instead", file, e.getMessage());
            return null;
        }
    }
}
