package io.sheratan.cli;

import io.sheratan.ed25519.Ed25519;
import io.sheratan.integrity.Keyring;
import io.sheratan.integrity.Marks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import io.sheratan.canonical.JsonCanonicalizer;

/**
 * {@code sheratan keys}: keyring governance from the command line (DESIGN.md sections 3c and 6).
 * Private material is written once (a 0600 PEM file) or printed once (an HMAC secret, a token) and
 * never kept; what goes into the keyring is printed as a ready entry.
 */
@Command(name = "keys",
        header = "Keys and tokens of the keyring.",
        mixinStandardHelpOptions = true,
        description = "Generate keys and tokens for the keyring, and check a keyring file.",
        subcommands = {KeysCommand.Generate.class, KeysCommand.Token.class, KeysCommand.Check.class})
final class KeysCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "choose: generate, token or check");
    }

    /** {@code keys generate}: an Ed25519 pair (private PEM written 0600) or a 32-byte HMAC secret, and the keyring entry. */
    @Command(name = "generate",
        header = "A new key and its keyring entry.", mixinStandardHelpOptions = true,
            description = {"A new key and its keyring entry. ed25519: the private key goes to --out (PKCS#8 PEM, mode 0600),",
                "the entry with the public key is printed. hmac-sha256: a 32-byte random secret, printed once inside the entry."})
    static final class Generate implements Callable<Integer> {
        @Option(names = "--alg", required = true, paramLabel = "ed25519|hmac-sha256") String alg;
        @Option(names = "--key-id", required = true, paramLabel = "ID") String keyId;
        @Option(names = "--node", paramLabel = "NODE_ID", description = "bind an ed25519 key to this worker (repeatable)") List<String> nodes;
        @Option(names = "--out", paramLabel = "PEM", description = "ed25519: where to write the private key (default: <key-id with / as _>.pem)") Path out;
        @Option(names = "--not-before", paramLabel = "MILLIS", description = "start of the window (default: now)") Long notBefore;
        @Option(names = "--not-after", paramLabel = "MILLIS", description = "end of the window (default: open)") Long notAfter;

        private final PrintStream stdout = System.out;

        @Override
        public Integer call() throws Exception {
            long from = notBefore != null ? notBefore : Instant.now().toEpochMilli();
            String window = ",\"not_before\":" + from + (notAfter == null ? "" : ",\"not_after\":" + notAfter);
            String id = quote(keyId);
            if (alg.equals("hmac-sha256")) {
                byte[] secret = new byte[32];
                new SecureRandom().nextBytes(secret);
                stdout.println("{\"key_id\":" + id + ",\"alg\":\"hmac-sha256\",\"secret\":\"" + Base64.getEncoder().encodeToString(secret)
                        + "\"" + window + "}");
                System.err.println("sheratan keys: the secret above is shown once; put the entry in the keyring and give the worker the secret");
                return 0;
            }
            if (!alg.equals("ed25519")) {
                System.err.println("sheratan keys generate: --alg must be ed25519 or hmac-sha256, was '" + alg + "'");
                return 2;
            }
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            Path pem = out != null ? out : Path.of(keyId.replace('/', '_') + ".pem");
            if (Files.exists(pem)) {
                System.err.println("sheratan keys generate: " + pem + " exists; refusing to overwrite a private key");
                return 2;
            }
            Files.createFile(pem, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(pem, Ed25519.privateKeyToPem(pair.getPrivate()), StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
            String nodeList = nodes == null || nodes.isEmpty() ? ""
                    : ",\"nodes\":[" + String.join(",", nodes.stream().map(KeysCommand::quote).toList()) + "]";
            stdout.println("{\"key_id\":" + id + ",\"alg\":\"ed25519\",\"public_key\":\""
                    + Base64.getEncoder().encodeToString(Ed25519.raw(pair.getPublic())) + "\"" + nodeList + window + "}");
            System.err.println("sheratan keys: private key written to " + pem + " (0600); the worker signs with it ("
                    + "SHERATAN_SIGNING_KEY_FILE, SHERATAN_SIGNING_KEY_ID=" + keyId + ")");
            return 0;
        }
    }

    /** {@code keys token}: a new gateway token (printed once) and its keyring entry (only its SHA-256). */
    @Command(name = "token",
        header = "A new gateway token and its keyring entry.", mixinStandardHelpOptions = true,
            description = "A new gateway token, printed once on the first line; the keyring entry (its SHA-256) on the second.")
    static final class Token implements Callable<Integer> {
        @Option(names = "--token-id", required = true, paramLabel = "ID") String tokenId;
        @Option(names = "--not-after", paramLabel = "MILLIS", description = "when it expires (default: never)") Long notAfter;

        @Override
        public Integer call() {
            byte[] raw = new byte[24];
            new SecureRandom().nextBytes(raw);
            String token = HexFormat.of().formatHex(raw);
            System.out.println(token);
            System.out.println("{\"token_id\":" + quote(tokenId) + ",\"sha256\":\"" + Marks.sha256Hex(token.getBytes(StandardCharsets.UTF_8))
                    + "\"" + (notAfter == null ? "" : ",\"not_after\":" + notAfter) + "}");
            return 0;
        }
    }

    /** {@code keys check FILE}: validate a keyring as the services would; print its digest and every window. */
    @Command(name = "check",
        header = "Validate a keyring file as the services do.", mixinStandardHelpOptions = true,
            description = {"Validate a keyring file exactly as the services do (a refused file is refused whole).",
                "Prints its digest and each key's and token's window, and whether it is valid --at a time. Exit 0, or 2 naming the problem."})
    static final class Check implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE") Path file;
        @Option(names = "--at", paramLabel = "MILLIS", description = "the time to judge windows at (default: now)") Long at;

        @Override
        public Integer call() {
            Keyring keyring;
            try {
                keyring = Keyring.read(file);
            } catch (IOException e) {
                System.err.println("sheratan keys check: cannot read " + file + ": " + e.getMessage());
                return 2;
            } catch (Keyring.KeyringException e) {
                System.err.println("sheratan keys check: " + file + " refused: " + e.getMessage());
                return 2;
            }
            long t = at != null ? at : System.currentTimeMillis();
            System.out.println("keyring " + file + ": digest " + keyring.digest() + ", " + keyring.keys().size() + " keys, "
                    + keyring.tokens().size() + " tokens (judged at " + Instant.ofEpochMilli(t) + ")");
            for (Keyring.Key key : keyring.keys()) {
                System.out.printf("  key   %-32s %-12s %-22s %s%s%n", key.keyId(), key.alg().code(), window(key.notBefore(), key.notAfter()),
                        key.validAt(t) ? "valid" : "NOT valid", key.nodes() == null ? "" : "  nodes " + key.nodes());
            }
            for (Keyring.Token token : keyring.tokens()) {
                System.out.printf("  token %-32s %-12s %-22s %s%n", token.tokenId(), "", window(token.notBefore(), token.notAfter()),
                        token.validAt(t) ? "valid" : "NOT valid");
            }
            return 0;
        }

        private static String window(Long from, Long to) {
            return "[" + (from == null ? "-inf" : Instant.ofEpochMilli(from)) + ", " + (to == null ? "+inf" : Instant.ofEpochMilli(to)) + ")";
        }
    }

    static String quote(String s) {
        return new String(JsonCanonicalizer.canonicalString(s), StandardCharsets.UTF_8);
    }
}
