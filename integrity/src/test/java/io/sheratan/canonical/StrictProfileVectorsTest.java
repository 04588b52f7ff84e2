package io.sheratan.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sheratan.integrity.IntegrityPolicy;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code conformance/strict/canon.json}, the strict-profile cases the Python and Node clients also run:
 * the canonicalizer gives exactly the expected bytes, or refuses with exactly the named rule.
 */
class StrictProfileVectorsTest {

    static Path file() {
        Path here = Path.of(System.getProperty("user.dir"));
        Path root = Files.isDirectory(here.resolve("conformance")) ? here : here.getParent();
        return root.resolve("conformance/strict/canon.json");
    }

    @Test
    void shouldGiveEveryExpectedOutputAndRefusal() throws Exception {
        JsonNode root = new ObjectMapper().readTree(file().toFile());
        int outputs = 0;
        int refusals = 0;
        for (JsonNode v : root.get("vectors")) {
            String name = v.get("name").asText();
            byte[] input = v.has("input_hex") ? HexFormat.of().parseHex(v.get("input_hex").asText())
                    : v.get("input").asText().getBytes(StandardCharsets.UTF_8);
            Map<String, String> env = new HashMap<>();
            v.path("env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
            JsonCanonicalizer canonicalizer = new JsonCanonicalizer(IntegrityPolicy.limitsFromEnv(env));
            if (v.has("expected")) {
                assertThat(new String(canonicalizer.apply(input), StandardCharsets.UTF_8)).as(name).isEqualTo(v.get("expected").asText());
                outputs++;
            } else {
                assertThatThrownBy(() -> canonicalizer.apply(input)).as(name).isInstanceOfSatisfying(StrictJsonException.class,
                        e -> assertThat(e.rule().code()).as(name).isEqualTo(v.get("error").asText()));
                refusals++;
            }
        }
        assertThat(outputs).isGreaterThanOrEqualTo(12);
        assertThat(refusals).isGreaterThanOrEqualTo(35);
    }
}
