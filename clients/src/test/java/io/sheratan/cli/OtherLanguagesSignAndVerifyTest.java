package io.sheratan.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Offline, no broker: Java ({@code sheratan sign}/{@code verify}), Python and Node each sign the same result
 * in the four marks (v1 sha256, v1 hmac, v2 hmac, v2 Ed25519); the three signed envelopes are the same bytes
 * (every mark is deterministic), and each implementation verifies what each other one signed and refuses
 * it tampered, with the reason the verifier gives.
 */
class OtherLanguagesSignAndVerifyTest {

    private static final byte[] RESULT = "{\"job_id\":\"cross-1\",\"result\":{\"value\":42,\"note\":\"h\u00e9llo \u2603\",\"f\":1e-7},\"ok\":true}"
            .getBytes(StandardCharsets.UTF_8);
    private static final String ISSUED_AT = "1795924800000";

    @TempDir
    static Path dir;
    private static Workers workers;

    @BeforeAll
    static void keys() throws Exception {
        workers = Workers.create(dir);
    }

    enum Implementation { JAVA, PYTHON, NODE }

    @Test
    void shouldSignTheSameBytesAndVerifyEachOthersMarks() {
        List<String> failures = new ArrayList<>();
        for (Workers.Mark mark : Workers.Mark.values()) {
            Map<Implementation, String> signed = new EnumMap<>(Implementation.class);
            for (Implementation signer : Implementation.values()) {
                Run run = sign(signer, mark);
                assertThat(run.exit).as(signer + " signs " + mark + ": " + run.stderr).isZero();
                signed.put(signer, run.stdout);
            }
            assertThat(signed.get(Implementation.PYTHON)).as("Python signs " + mark + " as Java does").isEqualTo(signed.get(Implementation.JAVA));
            assertThat(signed.get(Implementation.NODE)).as("Node signs " + mark + " as Java does").isEqualTo(signed.get(Implementation.JAVA));
            for (Implementation signer : Implementation.values()) {
                String envelope = signed.get(signer);
                String tampered = envelope.replace("\"value\":42", "\"value\":43");
                assertThat(tampered).isNotEqualTo(envelope);
                for (Implementation verifier : Implementation.values()) {
                    Run good = verify(verifier, envelope);
                    if (good.exit != 0 || !good.stdout.equals("verified\n")) {
                        failures.add(verifier + " on " + signer + "'s " + mark + ": " + good);
                    }
                    Run bad = verify(verifier, tampered);
                    if (bad.exit != 1 || !bad.stdout.equals("rejected sha_mismatch\n")) {
                        failures.add(verifier + " on " + signer + "'s tampered " + mark + ": " + bad);
                    }
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void shouldRefuseAMalformedEnvelopeWithExitTwoInEveryImplementation() {
        String duplicate = "{\"job_id\":\"cross-2\",\"ok\":true,\"ok\":false,\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"00\"}}";
        for (Implementation verifier : Implementation.values()) {
            Run run = verify(verifier, duplicate);
            assertThat(run.exit).as(verifier + ": " + run).isEqualTo(2);
            assertThat(run.stdout).as(verifier.name()).isEqualTo("rejected malformed\n");
        }
    }

    private record Run(int exit, String stdout, String stderr) {
    }

    private static Map<String, String> signingEnv() {
        return Map.of("SHERATAN_RESULT_HMAC_KEY", workers.hmacSecret());
    }

    private static Run sign(Implementation signer, Workers.Mark mark) {
        List<String> args = new ArrayList<>(List.of("sign"));
        args.addAll(mark.flags);
        if (mark == Workers.Mark.V2_ED25519) {
            args.addAll(List.of("--key", workers.ed25519Pem().toString(), "--key-id", Workers.ED25519_KEY_ID));
        }
        if (mark.version == 2) {
            args.addAll(List.of("--issued-at", ISSUED_AT));
        }
        return run(signer, signingEnv(), RESULT, args);
    }

    private static Run verify(Implementation verifier, String envelope) {
        // at the issued_at instant, so that freshness passes for version 2
        List<String> args = List.of("verify", "--keyring", workers.keyring().toString(), "--at", ISSUED_AT);
        return run(verifier, Map.of(), envelope.getBytes(StandardCharsets.UTF_8), args);
    }

    private static Run run(Implementation implementation, Map<String, String> env, byte[] stdin, List<String> args) {
        if (implementation == Implementation.JAVA) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
            PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8);
            Object command = args.get(0).equals("sign")
                    ? new SignCommand(new ByteArrayInputStream(stdin), stdout, stderr, env)
                    : new VerifyCommand(new ByteArrayInputStream(stdin), stdout, stderr, env);
            int exit = new CommandLine(command).execute(args.subList(1, args.size()).toArray(String[]::new));
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
        OtherLanguages client = implementation == Implementation.PYTHON ? OtherLanguages.PYTHON : OtherLanguages.NODE;
        OtherLanguages.Result result = client.run(env, stdin, Duration.ofSeconds(60), args.toArray(String[]::new));
        return new Run(result.exit(), result.out(), result.stderr());
    }
}
