package io.sheratan.config;

import java.util.Map;

/**
 * One environment setting, declared once where it is parsed: its name, its default (null: none),
 * what it is for, and whether its value is a secret. Parsers read through it, so the default
 * written here is the default in force; {@code sheratan config} prints the catalog of all of them
 * (secrets redacted), and a test holds the table of docs/configuration.md to the same declarations.
 *
 * @param shownDefault how the default reads in documentation, when it is not a literal value
 *                     (e.g. "the embedded broker"); null: {@code defaultValue}
 */
public record Setting(String name, String defaultValue, String shownDefault, String description, boolean secret) {

    public static Setting of(String name, String defaultValue, String description) {
        return new Setting(name, defaultValue, null, description, false);
    }

    /** A setting without a default value, shown as {@code shown} in documentation ("—" when null). */
    public static Setting optional(String name, String shown, String description) {
        return new Setting(name, null, shown, description, false);
    }

    public static Setting secret(String name, String description) {
        return new Setting(name, null, null, description, true);
    }

    /** The default as documentation shows it. */
    public String documentedDefault() {
        if (shownDefault != null) {
            return shownDefault;
        }
        return defaultValue == null ? "—" : defaultValue;
    }

    /** The value set in {@code env}, else the default (null when neither). */
    public String text(Map<String, String> env) {
        return defaultValue == null ? EnvParsers.get(env, name) : EnvParsers.get(env, name, defaultValue);
    }

    public int integer(Map<String, String> env, int min, int max) {
        return EnvParsers.getInt(env, name, Integer.parseInt(defaultValue), min, max);
    }

    public boolean flag(Map<String, String> env) {
        return EnvParsers.getFlag(env, name, "1".equals(defaultValue) || "true".equals(defaultValue));
    }

    /** The effective value for display: secrets redacted. */
    public String shown(Map<String, String> env) {
        String value = env.get(name);
        if (value == null || value.isEmpty()) {
            return "(default) " + documentedDefault();
        }
        return secret ? "(set, redacted)" : value;
    }
}
