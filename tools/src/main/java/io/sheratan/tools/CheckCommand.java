package io.sheratan.tools;

import java.nio.file.Files;
import io.sheratan.integrity.Keyring;
import io.sheratan.cli.KafkaOptions;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.invariants.InvariantChecker;
import io.sheratan.kafka.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code sheratan check}: the invariant checker, for tests and for operators. */
@Command(name = "check",
        header = "The invariant checker: one outcome per input.",
        mixinStandardHelpOptions = true,
        description = {
            "After the pipeline goes quiet, read the submitted, verified and audit topics (read_committed) and check:",
            "every input has exactly one outcome (recomputed with the env policy and SHERATAN_KEYRING_FILE), each job id is verified at most once,",
            "every verified mark recomputes, nothing was emitted without an input, and (with --audit-dir) the audit",
            "log's chain is intact and holds every audit event exactly once. Prints counts and each violation.",
            "--json prints one JSON object instead ({\"ok\":..,\"counts\":{..},\"violations\":[..]}).",
            "Exit 0 when there is no violation, 1 otherwise, 2 for bad configuration, 3 when Kafka cannot be reached."
        })
final class CheckCommand implements Callable<Integer> {

    @Option(names = "--audit-dir", paramLabel = "DIR", description = "also check this audit log (e.g. data/audit)")
    Path auditDir;

    @Option(names = "--json", description = "print the report as one JSON object (for scripts)")
    boolean json;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = System.getenv();
        IntegrityPolicy policy = IntegrityPolicy.fromEnv(env);
        String file = env.get(IntegrityPolicy.KEYRING_FILE);
        Keyring keyring;
        try {
            keyring = file == null ? policy.legacyKeyring() : Keyring.parse(Files.readAllBytes(Path.of(file)));
        } catch (Keyring.KeyringException e) {
            System.err.println("sheratan check: keyring " + file + " refused: " + e.getMessage());
            return 2;
        }
        InvariantChecker.Report report = InvariantChecker.check(kafka.clientConfig(env), Topics.fromEnv(env), policy, keyring, auditDir);
        if (json) {
            com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode out = mapper.createObjectNode();
            out.put("ok", report.ok());
            out.set("counts", mapper.valueToTree(report.counts()));
            out.set("violations", mapper.valueToTree(report.violations()));
            System.out.println(out);
            return report.ok() ? 0 : 1;
        }
        report.counts().forEach((name, count) -> System.out.printf("  %-40s %d%n", name, count));
        report.violations().stream().limit(50).forEach(v -> System.out.println("VIOLATION " + v));
        if (report.violations().size() > 50) {
            System.out.println("... and " + (report.violations().size() - 50) + " more");
        }
        System.out.println(report.ok() ? "invariants hold" : "invariants VIOLATED");
        return report.ok() ? 0 : 1;
    }
}
