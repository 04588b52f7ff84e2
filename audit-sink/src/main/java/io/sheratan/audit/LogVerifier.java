package io.sheratan.audit;

import io.sheratan.tlog.NoteKeys;
import io.sheratan.tlog.Tiles;
import io.sheratan.tlog.TreeCheck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * {@code sheratan audit verify-log}: does a copy of the audit log match its signed checkpoint? Three
 * checks, each naming the first bad index: the Merkle tree recomputed from the entry bundles against
 * the checkpoint (and any older checkpoints the auditor kept) — {@link TreeCheck}; each JSONL line's
 * event against the entry at its index; and the JSONL hash chain. Needs the verifier key only.
 */
public final class LogVerifier {

    /** What was found; {@code firstBad} is -1 when everything holds. */
    /** @param note the checkpoint note that was verified (read once: check cosignatures on this text), or null */
    public record Report(List<String> findings, List<String> problems, long firstBad, String note) {
        public boolean holds() {
            return problems.isEmpty();
        }
    }

    private LogVerifier() {
    }

    /** @param dir the audit directory (with {@code tlog/} and the JSONL files), or a {@code tlog/} directory alone */
    public static Report verify(Path dir, NoteKeys.Verifier key, List<String> kept, LongConsumer progress) throws IOException {
        Path tlog = Files.exists(dir.resolve("tlog/checkpoint")) || !Files.exists(dir.resolve("checkpoint")) ? dir.resolve("tlog") : dir;
        List<String> findings = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        TreeCheck.Result tree = TreeCheck.verify(tlog, key, kept, progress);
        problems.addAll(tree.problems());
        long firstBad = tree.firstBad();
        if (tree.checkpoint() == null) {
            return new Report(findings, problems, firstBad, tree.note());
        }
        long size = tree.checkpoint().size();
        findings.add("checkpoint: " + tree.checkpoint().origin() + ", " + size + " entries, signature verified");
        if (tree.holds()) {
            findings.add("tree: " + tree.entries() + " entries recomputed from tile/entries match the checkpoint's root"
                    + (kept.isEmpty() ? "" : " and extend the " + kept.size() + " kept checkpoint(s)"));
        }
        if (!ChainLog.files(dir).isEmpty()) {
            long jsonlBad = compareJsonl(dir, tlog, size, problems, findings);
            if (jsonlBad >= 0) {
                firstBad = firstBad < 0 ? jsonlBad : Math.min(firstBad, jsonlBad);
            }
            ChainVerifier.Report chain = ChainVerifier.verify(dir);
            if (chain.intact()) {
                findings.add("chain: intact, " + chain.lines() + " lines, head " + chain.head());
            } else {
                problems.add("chain: " + chain.problem());
            }
        }
        return new Report(findings, problems, firstBad, tree.note());
    }

    /** Each JSONL line's canonical event must be the entry at its index; returns the first index that is not, or -1. */
    private static long compareJsonl(Path dir, Path tlog, long size, List<String> problems, List<String> findings) throws IOException {
        Tiles.Reader reader = Tiles.reader(tlog, size);
        long[] lines = {0};
        long[] bad = {-1};
        Object[] bundle = {null, -1L};
        try {
            ChainLog.entries(dir, 0, entry -> {
                long i = lines[0]++;
                if (i >= size || bad[0] >= 0) {
                    return;
                }
                long n = i / Tiles.WIDTH;
                if ((long) bundle[1] != n) {
                    try {
                        bundle[0] = reader.bundle(n);
                        bundle[1] = n;
                    } catch (IOException e) {
                        bundle[0] = null;
                        bundle[1] = n;
                    }
                }
                @SuppressWarnings("unchecked")
                List<byte[]> entries = (List<byte[]>) bundle[0];
                if (entries != null && !Arrays.equals(entry.entry(), entries.get((int) (i % Tiles.WIDTH)))) {
                    bad[0] = i;
                }
            });
        } catch (UncheckedIOException | IOException e) {
            problems.add("jsonl: unreadable after line " + lines[0] + ": " + e.getMessage());
            return lines[0];
        }
        if (bad[0] >= 0) {
            problems.add("jsonl: line " + (bad[0] + 1) + " differs from log entry " + bad[0] + ": first bad index " + bad[0]);
            return bad[0];
        }
        if (lines[0] < size) {
            problems.add("jsonl: " + lines[0] + " lines, the checkpoint covers " + size + ": first bad index " + lines[0]);
            return lines[0];
        }
        findings.add("jsonl: " + Math.min(lines[0], size) + " lines equal to their entries" + (lines[0] > size ? "; " + (lines[0] - size)
                + " newer lines are not covered by this checkpoint" : ""));
        return -1;
    }
}
