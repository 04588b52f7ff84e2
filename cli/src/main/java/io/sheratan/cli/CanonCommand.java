package io.sheratan.cli;

import io.sheratan.canonical.JsonCanonicalizer;
import io.sheratan.canonical.StrictJsonException;
import io.sheratan.integrity.IntegrityPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.Callable;

/** {@code sheratan canon}: the strict-profile canonical bytes of any JSON value, and nothing else. */
@Command(name = "canon",
        header = "RFC 8785 strict-profile bytes of a JSON value.",
        mixinStandardHelpOptions = true,
        description = {
            "Print the RFC 8785 canonical bytes of a JSON value under the strict profile.",
            "Nothing else is written to stdout (no trailing newline), so the output can be hashed as is.",
            "Exit 0, or 2 with a one-line reason on stderr."
        })
final class CanonCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE|-", description = "JSON input (default: stdin)")
    String input;

    private final InputStream stdin;
    private final PrintStream stdout;
    private final PrintStream stderr;

    CanonCommand() {
        this(System.in, System.out, System.err);
    }

    CanonCommand(InputStream stdin, PrintStream stdout, PrintStream stderr) {
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    @Override
    public Integer call() throws IOException {
        JsonCanonicalizer canonicalizer = new JsonCanonicalizer(IntegrityPolicy.limitsFromEnv(Env.system()));
        byte[] json = Inputs.read(input, stdin);
        try {
            stdout.write(canonicalizer.apply(json));
            stdout.flush();
            return 0;
        } catch (StrictJsonException e) {
            stderr.println("sheratan canon: " + e.getMessage());
            return 2;
        }
    }
}
