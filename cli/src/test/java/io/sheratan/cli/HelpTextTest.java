package io.sheratan.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every command's help, at the width of a pipe (80) and of a wide terminal (120): no description line
 * broken off mid-sentence (a short line that does not end a sentence, as {@code "hmac"} / {@code "uses"}
 * did), and every command and subcommand has a description at all.
 */
class HelpTextTest {

    @Test
    void shouldWrapEveryDescriptionCleanly() {
        List<String> fragments = new ArrayList<>();
        int commands = 0;
        for (int width : new int[]{80, 120}) {
            List<CommandLine> all = new ArrayList<>();
            collect(Main.commandLine(), all);
            commands = all.size();
            for (CommandLine cli : all) {
                cli.setUsageHelpAutoWidth(false);
                cli.setUsageHelpWidth(width);
                String[] lines = cli.getHelp().description().split("\n");
                for (int i = 0; i < lines.length - 1; i++) {
                    String line = lines[i].strip();
                    if (!line.isEmpty() && line.length() < width / 3 && !line.matches(".*[.:!?)]$")) {
                        fragments.add(cli.getCommandSpec().qualifiedName() + " at " + width + ": '" + line + "'");
                    }
                }
                assertThat(cli.getCommandSpec().usageMessage().description().length + cli.getCommandSpec().usageMessage().header().length)
                        .as(cli.getCommandSpec().qualifiedName() + " has a description").isPositive();
            }
        }
        assertThat(commands).isGreaterThan(20);
        assertThat(fragments).as("lines broken off mid-sentence").isEmpty();
    }

    private static void collect(CommandLine cli, List<CommandLine> into) {
        into.add(cli);
        cli.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, into));
    }
}
