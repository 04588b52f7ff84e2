package io.sheratan.ed25519;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sheratan.testing.Conformance;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Ed25519 as the verifier uses it: the 151 Wycheproof cases through admission and verification,
 * and key admission against the eight low-order points in every encoding (the JDK's verify accepts
 * small-order keys; admission must not).
 */
class Ed25519Test {

    private static final HexFormat HEX = HexFormat.of();

    /** The eight points of order dividing 8, canonically encoded. */
    static final List<String> LOW_ORDER = List.of(
            "0100000000000000000000000000000000000000000000000000000000000000",  // identity, order 1
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // order 2
            "0000000000000000000000000000000000000000000000000000000000000000",  // order 4
            "0000000000000000000000000000000000000000000000000000000000000080",  // order 4
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  // order 8
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  // order 8
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  // order 8
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"); // order 8

    @Test
    void shouldAgreeWithEveryWycheproofCase() throws Exception {
        JsonNode suite = new ObjectMapper().readTree(Conformance.dir().resolve("ed25519/wycheproof_ed25519_test.json").toFile());
        int cases = 0;
        for (JsonNode group : suite.get("testGroups")) {
            byte[] raw = HEX.parseHex(group.get("publicKey").get("pk").asText());
            PublicKey key = Ed25519.admit(raw); // every Wycheproof key is a sound key
            for (JsonNode test : group.get("tests")) {
                cases++;
                boolean valid = "valid".equals(test.get("result").asText());
                byte[] msg = HEX.parseHex(test.get("msg").asText());
                byte[] sig = HEX.parseHex(test.get("sig").asText());
                String id = "tcId " + test.get("tcId").asInt() + " (" + test.get("comment").asText() + ")";
                assertThat(Ed25519.verifyJdk(key, msg, sig)).as("JDK alone " + id).isEqualTo(valid);
                assertThat(Ed25519.verify(key, msg, sig)).as(Ed25519.backend() + " " + id).isEqualTo(valid);
            }
        }
        assertThat(cases).isEqualTo(suite.get("numberOfTests").asInt()).isEqualTo(151);
    }

    @Test
    void shouldUseAFastPathAndSayWhich() {
        assertThat(Ed25519.fast()).as("libsodium or Bouncy Castle (on this module's test class path)").isTrue();
        assertThat(Ed25519.backendDescription()).startsWith(Ed25519.backend() == Ed25519.Backend.LIBSODIUM ? "libsodium 1." : "bouncycastle");
    }

    @Test
    void shouldRefuseTheEightLowOrderPointsInEveryEncoding() {
        List<byte[]> encodings = new ArrayList<>();
        BigInteger p = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
        for (String point : LOW_ORDER) {
            byte[] canonical = HEX.parseHex(point);
            encodings.add(canonical);
            byte[] otherSign = canonical.clone();
            otherSign[31] ^= (byte) 0x80; // the other x: a different point, or a non-canonical "-0"
            encodings.add(otherSign);
            BigInteger y = littleEndian(canonical).clearBit(255);
            BigInteger yPlusP = y.add(p);
            if (yPlusP.bitLength() <= 255) { // y + p still fits: the non-canonical encoding of the same y
                for (boolean sign : new boolean[] {false, true}) {
                    byte[] alias = toLittleEndian(sign ? yPlusP.setBit(255) : yPlusP);
                    encodings.add(alias);
                }
            }
        }
        assertThat(encodings).hasSizeGreaterThanOrEqualTo(16 + 4);
        for (byte[] encoding : encodings) {
            assertThatThrownBy(() -> Ed25519.admit(encoding)).as(HEX.formatHex(encoding)).isInstanceOf(Ed25519.KeyRefusedException.class);
        }
    }

    @Test
    void shouldRefuseKeysOfTheWrongLengthOrOffTheCurve() {
        assertThatThrownBy(() -> Ed25519.admit(new byte[31])).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> Ed25519.admit(new byte[33])).hasMessageContaining("32 bytes");
        byte[] offCurve = HEX.parseHex("0200000000000000000000000000000000000000000000000000000000000000"); // y = 2 has no x
        assertThatThrownBy(() -> Ed25519.admit(offCurve)).isInstanceOf(Ed25519.KeyRefusedException.class);
        byte[] notCanonical = HEX.parseHex("efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"); // y = p + 2
        assertThatThrownBy(() -> Ed25519.admit(notCanonical)).hasMessageContaining("y >= p");
    }

    @Test
    void shouldSignAndVerifyWithAFreshKeyAndItsPem() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        PublicKey admitted = Ed25519.admit(Ed25519.raw(pair.getPublic()));
        byte[] message = "DSSEv1 ...".getBytes();
        byte[] signature = Ed25519.sign(Ed25519.privateKeyFromPem(Ed25519.privateKeyToPem(pair.getPrivate())), message);
        assertThat(Ed25519.verify(admitted, message, signature)).isTrue();
        signature[0] ^= 1;
        assertThat(Ed25519.verify(admitted, message, signature)).isFalse();
        assertThat(Ed25519.verify(admitted, message, new byte[63])).isFalse();
    }

    /** A little-endian unsigned number (Ed25519 encodes y and scalars so). */
    static BigInteger littleEndian(byte[] le) {
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        return new BigInteger(1, be);
    }

    /** 32 little-endian bytes of a number below 2^256. */
    static byte[] toLittleEndian(BigInteger value) {
        byte[] be = value.toByteArray();
        byte[] le = new byte[32];
        for (int i = 0; i < 32 && i < be.length; i++) {
            le[i] = be[be.length - 1 - i];
        }
        return le;
    }
}
