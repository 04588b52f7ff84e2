package io.sheratan.ed25519;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sheratan.testing.Conformance;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static io.sheratan.ed25519.Ed25519Test.littleEndian;
import static io.sheratan.ed25519.Ed25519Test.toLittleEndian;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * libsodium, Bouncy Castle and the JDK under one rule ({@link Ed25519#verify}) give the same verdict
 * on every input here: the Wycheproof suite, the low-order keys in every encoding, signatures whose
 * R has small order (where the libraries alone disagree), and thousands of random signatures,
 * mutated bit by bit. libsodium must be present (Debian {@code libsodium23}) unless the build says
 * {@code -Dsheratan.ed25519.native=optional}; then its cases are compared only where it loaded. The
 * build runs this class twice: by default (libsodium chosen) and with {@code -Dsheratan.ed25519=bouncycastle}
 * (libsodium not loaded at all; Bouncy Castle and the JDK compared).
 */
class Ed25519BackendsTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final BigInteger L = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));

    private static Set<Ed25519.Backend> backends() {
        Set<Ed25519.Backend> backends = EnumSet.noneOf(Ed25519.Backend.class);
        for (Ed25519.Backend backend : Ed25519.Backend.values()) {
            if (Ed25519.available(backend)) {
                backends.add(backend);
            }
        }
        return backends;
    }

    @Test
    void libsodiumLoadsUnlessTheBuildSaysItIsOptional() {
        String wanted = System.getProperty("sheratan.ed25519", "auto");
        boolean nativeWanted = !wanted.equals("bouncycastle") && !wanted.equals("jdk"); // a wrong value falls back to auto
        if (nativeWanted && !"optional".equals(System.getProperty("sheratan.ed25519.native"))) {
            assertThat(Ed25519.available(Ed25519.Backend.LIBSODIUM))
                    .as("libsodium: " + Ed25519.backendDescription() + " (apt-get install libsodium23, or -Dsheratan.ed25519.native=optional)")
                    .isTrue();
        }
        if (!nativeWanted) {
            assertThat(Ed25519.available(Ed25519.Backend.LIBSODIUM)).as("not even loaded when another backend is asked for").isFalse();
        }
        assertThat(backends()).contains(Ed25519.Backend.BOUNCY_CASTLE, Ed25519.Backend.JDK);
        Ed25519.Backend expected = switch (wanted) {
            case "bouncycastle" -> Ed25519.Backend.BOUNCY_CASTLE;
            case "jdk" -> Ed25519.Backend.JDK;
            default -> Ed25519.available(Ed25519.Backend.LIBSODIUM) ? Ed25519.Backend.LIBSODIUM : Ed25519.Backend.BOUNCY_CASTLE;
        };
        assertThat(Ed25519.backend()).as(Ed25519.backendDescription()).isEqualTo(expected);
    }

    @Test
    void everyBackendGivesTheWycheproofVerdicts() throws Exception {
        JsonNode suite = new ObjectMapper().readTree(Conformance.dir().resolve("ed25519/wycheproof_ed25519_test.json").toFile());
        int checked = 0;
        for (JsonNode group : suite.get("testGroups")) {
            byte[] raw = HEX.parseHex(group.get("publicKey").get("pk").asText());
            var admitted = Ed25519.admit(raw);
            for (JsonNode test : group.get("tests")) {
                boolean valid = "valid".equals(test.get("result").asText());
                byte[] msg = HEX.parseHex(test.get("msg").asText());
                byte[] sig = HEX.parseHex(test.get("sig").asText());
                for (Ed25519.Backend backend : backends()) {
                    String id = backend + " tcId " + test.get("tcId").asInt() + " (" + test.get("comment").asText() + ")";
                    assertThat(Ed25519.verify(backend, admitted, msg, sig)).as(id).isEqualTo(valid);
                    assertThat(Ed25519.verifyRaw(backend, raw, msg, sig)).as("raw key, " + id).isEqualTo(valid);
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(151 * 2);
    }

    @Test
    void noBackendAcceptsALowOrderKeyEvenWithTheSignatureThatFitsIt() throws Exception {
        List<byte[]> keys = new ArrayList<>();
        for (String point : Ed25519Test.LOW_ORDER) {
            byte[] key = HEX.parseHex(point);
            keys.add(key);
            byte[] otherSign = key.clone();
            otherSign[31] ^= (byte) 0x80;
            keys.add(otherSign);
        }
        byte[] message = "any message".getBytes(StandardCharsets.UTF_8);
        // R = the identity and S = 0 satisfy [S]B = R + [h]A for A = the identity: a "valid" signature
        byte[] identityR = new byte[64];
        identityR[0] = 1;
        byte[] der = HEX.parseHex("302a300506032b6570032100" + Ed25519Test.LOW_ORDER.get(0));
        var jdkKey = java.security.KeyFactory.getInstance("Ed25519").generatePublic(new java.security.spec.X509EncodedKeySpec(der));
        assertThat(Ed25519.verifyJdk(jdkKey, message, identityR))
                .as("the JDK alone accepts it (Bouncy Castle and libsodium refuse the key): the rule is what refuses it").isTrue();
        for (byte[] key : keys) {
            for (byte[] sig : List.of(identityR, random(new Random(key[0]), 64))) {
                for (Ed25519.Backend backend : backends()) {
                    assertThat(Ed25519.verifyRaw(backend, key, message, sig)).as(backend + " " + HEX.formatHex(key)).isFalse();
                }
            }
        }
    }

    @Test
    void noBackendAcceptsASmallOrderR() throws Exception {
        // A signer who knows its scalar a can sign with R = the identity: S = h * a mod L.
        byte[] seed = HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        byte[] digest = MessageDigest.getInstance("SHA-512").digest(seed);
        BigInteger a = secretScalar(digest);
        byte[] pk = new byte[32];
        org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed, 0, pk, 0);
        byte[] message = "a result".getBytes(StandardCharsets.UTF_8);
        for (String rHex : List.of("0100000000000000000000000000000000000000000000000000000000000000",
                "0100000000000000000000000000000000000000000000000000000000000080")) {
            byte[] r = HEX.parseHex(rHex);
            MessageDigest sha = MessageDigest.getInstance("SHA-512");
            sha.update(r);
            sha.update(pk);
            sha.update(message);
            BigInteger h = littleEndian(sha.digest()).mod(L);
            byte[] sig = new byte[64];
            System.arraycopy(r, 0, sig, 0, 32);
            System.arraycopy(toLittleEndian(h.multiply(a).mod(L)), 0, sig, 32, 32);
            if (rHex.endsWith("00")) {
                assertThat(org.bouncycastle.math.ec.rfc8032.Ed25519.verify(sig, 0, pk, 0, message, 0, message.length))
                        .as("Bouncy Castle alone accepts R = identity").isTrue();
            }
            for (Ed25519.Backend backend : backends()) {
                assertThat(Ed25519.verify(backend, Ed25519.admit(pk), message, sig)).as(backend + " R " + rHex).isFalse();
            }
        }
    }

    /** The order-2 point (0, -1) added to an encoded point (x, y): (-x, -y). */
    private static byte[] plusOrderTwo(byte[] encoded) {
        BigInteger p = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
        byte[] le = encoded.clone();
        boolean sign = (le[31] & 0x80) != 0;
        le[31] &= 0x7F;
        byte[] out = toLittleEndian(p.subtract(littleEndian(le)));
        if (!sign) { // -x has the other sign (x is never 0 for these points)
            out[31] |= (byte) 0x80;
        }
        return out;
    }

    private static BigInteger h(byte[]... parts) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-512");
        for (byte[] part : parts) {
            sha.update(part);
        }
        return littleEndian(sha.digest()).mod(L);
    }

    private static byte[] signature(byte[] r, BigInteger s) {
        byte[] sig = new byte[64];
        System.arraycopy(r, 0, sig, 0, 32);
        System.arraycopy(toLittleEndian(s), 0, sig, 32, 32);
        return sig;
    }

    /**
     * Bouncy Castle's check is cofactored, libsodium's and the JDK's are not: a signer who adds a
     * small-order point to R, or whose key carries one, makes the libraries disagree. The rule (R of
     * prime order on the Bouncy Castle path, keys of prime order everywhere) makes them agree.
     */
    @Test
    void noBackendAcceptsASmallOrderComponentInROrTheKey() throws Exception {
        byte[] seed = HEX.parseHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
        byte[] digest = MessageDigest.getInstance("SHA-512").digest(seed);
        BigInteger a = secretScalar(digest);
        byte[] prefix = java.util.Arrays.copyOfRange(digest, 32, 64);
        byte[] pk = new byte[32];
        org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed, 0, pk, 0);
        var admitted = Ed25519.admit(pk);

        // R' = R + (0,-1), S' = r + H(R'||A||M) a: valid only under the cofactored equation
        byte[] message = "a crafted result".getBytes(StandardCharsets.UTF_8);
        byte[] honest = new byte[64];
        org.bouncycastle.math.ec.rfc8032.Ed25519.sign(seed, 0, message, 0, message.length, honest, 0);
        BigInteger r = h(prefix, message);
        byte[] mixedR = plusOrderTwo(java.util.Arrays.copyOf(honest, 32));
        byte[] crafted = signature(mixedR, r.add(h(mixedR, pk, message).multiply(a)).mod(L));
        assertThat(org.bouncycastle.math.ec.rfc8032.Ed25519.verify(crafted, 0, pk, 0, message, 0, message.length))
                .as("Bouncy Castle alone accepts R with an order-2 component").isTrue();
        for (Ed25519.Backend backend : backends()) {
            assertThat(Ed25519.verify(backend, admitted, message, honest)).as(backend + " honest").isTrue();
            assertThat(Ed25519.verify(backend, admitted, message, crafted)).as(backend + " R + T").isFalse();
        }

        // A' = A + (0,-1), signed with a over A': libsodium accepts when H(R||A'||M) is even
        byte[] mixedKey = plusOrderTwo(pk);
        assertThat(Ed25519.isPrimeOrderPoint(pk)).isTrue();
        assertThat(Ed25519.isPrimeOrderPoint(mixedKey)).isFalse();
        int checked = 0;
        for (int i = 0; checked < 4 && i < 64; i++) {
            byte[] m = ("message " + i).getBytes(StandardCharsets.UTF_8);
            BigInteger nonce = h(prefix, m);
            byte[] rBytes = new byte[64];
            org.bouncycastle.math.ec.rfc8032.Ed25519.sign(seed, 0, m, 0, m.length, rBytes, 0); // R = [nonce]B
            BigInteger k = h(java.util.Arrays.copyOf(rBytes, 32), mixedKey, m);
            if (k.testBit(0)) {
                continue;
            }
            byte[] sig = signature(java.util.Arrays.copyOf(rBytes, 32), nonce.add(k.multiply(a)).mod(L));
            if (Ed25519.available(Ed25519.Backend.LIBSODIUM)) {
                assertThat(Sodium.crypto_sign_ed25519_verify_detached(sig, m, m.length, mixedKey))
                        .as("libsodium alone accepts it under a key with an order-2 component").isZero();
            }
            for (Ed25519.Backend backend : backends()) {
                assertThat(Ed25519.verifyRaw(backend, mixedKey, m, sig)).as(backend + " A + T, message " + i).isFalse();
            }
            checked++;
        }
        assertThat(checked).isEqualTo(4);
    }

    @Test
    void everyBackendAgreesOnRandomAndMutatedSignatures() throws Exception {
        Random random = new Random(20261204L);
        int valid = 0;
        int cases = 0;
        for (int i = 0; i < 400; i++) {
            byte[] seed = random(random, 32);
            byte[] pk = new byte[32];
            org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed, 0, pk, 0);
            var admitted = Ed25519.admit(pk);
            byte[] message = random(random, random.nextInt(300));
            byte[] good = new byte[64];
            org.bouncycastle.math.ec.rfc8032.Ed25519.sign(seed, 0, message, 0, message.length, good, 0);
            List<byte[]> signatures = new ArrayList<>();
            signatures.add(good);
            for (int m = 0; m < 6; m++) {
                byte[] bad = good.clone();
                int bit = random.nextInt(512);
                bad[bit / 8] ^= (byte) (1 << (bit % 8));
                signatures.add(bad);
            }
            byte[] sPlusL = good.clone(); // the same S plus the order: the same point, a non-canonical scalar
            System.arraycopy(toLittleEndian(littleEndian(java.util.Arrays.copyOfRange(good, 32, 64)).add(L)), 0, sPlusL, 32, 32);
            signatures.add(sPlusL);
            signatures.add(random(random, 64));
            byte[] otherMessage = message.length == 0 ? new byte[] {0} : message.clone();
            otherMessage[0] ^= 1;
            for (byte[] sig : signatures) {
                for (byte[] msg : List.of(message, otherMessage)) {
                    Boolean first = null;
                    for (Ed25519.Backend backend : backends()) {
                        boolean verdict = Ed25519.verify(backend, admitted, msg, sig);
                        if (first == null) {
                            first = verdict;
                        }
                        assertThat(verdict).as(backend + " case " + cases).isEqualTo(first);
                    }
                    cases++;
                    valid += first ? 1 : 0;
                }
            }
        }
        assertThat(valid).as("exactly the untouched signatures over their own messages hold").isEqualTo(400);
        assertThat(cases).isEqualTo(400 * 9 * 2);
    }

    /** RFC 8032 5.1.5: the signer's scalar a, the clamped first half of SHA-512(seed). */
    private static BigInteger secretScalar(byte[] seedDigest) {
        byte[] scalarLe = java.util.Arrays.copyOf(seedDigest, 32);
        scalarLe[0] &= (byte) 248;
        scalarLe[31] &= 127;
        scalarLe[31] |= 64;
        return littleEndian(scalarLe);
    }

    private static byte[] random(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
