package io.sheratan.kafka;

import io.sheratan.testing.EmbeddedKafkaExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicProvisionerIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();


    @Test
    void shouldCreateTheTopicsOnceWithTheirPolicies() throws Exception {
        Topics topics = Topics.defaults().withSuffix(".provision");
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            TopicProvisioner provisioner = new TopicProvisioner(admin, Duration.ofSeconds(30));
            assertThat(provisioner.ensure(topics)).containsExactly(topics.submitted(), topics.verified(), topics.audit(), topics.checkpoints());
            assertThat(provisioner.ensure(topics)).as("second run is a no-op").isEmpty();

            Map<String, TopicDescription> described = admin.describeTopics(
                    List.of(topics.submitted(), topics.verified(), topics.audit())).allTopicNames().get();
            assertThat(described.get(topics.submitted()).partitions()).hasSize(3);
            var configs = admin.describeConfigs(List.of(
                    new ConfigResource(ConfigResource.Type.TOPIC, topics.verified()),
                    new ConfigResource(ConfigResource.Type.TOPIC, topics.audit()))).all().get();
            assertThat(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topics.verified()))
                    .get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topics.audit()))
                    .get("retention.ms").value()).isEqualTo(String.valueOf(TopicProvisioner.AUDIT_RETENTION_MS));
        }
    }

    @Test
    void shouldSayWhenTheClusterHasTooFewBrokers() {
        Topics topics = new Topics("a.x", "b.x", "c.x", "d.x", 1, 3);
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            assertThatThrownBy(() -> new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics))
                    .isInstanceOf(TopicProvisioner.ProvisioningException.class)
                    .hasMessageContaining("needs at least 3 brokers, the cluster has 1");
        }
    }
}
