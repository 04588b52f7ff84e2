package io.sheratan.tools.faults;

import io.sheratan.audit.AuditSinkApp;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.invariants.InvariantChecker;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Offsets;
import io.sheratan.kafka.Topics;
import io.sheratan.kafka.embedded.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.TreeMap;

/**
 * Faults that Kafka operators see, injected while {@link MixedLoad} runs, then the
 * {@link InvariantChecker}: the verifier and the audit sink run as separate JVMs through the
 * launcher; the verifier is killed with SIGKILL, frozen with SIGSTOP past its poll interval (a
 * zombie whose writes must be fenced), scaled 1 → 3 → 1; the audit sink is killed with SIGKILL; a
 * broker (a JVM of its own: the single node, or one member of a three-node cluster) is killed with
 * SIGKILL and restarted. Shared by {@code CrashRecoveryIT} (short) and {@code sheratan soak} (long).
 */
public final class FaultSuite {

    /** How much of each fault; {@code rounds} repeats the whole sequence. */
    public record Settings(int rounds, int verifierKillsPerRound, boolean sinkKills, boolean zombie, boolean scale,
                           boolean brokerKill, int brokerNodes, long seed) {
        public Settings {
            if (brokerNodes != 1 && brokerNodes != 3) {
                throw new IllegalArgumentException("brokerNodes must be 1 or 3, was " + brokerNodes);
            }
        }
    }

    /** What was done and what the checker found. */
    public record Outcome(long sent, Map<String, Integer> faults, InvariantChecker.Report report) {
    }

    private static final String APP_ID = "fault-verifier";
    private static final String SINK_GROUP = AuditSinkApp.DEFAULT_GROUP_ID;

    private final Path launcher;
    private final Path data;
    private final PrintStream progress;
    private final Map<String, Integer> faults = new TreeMap<>();
    private final List<Process> verifiers = new ArrayList<>();
    private Map<String, String> env;
    private Process sink;

    public FaultSuite(Path launcher, Path data, PrintStream progress) {
        this.launcher = launcher;
        this.data = data;
        this.progress = progress;
    }

