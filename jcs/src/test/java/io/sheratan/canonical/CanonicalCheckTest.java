package io.sheratan.canonical;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import java.util.Locale;

/**
 * Holds the fast path ({@link CanonicalCheck}) to the full parser: the fast path may only ever say
 * "already canonical" when the full parser would return the bytes unchanged, and it must say so for
 * the canonical documents the verifier actually sees. Documents are generated from fixed seeds with
 * the awkward parts of RFC 8785 over-represented (escapes, non-ASCII and supplementary names,
 * numbers near every formatting boundary), then mutated byte by byte.
 */
class CanonicalCheckTest {

    private static final CanonicalLimits LIMITS = new CanonicalLimits(CanonicalLimits.DEFAULT_MAX_BYTES, 12);

    private final JsonCanonicalizer full = new JsonCanonicalizer(LIMITS, false);
    private final JsonCanonicalizer fast = new JsonCanonicalizer(LIMITS, true);

    @Test
    void shouldAcceptOnlyWhatTheFullParserLeavesUnchanged() {
        Random random = new Random(8785);
        int accepted = 0;
        int canonicalDocuments = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] raw = document(random);
            Outcome expected = outcome(full, raw);
            assertSame(raw, expected);
            if (CanonicalCheck.isCanonical(raw, 0, raw.length, LIMITS.maxDepth(), null)) {
                assertThat(expected.bytes).as("fast path accepted %s", show(raw)).isEqualTo(raw);
            }
            if (expected.bytes != null) {
                canonicalDocuments++;
                byte[] canonical = expected.bytes;
                assertSame(canonical, outcome(full, canonical));
                if (CanonicalCheck.isCanonical(canonical, 0, canonical.length, LIMITS.maxDepth(), null)) {
                    accepted++;
                }
            }
        }
        // the generator puts non-ASCII names and rare escapes into many documents, which the fast
        // path leaves to the full parser on purpose; the rest must take the fast path
        assertThat(canonicalDocuments).isGreaterThan(10_000); // the rest carry invalid numbers on purpose
        assertThat(accepted).as("canonical documents taken by the fast path").isGreaterThan(canonicalDocuments / 3);
    }

    @Test
    void shouldAgreeWithTheFullParserOnMutatedDocuments() {
        Random random = new Random(42);
        byte[][] specials = {{'"'}, {'\\'}, {'0'}, {'-'}, {'.'}, {'e'}, {','}, {':'}, {'{'}, {'}'}, {'['}, {']'}, {' '},
                {0x1F}, {(byte) 0xC3}, {(byte) 0xA9}, {(byte) 0xED}, {(byte) 0xF4}, {'u'}, {'/'}, {'n'}};
        for (int i = 0; i < 20_000; i++) {
            byte[] canonical = outcome(full, document(random)).bytes;
            if (canonical == null) {
                continue;
            }
            byte[] mutated = mutate(canonical, random, specials);
            assertSame(mutated, outcome(full, mutated));
        }
    }

    @Test
    void shouldCaptureTheSameTopLevelMembersAsTheFullParser() {
        Random random = new Random(7);
        int compared = 0;
        while (compared < 2_000) {
            byte[] doc = outcome(full, bytes(object(random, 0))).bytes;
            if (doc == null || !CanonicalCheck.isCanonical(doc, 0, doc.length, LIMITS.maxDepth(), null)) {
                continue;
            }
            assertThat(fast.applyToObject(doc).members()).isEqualTo(full.applyToObject(doc).members());
            compared++;
        }
    }

    @Test
    void shouldLeaveTheDepthLimitToTheFullParser() {
        String atLimit = "[".repeat(LIMITS.maxDepth()) + "]".repeat(LIMITS.maxDepth());
        String pastLimit = "[" + atLimit + "]";
        assertThat(check(atLimit)).isTrue();
        assertThat(check(pastLimit)).isFalse();
        assertThat(outcome(fast, bytes(pastLimit)).rule).isEqualTo(StrictJsonException.Rule.TOO_DEEP);
    }

    @Test
    void shouldTakeTheFastPathOnlyForCanonicalForms() {
        for (String canonical : List.of("{}", "[]", "0", "-1", "0.5", "-0.000001", "9007199254740991", "123456789012345",
                "\"\\u001f\\n\\\"\\\\\"", "\"é日本😀\"", "{\"a\":[true,false,null],\"b\":{\"c\":\"\"}}",
                "{\"status_10\":1,\"status_2\":2}", "{\"abcdefgh\":1,\"abcdefghi\":2}", "{\"abc\":1,\"abcdefghi\":2}")) {
            assertThat(check(canonical)).as(canonical).isTrue();
            assertThat(outcome(full, bytes(canonical)).bytes).as(canonical).isEqualTo(bytes(canonical));
        }
        for (String notCanonical : List.of(" {}", "{} ", "{\"b\":1,\"a\":2}", "{\"a\":1,\"a\":1}",
                "{\"status_2\":1,\"status_10\":2}", "{\"abcdefghi\":1,\"abcdefgh\":2}", "{\"abcdefghij\":1,\"abcdefghij\":2}", "-0", "1.50", "0.0",
                "1e3", "1E3", "0.0000001", "9007199254740993", "12345678901234567", "01", "\"\\/\"", "\"\\u0041\"",
                "\"\\u000a\"", "\"\\u001F\"", "{\"é\":1}", "{\"\\u0061\":1}", "[1,]", "{\"a\":1,}", "tru", "nul", "\"abc",
                "\"\u0001\"")) {
            assertThat(check(notCanonical)).as(notCanonical).isFalse();
        }
    }

    // ------------------------------------------------------------------------------------ helpers

    /** The full parser's answer: canonical bytes, or the rule it refused with. */
    private record Outcome(byte[] bytes, StrictJsonException.Rule rule, String message) {
    }

    private static Outcome outcome(JsonCanonicalizer canonicalizer, byte[] json) {
        try {
            return new Outcome(canonicalizer.apply(json), null, null);
        } catch (StrictJsonException e) {
            return new Outcome(null, e.rule(), e.getMessage());
        }
    }

    /** The fast-path canonicalizer gives exactly the full parser's bytes, or exactly its error. */
    private void assertSame(byte[] json, Outcome expected) {
        Outcome actual = outcome(fast, json);
        assertThat(actual.bytes).as("canonical form of %s", show(json)).isEqualTo(expected.bytes);
        assertThat(actual.rule).as("rule for %s", show(json)).isEqualTo(expected.rule);
        assertThat(actual.message).as("message for %s", show(json)).isEqualTo(expected.message);
    }

    private static boolean check(String json) {
        byte[] bytes = bytes(json);
        return CanonicalCheck.isCanonical(bytes, 0, bytes.length, LIMITS.maxDepth(), null);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String show(byte[] json) {
        return new String(json, StandardCharsets.UTF_8) + " " + Arrays.toString(json);
    }

    private static byte[] mutate(byte[] doc, Random random, byte[][] specials) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(doc.length + 2);
        int at = random.nextInt(doc.length);
        byte[] with = specials[random.nextInt(specials.length)];
        switch (random.nextInt(3)) {
            case 0 -> { // replace
                out.write(doc, 0, at);
                out.writeBytes(with);
                out.write(doc, at + 1, doc.length - at - 1);
            }
            case 1 -> { // insert
                out.write(doc, 0, at);
                out.writeBytes(with);
                out.write(doc, at, doc.length - at);
            }
            default -> { // delete
                out.write(doc, 0, at);
                out.write(doc, at + 1, doc.length - at - 1);
            }
        }
        return out.toByteArray();
    }

    // a random JSON document, written with random member order and the occasional whitespace

    private static byte[] document(Random random) {
        return bytes(random.nextInt(4) == 0 ? value(random, 0) : object(random, 0));
    }

    private static String object(Random random, int depth) {
        int count = random.nextInt(depth == 0 ? 8 : 4);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(name(random));
        }
        if (random.nextInt(3) > 0) {
            Collections.sort(names); // often sorted by Java's UTF-16 order already, as canonical writers do
        }
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(space(random)).append(string(names.get(i), random)).append(space(random)).append(':')
                    .append(value(random, depth + 1));
        }
        return sb.append(space(random)).append('}').toString();
    }

    private static String value(Random random, int depth) {
        int kind = depth > 4 ? 3 + random.nextInt(4) : random.nextInt(8);
        return switch (kind) {
            case 0 -> object(random, depth);
            case 1, 2 -> {
                StringBuilder sb = new StringBuilder("[");
                int count = random.nextInt(4);
                for (int i = 0; i < count; i++) {
                    sb.append(i > 0 ? "," : "").append(space(random)).append(value(random, depth + 1));
                }
                yield sb.append(']').toString();
            }
            case 3, 4 -> number(random);
            case 5 -> string(text(random), random);
            default -> List.of("true", "false", "null").get(random.nextInt(3));
        };
    }

    private static String space(Random random) {
        return random.nextInt(30) == 0 ? " " : "";
    }

    private static final String[] NAME_PARTS = {"a", "b", "ab", "status", "value", "é", "日本", "😀", "\uE000", "z", "A", "_", "1"};

    private static String name(Random random) {
        StringBuilder sb = new StringBuilder();
        int parts = 1 + random.nextInt(3);
        for (int i = 0; i < parts; i++) {
            sb.append(random.nextInt(4) == 0 ? NAME_PARTS[random.nextInt(NAME_PARTS.length)]
                    : NAME_PARTS[random.nextInt(5)]);
        }
        return sb.toString();
    }

    private static String text(Random random) {
        StringBuilder sb = new StringBuilder();
        int length = random.nextInt(24);
        for (int i = 0; i < length; i++) {
            int pick = random.nextInt(20);
            if (pick < 14) {
                sb.append((char) (' ' + random.nextInt(95)));
            } else if (pick < 16) {
                sb.append((char) random.nextInt(0x20));
            } else if (pick == 16) {
                sb.append("é日");
            } else if (pick == 17) {
                sb.append("😀");
            } else if (pick == 18) {
                sb.append('\u007f').append('\u2028');
            } else {
                sb.append('\uFFFD');
            }
        }
        return sb.toString();
    }

    /** A JSON string for {@code s}, escaped in one of several legal ways (not always the canonical one). */
    private static String string(String s, Random random) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int style = random.nextInt(10);
            if (c == '"' || c == '\\') {
                sb.append(style == 0 ? String.format("\\u%04x", (int) c) : "\\" + c);
            } else if (c < 0x20) {
                String shortForm = switch (c) {
                    case '\b' -> "\\b";
                    case '\f' -> "\\f";
                    case '\n' -> "\\n";
                    case '\r' -> "\\r";
                    case '\t' -> "\\t";
                    default -> null;
                };
                sb.append(shortForm != null && style > 0 ? shortForm : String.format(style == 1 ? "\\u%04X" : "\\u%04x", (int) c));
            } else if (c == '/' && style == 0) {
                sb.append("\\/");
            } else if (style == 0 && c > 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    private static final String[] NUMBERS = {"0", "-0", "0.0", "-0.0", "1", "-1", "10", "1.5", "1.50", "0.1", "0.000001",
            "0.0000001", "-0.000001", "1e3", "1E-7", "1e21", "1e+21", "123456789012345", "1234567890123456",
            "9007199254740991", "9007199254740992", "9007199254740993", "99999999999999999999", "0.30000000000000004",
            "3.14159", "100000000000000000000", "1000000000000000000000", "12.345678901234567", "1.7976931348623157e308",
            "5e-324", "-123.456", "00", "01", "1.", ".5", "-", "2e", "1e400"};

    private static String number(Random random) {
        if (random.nextBoolean()) {
            return NUMBERS[random.nextInt(NUMBERS.length)];
        }
        return switch (random.nextInt(4)) {
            case 0 -> Long.toString(random.nextLong() >> random.nextInt(64));
            case 1 -> Double.toString(random.nextDouble() * Math.pow(10, random.nextInt(30) - 10));
            case 2 -> String.format(Locale.ROOT, "%." + random.nextInt(8) + "f", (random.nextDouble() - 0.5) * 1000);
            default -> Integer.toString(random.nextInt(1_000_000));
        };
    }
}
