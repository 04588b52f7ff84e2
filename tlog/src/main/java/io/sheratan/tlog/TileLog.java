package io.sheratan.tlog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

/**
 * An append-only RFC 6962 tree stored as {@code c2sp.org/tlog-tiles}. One writer appends; any number
 * of readers ask for roots, proofs and entries of any size up to the current one.
 *
 * <p>What is in memory is the right edge only: at each level the partial tile being filled (at most
 * 8 KiB) and the partial entry bundle; everything left of it is in full tiles on disk, which never
 * change. So memory does not grow with the log, and a proof reads a handful of tiles (O(log n)).
 *
 * <p>Durability is the caller's rhythm: {@link #append} writes full tiles and bundles as they fill,
 * without fsync; a {@link SyncPoint} taken at some size is later made durable by
 * {@link #completeSync} (its partial tiles and everything written before it, fsynced); after a crash,
 * {@link #open} resumes at a size known durable and the caller appends again what came after it
 * (the audit sink's JSONL log holds it, fsynced first).
 */
public final class TileLog implements Merkle.HashReader {

    /** A tile's hashes as one source holds them; {@code width} of them are valid. */
    record Tile(byte[] hashes, int width) {
    }

    @FunctionalInterface
    interface TileSource {
        Tile tile(int level, long n) throws IOException;
    }

