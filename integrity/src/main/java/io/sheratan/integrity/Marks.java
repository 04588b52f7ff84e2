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

    private static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(Marks::newMac);

    private Marks() {
    }

    public static byte[] sha256(byte[] data) {
        return Digests.sha256(data);
    }

    public static String sha256Hex(byte[] data) {
        return Digests.sha256Hex(data);
    }

    public static byte[] hmacSha256(byte[] key, byte[] data) {
        Mac mac = HMAC.get();
        try {
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 key rejected", e);
        }
        return mac.doFinal(data);
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
