package io.sheratan.canonical;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The writer and the canonicalizer agree byte for byte, and refuse the same things. */
class CanonicalWriterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void sortsMembersAsTheCanonicalizerDoes() {
        byte[] written = new CanonicalWriter().string("b", "x").integer("a", 1).bool("\u00e9", true).nul("B").string("\ud83d\ude00", "y")
                .string("\uff61", "z").toBytes();
        String expected = "{\"B\":null,\"a\":1,\"b\":\"x\",\"\u00e9\":true,\"\ud83d\ude00\":\"y\",\"\uff61\":\"z\"}";
        assertThat(new String(written, StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(JsonCanonicalizer.canonicalize(written)).isEqualTo(written); // a fixed point
    }

    @Test
    void randomObjectsEqualTheCanonicalizersBytes() throws Exception {
        Random random = new Random(8785);
        for (int round = 0; round < 5_000; round++) {
            CanonicalWriter writer = new CanonicalWriter();
            ObjectNode tree = JSON.createObjectNode();
            int members = random.nextInt(8);
            for (int m = 0; m < members; m++) {
                String name = randomString(random, 6);
                if (tree.has(name)) {
                    continue;
                }
                switch (random.nextInt(4)) {
                    case 0 -> {
                        String value = randomString(random, 20);
                        writer.string(name, value);
                        tree.put(name, value);
                    }
                    case 1 -> {
                        long value = randomLong(random);
                        if (isExact(value)) {
                            writer.integer(name, value);
                            tree.put(name, value);
                        } else {
                            assertThatThrownBy(() -> new CanonicalWriter().integer("n", value)).isInstanceOf(StrictJsonException.class)
                                    .satisfies(e -> assertThat(((StrictJsonException) e).rule()).isEqualTo(StrictJsonException.Rule.INEXACT_INTEGER));
                            assertThatThrownBy(() -> JsonCanonicalizer.canonicalize(("{\"n\":" + value + "}").getBytes(StandardCharsets.US_ASCII)))
                                    .isInstanceOf(StrictJsonException.class);
                        }
                    }
                    case 2 -> {
                        boolean value = random.nextBoolean();
                        writer.bool(name, value);
                        tree.put(name, value);
                    }
                    default -> {
                        writer.nul(name);
                        tree.putNull(name);
                    }
                }
            }
            byte[] expected = JsonCanonicalizer.canonicalize(JSON.writeValueAsBytes(tree));
            assertThat(writer.toBytes()).as("round %d: %s", round, tree).isEqualTo(expected);
        }
    }

    @Test
    void integersAroundTwoToThe53() {
        long limit = 1L << 53;
        for (long value : new long[]{limit - 1, limit, limit + 1, limit + 2, -limit - 1, -limit, Long.MAX_VALUE, Long.MIN_VALUE, 0, -1}) {
            byte[] literal = ("{\"n\":" + value + "}").getBytes(StandardCharsets.US_ASCII);
            if (isExact(value)) {
                assertThat(new CanonicalWriter().integer("n", value).toBytes()).as("%d", value).isEqualTo(JsonCanonicalizer.canonicalize(literal));
            } else {
                assertThatThrownBy(() -> JsonCanonicalizer.canonicalize(literal)).as("%d", value).isInstanceOf(StrictJsonException.class);
                assertThatThrownBy(() -> new CanonicalWriter().integer("n", value)).as("%d", value).isInstanceOf(StrictJsonException.class);
            }
        }
    }

    @Test
    void refusesALoneSurrogateAndATwiceWrittenMember() {
        assertThatThrownBy(() -> new CanonicalWriter().string("s", "a\ud800b")).isInstanceOf(StrictJsonException.class)
                .satisfies(e -> assertThat(((StrictJsonException) e).rule()).isEqualTo(StrictJsonException.Rule.LONE_SURROGATE));
        assertThatThrownBy(() -> new CanonicalWriter().string("s", "a").integer("s", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("written twice");
    }

    @Test
    void embedsACanonicalValueAsItIs() {
        byte[] inner = new CanonicalWriter().integer("z", 1).integer("a", 2).toBytes();
        byte[] outer = new CanonicalWriter().canonical("o", inner).string("a", "\u0007\"\\").toBytes();
        assertThat(new String(outer, StandardCharsets.UTF_8)).isEqualTo("{\"a\":\"\\u0007\\\"\\\\\",\"o\":{\"a\":2,\"z\":1}}");
        assertThat(JsonCanonicalizer.canonicalize(outer)).isEqualTo(outer);
    }

    /** Whether the canonicalizer keeps the integer literal as it is (the ES6 form of its double spells it). */
    private static boolean isExact(long value) {
        try {
            JsonCanonicalizer.canonicalize(("[" + value + "]").getBytes(StandardCharsets.US_ASCII));
            return true;
        } catch (StrictJsonException e) {
            return false;
        }
    }

    private static long randomLong(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> random.nextInt(1000) - 500;
            case 1 -> (1L << 53) + random.nextInt(64) - 32;
            case 2 -> -(1L << 53) - random.nextInt(64);
            default -> random.nextLong();
        };
    }

    /** Strings over ASCII, control characters, the escapes, Latin-1, BMP letters around the surrogates and astral pairs. */
    private static String randomString(Random random, int maxLength) {
        StringBuilder sb = new StringBuilder();
        int length = random.nextInt(maxLength + 1);
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(7)) {
                case 0 -> sb.append((char) random.nextInt(0x20));
                case 1 -> sb.append("\"\\/\u007f".charAt(random.nextInt(4)));
                case 2 -> sb.append((char) (0x80 + random.nextInt(0x180)));
                case 3 -> sb.append(random.nextBoolean() ? (char) (0xd7f0 + random.nextInt(0x10)) : (char) (0xe000 + random.nextInt(0x2000)));
                case 4 -> sb.appendCodePoint(0x10000 + random.nextInt(0xfffff));
                default -> sb.append((char) ('a' + random.nextInt(26)));
            }
        }
        return sb.toString();
    }
}
