package io.sheratan.tlog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * {@code audit verify-log}, the tree half: recomputes the Merkle tree from a copied log's entry
 * bundles and checks it against the log's signed checkpoint (and any older checkpoints an auditor
 * kept). When they differ it names the first bad index: from the signed root it walks down through
 * the stored hash tiles, trusting a child only when the two stored children hash to the trusted
 * parent, and goes left first; the first leaf whose recomputed hash differs from its trusted hash is
 * the first entry edited, deleted, reordered or missing. If the tiles were edited too, the walk stops
 * where they stop matching and the index is reported as "at or after".
 */
public final class TreeCheck {

    /** What the check found; {@code firstBad} is -1 when the log matches every checkpoint. */
    public record Result(Checkpoint checkpoint, long entries, long firstBad, boolean exact, List<String> problems, String note) {
        public boolean holds() {
            return problems.isEmpty();
        }
    }

    private TreeCheck() {
    }

    /**
     * @param tlogDir  the {@code tlog/} directory (with {@code checkpoint} and {@code tile/})
     * @param kept     checkpoint notes the auditor kept from earlier; each must be a prefix of this log
     * @param progress called with the number of entries read so far, now and then
     */
    public static Result verify(Path tlogDir, NoteKeys.Verifier verifier, List<String> kept, LongConsumer progress) throws IOException {
        List<String> problems = new ArrayList<>();
        String note;
        try {
            note = Files.readString(tlogDir.resolve("checkpoint"), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new Result(null, 0, -1, false, List.of("no checkpoint at " + tlogDir.resolve("checkpoint")), null);
        }
        Checkpoint checkpoint;
        try {
            checkpoint = Note.openCheckpoint(note, verifier);
        } catch (NoteException e) {
            return new Result(null, 0, -1, false, List.of("the log's checkpoint does not verify: " + e.getMessage()), null);
        }
        long size = checkpoint.size();
        Tiles.Reader stored = Tiles.reader(tlogDir, size);
        List<byte[]> leaves = new ArrayList<>();
        long missingFrom = -1;
        for (long n = 0; n * Tiles.WIDTH < size; n++) {
            try {
                for (byte[] entry : stored.bundle(n)) {
                    leaves.add(Merkle.leafHash(entry));
                }
            } catch (IOException e) {
                missingFrom = n * Tiles.WIDTH;
                problems.add("entries from index " + missingFrom + " cannot be read: " + e.getMessage());
                break;
            }
            if (n % 1024 == 1023) {
                progress.accept(leaves.size());
            }
        }
        long firstBad = -1;
        boolean exact = true;
        if (leaves.size() == size && Arrays.equals(Merkle.root(Merkle.inMemory(leaves), size), checkpoint.root())) {
            // the entries match the signed root
        } else {
            Walk walk = new Walk(leaves, stored);
            long[] found = walk.firstBad(0, size, checkpoint.root());
            firstBad = found[0];
            exact = found[1] == 1;
            if (missingFrom >= 0 && (firstBad < 0 || missingFrom < firstBad)) {
                firstBad = missingFrom;
                exact = true;
            }
            problems.add("the entries do not match the checkpoint's root of " + size + " entries: first bad index "
                    + (exact ? "" : "at or after ") + firstBad);
        }
        for (String keptNote : kept) {
            Checkpoint old;
            try {
                old = Note.openCheckpoint(keptNote, verifier);
            } catch (NoteException e) {
                problems.add("a kept checkpoint does not verify: " + e.getMessage());
                continue;
            }
            if (old.size() > size) {
                problems.add("the log was cut back: a kept checkpoint has " + old.size() + " entries, the log's only " + size);
                firstBad = firstBad < 0 ? size : Math.min(firstBad, size);
            } else if (leaves.size() >= old.size() && !Arrays.equals(Merkle.root(Merkle.inMemory(leaves), old.size()), old.root())) {
                problems.add("the log does not extend a kept checkpoint of " + old.size() + " entries (its history was rewritten)");
            }
        }
        return new Result(checkpoint, leaves.size(), firstBad, exact, problems, note);
    }

    /** The descent described on the class. */
    private static final class Walk {
        private final List<byte[]> leaves;
        private final Merkle.HashReader computed;
        private final Tiles.Reader stored;

        Walk(List<byte[]> leaves, Tiles.Reader stored) {
            this.leaves = leaves;
            this.computed = Merkle.inMemory(leaves);
            this.stored = stored;
        }

        /** {first bad index or -1, 1 if exact}. */
        long[] firstBad(long lo, long hi, byte[] trusted) {
            if (hi <= leaves.size() && Arrays.equals(Merkle.rangeHash(computed, lo, hi), trusted)) {
                return new long[] {-1, 1};
            }
            if (hi - lo == 1) {
                return new long[] {lo, 1};
            }
            long k = Merkle.split(hi - lo);
            byte[] left;
            byte[] right;
            try {
                left = Merkle.rangeHash(stored, lo, lo + k);
                right = Merkle.rangeHash(stored, lo + k, hi);
            } catch (Tiles.MissingTileException e) {
                return new long[] {lo, 0};
            }
            if (!Arrays.equals(Merkle.nodeHash(left, right), trusted)) {
                return new long[] {lo, 0};
            }
            long[] inLeft = firstBad(lo, lo + k, left);
            return inLeft[0] >= 0 ? inLeft : firstBad(lo + k, hi, right);
        }
    }
}
