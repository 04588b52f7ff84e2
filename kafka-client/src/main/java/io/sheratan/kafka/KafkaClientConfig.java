package io.sheratan.kafka;

import io.sheratan.config.ConfigException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The Kafka client settings every producer, consumer, admin and Streams client of the project
 * starts from (DESIGN.md section 5): {@code KAFKA_BOOTSTRAP_SERVERS}, then a properties file
 * ({@code --kafka-config}), then {@code SHERATAN_KAFKA_*} variables, each later source winning.
 * {@code SHERATAN_KAFKA_SECURITY_PROTOCOL=SASL_SSL} becomes {@code security.protocol=SASL_SSL}.
 *
 * <p>A pure function of its inputs, so the mapping is tested with {@code Map.of(...)}. Settings
 * that hold secrets are only ever printed through {@link #redacted(Map)}.
 */
public final class KafkaClientConfig {

    public static final String BOOTSTRAP = "KAFKA_BOOTSTRAP_SERVERS";
    public static final String PREFIX = "SHERATAN_KAFKA_";
    /** The env form of {@code --kafka-config}: a properties file for containers (mount it with the secrets it holds). */
    public static final String CONFIG_FILE = "SHERATAN_KAFKA_CONFIG_FILE";
    /**
     * Variables inside the prefix that are not client settings: the config file, and the old name of the
     * library log level (now {@code SHERATAN_LIBRARY_LOG_LEVEL}), which must never become a property.
     */
    static final java.util.Set<String> NOT_PASSED_THROUGH = java.util.Set.of(CONFIG_FILE, "SHERATAN_KAFKA_LOG_LEVEL");

    private KafkaClientConfig() {
    }

    /** Settings from the environment alone ({@value #CONFIG_FILE} included). */
    public static Map<String, Object> fromEnv(Map<String, String> env) {
        return fromEnv(env, readFile(configFile(env)));
    }

    /** The file {@value #CONFIG_FILE} names, or null. */
    public static Path configFile(Map<String, String> env) {
        String file = env.get(CONFIG_FILE);
        return file == null || file.isBlank() ? null : Path.of(file.trim());
    }

    /** Settings from the environment, on top of a properties file's contents. */
    public static Map<String, Object> fromEnv(Map<String, String> env, Map<String, String> fileProperties) {
        Map<String, Object> config = new TreeMap<>();
        String bootstrap = env.get(BOOTSTRAP);
        if (bootstrap != null && !bootstrap.isBlank()) {
            config.put("bootstrap.servers", bootstrap.trim());
        }
        config.putAll(fileProperties);
        env.forEach((name, value) -> {
            if (name.startsWith(PREFIX) && name.length() > PREFIX.length() && !NOT_PASSED_THROUGH.contains(name)) {
                config.put(propertyName(name), value);
            }
        });
        return config;
    }

    /** {@code SHERATAN_KAFKA_SASL_JAAS_CONFIG} → {@code sasl.jaas.config}. */
    static String propertyName(String variable) {
        return variable.substring(PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** Reads a Java properties file for {@code --kafka-config}; a missing file names itself. */
    public static Map<String, String> readFile(Path file) {
        if (file == null) {
            return Map.of();
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException e) {
            throw new ConfigException("--kafka-config", "cannot read " + file + ": " + e.getMessage());
        }
        Map<String, String> map = new TreeMap<>();
        properties.forEach((k, v) -> map.put(k.toString(), v.toString()));
        return map;
    }

    /** True for settings whose values must never be logged: passwords, JAAS configs, keys, tokens. */
    public static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.contains("token")
                || k.endsWith(".key") || k.contains("credential");
    }

    /** A copy safe to log: secret values replaced by {@code [hidden]}. */
    public static Map<String, Object> redacted(Map<String, ?> config) {
        Map<String, Object> copy = new TreeMap<>();
        config.forEach((k, v) -> copy.put(k, isSecret(k) ? "[hidden]" : v));
        return copy;
    }
}
