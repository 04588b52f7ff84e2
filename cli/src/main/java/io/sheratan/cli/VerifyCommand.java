package io.sheratan.cli;

import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.envelope.Submission;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.Keyring;
import io.sheratan.integrity.IntegrityVerifier;
import io.sheratan.integrity.Verdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.io.PrintStream;
import java.util.Map;

/** {@code sheratan verify}: the verifier's integrity check, offline, on one envelope. */
@Command(name = "verify",
        header = "Check one envelope offline under the env policy.",
        mixinStandardHelpOptions = true,
        description = {
            "Check one envelope (JSON or Avro single-object) under the env policy",
            "(SHERATAN_RESULT_INTEGRITY_MODE, _REQUIRED, SHERATAN_RESULT_HMAC_KEY).",
            "Prints 'verified' or 'rejected <reason>'. Keys come from --keyring (or SHERATAN_KEYRING_FILE), else the",
            "single-key variables; version 2 freshness is judged at --at (default: now).",
            "--json: one JSON object instead, {\"verdict\":\"verified\"|\"rejected\",\"reason\":..,\"job_id\":..,\"mode\":..,\"key_id\":..,",
            "\"canonical_version\":..,\"sha256\":..} (the same exit codes; a malformed envelope gives \"reason\":\"malformed\").",
            "Exit 0 verified, 1 rejected, 2 malformed (reason on stderr)."
        })
final class VerifyCommand extends OfflineCommand {

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE|-", description = "envelope (default: stdin)")
    String input;

    @Option(names = "--keyring", paramLabel = "FILE", description = "keyring file (default: $SHERATAN_KEYRING_FILE)")
    Path keyring;

    @Option(names = "--at", paramLabel = "MILLIS", description = "the record time t for windows and freshness (default: now)")
    Long at;

    @Option(names = "--json", description = "print the verdict as one JSON object (for scripts)")
    boolean json;

    VerifyCommand() {
        this(System.in, System.out, System.err, System.getenv());
    }

    VerifyCommand(InputStream stdin, PrintStream stdout, PrintStream stderr, Map<String, String> env) {
        super(stdin, stdout, stderr, env);
    }

    @Override
    public Integer call() {
        Map<String, String> env = env();
        IntegrityPolicy policy = IntegrityPolicy.fromEnv(env);
        byte[] bytes = Inputs.read(input, stdin);
        Submission submission;
        try {
            submission = new EnvelopeReader(policy.limits()).read(bytes);
        } catch (MalformedEnvelopeException e) {
            stdout.println(json ? "{\"verdict\":\"rejected\",\"reason\":\"malformed\"}" : "rejected malformed");
            stderr.println("sheratan verify: malformed envelope: " + e.getMessage());
            return 2;
        }
        Keyring keys;
        String file = keyring != null ? keyring.toString() : env.get(IntegrityPolicy.KEYRING_FILE);
        try {
            keys = file == null ? policy.legacyKeyring() : Keyring.read(Path.of(file));
        } catch (IOException | Keyring.KeyringException e) {
            stderr.println("sheratan verify: keyring " + file + " refused: " + e.getMessage());
            return 2;
        }
        Verdict verdict = IntegrityVerifier.verify(submission, policy, keys, at != null ? at : System.currentTimeMillis());
        if (json) {
            stdout.println(json(verdict, submission));
        }
        switch (verdict.outcome()) {
            case VERIFIED -> {
                if (!json) {
                    stdout.println("verified");
                }
            }
            case ACCEPTED_UNMARKED -> {
                if (!json) {
                    stdout.println("verified");
                }
                stderr.println("sheratan verify: warning: no integrity mark; accepted because "
                        + IntegrityPolicy.REQUIRED + "=0");
            }
            case REJECTED -> {
                if (!json) {
                    stdout.println("rejected " + verdict.reason().code());
                }
            }
        }
        return verdict.accepted() ? 0 : 1;
    }

    /** The verdict as one JSON object: what a script needs, never the result itself. */
    private static String json(Verdict verdict, Submission submission) {
        com.fasterxml.jackson.databind.node.ObjectNode out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        out.put("verdict", verdict.accepted() ? "verified" : "rejected");
        if (verdict.reason() != null) {
            out.put("reason", verdict.reason().code());
        }
        out.put("job_id", submission.jobId());
        out.put("mode", verdict.mode());
        out.put("key_id", verdict.keyId());
        out.put("canonical_version", submission.coreVersion());
        out.put("sha256", submission.coreSha256());
        out.put("unmarked", verdict.outcome() == Verdict.Outcome.ACCEPTED_UNMARKED);
        return out.toString();
    }
}
