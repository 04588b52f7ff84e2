package io.sheratan.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code sheratan up}: the local stack in one process, until Ctrl-C. */
@Command(name = "up",
        header = "The whole local stack in one process.",
        mixinStandardHelpOptions = true,
        description = {
            "Run the local stack: an embedded real Kafka broker (data kept under $SHERATAN_DATA_DIR, default ./data),",
            "the three topics, the verifier (:8789), the audit sink (:8790) and the gateway (:8788; a random token is",
            "generated and printed unless SHERATAN_HUB_TOKEN is set). With KAFKA_BOOTSTRAP_SERVERS set,",
            "nothing is embedded and that cluster is used. With --witness, also a local witness (:8791) that cosigns each",
            "checkpoint of the log (its verifier key is printed). Ctrl-C stops everything cleanly."
        })
final class UpCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--witness", description = "also run a local witness that cosigns each checkpoint (data in $SHERATAN_DATA_DIR/witness)")
    boolean witness;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = Env.system();
        Path data = DataDir.root(env);
        boolean external = kafka.bootstrapServersGiven(env) != null;
        System.err.println("sheratan up: starting " + (external ? "against " + kafka.bootstrapServersGiven(env)
                : "an embedded Kafka broker (data in " + data.resolve("kafka") + ")") + "...");
        LocalStack stack = new LocalStack(env, external ? kafka.clientConfig(env) : null, data, true, null, witness);
        return Services.runUntilSignal("up", stack, () -> {
            System.out.printf("""
                sheratan is up.
                  Kafka          %s  (topics %s, %s, %s)
                  verifier       http://127.0.0.1:%d  /results/{job_id}  /results/{job_id}/proof  /health/ready  /metrics
                  audit sink     http://127.0.0.1:%d  /audit/checkpoint  /audit/proof?job_id=  /health/ready  /metrics   (log in %s)
                  gateway        http://127.0.0.1:%d/mesh/results/submit   X-Sheratan-Token: %s%s
                  audit log key  %s
                                 (the verifier key of the log's checkpoints: keep it to check proofs offline)%s

                Try next, in another terminal:
                  ./sheratan demo
                  ./sheratan submit --job-id job-1 --result '{"value":42}'
                  curl -s http://127.0.0.1:%d/results/job-1
                  ./sheratan audit verify-chain %s
                  ./sheratan audit verify-log %s --log-key %s
                  SHERATAN_HUB_TOKEN=%s scripts/verify-b3.sh
                Ctrl-C stops everything; data is kept for the next 'sheratan up'.
                """, stack.bootstrapServers(), stack.topics.submitted(), stack.topics.verified(), stack.topics.audit(),
                stack.verifier.httpPort(), stack.auditSink.httpPort(), stack.auditDir,
                stack.gateway.port(), stack.token == null ? "(a token of the keyring file)" : stack.token,
                stack.tokenGenerated ? "  (generated; set SHERATAN_HUB_TOKEN to choose one)" : "",
                stack.logKey.verifier().encoded(), witnessLines(stack, data),
                stack.verifier.httpPort(), stack.auditDir, stack.auditDir, stack.logKey.verifier().encoded(),
                stack.token == null ? "<token>" : stack.token);
            System.out.flush();
        });
    }

    /** The witness's address and its verifier key, on a line naming it; nothing without --witness. */
    private static String witnessLines(LocalStack stack, Path data) {
        if (stack.witness == null) {
            return "";
        }
        String key = stack.witness.verifier().encoded();
        return String.format("%n  witness        http://127.0.0.1:%d/add-checkpoint  (cosigns each checkpoint; key and state in %s)"
                + "%n  witness key    %s  (witness %s)"
                + "%n                 (check cosignatures offline: audit verify-proof ... --witness %s)", stack.witness.httpPort(),
                data.resolve("witness"), key,
                stack.witness.verifier().name(), key);
    }
}
