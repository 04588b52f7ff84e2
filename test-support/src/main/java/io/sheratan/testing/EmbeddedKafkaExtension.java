package io.sheratan.testing;

import io.sheratan.kafka.embedded.EmbeddedKafka;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.Map;

/**
 * One real, in-process Kafka broker (KRaft) for a test class: started before its first test, closed
 * after its last. The one place the integration tests get a broker from:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();
 * ... kafka.clientConfig() ...
 * }</pre>
 *
 * Tests that stop, restart or configure nodes (SASL, three nodes, a data directory) build an
 * {@link EmbeddedKafka} themselves.
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, AfterAllCallback {

    private EmbeddedKafka broker;

    @Override
    public void beforeAll(ExtensionContext context) {
        broker = EmbeddedKafka.builder().start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    private EmbeddedKafka broker() {
        if (broker == null) {
            throw new IllegalStateException("the broker runs from beforeAll to afterAll: register the extension on a static field");
        }
        return broker;
    }

    public Map<String, Object> clientConfig() {
        return broker().clientConfig();
    }

    public String bootstrapServers() {
        return broker().bootstrapServers();
    }
}
