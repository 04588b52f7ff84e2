package io.sheratan.witness;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a witness cosigned last for each log: one line per origin,
 * {@code <origin> <size> <base64 root> <base64 cosigned checkpoint note>}, in one small file that is
 * replaced atomically (a temporary file, fsynced, renamed, the directory fsynced) before the witness
 * answers. A file that cannot be read as written is refused at start, naming the line: a witness that
 * forgot what it cosigned could be made to cosign a fork, so it never starts over by itself.
 */
public final class WitnessState {

    /** The latest checkpoint cosigned for a log: its size and root, and the note with the cosignature. */
    public record Latest(long size, byte[] root, String note) {
    }

    private static final Pattern LINE = Pattern.compile("(\\S+) (0|[1-9][0-9]{0,18}) ([A-Za-z0-9+/]{43}=) ([A-Za-z0-9+/=]+)");
    /** Far more than a witness of a few logs needs; a larger file was not written by this class. */
    static final long MAX_FILE_BYTES = 16L * 1024 * 1024;

    private final Path file;
    private final Map<String, Latest> latest = new TreeMap<>();

    private WitnessState(Path file) {
        this.file = file;
    }

    /** The state in {@code file}; empty when the file does not exist yet (a witness's first start). */
    public static WitnessState open(Path file) throws IOException {
        WitnessState state = new WitnessState(file);
        if (!Files.exists(file)) {
            return state;
        }
        if (!Files.isRegularFile(file) || Files.size(file) > MAX_FILE_BYTES) {
            throw new IOException(file + " is not a witness state file (not a regular file, or larger than " + MAX_FILE_BYTES + " bytes)");
        }
        int number = 0;
        for (String line : Files.readString(file, StandardCharsets.UTF_8).split("\n")) {
            number++;
            if (line.isEmpty()) {
                continue;
            }
            var m = LINE.matcher(line);
            if (!m.matches()) {
                throw new IOException(file + " line " + number + " is not '<origin> <size> <root> <note>': the witness state is damaged. "
                        + "Restore it from a backup; starting over would let this witness cosign a fork of a log it followed");
            }
            try {
                String note = new String(Base64.getDecoder().decode(m.group(4)), StandardCharsets.UTF_8);
                state.latest.put(m.group(1), new Latest(Long.parseLong(m.group(2)), Base64.getDecoder().decode(m.group(3)), note));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " line " + number + " does not decode: the witness state is damaged (" + e.getMessage() + ")");
            }
        }
        return state;
    }

    /** What was cosigned last for {@code origin}, or null (never). */
    public synchronized Latest latest(String origin) {
        return latest.get(origin);
    }

    /** Records a cosigned checkpoint and returns once it is on disk; on failure nothing changed. */
    public synchronized void record(String origin, long size, byte[] root, String note) throws IOException {
        Map<String, Latest> next = new TreeMap<>(latest);
        next.put(origin, new Latest(size, root.clone(), note));
        StringBuilder text = new StringBuilder();
        Base64.Encoder b64 = Base64.getEncoder();
        next.forEach((o, l) -> text.append(o).append(' ').append(l.size()).append(' ').append(b64.encodeToString(l.root())).append(' ')
                .append(b64.encodeToString(l.note().getBytes(StandardCharsets.UTF_8))).append('\n'));
        write(text.toString());
        latest.clear();
        latest.putAll(next);
    }

    private void write(String text) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot open directories; the file itself is fsynced
        }
    }
}
