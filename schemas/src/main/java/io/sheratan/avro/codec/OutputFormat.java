package io.sheratan.avro.codec;

import io.sheratan.config.Setting;
import io.sheratan.config.ConfigException;
import io.sheratan.config.EnvParsers;

import java.util.Locale;
import java.util.Map;

/** How verified results and audit events are written: Avro single-object (default) or flat JSON. */
public enum OutputFormat {
    AVRO,
    JSON;

    public static final Setting SETTING = Setting.of("SHERATAN_OUTPUT_FORMAT", "avro",
            "avro or json for the verified and audit topics");
    public static final String ENV = SETTING.name();

    /** {@value #ENV}: {@code avro} (default) or {@code json}; anything else fails naming the variable. */
    public static OutputFormat fromEnv(Map<String, String> env) {
        String format = SETTING.text(env).toLowerCase(Locale.ROOT);
        return switch (format) {
            case "avro" -> AVRO;
            case "json" -> JSON;
            default -> throw new ConfigException(ENV, "expected avro or json, was '" + format + "'");
        };
    }
}