    public Outcome run(Settings settings) throws Exception {
        Random random = new Random(settings.seed());
        try (BrokerProcesses kafka = new BrokerProcesses(launcher, data.resolve("kafka"), settings.brokerNodes()).start()) {
            Topics topics = Topics.defaults().withSuffix(".faults");
            try (Admin admin = Admin.create(kafka.clientConfig())) {
                new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics);
            }
            env = new HashMap<>();
            env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
            env.put("SHERATAN_TOPIC_SUBMITTED", topics.submitted());
            env.put("SHERATAN_TOPIC_VERIFIED", topics.verified());
            env.put("SHERATAN_TOPIC_AUDIT", topics.audit());
            env.put("SHERATAN_VERIFIER_APPLICATION_ID", APP_ID);
            env.put("SHERATAN_DATA_DIR", data.toString());
            env.put("SHERATAN_KAFKA_SESSION_TIMEOUT_MS", "6000");
            env.put("SHERATAN_KAFKA_HEARTBEAT_INTERVAL_MS", "1000");
            env.put("SHERATAN_KAFKA_MAX_POLL_INTERVAL_MS", "10000");

            MixedLoad load = new MixedLoad(kafka.clientConfig(), topics);
            Thread loadThread = new Thread(load, "mixed-load");
            verifiers.add(startVerifier(0));
            sink = startSink();
            loadThread.start();
            try {
                for (int round = 1; round <= settings.rounds(); round++) {
                    for (int k = 0; k < settings.verifierKillsPerRound(); k++) {
                        pause(random, 2000, 4000);
                        replace(0, "verifier kill -9");
                        if (settings.sinkKills() && k % 3 == 1) {
                            sink.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                            count("audit-sink kill -9");
                            sink = startSink();
                        }
                    }
                    if (settings.scale()) {
                        verifiers.add(startVerifier(1));
                        verifiers.add(startVerifier(2));
                        count("verifier scaled 1 -> 3");
                        pause(random, 8000, 12000);
                        if (settings.zombie()) {
                            zombie(verifiers.get(1));
                        }
                        for (Process extra : List.copyOf(verifiers.subList(1, verifiers.size()))) {
                            extra.destroy();
                            extra.waitFor(60, TimeUnit.SECONDS);
                            verifiers.remove(extra);
                        }
                        count("verifier scaled 3 -> 1");
                    } else if (settings.zombie()) {
                        zombie(verifiers.get(0));
                    }
                    if (settings.brokerKill()) {
                        pause(random, 1000, 3000);
                        int node = leaderOf(kafka, topics.submitted()); // a node that surely leads something
                        kafka.kill(node);
                        pause(random, 1000, 3000);
                        kafka.restart(node);
                        count("broker kill -9 and restart");
                    }
                    progress.printf("fault round %d/%d done: %d records sent so far, faults %s%n", round, settings.rounds(), load.sent(), faults);
                }
                load.stop();
                loadThread.join(180_000);
                if (load.failure() != null) {
                    throw new IllegalStateException("the load generator failed", load.failure());
                }
                awaitQuiet(kafka, topics, Duration.ofMinutes(5));
                InvariantChecker.Report report = InvariantChecker.check(kafka.clientConfig(), topics,
                        IntegrityPolicy.defaults(), data.resolve("audit"));
                return new Outcome(load.sent(), faults, report);
            } finally {
                load.stop();
                for (Process v : verifiers) {
                    v.destroy();
                }
                sink.destroy();
                for (Process v : verifiers) {
                    v.waitFor(60, TimeUnit.SECONDS);
                }
                sink.waitFor(60, TimeUnit.SECONDS);
            }
        }
    }

    /** SIGSTOP past the poll interval and session timeout, then SIGCONT: its open transaction must be fenced. */
    private void zombie(Process verifier) throws Exception {
        signal(verifier, "STOP");
        Thread.sleep(16_000);
        signal(verifier, "CONT");
        count("verifier SIGSTOP past max.poll.interval");
        Thread.sleep(3000);
    }

    private void replace(int index, String fault) throws Exception {
        verifiers.get(index).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        count(fault);
        verifiers.set(index, startVerifier(index));
    }

    /** A verifier in a slot: each live instance has its own state directory; a replacement reuses its slot's. */
    private Process startVerifier(int slot) throws IOException {
        Map<String, String> own = new HashMap<>(env);
        own.put("SHERATAN_VERIFIER_PORT", String.valueOf(EmbeddedKafka.freePort()));
        String name = "verifier-" + slot;
        return start(own, data.resolve(name + ".log"), "verifier", "--state-dir", data.resolve("streams-" + slot).toString());
    }

    private Process startSink() throws IOException {
        Map<String, String> own = new HashMap<>(env);
        own.put("SHERATAN_AUDIT_PORT", String.valueOf(EmbeddedKafka.freePort()));
        return start(own, data.resolve("audit-sink.log"), "audit-sink");
    }

    private Process start(Map<String, String> processEnv, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(processEnv);
        builder.environment().put("SHERATAN_NO_BUILD", "1"); // run the build this JVM runs
        return builder.start();
    }

    private static void signal(Process process, String signal) throws Exception {
        new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
    }

    private void count(String fault) {
        faults.merge(fault, 1, Integer::sum);
    }

    private static void pause(Random random, int minMs, int maxMs) throws InterruptedException {
        Thread.sleep(minMs + random.nextInt(maxMs - minMs));
    }

    private static void awaitQuiet(BrokerProcesses kafka, Topics topics, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            while (System.nanoTime() < deadline) {
                // the sink reads the verified topic too (its RESULT_VERIFIED entries): a partition held behind an
                // open transaction of a killed verifier is read only once that transaction is aborted
                if (caughtUp(admin, APP_ID, topics.submitted()) && caughtUp(admin, SINK_GROUP, topics.audit())
                        && caughtUp(admin, SINK_GROUP, topics.verified())) {
                    Thread.sleep(2000);
                    return;
                }
                Thread.sleep(500);
            }
        }
        throw new IllegalStateException("the pipeline did not go quiet within " + timeout + " (see the *.log files in the data dir)");
    }

    /** The 0-based node leading partition 0 of {@code topic} (node ids are 1-based). */
    private static int leaderOf(BrokerProcesses kafka, String topic) throws Exception {
        if (kafka.size() == 1) {
            return 0;
        }
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            var description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            return description.partitions().get(0).leader().id() - 1;
        }
    }

    private static boolean caughtUp(Admin admin, String group, String topic) throws Exception {
        Map<TopicPartition, Long> committed = Offsets.committed(admin, group, topic);
        return Offsets.ends(admin, topic).entrySet().stream().allMatch(e -> e.getValue() == 0
                || committed.getOrDefault(e.getKey(), -1L) >= e.getValue());
    }
}
