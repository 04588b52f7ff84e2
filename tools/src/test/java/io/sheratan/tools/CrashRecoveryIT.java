package io.sheratan.tools;

import io.sheratan.tools.faults.FaultSuite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The short CI version of the fault suite ({@code sheratan soak} is the long one): while a
 * mixed load runs, the verifier (a separate JVM) is killed with SIGKILL 10 times, the audit sink 3
 * times, the verifier is scaled 1 → 3 → 1 with one instance frozen by SIGSTOP past its poll
 * interval, and the broker (its own JVM) is killed with SIGKILL and restarted. A second run does the
 * same on a three-node cluster, one member killed. Once quiet, the invariant checker must find no violation.
 */
class CrashRecoveryIT {

    private static final Path LAUNCHER = Path.of(System.getProperty("user.dir")).getParent().resolve("sheratan");

    @Test
    void shouldKeepEveryInvariantThroughKillsZombieScalingAndABrokerKillOnASingleNode(@TempDir Path data) throws Exception {
        FaultSuite.Outcome outcome = new FaultSuite(LAUNCHER, data, System.out)
                .run(new FaultSuite.Settings(1, 10, true, true, true, true, 1, 42));
        System.out.printf("fault suite: %d records sent, faults %s, counts %s%n", outcome.sent(), outcome.faults(), outcome.report().counts());
        assertThat(outcome.report().violations()).as("violations").isEmpty();
        assertThat(outcome.report().counts().get("input")).isEqualTo(outcome.sent());
        assertThat(outcome.report().counts().get("verified")).isPositive();
        assertThat(outcome.faults()).containsEntry("verifier kill -9", 10).containsEntry("audit-sink kill -9", 3)
                .containsEntry("verifier SIGSTOP past max.poll.interval", 1).containsEntry("broker kill -9 and restart", 1)
                .containsEntry("verifier scaled 1 -> 3", 1).containsEntry("verifier scaled 3 -> 1", 1);
    }

    @Test
    void shouldKeepEveryInvariantWhenAMemberOfAThreeNodeClusterIsKilled(@TempDir Path data) throws Exception {
        FaultSuite.Outcome outcome = new FaultSuite(LAUNCHER, data, System.out)
                .run(new FaultSuite.Settings(1, 3, true, false, false, true, 3, 7));
        System.out.printf("fault suite, three nodes: %d records sent, faults %s, counts %s%n", outcome.sent(), outcome.faults(), outcome.report().counts());
        assertThat(outcome.report().violations()).as("violations").isEmpty();
        assertThat(outcome.report().counts().get("input")).isEqualTo(outcome.sent());
        assertThat(outcome.report().counts().get("verified")).isPositive();
        assertThat(outcome.faults()).containsEntry("verifier kill -9", 3).containsEntry("audit-sink kill -9", 1)
                .containsEntry("broker kill -9 and restart", 1);
    }
}
