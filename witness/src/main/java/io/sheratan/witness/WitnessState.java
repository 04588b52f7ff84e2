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
 * What a witness cosigned last for each log: a header line, then one line per origin,
 * {@code <origin> <size> <base64 root> <base64 cosigned checkpoint note>}, in one small file that is
 * replaced atomically (a temporary file, fsynced, renamed, the directory fsynced) before the witness
 * answers. A file that cannot be read as written is refused at start, naming the line: a witness that
 * forgot what it cosigned could be made to cosign a fork, so it never starts over by itself: an empty
 * file, a line of an origin given twice, or (see {@link #open}) a missing file where one is expected
 * are refused too. One process at a time: {@code state.lock} beside it is held while the state is open.
 */
public final class WitnessState implements AutoCloseable {

    /** The latest checkpoint cosigned for a log: its size and root, and the note with the cosignature. */
    public record Latest(long size, byte[] root, String note) {
    }

    private static final Pattern LINE = Pattern.compile("(\\S+) (0|[1-9][0-9]{0,18}) ([A-Za-z0-9+/]{43}=) ([A-Za-z0-9+/=]+)");
    /** Far more than a witness of a few logs needs; a larger file was not written by this class. */
    static final long MAX_FILE_BYTES = 16L * 1024 * 1024;

    static final String HEADER = "# sheratan witness state v1";

    private final Path file;
    private final FileChannel lockFile;
    private final java.nio.channels.FileLock lock;
    private final Map<String, Latest> latest = new TreeMap<>();

    private WitnessState(Path file, FileChannel lockFile, java.nio.channels.FileLock lock) {
        this.file = file;
        this.lockFile = lockFile;
        this.lock = lock;
    }

    /** As {@link #open(Path, boolean)} creating the file when it is missing (a witness's first start, tests). */
    public static WitnessState open(Path file) throws IOException {
        return open(file, true);
    }

    /**
     * The state in {@code file}, holding its lock.
     *
     * @param create when the file does not exist: true starts an empty state (written at once), false
     *               refuses (a witness that has a key but lost its state must not start over by itself)
     */
    public static WitnessState open(Path file, boolean create) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        FileChannel lockFile = FileChannel.open(dir.resolve(file.getFileName() + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        java.nio.channels.FileLock lock;
        try {
            lock = lockFile.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null; // this process holds it already
        } catch (IOException | RuntimeException e) {
            lockFile.close();
            throw e;
        }
        if (lock == null) {
            lockFile.close();
            throw new IOException("another witness process holds " + file + " (" + file.getFileName() + ".lock): one process per state file");
        }
        WitnessState state = new WitnessState(file, lockFile, lock);
        try {
            state.load(create);
        } catch (IOException | RuntimeException e) {
            state.close();
            throw e;
        }
        return state;
    }

    private void load(boolean create) throws IOException {
        if (!Files.exists(file)) {
            if (!create) {
                throw new IOException("the witness state " + file + " is missing while its key exists: starting over would let this witness "
                        + "cosign a fork of a log it followed. Restore the file, or start a new witness explicitly (--new-state)");
            }
            write(HEADER + "\n");
            return;
        }
        if (!Files.isRegularFile(file) || Files.size(file) > MAX_FILE_BYTES) {
            throw new IOException(file + " is not a witness state file (not a regular file, or larger than " + MAX_FILE_BYTES + " bytes)");
        }
        String[] lines = Files.readString(file, StandardCharsets.UTF_8).split("\n");
        if (!lines[0].equals(HEADER)) {
            throw new IOException(file + " does not start with '" + HEADER + "': the witness state is damaged (or empty). "
                    + "Restore it from a backup; starting over would let this witness cosign a fork of a log it followed");
        }
        int number = 1;
        for (String line : java.util.Arrays.copyOfRange(lines, 1, lines.length)) {
            number++;
            var m = LINE.matcher(line);
            if (!m.matches()) {
                throw new IOException(file + " line " + number + " is not '<origin> <size> <root> <note>': the witness state is damaged. "
                        + "Restore it from a backup; starting over would let this witness cosign a fork of a log it followed");
            }
            Latest entry;
            try {
                String note = new String(Base64.getDecoder().decode(m.group(4)), StandardCharsets.UTF_8);
                entry = new Latest(Long.parseLong(m.group(2)), Base64.getDecoder().decode(m.group(3)), note);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " line " + number + " does not decode: the witness state is damaged (" + e.getMessage() + ")");
            }
            if (latest.putIfAbsent(m.group(1), entry) != null) {
                throw new IOException(file + " line " + number + " names the log " + m.group(1) + " a second time: the witness state is damaged");
            }
        }
    }

    /** What was cosigned last for {@code origin}, or null (never). */
    public synchronized Latest latest(String origin) {
        return latest.get(origin);
    }

    /** Records a cosigned checkpoint and returns once it is on disk; on failure nothing changed. */
    public synchronized void record(String origin, long size, byte[] root, String note) throws IOException {
        Map<String, Latest> next = new TreeMap<>(latest);
        next.put(origin, new Latest(size, root.clone(), note));
        StringBuilder text = new StringBuilder(HEADER).append('\n');
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

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            lockFile.close();
        }
    }
}
