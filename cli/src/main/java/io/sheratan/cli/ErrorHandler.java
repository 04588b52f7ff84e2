package io.sheratan.cli;

import io.sheratan.config.ConfigException;
import picocli.CommandLine;

/**
 * Turns an exception escaping a command into one line on stderr and exit code 2. Configuration
 * errors name their variable; anything else is reported by type and message, never by stack trace
 * (set SHERATAN_DEBUG=1 to see it).
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {

    static final int FAILED = 2;

    @Override
    public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        String name = cli.getCommandSpec().qualifiedName();
        if (e instanceof ConfigException) {
            cli.getErr().println(name + ": configuration error: " + e.getMessage());
        } else {
            cli.getErr().println(name + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
        if (System.getenv("SHERATAN_DEBUG") != null) {
            e.printStackTrace(cli.getErr());
        }
        return FAILED;
    }
}
