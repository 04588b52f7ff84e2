package io.sheratan.cli;

import io.sheratan.config.SecretFiles;

import java.util.Map;

/** The process environment as every command reads it: with the {@code *_FILE} forms of the secrets read in ({@link SecretFiles}). */
final class Env {

    private Env() {
    }

    static Map<String, String> system() {
        return SecretFiles.resolve(System.getenv());
    }
}
