package io.sheratan.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code sheratan up}: the local stack in one process, until Ctrl-C. */
@Command(name = "up",
        mixinStandardHelpOptions = true,
        description = {
            "Run the local stack: an embedded real Kafka broker (data kept under $SHERATAN_DATA_DIR, default ./data),",
            "the three topics, the verifier (:8789) and the audit sink (:8790). With KAFKA_BOOTSTRAP_SERVERS set,",
            "nothing is embedded and that cluster is used. Ctrl-C stops everything cleanly."
        })
final class UpCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = System.getenv();
        Path data = DataDir.root(env);
        boolean external = kafka.bootstrapServersGiven(env) != null;
        System.err.println("sheratan up: starting " + (external ? "against " + kafka.bootstrapServersGiven(env)
                : "an embedded Kafka broker (data in " + data.resolve("kafka") + ")") + "...");
        LocalStack stack = new LocalStack(env, external ? kafka.clientConfig(env) : null, data, true);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("sheratan up: stopping...");
            stack.close();
            stopped.countDown();
        }, "up-shutdown"));
        System.out.printf("""
                sheratan is up.
                  Kafka          %s  (topics %s, %s, %s)
                  verifier       http://127.0.0.1:%d  /results/{job_id}  /health/ready  /metrics
                  audit sink     http://127.0.0.1:%d  /health  /metrics   (log in %s)
                  HTTP gateway   not built yet (issue 6): publish with 'sheratan submit' or the Java ResultPublisher

                Try next, in another terminal:
                  ./sheratan demo
                  ./sheratan submit --job-id job-1 --result '{"value":42}'
                  curl -s http://127.0.0.1:%d/results/job-1
                  ./sheratan audit verify-chain %s
                Ctrl-C stops everything; data is kept for the next 'sheratan up'.
                """, stack.bootstrapServers(), stack.topics.submitted(), stack.topics.verified(), stack.topics.audit(),
                stack.verifier.httpPort(), stack.auditSink.httpPort(), stack.auditDir, stack.verifier.httpPort(), stack.auditDir);
        System.out.flush();
        stopped.await();
        return 0;
    }
}
