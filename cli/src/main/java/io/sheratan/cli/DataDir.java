package io.sheratan.cli;

import io.sheratan.config.Setting;
import java.nio.file.Path;
import java.util.Map;

/** {@code SHERATAN_DATA_DIR} (default {@code ./data}) and its parts: {@code kafka/}, {@code streams/}, {@code audit/}. */
final class DataDir {

    static final Setting SETTING = Setting.of("SHERATAN_DATA_DIR", "./data", "kafka/, streams/, audit/ live here");
    static final String VARIABLE = SETTING.name();

    private DataDir() {
    }

    static Path root(Map<String, String> env) {
        String dir = env.get(VARIABLE);
        return Path.of(dir == null || dir.isBlank() ? "data" : dir).toAbsolutePath();
    }

    static Path kafka(Map<String, String> env) {
        return root(env).resolve("kafka");
    }

    static Path streams(Map<String, String> env) {
        return root(env).resolve("streams");
    }

    static Path audit(Map<String, String> env) {
        return root(env).resolve("audit");
    }
}
