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
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new KeyRefusedException("the runtime refuses it: " + e.getMessage());
        }
    }

    /** The raw 32-byte form of a JDK Ed25519 public key. */
    public static byte[] raw(PublicKey key) {
        byte[] der = key.getEncoded();
        return Arrays.copyOfRange(der, der.length - PUBLIC_KEY_LENGTH, der.length);
    }

    /**
     * RFC 8032 verification with Bouncy Castle's Ed25519 when it is on the class path (the verifier
     * and the gateway ship it: ~8x less CPU than the JDK's provider, which costs ~1.4 ms per
     * signature on a small machine), else the JDK's. Both refuse non-canonical encodings and
     * {@code S >= L}; {@code Ed25519Test} holds them to the same Wycheproof verdicts.
     */
    public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
        return FAST ? verifyFast(raw(key), message, signature) : verifyJdk(key, message, signature);
    }

    /** Whether the fast (Bouncy Castle) path is in use. */
    public static boolean fast() {
        return FAST;
    }

    private static final boolean FAST = bouncyCastlePresent();

    private static boolean bouncyCastlePresent() {
        try {
            Class.forName("org.bouncycastle.math.ec.rfc8032.Ed25519", false, Ed25519.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    static boolean verifyFast(byte[] rawKey, byte[] message, byte[] signature) {
        if (signature == null || signature.length != SIGNATURE_LENGTH || rawKey == null || rawKey.length != PUBLIC_KEY_LENGTH) {
            return false;
        }
        try {
            return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(signature, 0, rawKey, 0, message, 0, message.length);
        } catch (RuntimeException e) {
            return false;
        }
    }

    static boolean verifyJdk(PublicKey key, byte[] message, byte[] signature) {
        if (signature == null || signature.length != SIGNATURE_LENGTH) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
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
