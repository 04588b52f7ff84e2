package io.sheratan.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * Help texts that wrap cleanly at any width. Descriptions are written in the source as lines of about
 * 110 characters; picocli would wrap each such line on its own at the usage width (80 on a pipe),
 * leaving a word or two on a line of its own ({@code "...; hmac"}, {@code "uses"}). Here the lines of a
 * description are joined into paragraphs, one per sentence-ending line, for picocli to wrap as text.
 */
public final class HelpText {

    private HelpText() {
    }

    /** Reflows the descriptions of {@code cli} and all its subcommands (idempotent); widths follow the terminal. */
    public static CommandLine reflow(CommandLine cli) {
        cli.setUsageHelpAutoWidth(true);
        UsageMessageSpec usage = cli.getCommandSpec().usageMessage();
        List<String> paragraphs = new ArrayList<>();
        StringBuilder paragraph = new StringBuilder();
        for (String line : usage.description()) {
            String text = line.strip();
            if (text.isEmpty()) {
                continue;
            }
            if (paragraph.length() > 0) {
                paragraph.append(' ');
            }
            paragraph.append(text);
            if (endsParagraph(text)) {
                paragraphs.add(paragraph.toString());
                paragraph.setLength(0);
            }
        }
        if (paragraph.length() > 0) {
            paragraphs.add(paragraph.toString());
        }
        usage.description(paragraphs.toArray(String[]::new));
        for (CommandLine sub : cli.getSubcommands().values()) {
            reflow(sub);
        }
        return cli;
    }

    private static boolean endsParagraph(String line) {
        char last = line.charAt(line.length() - 1);
        return last == '.' || last == ':' || last == '!' || last == '?';
    }
}
