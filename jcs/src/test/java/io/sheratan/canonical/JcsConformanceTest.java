package io.sheratan.canonical;

import io.sheratan.testing.Conformance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import java.math.BigDecimal;

/** The RFC 8785 reference vectors and the ES6 number sequence from {@code conformance/vectors/jcs}. */
class JcsConformanceTest {

    @ParameterizedTest
    @ValueSource(strings = {"arrays", "french", "structures", "unicode", "values", "weird"})
    void shouldProduceTheReferenceBytes(String name) throws IOException {
        Path jcs = Conformance.dir().resolve("jcs");
        byte[] input = Files.readAllBytes(jcs.resolve("input").resolve(name + ".json"));
        byte[] expected = Files.readAllBytes(jcs.resolve("output").resolve(name + ".json"));
        byte[] expectedFromHex = HexFormat.of().parseHex(
                Files.readString(jcs.resolve("outhex").resolve(name + ".txt")).replaceAll("\\s", ""));

        byte[] canonical = JsonCanonicalizer.canonicalize(input);

        assertThat(canonical).isEqualTo(expected).isEqualTo(expectedFromHex);
        assertThat(JsonCanonicalizer.canonicalize(canonical)).as("canonical of canonical").isEqualTo(canonical);
    }

    @Test
    void shouldFormatAllEs6NumberLines() throws Exception {
        Path file = Conformance.dir().resolve("jcs").resolve("es6-numbers-100k.txt.gz");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        JsonCanonicalizer canonicalizer = new JsonCanonicalizer(CanonicalLimits.DEFAULTS);
        int lines = 0;
        int mismatches = 0;
        int inexactIntegers = 0;
        StringBuilder firstMismatches = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.US_ASCII))) {
            String line;
            while ((line = reader.readLine()) != null) {
                sha.update((line + "\n").getBytes(StandardCharsets.US_ASCII));
                int comma = line.indexOf(',');
                double value = Double.longBitsToDouble(Long.parseUnsignedLong(line.substring(0, comma), 16));
                String expected = line.substring(comma + 1);
                lines++;
                String formatted = Es6Numbers.format(value);
                // the literal path (DESIGN 3.5, fixed point): the expected text, read back as JSON, is
                // accepted and canonicalizes to itself, also where ES6 prints a large double as an
                // integer literal that is not its exact value (2^68 as 295147905179352830000)
                if (isInexactIntegerLiteral(expected, value)) {
                    inexactIntegers++;
                }
                String reparsed = new String(canonicalizer.apply(expected.getBytes(StandardCharsets.US_ASCII)), StandardCharsets.US_ASCII);
                if (!formatted.equals(expected) || !reparsed.equals(expected)) {
                    if (mismatches++ < 10) {
                        firstMismatches.append(line).append(" -> ").append(formatted).append(" / ").append(reparsed).append('\n');
                    }
                }
            }
        }
        assertThat(HexFormat.of().formatHex(sha.digest()))
                .as("the published SHA-256 of the uncompressed file")
                .isEqualTo("22776e6d4b49fa294a0d0f349268e5c28808fe7e0cb2bcbe28f63894e494d4c7");
        assertThat(lines).isEqualTo(100_000);
        assertThat(mismatches).as(firstMismatches.toString()).isZero();
        assertThat(inexactIntegers).as("lines whose ES6 text is an integer literal other than the double's exact value").isPositive();
    }

    private static boolean isInexactIntegerLiteral(String text, double value) {
        return text.indexOf('.') < 0 && text.indexOf('e') < 0
                && new BigDecimal(text).compareTo(new BigDecimal(value)) != 0;
    }

}
