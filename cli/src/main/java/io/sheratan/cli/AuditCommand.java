package io.sheratan.cli;

import io.sheratan.audit.AuditQuery;
import io.sheratan.audit.ChainVerifier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.nio.file.Files;

/** {@code sheratan audit verify-chain|query}: the auditor's tools over the hash-chained log. */
@Command(name = "audit",
        header = "Check or search the audit log.",
        mixinStandardHelpOptions = true,
        description = "Check or search the audit log written by 'sheratan audit-sink'.",
        subcommands = {AuditCommand.VerifyChain.class, AuditCommand.Query.class})
final class AuditCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose: verify-chain or query");
    }

    @Command(name = "verify-chain",
        header = "Check the audit log's hash chain.",
            mixinStandardHelpOptions = true,
            description = {
                "Recompute the hash chain over every file and line.",
                "Exit 0 with a summary (lines, files, first/last time, head hash) when intact;",
                "exit 1 naming the first broken line. Truncation of the newest lines cannot be seen",
                "from the log alone: compare the head hash with a copy kept elsewhere."
            })
    static final class VerifyChain implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "the audit log directory (e.g. data/audit)")
        Path dir;

        @Override
        public Integer call() throws Exception {
            if (!Files.isDirectory(dir)) {
                System.err.println("sheratan audit verify-chain: no such directory: " + dir);
                return 2;
            }
            ChainVerifier.Report r = ChainVerifier.verify(dir);
            if (r.intact()) {
                System.out.printf("intact: %d lines in %d files, first %s, last %s%nhead %s%n",
                        r.lines(), r.files(), r.firstTime(), r.lastTime(), r.head());
                return 0;
            }
            System.out.println("BROKEN: " + r.problem());
            System.out.printf("verified before the break: %d lines, head %s%n", r.lines(), r.head());
            return 1;
        }
    }

    @Command(name = "query",
        header = "Find audit events by job id, reason, type or time.",
            mixinStandardHelpOptions = true,
            description = "Print the matching audit events as JSON lines; every given filter must match.")
    static final class Query implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "the audit log directory (e.g. data/audit)")
        Path dir;

        @Option(names = "--job-id", description = "events of this job")
        String jobId;

        @Option(names = "--reason", description = "e.g. sha_mismatch, conflict, malformed")
        String reason;

        @Option(names = "--type", description = "e.g. RESULT_INTEGRITY_FAIL, RESULT_CONFLICT")
        String type;

        @Option(names = "--since", description = "ISO-8601 instant, inclusive (event ts)")
        Instant since;

        @Option(names = "--until", description = "ISO-8601 instant, exclusive (event ts)")
        Instant until;

        @Override
        public Integer call() throws Exception {
            long matched = AuditQuery.run(dir, new AuditQuery.Filter(jobId, reason, type, since, until), System.out);
            System.err.println("audit query: " + matched + " events");
            return 0;
        }
    }
}
