package io.sheratan.tools.bench;

import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.envelope.Claims;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.envelope.Submission;
import io.sheratan.ed25519.Ed25519;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.IntegrityVerifier;
import io.sheratan.integrity.Keyring;
import io.sheratan.integrity.Signer;
import io.sheratan.integrity.Verdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sheratan bench marks}: CPU per ~1 KB result on the verifier's path (strict read + verify)
 * for each kind of mark: sha256 v1, hmac v1 (the baseline), hmac v2 (over the DSSE encoding) and
 * ed25519 v2. Rounds alternate between the baseline and each kind; medians of thread CPU time.
 * Tells what worker attestation costs per result.
 */
@Command(name = "marks",
        header = "Benchmark: CPU per result of each kind of mark.",
        mixinStandardHelpOptions = true,
        description = {"CPU per 1 KB result of reading and verifying each kind of mark (sha256 v1, hmac v1, hmac v2, ed25519 v2),",
            "against hmac v1 in the same run. Last line: the ratios."})
public final class MarksBench implements Callable<Integer> {

    @Option(names = "--rounds", defaultValue = "9", description = "measured rounds per kind (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--round-ms", defaultValue = "300", description = "CPU time per round in ms (default: ${DEFAULT-VALUE})")
    int roundMillis;

    private final PrintStream out = System.out;
    private final EnvelopeReader reader = new EnvelopeReader(CanonicalLimits.DEFAULTS);

    @Override
    public Integer call() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] secret = "bench-secret-of-thirty-two-bytes".getBytes(StandardCharsets.US_ASCII);
        Keyring keyring = Keyring.parse(("{\"keys\":[{\"key_id\":\"h\",\"alg\":\"hmac-sha256\",\"secret\":\""
                + Base64.getEncoder().encodeToString(secret) + "\"},{\"key_id\":\"e\",\"alg\":\"ed25519\",\"public_key\":\""
                + Base64.getEncoder().encodeToString(Ed25519.raw(pair.getPublic())) + "\",\"nodes\":[\"w\"]}]}").getBytes(StandardCharsets.UTF_8));
        IntegrityPolicy policy = IntegrityPolicy.defaults();
        long now = System.currentTimeMillis();
        Submission v1 = reader.read(("{\"job_id\":\"bench-1\",\"ok\":true,\"result\":{\"value\":\"" + "v".repeat(900) + "\"}}")
                .getBytes(StandardCharsets.UTF_8));
        Submission v2 = v1.withClaims(new Claims("w", now, policy.pipelineId()));
        Map<String, byte[]> kinds = new LinkedHashMap<>();
        kinds.put("hmac v1", EnvelopeWriter.toJson(v1.signedBy(Signer.hmac("h", secret, 1))));
        kinds.put("sha256 v1", EnvelopeWriter.toJson(v1.signedBy(Signer.sha256(1))));
        kinds.put("hmac v2", EnvelopeWriter.toJson(v2.signedBy(Signer.hmac("h", secret, 2))));
        kinds.put("ed25519 v2", EnvelopeWriter.toJson(v2.signedBy(Signer.ed25519("e", pair.getPrivate()))));
        for (Map.Entry<String, byte[]> kind : kinds.entrySet()) {
            if (!once(kind.getValue(), policy, keyring, now)) {
                out.println("  " + kind.getKey() + " does not verify: the benchmark is wrong");
                return 1;
            }
        }
        out.printf(Locale.ROOT, "sheratan bench marks: ~1 KB results, %d rounds x %d ms CPU, java %s, %d cpus%n",
                rounds, roundMillis, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        byte[] baseline = kinds.get("hmac v1");
        StringBuilder last = new StringBuilder("ratio CPU per result / hmac v1:");
        for (Map.Entry<String, byte[]> kind : kinds.entrySet()) {
            cpuPerRecord(kind.getValue(), policy, keyring, now); // warm-up
            double[] base = new double[rounds];
            double[] cost = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                base[r] = cpuPerRecord(baseline, policy, keyring, now);
                cost[r] = cpuPerRecord(kind.getValue(), policy, keyring, now);
            }
            double median = Stats.median(cost);
            double ratio = median / Stats.median(base);
            out.printf(Locale.ROOT, "  %-12s %,6d B  %8.1f µs CPU per result  x%.2f%n", kind.getKey(), kind.getValue().length, median / 1e3, ratio);
            last.append(String.format(Locale.ROOT, " %s x%.2f", kind.getKey(), ratio));
        }
        out.println(last);
        return 0;
    }

    private boolean once(byte[] value, IntegrityPolicy policy, Keyring keyring, long now) throws MalformedEnvelopeException {
        Verdict verdict = IntegrityVerifier.verify(reader.read(value), policy, keyring, now);
        return verdict.accepted();
    }

    private double cpuPerRecord(byte[] value, IntegrityPolicy policy, Keyring keyring, long now) {
        return Stats.cpuNanosPerCall(roundMillis, () -> {
            try {
                if (!once(value, policy, keyring, now)) {
                    throw new IllegalStateException("a mark stopped verifying during the benchmark");
                }
                return 1;
            } catch (MalformedEnvelopeException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
