package io.sheratan.integrity;

import io.sheratan.avro.codec.Digests;
import io.sheratan.envelope.Submission;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The two marks of DESIGN.md section 3 (lowercase hex SHA-256 and HMAC-SHA256 over the canonical
 * bytes) and their constant-time comparison. Digest and MAC engines are kept per thread because
 * creating them costs more than hashing a 1 KB result.
 */
public final class Marks {

    /**
     * Per thread: the Macs of the last few keys, found by the key's content (callers may hand in a
     * fresh copy each time), so a stream of records under one key never re-keys. Bounded: the least
     * recently used is re-keyed for a new key (its Mac re-keyed); no more secrets are held than {@link #KEYED_LIMIT}.
     */
    private static final int KEYED_LIMIT = 8;
    private static final ThreadLocal<Keyed[]> KEYED = ThreadLocal.withInitial(() -> new Keyed[KEYED_LIMIT]);

    private record Keyed(byte[] key, Mac mac) {
    }

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
     * (by content, among the last few keys), then reused: doFinal leaves it keyed.
     */
    public static byte[] hmacSha256(byte[] key, byte[] data) {
        return keyed(key).doFinal(data);
    }

    /** The thread's Mac for this key: moved to the front when found, else the last one re-keyed. */
    private static Mac keyed(byte[] key) {
        Keyed[] cache = KEYED.get();
        for (int i = 0; i < cache.length && cache[i] != null; i++) {
            if (java.util.Arrays.equals(cache[i].key(), key)) {
                Keyed hit = cache[i];
                System.arraycopy(cache, 0, cache, 1, i);
                cache[0] = hit;
                // a no-op after a doFinal; a Mac that an earlier call left half-fed (it failed part-way) must not
                // carry that input into this one
                hit.mac().reset();
                return hit.mac();
            }
        }
        Keyed evicted = cache[cache.length - 1];
        Mac mac = evicted != null ? evicted.mac() : newMac(); // re-keyed, not made anew: more keys than slots cost an init each
        try {
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 key rejected", e);
        }
        System.arraycopy(cache, 0, cache, 1, cache.length - 1);
        cache[0] = new Keyed(key.clone(), mac);
        return mac;
    }

    /**
     * Whether {@code presentedHex} (64 lowercase hex digits, else false) is the HMAC-SHA256 of
     * {@code data} under {@code key}: compared as bytes, in constant time, with no hex string made.
     */
    public static boolean hmacMatches(byte[] key, byte[] data, String presentedHex) {
        return hmacMatches(key, null, sink -> sink.write(data, 0, data.length), presentedHex);
    }

    /**
     * As above over {@code header} (may be null) and then a submission's core, fed from its slices: the
     * HMAC of the core (version 1) or of its DSSE encoding (version 2, {@link Pae#header}) without a copy.
     */
    public static boolean hmacMatches(byte[] key, byte[] header, Submission s, String presentedHex) {
        return hmacMatches(key, header, s::writeCore, presentedHex);
    }

    /** Package-private for the test of a body that fails part-way. */
    static boolean hmacMatches(byte[] key, byte[] header, Consumer<Submission.CoreSink> body,
                                       String presentedHex) {
        if (presentedHex == null || presentedHex.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = presentedHex.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false; // only the one form a mark is written in
            }
        }
        Mac mac = keyed(key);
        if (header != null) {
            mac.update(header);
        }
        body.accept(mac::update);
        byte[] expected = mac.doFinal();
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
