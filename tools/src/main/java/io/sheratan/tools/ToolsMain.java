package io.sheratan.tools;

import io.sheratan.cli.Main;
import io.sheratan.tools.bench.BenchCommand;
import picocli.CommandLine;

/**
 * The entry point of the harness: every product command of {@link Main}, plus {@code bench},
 * {@code soak} and {@code check}. The launcher runs it for those three commands only, from the
 * tools build; the product distribution ({@code cli/target}) never contains them.
 */
public final class ToolsMain {

    private ToolsMain() {
    }

    public static void main(String[] args) {
        io.sheratan.avro.codec.AvroCodec.installServiceLimits();
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return io.sheratan.cli.HelpText.reflow(Main.commandLine()
                .addSubcommand(new BenchCommand())
                .addSubcommand(new SoakCommand())
                .addSubcommand(new CheckCommand()));
    }
}
