package io.sheratan.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a command's input: a file path, or standard input for {@code -} or no argument. */
final class Inputs {

    private Inputs() {
    }

    static byte[] read(String fileOrDash, InputStream stdin) {
        try {
            if (fileOrDash == null || fileOrDash.equals("-")) {
                return stdin.readAllBytes();
            }
            return Files.readAllBytes(Path.of(fileOrDash));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such file: " + fileOrDash);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + fileOrDash + ": " + e.getMessage(), e);
        }
    }
}
