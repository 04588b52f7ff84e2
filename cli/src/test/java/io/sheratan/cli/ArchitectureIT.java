package io.sheratan.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The product distribution ({@code cli/target/lib}, what {@code ./sheratan} and the image run) holds
 * neither the harness ({@code tools/}), nor test support, nor the reference JCS library that only
 * {@code bench canon} needs. An integration test because the distribution exists only after
 * {@code package}; the rules over the code are {@link ArchitectureTest}.
 */
class ArchitectureIT {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    @Test
    void shouldShipNoHarnessInTheProductDistribution() throws IOException {
        Path lib = ROOT.resolve("cli/target/lib");
        assertThat(lib).isDirectory();
        List<String> jars;
        try (Stream<Path> files = Files.list(lib)) {
            jars = files.map(f -> f.getFileName().toString()).toList();
        }
        assertThat(jars).anyMatch(j -> j.startsWith("sheratan-verifier-stream")); // the check looks at the right place
        assertThat(jars).noneMatch(j -> j.startsWith("sheratan-tools") || j.startsWith("sheratan-test-support")
                || j.startsWith("java-json-canonicalization") || j.startsWith("junit") || j.startsWith("assertj"));
    }
}