    private final Path dir;
    private final byte[][] levels = new byte[64][];
    private final int[] widths = new int[64];
    private final List<byte[]> bundle = new ArrayList<>();
    private final Set<Path> dirty = new LinkedHashSet<>();
    private final AtomicLong temporaries = new AtomicLong();
    /** Partial-tile directories whose full tile was written since the last sync: deleted once it is durable. */
    private final List<String> superseded = new ArrayList<>();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, byte[]> cache = new LinkedHashMap<>(128, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > 512; // 4 MiB of full tiles
        }
    };
    private long size;
    /** The last directory made sure of: consecutive tiles share one, and a stat per file adds up. */
    private volatile Path lastDirectory;

    private TileLog(Path dir) {
        this.dir = dir;
    }

    /** A new, empty log in {@code dir}; whatever tiles were there are removed. */
    public static TileLog create(Path dir) throws IOException {
        deleteTree(dir.resolve("tile"));
        Files.createDirectories(dir);
        return new TileLog(dir);
    }

    /**
     * The log in {@code dir} as it stood at {@code size} (the last signed size): the right edge is read
     * from that size's partial tiles (or the full ones). Throws if a tile or bundle it needs is missing.
     */
    public static TileLog open(Path dir, long size) throws IOException {
        TileLog log = new TileLog(dir);
        Tiles.Reader reader = Tiles.reader(dir, size);
        try {
            for (int level = 0; level < 64 && (size >>> (Tiles.HEIGHT * level)) > 0; level++) {
                long count = size >>> (Tiles.HEIGHT * level);
                int width = (int) (count % Tiles.WIDTH);
                if (width > 0) {
                    log.levels[level] = Arrays.copyOf(reader.tile(level, count / Tiles.WIDTH), Tiles.TILE_BYTES);
                    log.widths[level] = width;
                }
            }
            if (size % Tiles.WIDTH > 0) {
                log.bundle.addAll(reader.bundle(size / Tiles.WIDTH));
            }
        } catch (Tiles.MissingTileException e) {
            throw new IOException(e.getMessage());
        }
        log.size = size;
        return log;
    }

    public long size() {
        lock.readLock().lock();
        try {
            return size;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Appends entries in order (each at most 65,535 bytes); full tiles and bundles are written as they fill. */
    public void append(List<byte[]> entries) throws IOException {
        for (byte[] entry : entries) {
            if (entry.length > Tiles.MAX_ENTRY_BYTES) {
                throw new IllegalArgumentException("an entry is at most " + Tiles.MAX_ENTRY_BYTES + " bytes, this one is " + entry.length);
            }
        }
        lock.writeLock().lock();
        try {
            for (byte[] entry : entries) {
                bundle.add(entry);
                size++;
                push(0, Merkle.leafHash(entry));
                if (bundle.size() == Tiles.WIDTH) {
                    write(Tiles.bundlePath(size / Tiles.WIDTH - 1, Tiles.WIDTH), bundleBytes());
                    superseded.add("tile/entries/" + Tiles.index(size / Tiles.WIDTH - 1) + ".p");
                    bundle.clear();
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void push(int level, byte[] hash) throws IOException {
        if (levels[level] == null) {
            levels[level] = new byte[Tiles.TILE_BYTES];
        }
        System.arraycopy(hash, 0, levels[level], widths[level] * Merkle.HASH_SIZE, Merkle.HASH_SIZE);
        widths[level]++;
        if (widths[level] == Tiles.WIDTH) {
            long n = (size >>> (Tiles.HEIGHT * level)) / Tiles.WIDTH - 1;
            byte[] full = levels[level].clone();
            write(Tiles.tilePath(level, n, Tiles.WIDTH), full);
            superseded.add("tile/" + level + "/" + Tiles.index(n) + ".p");
            cache.put(level + "/" + n, full);
            widths[level] = 0;
            push(level + 1, Merkle.perfectRoot(full, 0, Tiles.WIDTH));
        }
    }

    /**
     * What one sync makes durable: the files written since the last one, the partial tiles and bundle
     * of its size (copied, so that appends may go on while it is written), and the partial-tile
     * directories whose full tile it includes.
     */
    public static final class SyncPoint {
        private final long size;
        private final List<Path> written;
        private final Map<String, byte[]> partials;
        private final List<String> superseded;

        private SyncPoint(long size, List<Path> written, Map<String, byte[]> partials, List<String> superseded) {
            this.size = size;
            this.written = written;
            this.partials = partials;
            this.superseded = superseded;
        }

        public long size() {
            return size;
        }
    }

    /** Takes what the next sync must write at the current size; cheap, under the writer's lock. */
    public SyncPoint prepareSync() {
        lock.writeLock().lock();
        try {
            Map<String, byte[]> partials = new LinkedHashMap<>();
            for (int level = 0; level < 64 && (size >>> (Tiles.HEIGHT * level)) > 0; level++) {
                if (widths[level] > 0) {
                    long n = (size >>> (Tiles.HEIGHT * level)) / Tiles.WIDTH;
                    partials.put(Tiles.tilePath(level, n, widths[level]), Arrays.copyOf(levels[level], widths[level] * Merkle.HASH_SIZE));
                }
            }
            if (!bundle.isEmpty()) {
                partials.put(Tiles.bundlePath(size / Tiles.WIDTH, bundle.size()), bundleBytes());
            }
            SyncPoint point = new SyncPoint(size, new ArrayList<>(dirty), partials, new ArrayList<>(superseded));
            dirty.clear();
            superseded.clear();
            return point;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Writes the sync point's partial tiles and fsyncs them and every file written before it (and
     * their directories); then removes partial tiles whose full tile is now durable. Needs no lock:
     * appends may run meanwhile (they write other files). Returns the size now durable.
     */
    public long completeSync(SyncPoint point) throws IOException {
        List<Path> files = new ArrayList<>(point.written);
        for (Map.Entry<String, byte[]> partial : point.partials.entrySet()) {
            files.add(replaceFile(partial.getKey(), partial.getValue()));
        }
        Set<Path> directories = new LinkedHashSet<>();
        for (Path file : files) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            directories.add(file.getParent());
        }
        for (Path directory : directories) {
            forceDirectory(directory);
        }
        for (String partials : point.superseded) {
            deletePartials(partials);
        }
        return point.size;
    }

    /** Writes the sync point's partial tiles without fsync: what tlog-tiles readers of a checkpointed size fetch. */
    public void writePartials(SyncPoint point) throws IOException {
        for (Map.Entry<String, byte[]> partial : point.partials.entrySet()) {
            replaceFile(partial.getKey(), partial.getValue());
        }
    }

    /** Writes and fsyncs everything for the current size at once ({@link #prepareSync} then {@link #completeSync}). */
    public long sync() throws IOException {
        return completeSync(prepareSync());
    }

    // ------------------------------------------------------------------ reading

    public byte[] root() {
        return root(size());
    }

    public byte[] root(long treeSize) {
        return read(treeSize, () -> Merkle.root(this, treeSize));
    }

    public List<byte[]> inclusionProof(long index, long treeSize) {
        return read(treeSize, () -> Merkle.inclusionProof(this, index, treeSize));
    }

    public List<byte[]> consistencyProof(long oldSize, long newSize) {
        return read(newSize, () -> Merkle.consistencyProof(this, oldSize, newSize));
    }

    /** The entry at {@code index}. */
    public byte[] entry(long index) {
        // the lock only decides where the entry is: a full bundle is never written again, so it is
        // read after the lock is released and a reader never holds up an append while it reads a file
        Path file = read(index + 1, () -> {
            long n = index / Tiles.WIDTH;
            return n == size / Tiles.WIDTH ? null : dir.resolve(Tiles.bundlePath(n, Tiles.WIDTH));
        });
        if (file == null) {
            lock.readLock().lock();
            try {
                if (index / Tiles.WIDTH == size / Tiles.WIDTH) {
                    return bundle.get((int) (index % Tiles.WIDTH));
                }
                file = dir.resolve(Tiles.bundlePath(index / Tiles.WIDTH, Tiles.WIDTH)); // filled meanwhile
            } finally {
                lock.readLock().unlock();
            }
        }
        try {
            return Tiles.readBundleEntry(file, (int) (index % Tiles.WIDTH));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read entry " + index, e);
        }
    }

    private <T> T read(long treeSize, java.util.function.Supplier<T> action) {
        lock.readLock().lock();
        try {
            if (treeSize > size) {
                throw new IllegalArgumentException("the log has " + size + " entries, not " + treeSize);
            }
            return action.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Called with the read lock held (inside {@link Merkle}'s recursion). */
    @Override
    public byte[] hash(int level, long index) {
        try {
            return subtree(level, index, this::tile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Tile tile(int level, long n) throws IOException {
        long count = size >>> (Tiles.HEIGHT * level);
        if (n == count / Tiles.WIDTH) {
            return new Tile(levels[level], widths[level]);
        }
        String key = level + "/" + n;
        byte[] data;
        synchronized (cache) {
            data = cache.get(key);
        }
        if (data == null) {
            data = Files.readAllBytes(dir.resolve(Tiles.tilePath(level, n, Tiles.WIDTH)));
            if (data.length != Tiles.TILE_BYTES) {
                throw new IOException("tile " + key + " holds " + data.length + " bytes, not " + Tiles.TILE_BYTES);
            }
            synchronized (cache) {
                cache.put(key, data);
            }
        }
        return new Tile(data, Tiles.WIDTH);
    }

    /** The perfect subtree of height {@code level} at {@code index}, from the level-(level/8) tile that holds it. */
    static byte[] subtree(int level, long index, TileSource source) throws IOException {
        int tileLevel = level / Tiles.HEIGHT;
        int within = level % Tiles.HEIGHT;
        long first = index << within;
        long n = first / Tiles.WIDTH;
        int offset = (int) (first % Tiles.WIDTH);
        int count = 1 << within;
        Tile tile = source.tile(tileLevel, n);
        if (tile == null || offset + count > tile.width()) {
            throw new IOException("tile " + tileLevel + "/" + n + " does not hold hashes " + offset + ".." + (offset + count - 1));
        }
        return Merkle.perfectRoot(tile.hashes(), offset * Merkle.HASH_SIZE, count);
    }

    // ------------------------------------------------------------------ files

    private byte[] bundleBytes() {
        int total = bundle.stream().mapToInt(e -> e.length + 2).sum();
        ByteBuffer b = ByteBuffer.allocate(total);
        for (byte[] entry : bundle) {
            b.putShort((short) entry.length).put(entry);
        }
        return b.array();
    }

    private void write(String relative, byte[] data) throws IOException {
        dirty.add(replaceFile(relative, data));
    }

    private Path writeFile(String relative, byte[] data) throws IOException {
        Path file = dir.resolve(relative);
        Path parent = file.getParent();
        if (!parent.equals(lastDirectory)) {
            Files.createDirectories(parent);
            lastDirectory = parent;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }
        return file;
    }

    /**
     * Writes a tile readers may be fetching: a partial tile a published checkpoint names, written again by
     * {@link #completeSync}; a full tile written again after a crash (a checkpoint can be published before
     * its tiles are durable); a tile a reader polls for before it exists. Beside its path, then renamed
     * over it, so a reader gets the old bytes or the new, never a file cut short (tiles are served as
     * immutable).
     */
    private Path replaceFile(String relative, byte[] data) throws IOException {
        Path file = dir.resolve(relative);
        Path temporary = writeFile(relative + ".tmp-" + temporaries.incrementAndGet(), data);
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        return file;
    }

    /** Partial tiles may go once the full tile is durable (tlog-tiles: "once the corresponding full tile is available"). */
    private void deletePartials(String relative) throws IOException {
        Path partials = dir.resolve(relative);
        if (Files.isDirectory(partials)) {
            try (Stream<Path> files = Files.list(partials)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(partials);
        }
    }

    private static void forceDirectory(Path directory) {
        try (FileChannel d = FileChannel.open(directory, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot open directories; the files themselves are fsynced
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
