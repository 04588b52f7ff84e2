package io.sheratan.avro.codec;

import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.canonical.JsonCanonicalizer;
import io.sheratan.canonical.StrictJsonException;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The audit sink logs {@link FlatJson#canonical} of an event: it must be the very bytes the old path
 * made (flat JSON, parsed, canonicalized), and refuse what that path refused, for every field value.
 */
class FlatJsonCanonicalTest {

    @Test
    void randomEventsAndResultsGiveTheCanonicalizersBytes() {
        Random random = new Random(2026);
        int refused = 0;
        for (int i = 0; i < 3_000; i++) {
            SpecificRecordBase record = i % 2 == 0 ? event(random) : result(random);
            byte[] canonical;
            try {
                canonical = JsonCanonicalizer.canonicalize(FlatJson.write(record));
            } catch (StrictJsonException e) {
                refused++;
                assertThatThrownBy(() -> FlatJson.canonical(record)).as("%s", record).isInstanceOf(StrictJsonException.class)
                        .satisfies(t -> assertThat(((StrictJsonException) t).rule()).isEqualTo(e.rule()));
                continue;
            }
            assertThat(FlatJson.canonical(record)).as("%s", record).isEqualTo(canonical);
        }
        assertThat(refused).as("some records carried a long that is not exactly a double").isBetween(1, 2_999);
    }

    private static AuditEvent event(Random random) {
        return AuditEvent.newBuilder().setEventId(text(random)).setEventType(text(random)).setReason(text(random))
                .setDetail(random.nextBoolean() ? null : text(random)).setJobId(text(random)).setMode(null).setKeyId(text(random))
                .setTs(Instant.ofEpochMilli(random.nextLong(0, 1L << 45))).setSourcePartition(random.nextBoolean() ? null : random.nextInt())
                .setSourceOffset(random.nextBoolean() ? null : offset(random)).setReceivedSha256(text(random)).build();
    }

    private static VerifiedResult result(Random random) {
        return VerifiedResult.newBuilder().setJobId(text(random)).setOk(random.nextBoolean()).setResult("{\"a\":" + random.nextInt() + "}")
                .setError(null).setSha256(text(random)).setVerifiedAt(Instant.ofEpochMilli(random.nextLong(0, 1L << 45)))
                .setSourcePartition(random.nextInt()).setSourceOffset(offset(random)).setCanonicalVersion(random.nextInt(3))
                .setNodeAttested(random.nextBoolean()).build();
    }

    /** Small, near 2^53 (either side), or any long: a hostile writer's offsets. */
    private static long offset(Random random) {
        return switch (random.nextInt(3)) {
            case 0 -> random.nextInt(1 << 20);
            case 1 -> (1L << 53) + random.nextInt(16) - 8;
            default -> random.nextLong();
        };
    }

    private static String text(Random random) {
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            switch (random.nextInt(5)) {
                case 0 -> sb.append((char) random.nextInt(0x20));
                case 1 -> sb.append("\"\\/\u007f\u2028".charAt(random.nextInt(5)));
                case 2 -> sb.appendCodePoint(0x1f600 + random.nextInt(80));
                case 3 -> sb.append((char) (0xa0 + random.nextInt(0x300)));
                default -> sb.append((char) ('a' + random.nextInt(26)));
            }
        }
        return sb.toString();
    }
}
