package io.sheratan.audit;

import io.sheratan.avro.codec.AuditEvents;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Finds a log entry's index by event id or job id without reading the log: a RocksDB store of
 * exact keys (kind, then the id's UTF-8 bytes) to indexes, with Bloom filters, so an unknown id costs
 * a filter probe and a known one a point read, however large the log (DESIGN section 9: lookups never
 * stall appends). Readers take no Java lock at all: RocksDB reads are concurrent with its writes, and
 * only the tree thread writes, blindly (no read on the append path). The newest index of a key wins.
 *
 * <p>It is an accelerator, not evidence. It records how many entries it has indexed in the same
 * atomic batch as their keys, so after any crash it knows where to resume; its keys always point at
 * entries that are in the fsynced chain (the tree is appended only after the chain), so keys a
 * restart re-adds land at the same indexes. Lost or from an older release ({@code tlog-index.bin}),
 * it is rebuilt from the chain.
 */
final class EntryIndex implements AutoCloseable {

    static {
        RocksDB.loadLibrary();
    }

    private static final byte[] SIZE_KEY = {0, 's'};
    /** The keys' format: 2 added {@link #EXACT}; an index without it is rebuilt from the chain. */
    private static final byte[] VERSION_KEY = {0, 'v'};
    private static final long VERSION = 2;
    static final byte EVENT = 'e';
    static final byte JOB = 'j';
    static final byte RESULT = 'r';
    static final byte EXACT = 'x';

    /**
     * What a {@code RESULT_VERIFIED} entry vouches for ({@link AuditEvents#RESULT_VOUCHED}): its exact key is
     * all of them, so a copy on the verified topic that keeps the job and core hash and changes the mode,
     * key, node, source or time is indexed apart and never becomes the stored result's proof.
     */
    static final List<String> VOUCHED = AuditEvents.RESULT_VOUCHED;

    private final Path dir;
    private final LRUCache cache;
    private final BloomFilter filter;
    private final Options options;
    private final WriteOptions writeOptions = new WriteOptions();
    private final RocksDB db;
    private volatile long size;
    /** Readers hold it while they use the native handle, so that close never frees it under them. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock closing = new java.util.concurrent.locks.ReentrantReadWriteLock();
    private boolean closed;

    /** A key of the index: its kind and id. */
    record Key(byte kind, String id) {
        byte[] bytes() {
            byte[] id = this.id.getBytes(StandardCharsets.UTF_8);
            byte[] out = new byte[id.length + 1];
            out[0] = kind;
            System.arraycopy(id, 0, out, 1, id.length);
            return out;
        }

        /** A job's result: core sha256 (64 hex characters, fixed length) then job id: the entry of the stored result. */
        static Key result(String jobId, String sha256) {
            return new Key(RESULT, sha256 + "/" + jobId);
        }

        /**
         * The exact key of a result's entry: the SHA-256 of every {@link #VOUCHED} member, each as its JSON
         * scalar's text (a string's value, a number's digits, {@code true}/{@code false}; null when absent or null).
         */
        static Key exactResult(Function<String, String> member) {
            MessageDigest digest;
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            for (String name : VOUCHED) {
                String value = member.apply(name);
                if (value == null) {
                    digest.update((byte) 0);
                } else {
                    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                    digest.update((byte) 1);
                    digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
                    digest.update(bytes);
                }
            }
            return new Key(EXACT, HexFormat.of().formatHex(digest.digest()));
        }
    }

    private EntryIndex(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        cache = new LRUCache(32L * 1024 * 1024);
        filter = new BloomFilter(10);
        options = new Options().setCreateIfMissing(true)
                .setWriteBufferSize(16L * 1024 * 1024)
                .setMaxWriteBufferNumber(2)
                .setMaxOpenFiles(256)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                // index and filter blocks stay with their table readers (off-heap, ~1.5 bytes a key), never evicted by
                // data blocks: a lookup then reads at most one data block (measured: bench index)
                .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(filter)
                        .setCacheIndexAndFilterBlocks(false).setOptimizeFiltersForMemory(true));
        try {
            db = RocksDB.open(options, dir.toString());
            byte[] stored = db.get(SIZE_KEY);
            size = stored == null ? 0 : ByteBuffer.wrap(stored).getLong();
            byte[] version = db.get(VERSION_KEY);
            if (size == 0) {
                db.put(VERSION_KEY, ByteBuffer.allocate(8).putLong(VERSION).array());
            } else if (version == null || ByteBuffer.wrap(version).getLong() != VERSION) {
                db.close();
                closeOptions();
                throw new IOException("the audit log's index " + dir + " has keys of an earlier release (it is rebuilt from the log)");
            }
        } catch (RocksDBException e) {
            closeOptions();
            throw new IOException("cannot open the audit log's index " + dir + ": " + e.getMessage()
                    + " (it is rebuilt from the log when the directory is removed)", e);
        }
    }

    /** Opens (or creates) the index in {@code dir}, dropping what {@code obsolete} files an older release left beside it. */
    static EntryIndex open(Path dir, Path... obsolete) throws IOException {
        for (Path old : obsolete) {
            Files.deleteIfExists(old);
        }
        return new EntryIndex(dir);
    }

    /** Removes the index (it is rebuilt from the chain), then opens an empty one. */
    static EntryIndex recreate(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return new EntryIndex(dir);
    }

    /** How many entries have been indexed (their keys recorded). */
    long size() {
        return size;
    }

    /**
     * Records the keys of the entries from {@link #size()} on and the new size, in one atomic batch of
     * blind writes (no read on the append path): a key seen again names its newest entry (a job
     * verified again after its retention, an id some writer repeated). Keys a restart adds again land
     * at the same indexes. Called by the tree thread only.
     */
    void add(List<KeyAt> keys, long newSize) throws IOException {
        closing.readLock().lock();
        try (WriteBatch batch = new WriteBatch()) {
            if (closed) {
                throw new IOException("the audit log's index is closed");
            }
            for (KeyAt k : keys) {
                batch.put(k.key().bytes(), ByteBuffer.allocate(8).putLong(k.at()).array());
            }
            batch.put(SIZE_KEY, ByteBuffer.allocate(8).putLong(newSize).array());
            db.write(writeOptions, batch);
            size = newSize;
        } catch (RocksDBException e) {
            throw new IOException("cannot write the audit log's index: " + e.getMessage(), e);
        } finally {
            closing.readLock().unlock();
        }
    }

    /** A key and the index of the entry it names. */
    record KeyAt(Key key, long at) {
    }

    /** The index recorded for a key, or -1. Any thread; shares no lock with {@link #add} (only with {@link #close}). */
    long get(Key key) {
        byte[] bytes = key.bytes();
        closing.readLock().lock();
        try {
            if (closed || !db.keyMayExist(bytes, null)) {
                return -1;
            }
            byte[] value = db.get(bytes);
            return value == null ? -1 : ByteBuffer.wrap(value).getLong();
        } catch (RocksDBException e) {
            return -1;
        } finally {
            closing.readLock().unlock();
        }
    }

    Path dir() {
        return dir;
    }

    @Override
    public void close() {
        closing.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            db.close();
            closeOptions();
        } finally {
            closing.writeLock().unlock();
        }
    }

    private void closeOptions() {
        writeOptions.close();
        options.close();
        filter.close();
        cache.close();
    }
}
