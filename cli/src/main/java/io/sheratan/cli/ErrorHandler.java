package io.sheratan.cli;

import io.sheratan.config.ConfigException;
import picocli.CommandLine;

/**
 * Turns an exception escaping a command into one line on stderr and exit code 2 (3 when Kafka cannot be
 * reached: a client timeout among the causes). Configuration
 * errors name their variable; anything else is reported by type and message, never by stack trace
 * (set SHERATAN_DEBUG=1 to see it).
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {

    static final int FAILED = 2;
    /** Kafka could not be reached (or did not answer in time): retrying later may work, unlike with bad input. */
    static final int KAFKA_UNREACHABLE = 3;

    /** True when the failure is Kafka not answering: a client timeout anywhere in the causes. */
    static boolean kafkaUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.TimeoutException || t instanceof org.apache.kafka.common.errors.DisconnectException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        String name = cli.getCommandSpec().qualifiedName();
        if (e instanceof ConfigException) {
            cli.getErr().println(name + ": configuration error: " + e.getMessage());
        } else if (kafkaUnreachable(e)) {
            cli.getErr().println(name + ": cannot reach Kafka (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + "); check KAFKA_BOOTSTRAP_SERVERS / --bootstrap-servers");
            return KAFKA_UNREACHABLE;
        } else {
            cli.getErr().println(name + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
        if (System.getenv("SHERATAN_DEBUG") != null) {
            e.printStackTrace(cli.getErr());
        }
        return FAILED;
    }
}
