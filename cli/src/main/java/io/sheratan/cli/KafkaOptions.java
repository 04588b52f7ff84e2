package io.sheratan.cli;

import io.sheratan.config.ConfigException;
import io.sheratan.config.Setting;
import io.sheratan.kafka.KafkaClientConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The Kafka connection options shared by every command that talks to a cluster: bootstrap servers
 * ({@code --bootstrap-servers}, else {@code KAFKA_BOOTSTRAP_SERVERS}, else the local stack's embedded
 * broker on {@code 127.0.0.1:${SHERATAN_EMBEDDED_KAFKA_PORT:-9092}}), a properties file and the
 * {@code SHERATAN_KAFKA_*} pass-through of {@link KafkaClientConfig}.
 */
public final class KafkaOptions {

    public static final Setting EMBEDDED_PORT_SETTING = Setting.of("SHERATAN_EMBEDDED_KAFKA_PORT", "9092",
            "the embedded broker's port, 127.0.0.1 (its controller takes the next one)");
    public static final Setting BOOTSTRAP_SETTING = Setting.optional("KAFKA_BOOTSTRAP_SERVERS", "the embedded broker",
            "an existing cluster; then nothing is embedded");
    public static final Setting CONFIG_FILE_SETTING = Setting.optional(KafkaClientConfig.CONFIG_FILE, null,
            "a Kafka client properties file (the env form of --kafka-config; SASL/SSL settings and their secrets belong there)");
    public static final String EMBEDDED_PORT = EMBEDDED_PORT_SETTING.name();

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...",
            description = "Kafka to use (default: KAFKA_BOOTSTRAP_SERVERS, else the local stack on 127.0.0.1:9092)")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties (security, timeouts...; default: $SHERATAN_KAFKA_CONFIG_FILE); SHERATAN_KAFKA_* variables override them")
    Path kafkaConfig;

    /** The bootstrap servers given by flag or environment, or null when none was (then the local stack is meant). */
    public String bootstrapServersGiven(Map<String, String> env) {
        if (bootstrapServers != null) {
            return bootstrapServers;
        }
        String fromEnv = env.get(KafkaClientConfig.BOOTSTRAP);
        return fromEnv == null || fromEnv.isBlank() ? null : fromEnv;
    }

    /** The client settings for this invocation. */
    public Map<String, Object> clientConfig(Map<String, String> env) {
        Map<String, Object> config = explicitConfig(env);
        config.putIfAbsent("bootstrap.servers", "127.0.0.1:" + env.getOrDefault(EMBEDDED_PORT, "9092"));
        return config;
    }

    /**
     * The client settings of a service ({@code verifier}, {@code audit-sink}, {@code gateway}): these never embed
     * a broker, so without bootstrap servers (flag, {@code KAFKA_BOOTSTRAP_SERVERS} or the config file) they
     * refuse to start instead of dialling 127.0.0.1:9092.
     */
    public Map<String, Object> serviceClientConfig(Map<String, String> env, String service) {
        Map<String, Object> config = explicitConfig(env);
        if (config.get("bootstrap.servers") == null || config.get("bootstrap.servers").toString().isBlank()) {
            throw new ConfigException(KafkaClientConfig.BOOTSTRAP, "required by sheratan " + service + " (or --bootstrap-servers, or"
                    + " bootstrap.servers in " + KafkaClientConfig.CONFIG_FILE + "); it never embeds a broker: `sheratan up` does");
        }
        return config;
    }

    private Map<String, Object> explicitConfig(Map<String, String> env) {
        Path file = kafkaConfig != null ? kafkaConfig : KafkaClientConfig.configFile(env);
        Map<String, Object> config = new HashMap<>(KafkaClientConfig.fromEnv(env, KafkaClientConfig.readFile(file)));
        if (bootstrapServers != null) {
            config.put("bootstrap.servers", bootstrapServers);
        }
        return config;
    }
}
