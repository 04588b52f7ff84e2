package io.sheratan.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the shared conformance data ({@code ../shared/conformance}). A test that needs it and cannot
 * find it is skipped with a message saying so, never passed silently.
 */
public final class Conformance {

    private Conformance() {
    }

    public static Path dir() {
        String configured = System.getProperty("sheratan.conformance.dir");
        Path dir = configured != null ? Path.of(configured) : Path.of("..", "..", "shared", "conformance");
        Assumptions.assumeTrue(Files.isDirectory(dir),
                "conformance data not found at " + dir.toAbsolutePath() + " (set -Dsheratan.conformance.dir)");
        return dir;
    }
}
