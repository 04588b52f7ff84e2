package io.sheratan.cli;

import io.sheratan.config.SecretFiles;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A command that needs no cluster ({@code sign}, {@code verify}): its standard streams and its
 * environment are given, so tests run it in-process; the environment is read with the secrets'
 * {@code *_FILE} forms resolved.
 */
abstract class OfflineCommand implements Callable<Integer> {

    protected final InputStream stdin;
    protected final PrintStream stdout;
    protected final PrintStream stderr;
    private final Map<String, String> env;

    protected OfflineCommand(InputStream stdin, PrintStream stdout, PrintStream stderr, Map<String, String> env) {
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.env = env;
    }

    /** The environment with the secrets' {@code *_FILE} forms read in. */
    protected Map<String, String> env() {
        return SecretFiles.resolve(env);
    }
}
