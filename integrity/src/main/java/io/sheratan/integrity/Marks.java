package io.sheratan.integrity;

import io.sheratan.avro.codec.Digests;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The two marks of DESIGN.md section 3 (lowercase hex SHA-256 and HMAC-SHA256 over the canonical
 * bytes) and their constant-time comparison. Digest and MAC engines are kept per thread because
 * creating them costs more than hashing a 1 KB result.
 */
public final class Marks {

    /** Per thread: a Mac keyed once per key (found by the key array's identity), so no record re-keys one. */
    private static final ThreadLocal<java.util.IdentityHashMap<byte[], Mac>> KEYED = ThreadLocal.withInitial(java.util.IdentityHashMap::new);
    /** Keys remembered per thread before the cache starts over (a keyring holds a few dozen at most). */
    private static final int KEYED_LIMIT = 256;

    private Marks() {
    }

    public static byte[] sha256(byte[] data) {
        return Digests.sha256(data);
    }

    public static String sha256Hex(byte[] data) {
        return Digests.sha256Hex(data);
    }

    /**
     * HMAC-SHA256 of {@code data}. The Mac for {@code key} is initialised once per thread and key
     * array (keyrings hand out the same array for a key until they reload), then reused: doFinal
     * leaves it keyed.
     */
    public static byte[] hmacSha256(byte[] key, byte[] data) {
        java.util.IdentityHashMap<byte[], Mac> keyed = KEYED.get();
        Mac mac = keyed.get(key);
        if (mac == null) {
            if (keyed.size() >= KEYED_LIMIT) {
                keyed.clear(); // reloaded keyrings leave old arrays behind: start over rather than grow
            }
            mac = newMac();
            try {
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HMAC-SHA256 key rejected", e);
            }
            keyed.put(key, mac);
        }
        return mac.doFinal(data);
    }

    /**
     * Whether {@code presentedHex} (already known to be 64 lowercase hex digits) is the HMAC-SHA256 of
     * {@code data} under {@code key}: compared as bytes, in constant time, with no hex string made.
     */
    public static boolean hmacMatches(byte[] key, byte[] data, String presentedHex) {
        byte[] expected = hmacSha256(key, data);
        byte[] presented = new byte[expected.length];
        for (int i = 0; i < presented.length; i++) {
            presented[i] = (byte) (Character.digit(presentedHex.charAt(2 * i), 16) << 4 | Character.digit(presentedHex.charAt(2 * i + 1), 16));
        }
        return MessageDigest.isEqual(expected, presented);
    }

    public static String hmacHex(byte[] key, byte[] data) {
        return hex(hmacSha256(key, data));
    }

    /**
     * Compares an expected mark with a presented one without leaking, through timing, how many
     * leading characters matched. A null presented mark is simply unequal.
     */
    public static boolean constantTimeEquals(String expected, String presented) {
        if (presented == null) {
            return false;
        }
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.US_ASCII));
    }

    public static String hex(byte[] bytes) {
        return Digests.hex(bytes);
    }

    private static Mac newMac() {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has HmacSHA256", e);
        }
    }
}
