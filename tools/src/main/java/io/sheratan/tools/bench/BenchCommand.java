package io.sheratan.tools.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sheratan bench ...}: benchmarks that compare against a baseline run in the same process. */
@Command(name = "bench",
        header = "Benchmarks against a baseline in the same run.",
        mixinStandardHelpOptions = true,
        description = "Benchmarks; each prints medians and, on its last line, the ratio against its baseline.",
        subcommands = {CanonBench.class, PublishBench.class, PipelineBench.class, AuditBench.class, LatencyBench.class, HeapBench.class,
            HostileBench.class, MarksBench.class, TlogBench.class, IndexBench.class})
public final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a benchmark: canon, publish, pipeline, audit, latency, heap, hostile or marks");
    }
}
