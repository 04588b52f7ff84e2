package io.sheratan.tlog;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A {@code c2sp.org/tlog-proof@v1}: the entry's index, its audit path (base64, one hash a line, from
 * the leaf's sibling up) and, after a blank line, the checkpoint note verbatim. The optional
 * {@code extra} line carries the entry itself (base64 of its canonical JSON), so that one file is
 * enough to check it; it is not trusted: {@link #verify} hashes it and checks it against the
 * signed root.
 */
public record InclusionProof(byte[] extra, long index, List<byte[]> path, String checkpointNote) {

    public static final String HEADER = "c2sp.org/tlog-proof@v1";
    /** A proof of a tree of up to 2^63 leaves has at most 63 hashes; a note is bounded too. */
    public static final int MAX_BYTES = 256 * 1024;

    public String text() {
        StringBuilder out = new StringBuilder(HEADER).append('\n');
        if (extra != null) {
            out.append("extra ").append(Base64.getEncoder().encodeToString(extra)).append('\n');
        }
        out.append("index ").append(index).append('\n');
        for (byte[] hash : path) {
            out.append(Base64.getEncoder().encodeToString(hash)).append('\n');
        }
        return out.append('\n').append(checkpointNote).toString();
    }

    public static InclusionProof parse(String text) throws NoteException {
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new NoteException("the proof is larger than " + MAX_BYTES + " bytes");
        }
        int blank = text.indexOf("\n\n");
        if (!text.startsWith(HEADER + "\n") || blank < 0) {
            throw new NoteException("not a " + HEADER + " proof (first line, then index, hashes, a blank line and the checkpoint)");
        }
        String[] lines = text.substring(0, blank).split("\n");
        int i = 1;
        byte[] extra = null;
        if (i < lines.length && lines[i].startsWith("extra ")) {
            try {
                extra = Base64.getDecoder().decode(lines[i].substring(6));
            } catch (IllegalArgumentException e) {
                throw new NoteException("the proof's extra line is not base64");
            }
            i++;
        }
        if (i >= lines.length || !lines[i].matches("index (0|[1-9][0-9]{0,18})")) {
            throw new NoteException("the proof has no 'index N' line (decimal, no leading zeros)");
        }
        long index;
        try {
            index = Long.parseLong(lines[i].substring(6));
        } catch (NumberFormatException e) {
            throw new NoteException("the proof's index does not fit in 63 bits");
        }
        List<byte[]> path = new ArrayList<>();
        for (i++; i < lines.length; i++) {
            path.add(hash(lines[i], "proof line " + (i + 1)));
        }
        if (path.size() > 63) {
            throw new NoteException("the proof has " + path.size() + " hashes; a tree of 2^63 leaves needs at most 63");
        }
        return new InclusionProof(extra, index, path, text.substring(blank + 2));
    }

    static byte[] hash(String line, String where) throws NoteException {
        byte[] hash;
        try {
            hash = Base64.getDecoder().decode(line);
        } catch (IllegalArgumentException e) {
            throw new NoteException(where + " is not base64");
        }
        if (hash.length != Merkle.HASH_SIZE) {
            throw new NoteException(where + " is not a SHA-256 hash (" + hash.length + " bytes)");
        }
        return hash;
    }

    /**
     * Checks the checkpoint's signature under {@code verifier}, then that {@code entry} (the extra
     * line's when null) is at {@link #index} of the signed tree. Returns the checkpoint.
     */
    public Checkpoint verify(NoteKeys.Verifier verifier, byte[] entry) throws NoteException {
        Checkpoint checkpoint = Note.openCheckpoint(checkpointNote, verifier);
        byte[] logged = entry != null ? entry : extra;
        if (logged == null) {
            throw new NoteException("no entry to check: the proof has no extra line and none was given");
        }
        if (index >= checkpoint.size()) {
            throw new NoteException("index " + index + " is not in the checkpoint's tree of " + checkpoint.size() + " entries");
        }
        if (!Merkle.verifyInclusion(index, checkpoint.size(), Merkle.leafHash(logged), path, checkpoint.root())) {
            throw new NoteException("the inclusion proof does not bind this entry at index " + index + " to the checkpoint's root of size " + checkpoint.size());
        }
        return checkpoint;
    }

    /** Consistency proofs travel as RFC 9162 lists of hashes, base64 one a line. */
    public static String consistencyText(List<byte[]> proof) {
        StringBuilder out = new StringBuilder();
        for (byte[] hash : proof) {
            out.append(Base64.getEncoder().encodeToString(hash)).append('\n');
        }
        return out.toString();
    }

    public static List<byte[]> parseConsistency(String text) throws NoteException {
        List<byte[]> proof = new ArrayList<>();
        int line = 0;
        for (String l : text.split("\n")) {
            line++;
            if (!l.isBlank()) {
                proof.add(hash(l.strip(), "consistency proof line " + line));
            }
        }
        if (proof.size() > 126) {
            throw new NoteException("a consistency proof has at most 126 hashes, this one " + proof.size());
        }
        return proof;
    }
}
