package io.sheratan.config;

/**
 * A configuration value that is missing or wrong. The message always names the variable (or
 * property) and what was expected, so that start-up failures can be fixed without reading code.
 */
public final class ConfigException extends RuntimeException {

    private final String key;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
