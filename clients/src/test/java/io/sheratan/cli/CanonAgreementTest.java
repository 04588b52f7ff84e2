package io.sheratan.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sheratan.canonical.JsonCanonicalizer;
import io.sheratan.canonical.StrictJsonException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Java's canonicalizer (what {@code sheratan canon} runs), the Python client's and the Node client's agree
 * byte for byte, and on which documents the strict profile refuses and why: the RFC 8785 vectors, the
 * strict-profile vectors, the 100,000 ES6 numbers and a generated corpus of valid and broken documents.
 */
class CanonAgreementTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void shouldAgreeOnTheRfc8785Vectors() throws IOException {
        List<byte[]> docs = new ArrayList<>();
        try (var files = Files.list(OtherLanguages.conformance("vectors", "jcs", "input"))) {
            for (Path file : files.sorted().toList()) {
                docs.add(Files.readAllBytes(file));
            }
        }
        assertThat(docs).hasSize(6);
        assertThat(agree(docs)).isEqualTo(6);
    }

    @Test
    void shouldAgreeOnTheStrictProfileVectors() throws IOException {
        JsonNode root = new ObjectMapper().readTree(OtherLanguages.conformance("strict", "canon.json").toFile());
        List<byte[]> docs = new ArrayList<>();
        for (JsonNode v : root.get("vectors")) {
            if (!v.has("env")) { // the limits of the others are variables: the clients' own tests run those
                docs.add(v.has("input_hex") ? HEX.parseHex(v.get("input_hex").asText()) : v.get("input").asText().getBytes(StandardCharsets.UTF_8));
            }
        }
        assertThat(docs).hasSizeGreaterThan(45);
        assertThat(agree(docs)).as("valid ones among them").isGreaterThan(10);
    }

    /** JSONTestSuite: the same answer from all three on each file; n_ refused, y_ accepted but for duplicate names. */
    @Test
    void shouldAgreeOnJsonTestSuite() throws IOException {
        List<Path> files = new ArrayList<>();
        for (String folder : List.of("test_parsing", "test_transform")) {
            try (var list = Files.list(OtherLanguages.conformance("vectors", "jsontestsuite", folder))) {
                list.sorted().forEach(files::add);
            }
        }
        assertThat(files).hasSize(340);
        List<byte[]> docs = new ArrayList<>();
        for (Path file : files) {
            byte[] doc = Files.readAllBytes(file);
            docs.add(doc);
            String name = file.getFileName().toString();
            boolean accepted;
            try {
                JsonCanonicalizer.canonicalize(doc);
                accepted = true;
            } catch (StrictJsonException e) {
                accepted = false;
            }
            if (name.startsWith("n_")) {
                assertThat(accepted).as(name).isFalse();
            } else if (name.startsWith("y_")) {
                assertThat(accepted).as(name).isEqualTo(!name.startsWith("y_object_duplicated_key"));
            }
        }
        assertThat(agree(docs)).isGreaterThan(100);
    }

    /** Each of the 100,000 doubles, written the way Java writes it (never an integer literal), in arrays of 1,000. */
    @Test
    void shouldAgreeOnTheHundredThousandEs6Numbers() throws IOException {
        List<byte[]> docs = new ArrayList<>();
        StringBuilder doc = new StringBuilder("[");
        List<String> expected = new ArrayList<>();
        int count = 0;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(OtherLanguages.conformance("vectors", "jcs", "es6-numbers-100k.txt.gz")))) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                String[] parts = line.split(",");
                double value = Double.longBitsToDouble(Long.parseUnsignedLong(parts[0], 16));
                if (!Double.isFinite(value)) {
                    continue;
                }
                doc.append(doc.length() > 1 ? "," : "").append(Double.toString(value));
                expected.add(parts[1]);
                count++;
                if (count % 1000 == 0) {
                    docs.add(doc.append(']').toString().getBytes(StandardCharsets.US_ASCII));
                    assertThat(JsonCanonicalizer.canonicalize(docs.get(docs.size() - 1)))
                            .asString(StandardCharsets.US_ASCII).isEqualTo("[" + String.join(",", expected) + "]");
                    doc = new StringBuilder("[");
                    expected.clear();
                }
            }
        }
        assertThat(count).isGreaterThan(99_000);
        assertThat(agree(docs)).isEqualTo(docs.size());
    }

    @Test
    void shouldAgreeOnAGeneratedCorpus() {
        Random random = new Random(8785);
        List<byte[]> docs = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            docs.add(Corpus.document(random));
        }
        int valid = agree(docs);
        assertThat(valid).as("the corpus holds valid documents and refused ones").isBetween(1000, 3500);
    }

    /** Runs every document through the three implementations; returns how many were valid. */
    private static int agree(List<byte[]> docs) {
        StringBuilder input = new StringBuilder();
        List<String> java = new ArrayList<>();
        int valid = 0;
        for (byte[] doc : docs) {
            input.append(HEX.formatHex(doc)).append('\n');
            try {
                java.add("ok " + HEX.formatHex(JsonCanonicalizer.canonicalize(doc)));
                valid++;
            } catch (StrictJsonException e) {
                java.add("error " + e.rule().code());
            }
        }
        byte[] stdin = input.toString().getBytes(StandardCharsets.US_ASCII);
        for (OtherLanguages client : OtherLanguages.values()) {
            OtherLanguages.Result result = client.run(Map.of(), stdin, Duration.ofMinutes(3), "canon", "--each-line-hex");
            assertThat(result.exit()).as(client + ": " + result.stderr()).isZero();
            String[] lines = result.out().split("\n");
            assertThat(lines.length).as(client + " answers once per document").isEqualTo(docs.size());
            for (int i = 0; i < lines.length; i++) {
                if (!lines[i].equals(java.get(i))) {
                    throw new AssertionError(client + " disagrees with Java on document " + i + " (" + HEX.formatHex(docs.get(i))
                            + "):\n  java:   " + java.get(i) + "\n  " + client.name().toLowerCase() + ": " + lines[i]);
                }
            }
        }
        return valid;
    }

    /** Random JSON documents written in every way JSON allows, some broken on purpose (one broken rule each). */
    static final class Corpus {

        private static final String[] CHARS = {"a", "z", "A", "0", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\u0001", "\u001f",
            "\u007f", "\u00e9", "\u00ff", "\u0100", "\u2028", "\u2603", "\ud7ff", "\ue000", "\ufb33", "\uffff", "\ud83d\ude00", "\udbff\udfff"};

        static byte[] document(Random r) {
            StringBuilder out = new StringBuilder();
            value(r, out, 0);
            String text = r.nextInt(8) == 0 ? " \n\t" + out + "\r\n " : out.toString();
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            return switch (r.nextInt(10)) {
                case 0 -> breakIt(r, text);
                case 1 -> breakIt(r, text);
                default -> bytes;
            };
        }

        private static byte[] breakIt(Random r, String text) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            switch (r.nextInt(9)) {
                case 0 -> out.writeBytes(("{\"k\":1,\"k\":" + text + "}").getBytes(StandardCharsets.UTF_8));
                case 1 -> out.writeBytes(("[\"\\ud83d\"," + text + "]").getBytes(StandardCharsets.UTF_8));
                case 2 -> out.writeBytes(("[" + text + ",\"\\ude00\\ud83d\"]").getBytes(StandardCharsets.UTF_8));
                case 3 -> {
                    out.writeBytes(("[\"x").getBytes(StandardCharsets.UTF_8));
                    out.write(new byte[]{(byte) 0xC0, (byte) 0xE0, (byte) 0xED, (byte) 0xF5, (byte) 0x80}[r.nextInt(5)]); // not UTF-8
                    out.writeBytes(("\"," + text + "]").getBytes(StandardCharsets.UTF_8));
                }
                case 4 -> out.writeBytes(("[" + text + "," + (9007199254740993L + 2L * r.nextInt(1000)) + "]").getBytes(StandardCharsets.UTF_8));
                case 5 -> out.writeBytes(("[" + text + ",1e" + (309 + r.nextInt(100)) + "]").getBytes(StandardCharsets.UTF_8));
                case 6 -> out.writeBytes((text + " " + text).getBytes(StandardCharsets.UTF_8));
                case 7 -> {
                    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                    out.write(bytes, 0, r.nextInt(Math.max(1, bytes.length)));
                }
                default -> out.writeBytes(("[".repeat(60 + r.nextInt(10)) + text + "]".repeat(60 + r.nextInt(10))).getBytes(StandardCharsets.UTF_8));
            }
            return out.toByteArray();
        }

        private static void value(Random r, StringBuilder out, int depth) {
            int kind = r.nextInt(depth > 4 ? 5 : 8);
            switch (kind) {
                case 0 -> out.append(r.nextBoolean() ? "true" : r.nextBoolean() ? "false" : "null");
                case 1, 2 -> number(r, out);
                case 3, 4 -> string(r, out);
                case 5 -> {
                    out.append('[');
                    int n = r.nextInt(5);
                    for (int i = 0; i < n; i++) {
                        out.append(i > 0 ? "," : "").append(space(r));
                        value(r, out, depth + 1);
                        out.append(space(r));
                    }
                    out.append(']');
                }
                default -> {
                    out.append('{');
                    int n = r.nextInt(6);
                    List<String> names = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        StringBuilder name = new StringBuilder();
                        string(r, name);
                        if (names.contains(name.toString())) {
                            continue; // the corpus breaks the duplicate rule on purpose elsewhere, not by chance
                        }
                        names.add(name.toString());
                        out.append(names.size() > 1 ? "," : "").append(space(r)).append(name).append(space(r)).append(':').append(space(r));
                        value(r, out, depth + 1);
                    }
                    out.append('}');
                }
            }
        }

        private static String space(Random r) {
            return r.nextInt(4) == 0 ? " " : "";
        }

        private static void number(Random r, StringBuilder out) {
            switch (r.nextInt(9)) {
                case 0 -> out.append(r.nextInt());
                case 1 -> out.append(r.nextLong() >> r.nextInt(64)); // some above 2^53: inexact unless representable
                case 2 -> {
                    double d = Double.longBitsToDouble(r.nextLong());
                    out.append(Double.isFinite(d) ? Double.toString(d) : "0.5");
                }
                case 3 -> out.append(r.nextDouble() * Math.pow(10, r.nextInt(40) - 20));
                case 4 -> out.append(r.nextBoolean() ? "-" : "").append(r.nextInt(1000)).append('.').append(r.nextInt(1000)).append("000");
                case 5 -> out.append(r.nextInt(100)).append(r.nextBoolean() ? "e" : "E").append(r.nextBoolean() ? "+" : "-").append(r.nextInt(30));
                case 6 -> out.append(r.nextBoolean() ? "-0" : "-0.0e-5");
                case 7 -> out.append("0.00000").append(1 + r.nextInt(9));
                default -> out.append(1L << r.nextInt(63)); // exact powers of two
            }
        }

        private static void string(Random r, StringBuilder out) {
            out.append('"');
            int n = r.nextInt(6);
            for (int i = 0; i < n; i++) {
                String c = CHARS[r.nextInt(CHARS.length)];
                int style = r.nextInt(3);
                for (int j = 0; j < c.length(); j++) {
                    char ch = c.charAt(j);
                    if (ch < 0x20 || style == 0 || (ch == '"' || ch == '\\')) {
                        out.append(String.format("\\u%04x", (int) ch)); // controls must be escaped; others may be
                    } else if (style == 1 && ch == '/') {
                        out.append("\\/");
                    } else {
                        out.append(ch);
                    }
                }
            }
            out.append('"');
        }
    }
}
