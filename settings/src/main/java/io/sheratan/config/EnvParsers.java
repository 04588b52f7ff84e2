package io.sheratan.config;

import java.util.Locale;
import java.util.Map;

/** Small pure helpers for reading typed values out of an environment map; every error names the variable. */
public final class EnvParsers {

    private EnvParsers() {
    }

    /** The trimmed value, or {@code null} when the variable is absent or blank. */
    public static String get(Map<String, String> env, String key) {
        String value = env.get(key);
        if (value == null || value.isBlank()) {
            return null;
        }
        return value.trim();
    }

    public static String get(Map<String, String> env, String key, String fallback) {
        String value = get(env, key);
        return value == null ? fallback : value;
    }

    public static int getInt(Map<String, String> env, String key, int fallback, int min, int max) {
        String value = get(env, key);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                throw new ConfigException(key, "expected an integer between " + min + " and " + max + ", was " + parsed);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "expected an integer between " + min + " and " + max + ", was '" + value + "'");
        }
    }

    public static long getLong(Map<String, String> env, String key, long fallback, long min, long max) {
        String value = get(env, key);
        if (value == null) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value);
            if (parsed < min || parsed > max) {
                throw new ConfigException(key, "expected an integer between " + min + " and " + max + ", was " + parsed);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "expected an integer between " + min + " and " + max + ", was '" + value + "'");
        }
    }

    /** Accepts {@code 1/0}, {@code true/false}, {@code yes/no}. */
    public static boolean getFlag(Map<String, String> env, String key, boolean fallback) {
        String value = get(env, key);
        if (value == null) {
            return fallback;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes" -> true;
            case "0", "false", "no" -> false;
            default -> throw new ConfigException(key, "expected 1 or 0, was '" + value + "'");
        };
    }
}
