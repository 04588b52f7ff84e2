package io.sheratan.integrity;

import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.canonical.JsonCanonicalizer;
import io.sheratan.canonical.StrictJsonException;
import io.sheratan.envelope.Claims;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.Submission;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DESIGN 3.5, the fixed point: for every document the strict profile accepts, its canonical form is
 * accepted and canonicalizes to the same bytes; and whatever a signer signs, the verifier verifies.
 * Random doubles, integer literals of 1 to 400 digits and random documents, from fixed seeds (the
 * Python and Node clients run the same properties over their own canonicalizers).
 */
class FixedPointTest {

    private final JsonCanonicalizer canon = new JsonCanonicalizer(CanonicalLimits.DEFAULTS);

    private String canon(String json) {
        return new String(canon.apply(json.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    private void assertFixedPoint(String accepted) {
        String once = canon(accepted);
        assertThat(canon(once)).as("canon(canon(%s))", accepted).isEqualTo(once);
    }

    @Test
    void shouldCanonicalizeEveryFiniteDoubleToItsOwnFixedPoint() {
        Random random = new Random(1);
        for (int i = 0; i < 20_000; i++) {
            double d = Double.longBitsToDouble(random.nextLong());
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                continue;
            }
            String es6 = es6Of(d);
            assertThat(canon(es6)).isEqualTo(es6);
            assertFixedPoint(Double.toString(d).replace("E", "e"));
        }
    }

    @Test
    void shouldAcceptAnIntegerLiteralExactlyWhenEcmaScriptPrintsItAsItIs() {
        Random random = new Random(2);
        int accepted = 0;
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            String literal = (random.nextBoolean() ? "-" : "") + integerLiteral(random);
            String es6 = es6OfLiteral(literal);
            try {
                String out = canon(literal);
                assertThat(out).as(literal).isEqualTo(literal);
                assertThat(es6).as(literal).isEqualTo(literal);
                accepted++;
            } catch (StrictJsonException e) {
                assertThat(e.rule()).as(literal).isIn(StrictJsonException.Rule.INEXACT_INTEGER, StrictJsonException.Rule.NUMBER_OVERFLOW);
                assertThat(es6).as(literal).isNotEqualTo(literal);
                refused++;
            }
        }
        assertThat(accepted).isGreaterThan(1_000);
        assertThat(refused).isGreaterThan(1_000);
    }

    @Test
    void shouldGiveEveryAcceptedRandomDocumentACanonicalFormThatIsAFixedPoint() {
        Random random = new Random(3);
        int accepted = 0;
        for (int i = 0; i < 5_000; i++) {
            String doc = document(random, 0);
            try {
                canon(doc);
            } catch (StrictJsonException e) {
                continue;
            }
            assertFixedPoint(doc);
            accepted++;
        }
        assertThat(accepted).isGreaterThan(2_000);
    }

    @Test
    void shouldVerifyWhatEverySignerSigns() throws Exception {
        Random random = new Random(4);
        Keyring keyring = Keyring.parse(ConformanceV2Test.keyring().getBytes(StandardCharsets.UTF_8));
        List<Signer> signers = List.of(Signer.sha256(1), Signer.sha256(2),
                Signer.hmac("hmac/2026-11", ConformanceV2Test.HMAC_SECRET, 1), Signer.hmac("hmac/2026-11", ConformanceV2Test.HMAC_SECRET, 2),
                Signer.ed25519("worker-7/2026-11", ConformanceV2Test.privateKey()));
        IntegrityPolicy policy = IntegrityPolicy.defaults();
        EnvelopeReader reader = new EnvelopeReader(policy.limits());
        int signed = 0;
        for (int i = 0; i < 300; i++) {
            String result = document(random, 0);
            Submission s;
            try {
                s = reader.read(("{\"job_id\":\"job-" + i + "\",\"ok\":true,\"result\":" + result + "}").getBytes(StandardCharsets.UTF_8));
            } catch (Exception refused) {
                continue; // the signer refuses it too: nothing is signed that the verifier would call malformed
            }
            for (Signer signer : signers) {
                Submission marked = (signer.version() == 2 ? s.withClaims(new Claims("worker-7", ConformanceV2Test.T, "sheratan")) : s)
                        .signedBy(signer);
                byte[] wire = EnvelopeWriter.toJson(marked);
                Submission back = reader.read(wire);
                Verdict verdict = IntegrityVerifier.verify(back, policy, keyring, ConformanceV2Test.T);
                assertThat(verdict.outcome()).as("%s over %s", signer, result).isEqualTo(Verdict.Outcome.VERIFIED);
                signed++;
            }
        }
        assertThat(signed).isGreaterThan(500);
    }

    /** 1 to 400 digits; half of them near a power of two or of ten, where rewriting happens. */
    private static String integerLiteral(Random random) {
        switch (random.nextInt(4)) {
            case 0 -> {
                BigInteger near = BigInteger.TWO.pow(50 + random.nextInt(30)).add(BigInteger.valueOf(random.nextInt(2001) - 1000));
                return near.max(BigInteger.ONE).toString();
            }
            case 1 -> {
                BigInteger near = BigInteger.TEN.pow(14 + random.nextInt(10)).add(BigInteger.valueOf(random.nextInt(2001) - 1000));
                return near.toString();
            }
            case 2 -> {
                // what ES6 prints for a random double below 10^21 in the integer range: always accepted
                double d = Math.floor(Math.scalb(random.nextDouble(), 53 + random.nextInt(16)));
                return es6OfLiteral(new BigDecimal(d).toBigInteger().toString());
            }
            default -> {
                int digits = 1 + random.nextInt(400);
                StringBuilder sb = new StringBuilder().append((char) ('1' + random.nextInt(9)));
                for (int i = 1; i < digits; i++) {
                    sb.append((char) ('0' + random.nextInt(10)));
                }
                return sb.toString();
            }
        }
    }

    /** The ES6 text of the double a literal parses to, computed through the canonicalizer's exponent path. */
    private static String es6OfLiteral(String literal) {
        double d = Double.parseDouble(literal);
        return Double.isInfinite(d) ? "Infinity" : es6Of(d);
    }

    private static String es6Of(double d) {
        // an exponent literal is never an integer literal, so the canonicalizer prints its ES6 form
        String exponentForm = new BigDecimal(d).stripTrailingZeros().toString();
        String withExponent = exponentForm.contains("E") ? exponentForm.replace("E", "e") : exponentForm + "e0";
        return new String(JsonCanonicalizer.canonicalize(withExponent.getBytes(StandardCharsets.US_ASCII)), StandardCharsets.US_ASCII);
    }

    private static String document(Random random, int depth) {
        int kind = depth > 3 ? 3 + random.nextInt(4) : random.nextInt(7);
        return switch (kind) {
            case 0 -> {
                StringBuilder sb = new StringBuilder("{");
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    sb.append(i == 0 ? "" : ",").append('"').append((char) ('a' + random.nextInt(5))).append(i).append("\":")
                            .append(document(random, depth + 1));
                }
                yield sb.append('}').toString();
            }
            case 1 -> {
                StringBuilder sb = new StringBuilder("[");
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    sb.append(i == 0 ? "" : ",").append(document(random, depth + 1));
                }
                yield sb.append(']').toString();
            }
            case 2 -> List.of("true", "false", "null").get(random.nextInt(3));
            case 3 -> List.of("\"x\"", "\"h\\u00e9llo \\u2603\"", "\"\\ud83d\\ude00\"", "\"a\\/b\\n\"", "\"\"").get(random.nextInt(5));
            case 4 -> (random.nextBoolean() ? "-" : "") + integerLiteral(random);
            case 5 -> Double.toString(Double.longBitsToDouble(random.nextLong() & 0x7fefffffffffffffL)).replace("E", "e");
            default -> (random.nextInt(2000) - 1000) + "." + random.nextInt(1000) + "e" + (random.nextInt(80) - 40);
        };
    }
}
