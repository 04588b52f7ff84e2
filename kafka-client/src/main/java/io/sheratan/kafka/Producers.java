package io.sheratan.kafka;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serializer;

import java.util.HashMap;
import java.util.Map;

/**
 * The one producer factory of the pipeline: every record it writes (results, audit events,
 * checkpoints) is acknowledged by all in-sync replicas and written once per send ({@code acks=all},
 * idempotence), whatever the client settings say; the caller's defaults ({@code max.block.ms},
 * {@code linger.ms}, ...) apply unless the client settings name them.
 */
public final class Producers {

    private Producers() {
    }

    /** {@code clientConfig} with the pipeline's durability settings forced and {@code defaults} under it. */
    public static Map<String, Object> config(Map<String, Object> clientConfig, Map<String, Object> defaults) {
        Map<String, Object> config = new HashMap<>(defaults);
        config.putAll(clientConfig);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return config;
    }

    public static <K, V> KafkaProducer<K, V> create(Map<String, Object> clientConfig, Map<String, Object> defaults,
                                                    Serializer<K> keys, Serializer<V> values) {
        return new KafkaProducer<>(config(clientConfig, defaults), keys, values);
    }
}
