package io.sheratan.cli;

import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.envelope.Submission;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.IntegrityVerifier;
import io.sheratan.integrity.Mode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code sheratan sign}: reads an envelope, ignores its mark, writes it back with a fresh one. */
@Command(name = "sign",
        mixinStandardHelpOptions = true,
        description = {
            "Read a JSON envelope (any integrity member is ignored) and write it back with a fresh mark.",
            "The mode comes from SHERATAN_RESULT_INTEGRITY_MODE unless --mode is given; hmac uses",
            "SHERATAN_RESULT_HMAC_KEY (and SHERATAN_RESULT_HMAC_KEY_ID when set).",
            "Exit 0, or 2 with a one-line reason on stderr."
        })
final class SignCommand implements Callable<Integer> {

    @Option(names = "--mode", paramLabel = "sha256|hmac", description = "mark to compute (default: the env policy's mode)")
    String mode;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE|-", description = "JSON envelope (default: stdin)")
    String input;

    private final InputStream stdin;
    private final PrintStream stdout;
    private final PrintStream stderr;
    private final Map<String, String> env;

    SignCommand() {
        this(System.in, System.out, System.err, System.getenv());
    }

    SignCommand(InputStream stdin, PrintStream stdout, PrintStream stderr, Map<String, String> env) {
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.env = env;
    }

    @Override
    public Integer call() {
        Map<String, String> effective = new HashMap<>(env);
        if (mode != null) {
            if (Mode.parse(mode).isEmpty()) {
                stderr.println("sheratan sign: --mode must be sha256 or hmac, was '" + mode + "'");
                return 2;
            }
            effective.put(IntegrityPolicy.MODE, mode);
        }
        IntegrityPolicy policy = IntegrityPolicy.fromEnv(effective);
        byte[] bytes = Inputs.read(input, stdin);
        try {
            Submission submission = new EnvelopeReader(policy.limits()).readJson(bytes);
            Submission signed = submission.withMark(IntegrityVerifier.sign(submission.core(), policy));
            byte[] json = EnvelopeWriter.toJson(signed);
            stdout.write(json, 0, json.length);
            stdout.println();
            stdout.flush();
            return 0;
        } catch (MalformedEnvelopeException e) {
            stderr.println("sheratan sign: malformed envelope: " + e.getMessage());
            return 2;
        }
    }
}
