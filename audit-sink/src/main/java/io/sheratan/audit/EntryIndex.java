package io.sheratan.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Finds a log entry's index by event id or job id without reading the log: 64-bit key hashes
 * (the first 8 bytes of SHA-256) to indexes, in an append-only file of (hash, index) pairs and, for
 * the newest keys, an open-addressing table in memory (16 bytes a slot, at most half full). The table
 * holds at most {@link #maxKeys} keys (a 512th of the heap's bytes: 512 Ki keys, 16 MiB at
 * {@code -Xmx256m}); when full it starts over with the newest, so a log of any size, or a flood of
 * junk records on the audit topic, cannot exhaust the sink's heap. A key not in memory is looked up
 * by reading the file (16 bytes per key; tens of milliseconds a million). The file is an accelerator,
 * not evidence: it is cut back on start like the tiles, and a hit is confirmed by reading the entry
 * (a hash collision is a miss, never a wrong proof).
 */
final class EntryIndex implements AutoCloseable {

    private static final int RECORD = 16;
    private final Path file;
    private FileChannel channel;
    private long[] keys = new long[1 << 12];
    private long[] values = new long[1 << 12];
    private int used;
    private final int maxKeys;

    EntryIndex(Path file, long keepBelow) throws IOException {
        this(file, keepBelow, (int) Math.min(1 << 24, Math.max(1 << 16, Runtime.getRuntime().maxMemory() / 512)));
    }

    EntryIndex(Path file, long keepBelow, int maxKeys) throws IOException {
        this.file = file;
        this.maxKeys = maxKeys;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long size = channel.size() / RECORD * RECORD;
        ByteBuffer records = ByteBuffer.allocate(RECORD * 4096);
        long valid = 0;
        boolean stop = false;
        for (long position = 0; position < size && !stop; position += records.limit()) {
            records.clear();
            records.limit((int) Math.min(records.capacity(), size - position));
            while (records.hasRemaining() && channel.read(records, position + records.position()) >= 0) {
                // read the whole chunk
            }
            records.flip();
            while (records.remaining() >= RECORD) {
                long key = records.getLong();
                long index = records.getLong();
                if (index < 0 || index >= keepBelow) {
                    stop = true; // written after the last signed size: appended again on replay
                    break;
                }
                put(key, index);
                valid += RECORD;
            }
        }
        channel.truncate(valid);
        channel.position(valid);
    }

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    /**
     * The first 8 bytes of {@code SHA-256(kind || 0x00 || id)}: to take another id's slot an attacker
     * needs a second preimage of 64 bits, and a collision only ever makes a lookup miss.
     */
    static long hash(String kind, String id) {
        MessageDigest sha = SHA256.get();
        sha.update(kind.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(id.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(sha.digest()).getLong();
    }

    /** Records keys for entries; the first index of a key wins. Written, not fsynced (see the class). */
    synchronized void add(List<long[]> pairs) throws IOException {
        if (pairs.isEmpty()) {
            return;
        }
        ByteBuffer out = ByteBuffer.allocate(pairs.size() * RECORD);
        for (long[] pair : pairs) {
            put(pair[0], pair[1]);
            out.putLong(pair[0]).putLong(pair[1]);
        }
        out.flip();
        while (out.hasRemaining()) {
            channel.write(out);
        }
    }

    /** The index recorded for a key, or -1: from memory, else from the file. */
    synchronized long get(long key) throws IOException {
        int mask = keys.length - 1;
        for (int slot = (int) mix(key) & mask; ; slot = (slot + 1) & mask) {
            if (values[slot] == 0) {
                return scan(key);
            }
            if (keys[slot] == key) {
                return values[slot] - 1;
            }
        }
    }

    /** The first index recorded for a key in the file, or -1. */
    private long scan(long key) throws IOException {
        long size = channel.position() / RECORD * RECORD;
        ByteBuffer records = ByteBuffer.allocate(RECORD * 4096);
        for (long position = 0; position < size; position += records.limit()) {
            records.clear();
            records.limit((int) Math.min(records.capacity(), size - position));
            while (records.hasRemaining() && channel.read(records, position + records.position()) >= 0) {
                // read the whole chunk
            }
            records.flip();
            while (records.remaining() >= RECORD) {
                long k = records.getLong();
                long index = records.getLong();
                if (k == key) {
                    return index;
                }
            }
        }
        return -1;
    }

    private void put(long key, long index) {
        if (used >= maxKeys) {
            // full: start over with the newest keys (the older ones are still in the file)
            java.util.Arrays.fill(keys, 0);
            java.util.Arrays.fill(values, 0);
            used = 0;
        }
        if ((used + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        for (int slot = (int) mix(key) & mask; ; slot = (slot + 1) & mask) {
            if (values[slot] == 0) {
                keys[slot] = key;
                values[slot] = index + 1; // 0 marks an empty slot
                used++;
                return;
            }
            if (keys[slot] == key) {
                return;
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldValues.length * 2];
        used = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != 0) {
                put(oldKeys[i], oldValues[i] - 1);
            }
        }
    }

    private static long mix(long key) {
        return key ^ (key >>> 29);
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
