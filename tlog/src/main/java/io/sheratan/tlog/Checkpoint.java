package io.sheratan.tlog;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A {@code c2sp.org/tlog-checkpoint} body: the origin line, the tree size in decimal, the base64 root
 * hash, each ending in a newline. Extension lines after the root are allowed by the spec and kept as
 * they are (they are signed with the rest), but this log writes none.
 */
public record Checkpoint(String origin, long size, byte[] root, String extensions) {

    public Checkpoint(String origin, long size, byte[] root) {
        this(origin, size, root, "");
    }

    public String text() {
        return origin + "\n" + size + "\n" + Base64.getEncoder().encodeToString(root) + "\n" + extensions;
    }

    /** Parses a checkpoint body (the note text, without signatures); a message names what is wrong. */
    public static Checkpoint parse(String text) throws NoteException {
        String[] lines = text.split("\n", -1);
        if (lines.length < 4 || !lines[lines.length - 1].isEmpty()) {
            throw new NoteException("a checkpoint has an origin, a size and a root hash line, each ending in a newline");
        }
        String origin = lines[0];
        if (origin.isEmpty()) {
            throw new NoteException("the checkpoint's origin line is empty");
        }
        if (!lines[1].matches("0|[1-9][0-9]{0,18}")) {
            throw new NoteException("the checkpoint's size is not a decimal without leading zeros: '" + printable(lines[1]) + "'");
        }
        long size;
        try {
            size = Long.parseLong(lines[1]);
        } catch (NumberFormatException e) {
            throw new NoteException("the checkpoint's size does not fit in 63 bits");
        }
        byte[] root;
        try {
            root = Base64.getDecoder().decode(lines[2]);
        } catch (IllegalArgumentException e) {
            throw new NoteException("the checkpoint's root hash is not base64");
        }
        if (root.length != Merkle.HASH_SIZE || !Base64.getEncoder().encodeToString(root).equals(lines[2])) {
            throw new NoteException("the checkpoint's root hash is not a canonical base64 SHA-256 hash");
        }
        StringBuilder extensions = new StringBuilder();
        for (int i = 3; i < lines.length - 1; i++) {
            if (lines[i].isEmpty()) {
                throw new NoteException("the checkpoint has an empty line inside its body");
            }
            extensions.append(lines[i]).append('\n');
        }
        return new Checkpoint(origin, size, root, extensions.toString());
    }

    public static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "…" : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    public byte[] bytes() {
        return text().getBytes(StandardCharsets.UTF_8);
    }
}
