package io.sheratan.tools;

import io.sheratan.tools.faults.FaultSuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code sheratan soak}: the long fault suite on embedded brokers in their own processes, ending with the invariant checker. */
@Command(name = "soak",
        header = "The long fault suite under kill -9, SIGSTOP and scaling.",
        mixinStandardHelpOptions = true,
        description = {
            "Run a mixed load for about N minutes while killing (-9) and restarting the verifier and the audit sink,",
            "freezing a verifier past its poll interval (zombie), scaling 1 -> 3 -> 1 and killing (-9) and restarting",
            "a broker (its own process: the single node, or a member of a three-node cluster with --broker-nodes 3);",
            "then check every invariant. Prints records, faults and violations; exit 0 when there is none."
        })
final class SoakCommand implements Callable<Integer> {

    @Option(names = "--minutes", defaultValue = "10", description = "approximate length (default: ${DEFAULT-VALUE})")
    int minutes;

    @Option(names = "--broker-nodes", defaultValue = "1",
            description = "1: the local stack's single node; 3: a three-node cluster, one member killed per round (default: ${DEFAULT-VALUE})")
    int brokerNodes;

    @Option(names = "--seed", defaultValue = "1", description = "random seed for the fault timing (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        String home = System.getenv("SHERATAN_HOME");
        Path launcher = Path.of(home == null ? "." : home).resolve("sheratan");
        Path data = Files.createTempDirectory("sheratan-soak-");
        if (brokerNodes != 1 && brokerNodes != 3) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--broker-nodes must be 1 or 3, was " + brokerNodes);
        }
        int rounds = Math.max(1, minutes); // one round (10 kills, scale, zombie, broker kill) is about a minute
        FaultSuite.Outcome outcome = new FaultSuite(launcher, data, System.err)
                .run(new FaultSuite.Settings(rounds, 10, true, true, true, true, brokerNodes, seed));
        System.out.printf("soak: %d records sent, faults %s%n", outcome.sent(), outcome.faults());
        outcome.report().counts().forEach((name, count) -> System.out.printf("  %-40s %d%n", name, count));
        outcome.report().violations().stream().limit(50).forEach(v -> System.out.println("VIOLATION " + v));
        System.out.println(outcome.report().ok() ? "invariants hold (logs and data in " + data + ")"
                : "invariants VIOLATED (logs and data in " + data + ")");
        return outcome.report().ok() ? 0 : 1;
    }
}
