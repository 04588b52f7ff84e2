package io.sheratan.avro.codec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SHA-256 the contract names: of a canonical core (its content digest) and of raw bytes as
 * evidence. On the per-record path: one digest per thread, lowercase hex without a formatter.
 */
public final class Digests {

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(Digests::newDigest);

    private Digests() {
    }

    public static byte[] sha256(byte[] bytes) {
        MessageDigest digest = SHA256.get();
        digest.reset();
        return digest.digest(bytes);
    }

    /** SHA-256 of {@code bytes} without {@code [cutFrom, cutTo)}: two slices, nothing copied. */
    public static byte[] sha256Around(byte[] bytes, int cutFrom, int cutTo) {
        MessageDigest digest = SHA256.get();
        digest.reset();
        digest.update(bytes, 0, cutFrom);
        digest.update(bytes, cutTo, bytes.length - cutTo);
        return digest.digest();
    }

    /** Lowercase hex, as the mark's {@code sha256} and the audit event's {@code received_sha256} are written. */
    public static String sha256Hex(byte[] bytes) {
        return hex(sha256(bytes));
    }

    public static String hex(byte[] bytes) {
        byte[] chars = new byte[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            chars[2 * i] = HEX[(bytes[i] >> 4) & 0xF];
            chars[2 * i + 1] = HEX[bytes[i] & 0xF];
        }
        return new String(chars, StandardCharsets.US_ASCII);
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
