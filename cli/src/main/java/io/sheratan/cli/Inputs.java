package io.sheratan.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/** Reads a command's input: a file path, or standard input for {@code -} or no argument. */
final class Inputs {

    private Inputs() {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The top-level members of a JSON object as plain values (strings, numbers, ...), or an empty map. */
    static Map<String, Object> members(byte[] json) {
        try {
            Map<String, Object> members = JSON.readValue(json, new TypeReference<Map<String, Object>>() { });
            return members == null ? Map.of() : members;
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
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
