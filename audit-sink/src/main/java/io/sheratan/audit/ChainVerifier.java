package io.sheratan.audit;

import io.sheratan.integrity.Marks;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code sheratan audit verify-chain}: walks every file and line and recomputes the chain. An
 * edited, deleted, inserted or reordered line, or a file missing from the middle, is reported at
 * the first place it shows. Truncation of the newest lines leaves a shorter, valid chain: compare
 * the printed head hash with a copy kept elsewhere to see that.
 */
public final class ChainVerifier {

    private ChainVerifier() {
    }

    /** The outcome: intact with a summary, or broken at a named place. */
    public record Report(boolean intact, long lines, int files, String firstTime, String lastTime, String head, String problem) {
    }

    public static Report verify(Path dir) throws IOException {
        List<Path> files = ChainLog.files(dir);
        String prev = ChainLog.GENESIS;
        long expectedSeq = 1;
        String first = null;
        String last = null;
        int expectedNumber = files.isEmpty() ? 0 : 1;
        for (Path file : files) {
            int number = ChainLog.number(file);
            if (number != expectedNumber) {
                return broken(expectedSeq - 1, files.size(), first, last, prev,
                        ChainLog.fileName(expectedNumber) + " is missing (next file is " + file.getFileName() + ")");
            }
            expectedNumber++;
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String text;
                int lineNumber = 0;
                while ((text = reader.readLine()) != null) {
                    lineNumber++;
                    String where = file.getFileName() + " line " + lineNumber;
                    Parsed line = Parsed.of(text);
                    if (line == null) {
                        return broken(expectedSeq - 1, files.size(), first, last, prev, where + ": not an audit line");
                    }
                    long seq = line.seq;
                    if (seq != expectedSeq) {
                        return broken(expectedSeq - 1, files.size(), first, last, prev,
                                where + ": seq " + seq + " where " + expectedSeq + " was expected (line deleted, inserted or reordered)");
                    }
                    if (!line.prevHash.equals(prev)) {
                        return broken(expectedSeq - 1, files.size(), first, last, prev,
                                where + " (seq " + seq + "): prev_hash does not match the previous line's hash");
                    }
                    String claimed = line.hash;
                    if (!Marks.sha256Hex(line.hashInput()).equals(claimed)) {
                        return broken(expectedSeq - 1, files.size(), first, last, prev,
                                where + " (seq " + seq + "): hash does not match the line's content (line edited)");
                    }
                    String time = line.writtenAt;
                    if (first == null) {
                        first = time;
                    }
                    last = time;
                    prev = claimed;
                    expectedSeq++;
                }
            }
        }
        return new Report(true, expectedSeq - 1, files.size(), first, last, prev, null);
    }

    /**
     * A stored line, read without a JSON parser: lines are written in canonical form, where
     * {@code "hash"} is the second top-level member, so the canonical line without its hash is the
     * text with {@code ,"hash":"…"} cut out. Any other spelling of a line fails the hash check,
     * which is the point. This keeps verify-chain at a few microseconds per line.
     */
    private record Parsed(String text, int hashStart, String hash, String prevHash, long seq, String writtenAt) {

        private static final String HASH = ",\"hash\":\"";

        static Parsed of(String text) {
            int h = text.lastIndexOf(HASH);
            String hash = field(text, HASH, h);
            String prev = field(text, "\"prev_hash\":\"", text.indexOf("\"prev_hash\":\""));
            int s = text.indexOf("\"seq\":");
            if (hash == null || prev == null || s < 0 || !text.startsWith("{\"event\":")) {
                return null;
            }
            int e = s + 6;
            while (e < text.length() && Character.isDigit(text.charAt(e))) {
                e++;
            }
            long seq;
            try {
                seq = Long.parseLong(text.substring(s + 6, e));
            } catch (NumberFormatException ex) {
                return null;
            }
            int w = text.indexOf("\"written_at\":\"");
            String writtenAt = w < 0 ? null : text.substring(w + 14, Math.max(w + 14, text.indexOf('"', w + 14)));
            return new Parsed(text, h, hash, prev, seq, writtenAt);
        }

        private static String field(String text, String name, int at) {
            if (at < 0 || at + name.length() + 64 > text.length()) {
                return null;
            }
            return text.substring(at + name.length(), at + name.length() + 64);
        }

        byte[] hashInput() {
            String body = text.substring(0, hashStart) + text.substring(hashStart + HASH.length() + 64 + 1);
            return (prevHash + body).getBytes(StandardCharsets.UTF_8);
        }
    }

    private static Report broken(long lines, int files, String first, String last, String head, String problem) {
        return new Report(false, lines, files, first, last, head, problem);
    }
}
