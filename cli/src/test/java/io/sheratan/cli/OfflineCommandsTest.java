package io.sheratan.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import io.sheratan.ed25519.Ed25519;
import java.io.PrintWriter;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.io.TempDir;

/** {@code canon}, {@code sign} and {@code verify} as DESIGN.md section 6 fixes them: stdout, stderr, exit code. */
class OfflineCommandsTest {

    private record Run(int exit, String out, String err) {
    }

    private interface Factory {
        Callable<Integer> create(ByteArrayInputStream in, PrintStream out, PrintStream err);
    }

    private static Run run(Factory factory, String stdin, String... args) {
        return run(factory, stdin.getBytes(StandardCharsets.UTF_8), args);
    }

    private static Run run(Factory factory, byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        CommandLine cli = new CommandLine(factory.create(new ByteArrayInputStream(stdin),
                new PrintStream(out, true, StandardCharsets.UTF_8), errStream));
        cli.setErr(new PrintWriter(errStream, true));
        cli.setExecutionExceptionHandler(new ErrorHandler());
        int exit = cli.execute(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static final Factory CANON = CanonCommand::new;

    private static Factory sign(Map<String, String> env) {
        return (in, out, err) -> new SignCommand(in, out, err, env);
    }

    private static Factory verify(Map<String, String> env) {
        return (in, out, err) -> new VerifyCommand(in, out, err, env);
    }

    /** {@code verify --json}: one parseable object, the same exit codes as the text form. */
    @Test
    void shouldPrintTheVerdictAsJsonForScripts() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        String envelope = run(sign(Map.of()), "{\"job_id\":\"j-1\",\"ok\":true,\"result\":{\"v\":1}}").out();
        Run verified = run(verify(Map.of()), envelope, "--json");
        assertThat(verified.exit()).isZero();
        com.fasterxml.jackson.databind.JsonNode v = json.readTree(verified.out());
        assertThat(v.path("verdict").asText()).isEqualTo("verified");
        assertThat(v.path("job_id").asText()).isEqualTo("j-1");
        assertThat(v.path("mode").asText()).isEqualTo("sha256");
        assertThat(v.path("sha256").asText()).hasSize(64);
        Run rejected = run(verify(Map.of()), envelope.replace("\"v\":1", "\"v\":2"), "--json");
        assertThat(rejected.exit()).isEqualTo(1);
        assertThat(json.readTree(rejected.out()).path("reason").asText()).isEqualTo("sha_mismatch");
        Run malformed = run(verify(Map.of()), "{not json", "--json");
        assertThat(malformed.exit()).isEqualTo(2);
        assertThat(json.readTree(malformed.out()).path("reason").asText()).isEqualTo("malformed");
    }

    @Test
    void shouldPrintOnlyTheCanonicalBytes() {
        Run run = run(CANON, "{\"b\":1,\"a\":\"€\"}\n");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo("{\"a\":\"€\",\"b\":1}");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void shouldReadAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("in.json");
        Files.writeString(file, "[1.0, 2e0]");
        assertThat(run(CANON, "", file.toString()).out()).isEqualTo("[1,2]");
        Run missing = run(CANON, "", dir.resolve("nope.json").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("no such file");
    }

    @Test
    void shouldExitTwoWithOneLineForStrictProfileViolations() {
        Run run = run(CANON, "{\"a\":1,\"a\":2}");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("duplicate member name").hasLineCount(1);
    }

    @Test
    void shouldExitTwoForAHundredThousandDeepNesting() {
        Run run = run(CANON, "[".repeat(100_000) + "]".repeat(100_000));
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("nesting deeper than the limit").hasLineCount(1);
    }

    @Test
    void shouldVerifyWhatSignWrote() {
        Run signed = run(sign(Map.of()), "{\"job_id\":\"j1\",\"ok\":true,\"result\":{\"value\":42}}");
        assertThat(signed.exit()).isZero();
        assertThat(signed.out()).contains("\"sha256\":\"");

        Run verified = run(verify(Map.of()), signed.out());
        assertThat(verified.exit()).isZero();
        assertThat(verified.out()).isEqualTo("verified" + System.lineSeparator());

        Run tampered = run(verify(Map.of()), signed.out().replace("42", "43"));
        assertThat(tampered.exit()).isEqualTo(1);
        assertThat(tampered.out()).isEqualTo("rejected sha_mismatch" + System.lineSeparator());
    }

    @Test
    void shouldSignAndVerifyWithHmac() {
        Map<String, String> hmac = Map.of("SHERATAN_RESULT_INTEGRITY_MODE", "hmac", "SHERATAN_RESULT_HMAC_KEY", "k");
        Run signed = run(sign(Map.of("SHERATAN_RESULT_HMAC_KEY", "k")), "{\"job_id\":\"j\",\"ok\":true}", "--mode", "hmac");
        assertThat(signed.out()).contains("\"sig\":\"");
        assertThat(run(verify(hmac), signed.out()).out()).startsWith("verified");
        Run sha = run(sign(Map.of()), "{\"job_id\":\"j\",\"ok\":true}");
        assertThat(run(verify(hmac), sha.out()).out()).startsWith("rejected unsupported_mode");
    }

    @Test
    void shouldSignVersion2WithEd25519AndVerifyItAgainstAKeyring(@TempDir Path dir) throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path pem = dir.resolve("w7.pem");
        Files.writeString(pem, Ed25519.privateKeyToPem(pair.getPrivate()));
        Path keyring = dir.resolve("keyring.json");
        Files.writeString(keyring, "{\"keys\":[{\"key_id\":\"w7\",\"alg\":\"ed25519\",\"public_key\":\""
                + Base64.getEncoder().encodeToString(Ed25519.raw(pair.getPublic())) + "\",\"nodes\":[\"worker-7\"]}]}");
        String envelope = "{\"job_id\":\"j\",\"ok\":true,\"result\":{\"v\":1}}";
        long now = System.currentTimeMillis();

        Run signed = run(sign(Map.of()), envelope, "--mode", "ed25519", "--key", pem.toString(), "--key-id", "w7", "--node", "worker-7",
                "--issued-at", Long.toString(now));
        assertThat(signed.exit()).as(signed.err()).isZero();
        assertThat(signed.out()).contains("\"v\":2").contains("\"node_id\":\"worker-7\"").contains("\"issued_at\":" + now);
        assertThat(run(verify(Map.of()), signed.out(), "--keyring", keyring.toString(), "--at", Long.toString(now)).out())
                .startsWith("verified");
        assertThat(run(verify(Map.of()), signed.out(), "--keyring", keyring.toString(), "--at", Long.toString(now + 7_200_000)).out())
                .startsWith("rejected stale");
        Run other = run(sign(Map.of()), envelope, "--mode", "ed25519", "--key", pem.toString(), "--key-id", "w7", "--node", "worker-8");
        assertThat(run(verify(Map.of()), other.out(), "--keyring", keyring.toString()).out()).startsWith("rejected node_mismatch");
        Run noNode = run(sign(Map.of()), envelope, "--mode", "ed25519", "--key", pem.toString(), "--key-id", "w7");
        assertThat(noNode.exit()).isEqualTo(2);
        assertThat(noNode.err()).contains("node id");
    }

    @Test
    void shouldRefuseAKeyringHoldingASmallOrderKey(@TempDir Path dir) throws Exception {
        Path keyring = dir.resolve("keyring.json");
        String smallOrder = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(
                "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"));
        Files.writeString(keyring, "{\"keys\":[{\"key_id\":\"evil\",\"alg\":\"ed25519\",\"public_key\":\"" + smallOrder + "\"}]}");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Main.commandLine().execute("keys", "check", keyring.toString());
        } finally {
            System.setErr(saved);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("evil").contains("small-order");
    }

