package io.sheratan.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The entry point behind {@code ./sheratan}: one command per line of DESIGN.md section 6. Each
 * subcommand is a small class; this one only wires them together. The harness commands
 * ({@code bench}, {@code soak}, {@code check}) live in {@code tools/} and its {@code ToolsMain}.
 */
@Command(name = "sheratan",
        header = "The Sheratan result pipeline.",
        mixinStandardHelpOptions = true,
        versionProvider = Main.BuildVersion.class,
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
            WitnessCommand.class,
            GatewayCommand.class,
            TopicsCommand.class,
            AuditCommand.class,
            KeysCommand.class,
            ConfigCommand.class,
            BrokerCommand.class,
            CompletionCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        io.sheratan.avro.codec.AvroCodec.installServiceLimits(); // this JVM is ours: Avro's length limits (the serdes never set them)
        String format = System.getenv(ConfigCommand.LOG_FORMAT.name());
        if (format != null && !format.equals("text") && !format.equals("json")) {
            System.err.println("sheratan: " + ConfigCommand.LOG_FORMAT.name() + "=" + format + ": must be text or json");
            System.exit(2);
        }
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new ErrorHandler());
        return HelpText.reflow(cli);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /** {@code --version}: the project version the build wrote into {@code sheratan-version.properties}. */
    static final class BuildVersion implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties properties = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/sheratan-version.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            }
            return new String[] {"sheratan " + properties.getProperty("version", "(unknown version)")
                    + ", Java " + System.getProperty("java.version")};
        }
    }
}
