package io.sheratan.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sheratan.kafka.KafkaProbe;

/**
 * {@code sheratan_kafka_reachable}: what a service's {@code /health/ready} follows, as a metric. An unready
 * gateway takes no traffic and so shows no 5xx; this is how an outage shows instead.
 */
public final class KafkaReachable {

    private KafkaReachable() {
    }

    public static void bind(KafkaProbe probe, MeterRegistry registry) {
        Gauge.builder("sheratan_kafka_reachable", probe, k -> k.reachable() ? 1 : 0)
                .description("1 while this service's Kafka probe gets answers, else 0 (GET /health/ready says why)").register(registry);
    }
}