    /** Issue 24: a merge conflict is refused by keys check; a FIFO given as the keyring answers at once (exit 2), never hangs. */
    @Test
    void shouldRefuseAMergeConflictAndAFifoAsKeyringAtOnce(@TempDir Path dir) throws Exception {
        Path conflict = dir.resolve("conflict.json");
        Files.writeString(conflict, "{\"keys\":[],\"tokens\":[]}\n<<<<<<< HEAD\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Main.commandLine().execute("keys", "check", conflict.toString());
        } finally {
            System.setErr(saved);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("one JSON document");

        Path fifo = dir.resolve("keyring.fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Run run = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> run(verify(Map.of()), "{\"job_id\":\"j\",\"ok\":true,\"result\":1}", "--keyring", fifo.toString()));
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("not a regular file");
    }

    @Test
    void shouldNameTheVariableWhenTheEnvPolicyIsWrong() {
        Run run = run(verify(Map.of("SHERATAN_RESULT_INTEGRITY_MODE", "hmac")), "{}");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("SHERATAN_RESULT_HMAC_KEY");
    }

    @Test
    void shouldExitTwoForAMalformedEnvelope() {
        Run run = run(verify(Map.of()), "{\"ok\":true}");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).startsWith("rejected malformed");
        assertThat(run.err()).contains("job_id is missing");
    }

    @Test
    void shouldExitOneForAnUnmarkedResult() {
        Run run = run(verify(Map.of()), "{\"job_id\":\"j\",\"ok\":true}");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).startsWith("rejected missing_integrity");
        Run lenient = run(verify(Map.of("SHERATAN_RESULT_INTEGRITY_REQUIRED", "0")), "{\"job_id\":\"j\",\"ok\":true}");
        assertThat(lenient.exit()).isZero();
        assertThat(lenient.err()).contains("warning");
    }

    @Test
    void shouldOfferHelpOnEveryCommand() {
        CommandLine cli = Main.commandLine();
        for (String name : cli.getSubcommands().keySet()) {
            if (!name.equals("help")) {
                assertThat(cli.getSubcommands().get(name).getCommandSpec().mixinStandardHelpOptions()).as(name).isTrue();
            }
        }
    }
}
