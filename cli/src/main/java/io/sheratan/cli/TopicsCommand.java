package io.sheratan.cli;

import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.verifier.VerifierConfig;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sheratan topics}: create the topics if missing and set, on existing ones, what the pipeline
 * depends on (DESIGN.md 3b.6 and 5): {@code message.timestamp.type=LogAppendTime} on the submitted
 * and audit topics, and room for {@code SHERATAN_OUTPUT_MAX_BYTES} in the verified and audit topics.
 */
@Command(name = "topics",
        header = "Create the pipeline's topics if they are missing and fix the settings it depends on.",
        mixinStandardHelpOptions = true,
        description = {
            "Create the submitted, verified, audit and checkpoints topics if they are missing (idempotent).",
            "On existing topics, set what the verifier refuses to start without, one line per change:",
            "message.timestamp.type=LogAppendTime on the submitted and audit topics (no producer's clock may decide",
            "a key window or freshness), and a max.message.bytes on the verified and audit topics that takes",
            "SHERATAN_OUTPUT_MAX_BYTES plus framing.",
            "Partitions: SHERATAN_TOPIC_PARTITIONS (3); replication: SHERATAN_TOPIC_REPLICATION (min(3, brokers)).",
            "Exit 0 when the topics exist and fit afterwards; 2 with the cluster's reason when it refuses, or when",
            "--dry-run found something to change."
        })
final class TopicsCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--fix", description = "set the settings of existing topics (the default; the option says so in scripts)")
    boolean fix = true;

    @Option(names = "--dry-run", description = "create nothing and change nothing: print what would change (exit 2 when something would)")
    boolean dryRun;

    @Override
    public Integer call() {
        Map<String, String> env = Env.system();
        Topics topics = Topics.fromEnv(env);
        int recordBytes = VerifierConfig.MAX_OUTPUT_BYTES_SETTING.integer(env, 4096, 100 * 1024 * 1024);
        try (Admin admin = Admin.create(kafka.clientConfig(env))) {
            TopicProvisioner provisioner = new TopicProvisioner(admin, Duration.ofSeconds(60));
            List<TopicProvisioner.Problem> problems = provisioner.check(topics, recordBytes);
            if (dryRun) {
                problems.forEach(p -> System.out.println("would " + p.change()));
                System.out.println(problems.isEmpty() ? "existing topics have the settings the pipeline needs" : problems.size() + " settings to change");
                return problems.isEmpty() ? 0 : 2;
            }
            List<String> created = provisioner.ensure(topics, recordBytes);
            System.out.println(created.isEmpty() ? "topics already exist" : "created " + String.join(", ", created));
            for (String change : provisioner.fix(problems)) {
                System.out.println("changed " + change);
            }
            List<TopicProvisioner.Problem> left = provisioner.check(topics, recordBytes);
            if (!left.isEmpty()) {
                left.forEach(p -> System.err.println("sheratan topics: still " + p));
                return 2;
            }
            return 0;
        }
    }
}
