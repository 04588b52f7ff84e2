package io.sheratan.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch directories of the demo and the benchmarks. */
public final class TempDirs {

    private TempDirs() {
    }

    /** Removes {@code dir} and everything under it; a failure is reported on stderr, never thrown. */
    public static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("sheratan: could not remove " + dir + ": " + e.getMessage());
        }
    }
}
