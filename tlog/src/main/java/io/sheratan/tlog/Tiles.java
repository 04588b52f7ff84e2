package io.sheratan.tlog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code c2sp.org/tlog-tiles} layout on disk, and a read-only view of it at one tree size.
 * Level-L tile N holds up to 256 hashes of height 8L; entry bundles hold the entries themselves, each
 * behind a big-endian uint16 length. Paths: {@code tile/<L>/<N>[.p/<W>]} and
 * {@code tile/entries/<N>[.p/<W>]}, N written as 3-digit groups, all but the last prefixed {@code x}.
 */
public final class Tiles {

    public static final int HEIGHT = 8;
    public static final int WIDTH = 1 << HEIGHT;
    public static final int TILE_BYTES = WIDTH * Merkle.HASH_SIZE;
    /** An entry's length travels in 16 bits (DESIGN section 9: at most 65,535 bytes). */
    public static final int MAX_ENTRY_BYTES = 0xffff;

    private Tiles() {
    }

    /** {@code 1234067 -> x001/x234/067}. */
    public static String index(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative tile index " + n);
        }
        String s = Long.toString(n);
        int pad = (3 - s.length() % 3) % 3;
        s = "0".repeat(pad) + s;
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < s.length(); i += 3) {
            if (i + 3 < s.length()) {
                path.append('x').append(s, i, i + 3).append('/');
            } else {
                path.append(s, i, i + 3);
            }
        }
        return path.toString();
    }

    /** The tile path relative to the log directory; width 256 is the full tile. */
    public static String tilePath(int level, long n, int width) {
        return "tile/" + level + "/" + index(n) + (width == WIDTH ? "" : ".p/" + width);
    }

    public static String bundlePath(long n, int width) {
        return "tile/entries/" + index(n) + (width == WIDTH ? "" : ".p/" + width);
    }

    /** The entries of a bundle, in order; a length that runs past the end is refused. */
    public static List<byte[]> parseBundle(byte[] bundle) throws IOException {
        List<byte[]> entries = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(bundle);
        while (b.hasRemaining()) {
            if (b.remaining() < 2) {
                throw new IOException("an entry bundle ends inside a length prefix");
            }
            int length = Short.toUnsignedInt(b.getShort());
            if (length > b.remaining()) {
                throw new IOException("an entry claims " + length + " bytes, " + b.remaining() + " are left in the bundle");
            }
            byte[] entry = new byte[length];
            b.get(entry);
            entries.add(entry);
        }
        return entries;
    }

    /**
     * Entry {@code k} of the bundle in {@code file}, read by skipping the length prefixes before it:
     * at most {@code k + 1} small positional reads and the entry itself, never the whole bundle.
     */
    public static byte[] readBundleEntry(Path file, int k) throws IOException {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
            long position = 0;
            long size = channel.size();
            ByteBuffer prefix = ByteBuffer.allocate(2);
            for (int i = 0; ; i++) {
                prefix.clear();
                if (position + 2 > size || channel.read(prefix, position) != 2) {
                    throw new IOException(file.getFileName() + " ends before entry " + k);
                }
                int length = Short.toUnsignedInt(prefix.getShort(0));
                if (position + 2 + length > size) {
                    throw new IOException("an entry claims " + length + " bytes beyond the end of " + file.getFileName());
                }
                if (i == k) {
                    ByteBuffer entry = ByteBuffer.allocate(length);
                    while (entry.hasRemaining() && channel.read(entry, position + 2 + entry.position()) > 0) {
                        // read it whole
                    }
                    return entry.array();
                }
                position += 2 + length;
            }
        }
    }

    /** The tiles of a log directory as they stand for a tree of {@code size} (full tiles, or that size's partials). */
    public static Reader reader(Path dir, long size) {
        return new Reader(dir, size);
    }

    /**
     * Reads hashes and entries from files for one tree size: a full tile where it exists, else the
     * partial tile of the width that size implies. Missing files are {@link IOException}s naming the
     * path (wrapped unchecked inside {@link Merkle.HashReader}).
     */
    public static final class Reader implements Merkle.HashReader {
        private final Path dir;
        private final long size;
        private final Map<String, byte[]> cache = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
                return size() > 64;
            }
        };

        Reader(Path dir, long size) {
            this.dir = dir;
            this.size = size;
        }

        @Override
        public byte[] hash(int level, long index) {
            try {
                return TileLog.subtree(level, index, (l, n) -> {
                    byte[] t = tile(l, n);
                    return new TileLog.Tile(t, t.length / Merkle.HASH_SIZE);
                });
            } catch (IOException e) {
                throw new MissingTileException(e.getMessage());
            }
        }

        /** Level-L tile N as stored for this size: 256 hashes, or the partial width. */
        byte[] tile(int level, long n) throws IOException {
            String key = level + "/" + n;
            byte[] cached = cache.get(key);
            if (cached != null) {
                return cached;
            }
            long count = size >>> (HEIGHT * level);
            int width = n < count / WIDTH ? WIDTH : (int) (count % WIDTH);
            if (width == 0) {
                throw new IOException("tile " + level + "/" + n + " is beyond a tree of size " + size);
            }
            byte[] data = read(tilePath(level, n, WIDTH), tilePath(level, n, width), width * Merkle.HASH_SIZE);
            cache.put(key, data);
            return data;
        }

        /** The entries of bundle N for this size. */
        public List<byte[]> bundle(long n) throws IOException {
            int width = n < size / WIDTH ? WIDTH : (int) (size % WIDTH);
            if (width == 0) {
                throw new IOException("entry bundle " + n + " is beyond a tree of size " + size);
            }
            Path full = dir.resolve(bundlePath(n, WIDTH));
            Path partial = dir.resolve(bundlePath(n, width));
            Path file = Files.exists(full) ? full : partial;
            byte[] data;
            try {
                data = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                throw new IOException("entry bundle missing: " + dir.relativize(partial) + (width < WIDTH ? " (nor " + dir.relativize(full) + ")" : ""));
            }
            List<byte[]> entries = parseBundle(data);
            if (entries.size() < width) {
                throw new IOException(dir.relativize(file) + " holds " + entries.size() + " entries, " + width + " expected");
            }
            return entries.subList(0, width);
        }

        private byte[] read(String fullPath, String partialPath, int bytes) throws IOException {
            Path full = dir.resolve(fullPath);
            Path file = Files.exists(full) ? full : dir.resolve(partialPath);
            byte[] data;
            try {
                data = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                throw new IOException("tile missing: " + partialPath + (fullPath.equals(partialPath) ? "" : " (nor " + fullPath + ")"));
            }
            if (data.length < bytes) {
                throw new IOException(dir.relativize(file) + " holds " + data.length + " bytes, " + bytes + " expected");
            }
            return data.length == bytes ? data : java.util.Arrays.copyOf(data, bytes);
        }
    }

    /** A tile or bundle that the tree needs is not there (or is short). */
    public static final class MissingTileException extends RuntimeException {
        public MissingTileException(String message) {
            super(message);
        }
    }
}
