package io.sheratan.cli;

import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code sheratan topics}: create the topics if missing (submitted, verified, audit, checkpoints; idempotent), for deployments that provision separately. */
@Command(name = "topics",
        header = "Create the pipeline's topics if they are missing.",
        mixinStandardHelpOptions = true,
        description = {
            "Create the submitted, verified and audit topics if they are missing (idempotent).",
            "Partitions: SHERATAN_TOPIC_PARTITIONS (3); replication: SHERATAN_TOPIC_REPLICATION (min(3, brokers)).",
            "Exit 0 when the topics exist afterwards; 2 with the cluster's reason when it refuses."
        })
final class TopicsCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() {
        Map<String, String> env = Env.system();
        Topics topics = Topics.fromEnv(env);
        try (Admin admin = Admin.create(kafka.clientConfig(env))) {
            List<String> created = new TopicProvisioner(admin, Duration.ofSeconds(60)).ensure(topics);
            System.out.println(created.isEmpty() ? "topics already exist" : "created " + String.join(", ", created));
            return 0;
        }
    }
}
