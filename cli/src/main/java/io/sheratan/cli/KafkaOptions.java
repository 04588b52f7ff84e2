package io.sheratan.cli;

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
    public static final String EMBEDDED_PORT = EMBEDDED_PORT_SETTING.name();

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...",
            description = "Kafka to use (default: KAFKA_BOOTSTRAP_SERVERS, else the local stack on 127.0.0.1:9092)")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties (security, timeouts...); SHERATAN_KAFKA_* variables override them")
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
        Map<String, Object> config = new HashMap<>(KafkaClientConfig.fromEnv(env, KafkaClientConfig.readFile(kafkaConfig)));
        if (bootstrapServers != null) {
            config.put("bootstrap.servers", bootstrapServers);
        }
        config.putIfAbsent("bootstrap.servers", "127.0.0.1:" + env.getOrDefault(EMBEDDED_PORT, "9092"));
        return config;
    }
}
