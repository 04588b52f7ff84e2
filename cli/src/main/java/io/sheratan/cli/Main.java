package io.sheratan.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The entry point behind {@code ./sheratan}: one command per line of DESIGN.md section 6. Each
 * subcommand is a small class; this one only wires them together. The harness commands
 * ({@code bench}, {@code soak}, {@code check}) live in {@code tools/} and its {@code ToolsMain}.
 */
@Command(name = "sheratan",
        mixinStandardHelpOptions = true,
        version = "sheratan 0.1.0",
        description = "Verify, deduplicate and audit job results moving through Kafka.",
        footer = {"", "The harness runs from tools/ through the same launcher: sheratan bench | soak | check (each with --help)."},
        subcommands = {
            UpCommand.class,
            DemoCommand.class,
            CanonCommand.class,
            SignCommand.class,
            VerifyCommand.class,
            SubmitCommand.class,
            VerifierCommand.class,
            AuditSinkCommand.class,
            GatewayCommand.class,
            TopicsCommand.class,
            AuditCommand.class,
            KeysCommand.class,
            BrokerCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new ErrorHandler());
        return cli;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}
