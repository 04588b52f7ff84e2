package io.sheratan.integrity;

import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.envelope.Submission;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tamper suite: for sampled valid results, every single-bit flip of every byte of the
 * envelope — payload and mark alike — is either unreadable, rejected, or, if it still verifies,
 * leaves the canonical core exactly as it was (a harmless re-encoding). Nothing that changes the
 * meaning gets through, under either policy.
 */
class TamperSuiteTest {

    private final EnvelopeReader reader = new EnvelopeReader(CanonicalLimits.DEFAULTS);

    @Test
    void shouldRejectEveryFlipThatChangesTheMeaning() throws Exception {
        IntegrityPolicy sha = IntegrityPolicy.defaults();
        IntegrityPolicy hmac = IntegrityPolicy.fromEnv(Map.of("SHERATAN_RESULT_INTEGRITY_MODE", "hmac", "SHERATAN_RESULT_HMAC_KEY", "k"));
        String[] results = {
            "{\"value\":42,\"note\":\"hello\"}",
            "[1,2.5,-3e-7,true,null,\"é€😀\"]",
            "{\"nested\":{\"b\":[{\"c\":1}],\"a\":\"x\"},\"ok\":false}",
        };
        long flips = 0;
        long stillVerified = 0;
        for (IntegrityPolicy policy : new IntegrityPolicy[] {sha, hmac}) {
            for (int r = 0; r < results.length; r++) {
                Submission original = reader.read(("{\"job_id\":\"t-" + r + "\",\"ok\":true,\"result\":" + results[r] + "}")
                        .getBytes(StandardCharsets.UTF_8)).signedBy(Signer.v1(policy));
                byte[] envelope = EnvelopeWriter.toJson(original);
                for (int i = 0; i < envelope.length; i++) {
                    for (int bit = 0; bit < 8; bit++) {
                        byte[] flipped = envelope.clone();
                        flipped[i] ^= (byte) (1 << bit);
                        flips++;
                        Submission s;
                        try {
                            s = reader.read(flipped);
                        } catch (MalformedEnvelopeException e) {
                            continue;
                        }
                        if (IntegrityVerifier.verify(s, policy).accepted()) {
                            stillVerified++;
                            assertThat(s.core()).as("flip of bit %d of byte %d verified with another meaning", bit, i)
                                    .isEqualTo(original.core());
                        }
                    }
                }
            }
        }
        assertThat(flips).isGreaterThan(10_000);
        System.out.printf("tamper suite: %d single-bit flips, %d still verified, all with the original core%n", flips, stillVerified);
    }

    @Test
    void shouldRejectEveryReplayedMarkOnOtherContent() throws Exception {
        IntegrityPolicy policy = IntegrityPolicy.defaults();
        Random random = new Random(7);
        for (int n = 0; n < 500; n++) {
            int a = random.nextInt(1_000_000);
            int b = a + 1 + random.nextInt(1000);
            Submission first = reader.read(("{\"job_id\":\"j\",\"ok\":true,\"result\":" + a + "}").getBytes(StandardCharsets.UTF_8)).signedBy(Signer.v1(policy));
            Submission other = reader.read(("{\"job_id\":\"j\",\"ok\":true,\"result\":" + b + "}").getBytes(StandardCharsets.UTF_8));
            assertThat(IntegrityVerifier.verify(other.withMark(first.mark()), policy).reason()).isEqualTo(Reason.SHA_MISMATCH);
        }
    }
}
