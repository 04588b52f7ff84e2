package io.sheratan.integrity;

import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Keyed Macs are reused per thread by key content: never the wrong key, whatever the callers do with their arrays. */
class MarksTest {

    @Test
    void everyHmacIsTheOneOfAFreshMacUnderThatKey() throws Exception {
        Random random = new Random(26);
        byte[][] keys = new byte[7][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = new byte[32 + i];
            random.nextBytes(keys[i]);
        }
        for (int round = 0; round < 500; round++) {
            byte[] key = keys[random.nextInt(random.nextBoolean() ? 2 : keys.length)];
            byte[] copy = key.clone(); // callers such as IntegrityPolicy hand out fresh copies
            byte[] data = ("record " + round).getBytes(StandardCharsets.UTF_8);
            byte[] ours = Marks.hmacSha256(copy, data);
            copy[0] ^= 1; // and may reuse or clear their array afterwards
            Mac fresh = Mac.getInstance("HmacSHA256");
            fresh.init(new SecretKeySpec(key, "HmacSHA256"));
            assertThat(ours).as("round " + round).isEqualTo(fresh.doFinal(data));
            String hex = Marks.hex(ours);
            assertThat(Marks.hmacMatches(key, data, hex)).isTrue();
            assertThat(Marks.hmacMatches(key, data, hex.toUpperCase())).as("only lowercase hex is a mark").isFalse();
            assertThat(Marks.hmacMatches(key, data, hex.substring(1) + "g")).isFalse();
            assertThat(Marks.hmacMatches(key, data, null)).isFalse();
        }
    }

    /** A body that fails after feeding part of its input leaves nothing behind in the thread's Mac for that key. */
    @Test
    void aMacLeftHalfFedByAFailedCallDoesNotChangeTheNextHmac() throws Exception {
        byte[] key = new byte[32];
        new Random(7).nextBytes(key);
        byte[] data = "the next record".getBytes(StandardCharsets.UTF_8);
        Mac fresh = Mac.getInstance("HmacSHA256");
        fresh.init(new SecretKeySpec(key, "HmacSHA256"));
        byte[] expected = fresh.doFinal(data);
        String hex = Marks.hex(expected);
        for (int i = 0; i < 3; i++) {
            try {
                Marks.hmacMatches(key, null, sink -> {
                    sink.write("half of something".getBytes(StandardCharsets.UTF_8), 0, 7);
                    throw new IllegalStateException("failed part-way");
                }, hex);
            } catch (IllegalStateException failure) {
                // what a failing body does; the Mac it fed stays cached for this key and thread
            }
            assertThat(Marks.hmacSha256(key, data)).as("hmacSha256 after failure " + i).isEqualTo(expected);
            try {
                Marks.hmacMatches(key, null, sink -> {
                    sink.write(data, 0, 3);
                    throw new IllegalStateException("failed part-way again");
                }, hex);
            } catch (IllegalStateException expectedFailure) {
                // as above
            }
            assertThat(Marks.hmacMatches(key, null, sink -> sink.write(data, 0, data.length), hex)).as("after failure " + i).isTrue();
            assertThat(Marks.hmacMatches(key, data, hex)).isTrue();
        }
    }
}
