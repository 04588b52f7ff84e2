package io.sheratan.ed25519;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Ed25519 (RFC 8032, pure) with the JDK's own provider, plus what the JDK does not check: key
 * admission. {@link #admit(byte[])} refuses public keys that are not 32 bytes, not canonical
 * ({@code y >= p}, or a "negative zero" x), not on the curve, or of small order (the eight low-order
 * points, whatever their encoding). A small-order key lets anyone forge signatures that verify for
 * some messages under the JDK's cofactorless check, so such a key must never enter a keyring.
 *
 * <p>Admission runs when a keyring is loaded, not per record; it uses plain {@link BigInteger}
 * arithmetic on the curve (one point, multiplied by the cofactor 8), which is slow but rare.
 */
public final class Ed25519 {

    public static final int PUBLIC_KEY_LENGTH = 32;
    public static final int SIGNATURE_LENGTH = 64;

    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    private static final BigInteger D = BigInteger.valueOf(-121665).mod(P)
            .multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
    private static final BigInteger SQRT_M1 = BigInteger.TWO.modPow(P.subtract(BigInteger.ONE).shiftRight(2), P);
    /** The X.509 SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410). */
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private Ed25519() {
    }

    /** Why a public key is refused. */
    public static final class KeyRefusedException extends Exception {
        public KeyRefusedException(String message) {
            super(message);
        }
    }

    /** The JDK key for a raw 32-byte public key that passed admission. */
    public static PublicKey admit(byte[] raw) throws KeyRefusedException {
        if (raw == null || raw.length != PUBLIC_KEY_LENGTH) {
            throw new KeyRefusedException("an Ed25519 public key is 32 bytes, this one is " + (raw == null ? 0 : raw.length));
        }
        byte[] le = raw.clone();
        boolean xOdd = (le[31] & 0x80) != 0;
        le[31] &= 0x7F;
        BigInteger y = littleEndian(le);
        if (y.compareTo(P) >= 0) {
            throw new KeyRefusedException("not canonical: y >= p");
        }
        BigInteger[] point = decompress(y, xOdd);
        if (point == null) {
            throw new KeyRefusedException("not a point on the curve");
        }
        if (isSmallOrder(point)) {
            throw new KeyRefusedException("a small-order point (one of the eight low-order points)");
        }
        try {
            byte[] der = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + PUBLIC_KEY_LENGTH);
            System.arraycopy(raw, 0, der, X509_PREFIX.length, PUBLIC_KEY_LENGTH);
            return new Admitted(raw.clone(), KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der)));
        } catch (GeneralSecurityException e) {
            throw new KeyRefusedException("the runtime refuses it: " + e.getMessage());
        }
    }

    /** The raw 32-byte form of a JDK Ed25519 public key. */
    public static byte[] raw(PublicKey key) {
        if (key instanceof Admitted admitted) {
            return admitted.raw.clone();
        }
        byte[] der = key.getEncoded();
        return Arrays.copyOfRange(der, der.length - PUBLIC_KEY_LENGTH, der.length);
    }

    // ------------------------------------------------------------------ verification

    /** What checks signatures in this process: {@link #backend()}. */
    public enum Backend {
        /** The system's libsodium, through JNA: ~3x less CPU than Bouncy Castle. */
        LIBSODIUM,
        /** Bouncy Castle's Ed25519, the public point decoded once per key. */
        BOUNCY_CASTLE,
        /** The JDK's provider (~1.4 ms per signature on a small machine). */
        JDK
    }

    /**
     * RFC 8032 verification, with one rule for every backend so that all give the same verdict
     * (held to it by {@code Ed25519BackendsTest}): the signature is 64 bytes, its {@code S} is below
     * the group order, its {@code R} and the key are not one of the seven small-order encodings
     * libsodium refuses (the sign bit ignored), the key lies in the prime-order subgroup (checked once
     * per admitted key: a key with a small-order component verifies nothing), then the backend's check.
     * libsodium and the JDK are cofactorless and compare the recomputed {@code R} byte for byte
     * (non-canonical encodings fail there); Bouncy Castle's check is cofactored, so on that path
     * {@code R} must also be of prime order (one more scalar multiplication per signature, on the
     * fallback only). Without these rules Bouncy Castle would accept signatures whose {@code R}
     * carries a small-order component, the JDK one whose {@code R} is the identity, and libsodium
     * neither.
     */
    public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
        // keys from admit() carry their checks; any other key is checked again on every call (~1 ms)
        return verify(Chosen.BACKEND.backend, key, message, signature);
    }

    /** The backend in use. Chosen once: {@code -Dsheratan.ed25519=auto|libsodium|bouncycastle|jdk}, default auto. */
    public static Backend backend() {
        return Chosen.BACKEND.backend;
    }

    /**
     * One line for logs and {@code /health}: the backend and why it was chosen, e.g. {@code libsodium
     * 1.0.18 (/usr/lib/x86_64-linux-gnu/libsodium.so.23)} or {@code bouncycastle (libsodium not loaded:
     * ...)}.
     */
    public static String backendDescription() {
        return Chosen.BACKEND.description;
    }

    /** Whether a backend faster than the JDK's is in use. */
    public static boolean fast() {
        return Chosen.BACKEND.backend != Backend.JDK;
    }

    /**
     * Fails with a message naming the setting when {@code -Dsheratan.ed25519} asks for something that
     * cannot run here (an unknown value, libsodium that did not load, Bouncy Castle not on the class
     * path). Services call it before they start anything; the class itself never fails to load over
     * it (a wrong setting falls back to {@code auto} and says so in {@link #backendDescription()}).
     */
    public static void requireConfiguredBackend() {
        if (Chosen.BACKEND.problem != null) {
            throw new IllegalStateException(Chosen.BACKEND.problem);
        }
    }

    /** Whether the given backend can run here (tests run each one that can). */
    static boolean available(Backend backend) {
        return switch (backend) {
            case LIBSODIUM -> Chosen.SODIUM.loaded();
            case BOUNCY_CASTLE -> BOUNCY_CASTLE_PRESENT;
            case JDK -> true;
        };
    }

    static boolean verify(Backend backend, PublicKey key, byte[] message, byte[] signature) {
        if (message == null || signature == null || signature.length != SIGNATURE_LENGTH
                || !isCanonicalScalar(signature) || hasSmallOrder(signature, 0)) {
            return false;
        }
        Admitted admitted = key instanceof Admitted a ? a : new Admitted(raw(key), key);
        byte[] raw = admitted.raw;
        if (raw.length != PUBLIC_KEY_LENGTH || hasSmallOrder(raw, 0) || !admitted.primeOrder()) {
            return false;
        }
        return switch (backend) {
            case LIBSODIUM -> Sodium.crypto_sign_ed25519_verify_detached(signature, message, message.length, raw) == 0;
            // Bouncy Castle's check is cofactored ([8]SB = [8]R + [8]hA); with A and R both of prime
            // order it decides exactly what the cofactorless check of libsodium and the JDK decides
            case BOUNCY_CASTLE -> BouncyCastle.hasPrimeOrder(signature) && BouncyCastle.verify(admitted.point(), message, signature);
            case JDK -> verifyJdk(admitted.jdk, message, signature);
        };
    }

    /** The same rule over a raw key that did not pass admission (tests: low-order and off-curve keys). */
    static boolean verifyRaw(Backend backend, byte[] rawKey, byte[] message, byte[] signature) {
        if (rawKey == null || rawKey.length != PUBLIC_KEY_LENGTH) {
            return false;
        }
        PublicKey jdk;
        try {
            byte[] der = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + PUBLIC_KEY_LENGTH);
            System.arraycopy(rawKey, 0, der, X509_PREFIX.length, PUBLIC_KEY_LENGTH);
            jdk = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            jdk = null; // the JDK refuses the encoding: its verdict is false
        }
        return verify(backend, new Admitted(rawKey.clone(), jdk), message, signature);
    }

    /** {@code S < L}, the group order (RFC 8032 section 5.1.7 step 1), as a little-endian comparison. */
    private static boolean isCanonicalScalar(byte[] signature) {
        for (int i = 31; i >= 0; i--) {
            int s = signature[32 + i] & 0xFF;
            int l = ORDER_LE[i] & 0xFF;
            if (s != l) {
                return s < l;
            }
        }
        return false; // S == L
    }

    /** libsodium's blocklist: the seven encodings of y for the points of order 1, 2, 4 and 8, any sign bit. */
    private static boolean hasSmallOrder(byte[] bytes, int offset) {
        for (byte[] listed : SMALL_ORDER_Y) {
            boolean same = (bytes[offset + 31] & 0x7F) == listed[31];
            for (int i = 0; same && i < 31; i++) {
                same = bytes[offset + i] == listed[i];
            }
            if (same) {
                return true;
            }
        }
        return false;
    }

    private static final byte[] ORDER_LE = HexFormat.of().parseHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

    private static final byte[][] SMALL_ORDER_Y = {
        HexFormat.of().parseHex("0000000000000000000000000000000000000000000000000000000000000000"), // 0, order 4
        HexFormat.of().parseHex("0100000000000000000000000000000000000000000000000000000000000000"), // 1, order 1
        HexFormat.of().parseHex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), // order 8
        HexFormat.of().parseHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"), // order 8
        HexFormat.of().parseHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // p - 1, order 2
        HexFormat.of().parseHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // p = 0, order 4
        HexFormat.of().parseHex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // p + 1 = 1, order 1
    };

    private static final boolean BOUNCY_CASTLE_PRESENT = bouncyCastlePresent();

    /** The backend, chosen on first use: signing and key admission never load JNA or libsodium. */
    private static final class Chosen {
        static final Sodium.Load SODIUM = loadSodium();
        static final Choice BACKEND = choose(System.getProperty("sheratan.ed25519", "auto"));
    }

    /** @param problem why the setting could not be followed (then the backend is auto's), or null */
    private record Choice(Backend backend, String description, String problem) {
    }

    private static Sodium.Load loadSodium() {
        String wanted = System.getProperty("sheratan.ed25519", "auto").trim().toLowerCase(java.util.Locale.ROOT);
        if (wanted.equals("bouncycastle") || wanted.equals("jdk")) {
            return new Sodium.Load(null, null, "libsodium not loaded (-Dsheratan.ed25519=" + wanted + ")");
        }
        try {
            Sodium.Load load = Sodium.load();
            if (load.loaded() && !knownAnswersHold()) {
                return new Sodium.Load(null, null, "libsodium " + load.version() + " at " + load.library()
                        + " gave a wrong answer on the RFC 8032 test vectors: not used");
            }
            return load;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) { // JNA missing, its native stub refused (no writable or executable temp directory), a foreign libsodium
            return new Sodium.Load(null, null, "libsodium not loaded (JNA: " + e + ")");
        }
    }

    private static Choice choose(String wanted) {
        Sodium.Load sodiumLoad = Chosen.SODIUM;
        String sodium = sodiumLoad.loaded() ? "libsodium " + sodiumLoad.version() + " (" + sodiumLoad.library() + ")" : null;
        Choice auto = sodium != null ? new Choice(Backend.LIBSODIUM, sodium, null)
                : BOUNCY_CASTLE_PRESENT ? new Choice(Backend.BOUNCY_CASTLE, "bouncycastle (" + sodiumLoad.problem() + ")", null)
                : new Choice(Backend.JDK, "jdk (" + sodiumLoad.problem() + "; Bouncy Castle not on the class path)", null);
        String value = wanted.trim().toLowerCase(java.util.Locale.ROOT);
        String problem = switch (value) {
            case "auto" -> null;
            case "libsodium" -> sodium == null ? "-Dsheratan.ed25519=libsodium, but " + sodiumLoad.problem() : null;
            case "bouncycastle" -> BOUNCY_CASTLE_PRESENT ? null : "-Dsheratan.ed25519=bouncycastle, but Bouncy Castle is not on the class path";
            case "jdk" -> null;
            default -> "-Dsheratan.ed25519=" + wanted + ": expected auto, libsodium, bouncycastle or jdk";
        };
        if (problem != null) {
            return new Choice(auto.backend(), auto.description() + "; " + problem, problem);
        }
        return switch (value) {
            case "bouncycastle" -> new Choice(Backend.BOUNCY_CASTLE, "bouncycastle (-Dsheratan.ed25519=bouncycastle)", null);
            case "jdk" -> new Choice(Backend.JDK, "jdk (-Dsheratan.ed25519=jdk)", null);
            default -> auto;
        };
    }

    /** RFC 8032 section 7.1, TEST 2 (one-byte message): the signature holds, and fails with one bit changed. */
    private static boolean knownAnswersHold() {
        HexFormat hex = HexFormat.of();
        byte[] pk = hex.parseHex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
        byte[] msg = hex.parseHex("72");
        byte[] sig = hex.parseHex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
        if (Sodium.crypto_sign_ed25519_verify_detached(sig, msg, msg.length, pk) != 0) {
            return false;
        }
        sig[5] ^= 0x10;
        return Sodium.crypto_sign_ed25519_verify_detached(sig, msg, msg.length, pk) != 0;
    }

    private static boolean bouncyCastlePresent() {
        try {
            Class.forName("org.bouncycastle.math.ec.rfc8032.Ed25519", false, Ed25519.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Bouncy Castle kept behind a class of its own: nothing here loads when it is absent. */
    private static final class BouncyCastle {
        /** The decoded point (Bouncy Castle's partial validation: on the curve, canonical; any order). */
        static Object decode(byte[] raw) {
            try {
                return org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyPartialExport(raw, 0);
            } catch (RuntimeException e) {
                return null;
            }
        }

        /** R (the signature's first 32 bytes) is a canonical point of prime order (Bouncy Castle's full validation). */
        static boolean hasPrimeOrder(byte[] signature) {
            try {
                return org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyFull(signature, 0);
            } catch (RuntimeException e) {
                return false;
            }
        }

        static boolean verify(Object point, byte[] message, byte[] signature) {
            if (point == null) {
                return false;
            }
            try {
                return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(signature, 0,
                        (org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint) point, message, 0, message.length);
            } catch (RuntimeException e) {
                return false;
            }
        }
    }

    /**
     * An admitted key: the JDK's key plus the raw bytes and, once asked, Bouncy Castle's decoded point,
     * so nothing is re-encoded or decompressed per signature.
     */
    static final class Admitted implements PublicKey {
        private static final long serialVersionUID = 1L;

        private final byte[] raw;
        private final PublicKey jdk;
        /** Whether the key lies in the prime-order subgroup: computed once, when the key is made (about 1 ms). */
        private final boolean primeOrder;
        private transient volatile Object point;
        private transient volatile boolean decoded;

        Admitted(byte[] raw, PublicKey jdk) {
            this.raw = raw;
            this.jdk = jdk;
            this.primeOrder = isPrimeOrderPoint(raw);
        }

        /** Whether the key lies in the prime-order subgroup ([L]A = O). */
        boolean primeOrder() {
            return primeOrder;
        }

        Object point() {
            if (!decoded) {
                point = BouncyCastle.decode(raw);
                decoded = true;
            }
            return point;
        }

        @Override
        public String getAlgorithm() {
            return "Ed25519";
        }

        @Override
        public String getFormat() {
            return "X.509";
        }

        @Override
        public byte[] getEncoded() {
            byte[] der = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + PUBLIC_KEY_LENGTH);
            System.arraycopy(raw, 0, der, X509_PREFIX.length, PUBLIC_KEY_LENGTH);
            return der;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof PublicKey key && Arrays.equals(getEncoded(), key.getEncoded());
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(getEncoded()); // as the JDK's keys hash: equal keys, equal hashes
        }

        @Override
        public String toString() {
            return "Ed25519 public key " + HexFormat.of().formatHex(raw);
        }
    }

    static boolean verifyJdk(PublicKey key, byte[] message, byte[] signature) {
        if (key == null || signature == null || signature.length != SIGNATURE_LENGTH) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key instanceof Admitted admitted ? admitted.jdk : key);
            verifier.update(message);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    public static byte[] sign(PrivateKey key, byte[] message) {
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(key);
            signer.update(message);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
        }
    }

    /** A PKCS#8 PEM private key ({@code -----BEGIN PRIVATE KEY-----}), as workers hold it. */
    public static PrivateKey privateKeyFromPem(String pem) throws GeneralSecurityException {
        String body = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("not a PEM private key (base64: " + e.getMessage() + ")");
        }
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    public static String privateKeyToPem(PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    // ------------------------------------------------------------------ curve arithmetic (admission only)

    private static BigInteger littleEndian(byte[] le) {
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        return new BigInteger(1, be);
    }

    /** (x, y) for an encoded y and the sign of x, or null when no such point exists or x = 0 is "negative". */
    private static BigInteger[] decompress(BigInteger y, boolean xOdd) {
        BigInteger y2 = y.multiply(y).mod(P);
        BigInteger u = y2.subtract(BigInteger.ONE).mod(P);
        BigInteger v = D.multiply(y2).add(BigInteger.ONE).mod(P);
        BigInteger x2 = u.multiply(v.modInverse(P)).mod(P);
        if (x2.signum() == 0) {
            return xOdd ? null : new BigInteger[] {BigInteger.ZERO, y};
        }
        BigInteger x = x2.modPow(P.add(BigInteger.valueOf(3)).shiftRight(3), P);
        if (!x.multiply(x).mod(P).equals(x2)) {
            x = x.multiply(SQRT_M1).mod(P);
        }
        if (!x.multiply(x).mod(P).equals(x2)) {
            return null;
        }
        if (x.testBit(0) != xOdd) {
            x = P.subtract(x);
        }
        return new BigInteger[] {x, y};
    }

    /** The order of the prime subgroup, L = 2^252 + 27742317777372353535851937790883648493. */
    private static final BigInteger L = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
    private static final BigInteger D2 = D.add(D).mod(P);

    /**
     * Whether an encoded point is canonical, on the curve and of prime order ([L]P = O), in extended
     * coordinates (no inversion): about a millisecond, once per key.
     */
    static boolean isPrimeOrderPoint(byte[] raw) {
        if (raw == null || raw.length != PUBLIC_KEY_LENGTH) {
            return false;
        }
        byte[] le = raw.clone();
        boolean xOdd = (le[31] & 0x80) != 0;
        le[31] &= 0x7F;
        BigInteger y = littleEndian(le);
        if (y.compareTo(P) >= 0) {
            return false;
        }
        BigInteger[] affine = decompress(y, xOdd);
        if (affine == null) {
            return false;
        }
        BigInteger[] p = {affine[0], affine[1], BigInteger.ONE, affine[0].multiply(affine[1]).mod(P)};
        BigInteger[] q = {BigInteger.ZERO, BigInteger.ONE, BigInteger.ONE, BigInteger.ZERO};
        for (int i = L.bitLength() - 1; i >= 0; i--) {
            q = addExtended(q, q);
            if (L.testBit(i)) {
                q = addExtended(q, p);
            }
        }
        return q[0].signum() == 0 && q[1].equals(q[2]);
    }

    /** Twisted Edwards (a = -1) addition in extended coordinates (X:Y:Z:T), complete (doubling too). */
    private static BigInteger[] addExtended(BigInteger[] p, BigInteger[] q) {
        BigInteger a = p[1].subtract(p[0]).multiply(q[1].subtract(q[0])).mod(P);
        BigInteger b = p[1].add(p[0]).multiply(q[1].add(q[0])).mod(P);
        BigInteger c = p[3].multiply(D2).multiply(q[3]).mod(P);
        BigInteger d = p[2].multiply(q[2]).shiftLeft(1).mod(P);
        BigInteger e = b.subtract(a);
        BigInteger f = d.subtract(c);
        BigInteger g = d.add(c);
        BigInteger h = b.add(a);
        return new BigInteger[] {e.multiply(f).mod(P), g.multiply(h).mod(P), f.multiply(g).mod(P), e.multiply(h).mod(P)};
    }

    /** True when 8 * point is the identity (0, 1): the point's order divides the cofactor. */
    private static boolean isSmallOrder(BigInteger[] point) {
        BigInteger[] q = point;
        for (int i = 0; i < 3; i++) {
            q = add(q, q);
        }
        return q[0].signum() == 0 && q[1].equals(BigInteger.ONE);
    }

    /** Twisted Edwards addition (a = -1), affine; complete for this curve. */
    private static BigInteger[] add(BigInteger[] a, BigInteger[] b) {
        BigInteger x1y2 = a[0].multiply(b[1]);
        BigInteger y1x2 = a[1].multiply(b[0]);
        BigInteger y1y2 = a[1].multiply(b[1]);
        BigInteger x1x2 = a[0].multiply(b[0]);
        BigInteger dxy = D.multiply(x1x2).multiply(y1y2).mod(P);
        BigInteger x3 = x1y2.add(y1x2).multiply(BigInteger.ONE.add(dxy).modInverse(P)).mod(P);
        BigInteger y3 = y1y2.add(x1x2).multiply(BigInteger.ONE.subtract(dxy).mod(P).modInverse(P)).mod(P);
        return new BigInteger[] {x3, y3};
    }
}
