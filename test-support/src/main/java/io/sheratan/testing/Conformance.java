package io.sheratan.testing;


import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the public conformance vectors ({@code conformance/vectors/} in the repository). They ship with
 * the repository, so a test that cannot find them fails, naming where it looked: never a silent skip.
 */
public final class Conformance {

    private Conformance() {
    }

    public static Path dir() {
        String configured = System.getProperty("sheratan.conformance.dir");
        Path dir = configured != null ? Path.of(configured) : Path.of("..", "conformance", "vectors");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("conformance data not found at " + dir.toAbsolutePath() + " (set -Dsheratan.conformance.dir)");
        }
        return dir;
    }
}
