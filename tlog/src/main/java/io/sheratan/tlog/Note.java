package io.sheratan.tlog;

import io.sheratan.ed25519.Ed25519;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A {@code c2sp.org/signed-note}: UTF-8 text ending in a newline, a blank line, then one or more
 * signature lines {@code — <name> <base64(key ID || signature)>} (U+2014, a space). The Ed25519
 * signature covers the text alone. {@link #open} checks a note against one verifier key: it needs a
 * signature line with that name and key ID that verifies; lines from other keys (witnesses, a
 * rotated log key) are carried but not trusted.
 */
public record Note(String text, List<Signature> signatures) {

    /** The most a note may hold; a checkpoint is a few hundred bytes. */
    public static final int MAX_BYTES = 1 << 16;
    static final String DASH = "\u2014 ";

    public record Signature(String name, int keyId, byte[] signature, String line) {
    }

    /** The note text with one signature line by {@code signer}. */
    public static String sign(String text, NoteKeys.Signer signer) {
        if (!text.endsWith("\n") || text.contains("\n\n")) {
            throw new IllegalArgumentException("a note's text ends in a newline and has no blank line");
        }
        byte[] sig = signer.sign(text.getBytes(StandardCharsets.UTF_8));
        byte[] blob = ByteBuffer.allocate(4 + sig.length).putInt(signer.keyId()).put(sig).array();
        return text + "\n" + DASH + signer.name() + " " + Base64.getEncoder().encodeToString(blob) + "\n";
    }

    /** Splits a note into text and signature lines, without checking any signature. */
    public static Note parse(String note) throws NoteException {
        if (note.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new NoteException("the note is larger than " + MAX_BYTES + " bytes");
        }
        int split = note.lastIndexOf("\n\n");
        if (split < 0 || !note.endsWith("\n")) {
            throw new NoteException("not a signed note: no blank line between text and signatures, or no final newline");
        }
        String text = note.substring(0, split + 1);
        if (text.indexOf('\r') >= 0 || text.chars().anyMatch(c -> c < 0x20 && c != '\n')) {
            throw new NoteException("the note's text holds control characters");
        }
        List<Signature> signatures = new ArrayList<>();
        for (String line : note.substring(split + 2).split("\n")) {
            if (!line.startsWith(DASH)) {
                throw new NoteException("a signature line does not start with '— ': '" + Checkpoint.printable(line) + "'");
            }
            String[] parts = line.substring(DASH.length()).split(" ", -1);
            if (parts.length != 2) {
                throw new NoteException("a signature line is '— <name> <base64>': '" + Checkpoint.printable(line) + "'");
            }
            NoteKeys.checkName(parts[0]);
            byte[] blob;
            try {
                blob = Base64.getDecoder().decode(parts[1]);
            } catch (IllegalArgumentException e) {
                throw new NoteException("a signature of " + parts[0] + " is not base64");
            }
            if (blob.length < 5) {
                throw new NoteException("a signature of " + parts[0] + " is too short");
            }
            ByteBuffer b = ByteBuffer.wrap(blob);
            int keyId = b.getInt();
            byte[] sig = new byte[blob.length - 4];
            b.get(sig);
            signatures.add(new Signature(parts[0], keyId, sig, line));
        }
        if (signatures.isEmpty()) {
            throw new NoteException("the note has no signature");
        }
        return new Note(text, signatures);
    }

    /**
     * Parses the note and checks that {@code verifier} signed it; returns it, or says why not. As
     * signed-note asks, a line with the verifier's name and key ID whose signature does not verify
     * makes the whole note refused, even beside a line that does: such a note was altered.
     */
    public static Note open(String note, NoteKeys.Verifier verifier) throws NoteException {
        return open(parse(note), verifier);
    }

    /** As {@link #open(String, NoteKeys.Verifier)}, for a note already parsed. */
    public static Note open(Note parsed, NoteKeys.Verifier verifier) throws NoteException {
        boolean verified = false;
        for (Signature s : parsed.signatures()) {
            if (s.name().equals(verifier.name()) && s.keyId() == verifier.keyId()) {
                if (s.signature().length != Ed25519.SIGNATURE_LENGTH
                        || !Ed25519.verify(verifier.key(), parsed.text().getBytes(StandardCharsets.UTF_8), s.signature())) {
                    throw new NoteException("the signature of " + verifier.name() + " (key " + String.format("%08x", verifier.keyId())
                            + ") does not verify: the note was altered or signed by another key");
                }
                verified = true;
            }
        }
        if (!verified) {
            throw new NoteException("the note carries no signature by " + verifier.name() + " with key ID " + String.format("%08x", verifier.keyId()));
        }
        return parsed;
    }

    /** Opens a checkpoint note and parses its text; the origin must be the verifier's name. */
    public static Checkpoint openCheckpoint(String note, NoteKeys.Verifier verifier) throws NoteException {
        Checkpoint checkpoint = Checkpoint.parse(open(note, verifier).text());
        if (!checkpoint.origin().equals(verifier.name())) {
            throw new NoteException("the checkpoint's origin '" + Checkpoint.printable(checkpoint.origin())
                    + "' is not the key's name '" + verifier.name() + "'");
        }
        return checkpoint;
    }
}
