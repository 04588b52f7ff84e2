package io.sheratan.cli;

import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.envelope.Submission;
import io.sheratan.config.ConfigException;
import io.sheratan.envelope.Claims;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.Signer;
import io.sheratan.integrity.IntegrityVerifier;
import io.sheratan.integrity.Mode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** {@code sheratan sign}: reads an envelope, ignores its mark, writes it back with a fresh one. */
@Command(name = "sign",
        header = "Write an envelope back with a fresh integrity mark.",
        mixinStandardHelpOptions = true,
        description = {
            "Read a JSON envelope (any integrity member is ignored) and write it back with a fresh mark.",
            "The mode comes from SHERATAN_RESULT_INTEGRITY_MODE unless --mode is given; hmac uses",
            "SHERATAN_RESULT_HMAC_KEY (and SHERATAN_RESULT_HMAC_KEY_ID when set). Canonical version 2 (--v2, or",
            "SHERATAN_SIGNING_KEY_FILE): node_id, issued_at and aud go into the signed core; ed25519 with --key (or",
            "SHERATAN_SIGNING_KEY_FILE) and --key-id (SHERATAN_SIGNING_KEY_ID).",
            "Exit 0, or 2 with a one-line reason on stderr."
        })
final class SignCommand extends OfflineCommand {

    @Option(names = "--mode", paramLabel = "sha256|hmac|ed25519", description = "mark to compute (default: the env policy's mode)")
    String mode;

    @Option(names = "--v2", description = "canonical version 2 (implied by ed25519)")
    boolean v2;

    @Option(names = "--key", paramLabel = "PEM", description = "Ed25519 PKCS#8 private key (default: $SHERATAN_SIGNING_KEY_FILE)")
    Path key;

    @Option(names = "--key-id", paramLabel = "ID", description = "the key's id in the keyring (default: $SHERATAN_SIGNING_KEY_ID, or the hmac key id)")
    String keyId;

    @Option(names = "--node", paramLabel = "NODE_ID", description = "version 2: the worker (default: the envelope's node_id, else $SHERATAN_NODE_ID)")
    String node;

    @Option(names = "--aud", paramLabel = "PIPELINE", description = "version 2: the audience (default: the envelope's aud, else $SHERATAN_PIPELINE_ID)")
    String aud;

    @Option(names = "--issued-at", paramLabel = "MILLIS", description = "version 2: issued_at (default: the envelope's, else now)")
    Long issuedAt;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE|-", description = "JSON envelope (default: stdin)")
    String input;

    SignCommand() {
        this(System.in, System.out, System.err, System.getenv());
    }

    SignCommand(InputStream stdin, PrintStream stdout, PrintStream stderr, Map<String, String> env) {
        super(stdin, stdout, stderr, env);
    }

    @Override
    public Integer call() {
        Map<String, String> effective = new HashMap<>(env());
        if (mode != null) {
            if (Mode.parse(mode).isEmpty()) {
                stderr.println("sheratan sign: --mode must be sha256, hmac or ed25519, was '" + mode + "'");
                return 2;
            }
            if (!mode.equals("ed25519")) {
                effective.put(IntegrityPolicy.MODE, mode);
            }
        }
        if (key != null) {
            effective.put(Signer.SIGNING_KEY_FILE, key.toString());
        }
        if (keyId != null) {
            effective.put(Signer.SIGNING_KEY_ID, keyId);
            effective.put(IntegrityPolicy.HMAC_KEY_ID, keyId);
        }
        IntegrityPolicy policy = IntegrityPolicy.fromEnv(effective);
        Signer signer;
        try {
            signer = signer(effective, policy);
        } catch (ConfigException | IllegalArgumentException e) {
            stderr.println("sheratan sign: " + e.getMessage());
            return 2;
        }
        byte[] bytes = Inputs.read(input, stdin);
        try {
            Submission submission = new EnvelopeReader(policy.limits()).readJson(bytes);
            if (signer.version() == 2) {
                Claims claims = claims(bytes, effective, policy);
                if (claims == null) {
                    return 2;
                }
                submission = submission.withClaims(claims);
            }
            Submission signed = submission.signedBy(signer);
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

    private Signer signer(Map<String, String> effective, IntegrityPolicy policy) {
        Mode chosen = mode != null ? Mode.parse(mode).orElseThrow() : policy.mode();
        if (chosen == Mode.ED25519 || (mode == null && effective.get(Signer.SIGNING_KEY_FILE) != null)) {
            return Signer.fromEnv(effective, policy).filter(s -> s.mode() == Mode.ED25519).orElseThrow(() ->
                    new IllegalArgumentException("ed25519 needs --key PEM (or " + Signer.SIGNING_KEY_FILE + ") and --key-id"));
        }
        int version = v2 || policy.minVersion() == 2 ? 2 : 1;
        if (chosen == Mode.HMAC) {
            if (!policy.hasKey()) {
                throw new IllegalArgumentException(IntegrityPolicy.HMAC_KEY + " is required for hmac");
            }
            return Signer.hmac(policy.keyId(), policy.hmacKey(), version);
        }
        return Signer.sha256(version);
    }

    /** The version 2 claims: flags first, then the envelope's own members, then the environment and the clock. */
    private Claims claims(byte[] envelope, Map<String, String> effective, IntegrityPolicy policy) {
        Map<String, Object> members = Inputs.members(envelope);
        String nodeId = node != null ? node : members.get("node_id") instanceof String n ? n : effective.get(Signer.NODE_ID);
        String audience = aud != null ? aud : members.get("aud") instanceof String a ? a : policy.pipelineId();
        long issued = issuedAt != null ? issuedAt
                : members.get("issued_at") instanceof Number n ? n.longValue() : System.currentTimeMillis();
        if (!Claims.isNodeId(nodeId)) {
            stderr.println("sheratan sign: version 2 needs a node id (1..128 of [A-Za-z0-9._:@/-]): --node, the envelope's node_id or "
                    + Signer.NODE_ID);
            return null;
        }
        return new Claims(nodeId, issued, audience);
    }
}
