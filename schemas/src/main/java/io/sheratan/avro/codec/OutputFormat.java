package io.sheratan.avro.codec;

import io.sheratan.config.ConfigException;
import io.sheratan.config.EnvParsers;

import java.util.Locale;
import java.util.Map;

/** How verified results and audit events are written: Avro single-object (default) or flat JSON. */
public enum OutputFormat {
    AVRO,
    JSON;

    public static final String ENV = "SHERATAN_OUTPUT_FORMAT";

    /** {@value #ENV}: {@code avro} (default) or {@code json}; anything else fails naming the variable. */
    public static OutputFormat fromEnv(Map<String, String> env) {
        String format = EnvParsers.get(env, ENV, "avro").toLowerCase(Locale.ROOT);
        return switch (format) {
            case "avro" -> AVRO;
            case "json" -> JSON;
            default -> throw new ConfigException(ENV, "expected avro or json, was '" + format + "'");
        };
    }
}
