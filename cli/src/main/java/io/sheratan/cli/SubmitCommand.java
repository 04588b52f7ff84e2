package io.sheratan.cli;

import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.envelope.Submission;
import io.sheratan.envelope.WireFormat;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.Signer;
import io.sheratan.kafka.Topics;
import io.sheratan.producer.InvalidResultException;
import io.sheratan.producer.PipelineSaturatedException;
import io.sheratan.producer.PublishReceipt;
import io.sheratan.producer.ResultPublisher;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.io.InputStreamReader;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * {@code sheratan submit}: signs and publishes one result from flags, or many from a JSON-lines file,
 * through {@link ResultPublisher}. Exit 0 only when every result was acknowledged by Kafka.
 */
@Command(name = "submit",
        header = "Sign and publish results to Kafka.",
        mixinStandardHelpOptions = true,
        description = {
            "Sign and publish results to the submitted topic (keyed by job_id, idempotent producer, acks=all).",
            "One result from flags, or many from --file (JSON lines: {\"job_id\":..,\"ok\":..,\"result\":..,\"error\":..}).",
            "Marks follow the env policy (SHERATAN_RESULT_INTEGRITY_MODE, SHERATAN_RESULT_HMAC_KEY).",
            "Exit 0 when every result was acknowledged, 1 when some failed, 2 for bad input or configuration."
        })
final class SubmitCommand implements Callable<Integer> {

    static final class One {
        @Option(names = "--job-id", required = true, description = "the job's id (1..256 characters)")
        String jobId;

        @Option(names = "--ok", description = "the job succeeded (the default)")
        boolean ok;

        @Option(names = "--error", paramLabel = "JSON|@FILE", description = "the job failed with this error (a JSON string or object)")
        String error;

        @Option(names = "--result", paramLabel = "JSON|@FILE", description = "the result, any JSON value")
        String result;
    }

    static final class Source {
        @ArgGroup(exclusive = false)
        One one;

        @Option(names = "--file", paramLabel = "FILE", description = "JSON lines, one unsigned envelope per line ('-' for stdin)")
        String file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--format", defaultValue = "json", paramLabel = "json|avro", description = "envelope form on the topic (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--node-id", description = "sets the sheratan.node_id header")
    String nodeId;

    @Option(names = "--timeout", defaultValue = "PT60S", description = "how long to wait for acknowledgements and for a full buffer (ISO-8601, default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = System.getenv();
        WireFormat wire = switch (format.toLowerCase(Locale.ROOT)) {
            case "json" -> WireFormat.JSON;
            case "avro" -> WireFormat.AVRO;
            default -> throw new IllegalArgumentException("--format must be json or avro, was '" + format + "'");
        };
        IntegrityPolicy policy = IntegrityPolicy.fromEnv(env);
        try (ResultPublisher publisher = ResultPublisher.builder()
                .clientConfig(kafka.clientConfig(env))
                .topic(Topics.fromEnv(env).submitted())
                .policy(policy).format(wire).nodeId(nodeId != null ? nodeId : env.get(Signer.NODE_ID)).maxBlock(timeout)
                .signer(Signer.fromEnv(env, policy).orElse(null))
                .build()) {
            return source.file != null ? submitFile(publisher, policy.limits()) : submitOne(publisher);
        }
    }

    private int submitOne(ResultPublisher publisher) throws Exception {
        One one = source.one;
        Submission submission;
        try {
            submission = publisher.prepare(one.jobId, one.error == null, text(one.result), text(one.error));
        } catch (InvalidResultException e) {
            System.err.println("sheratan submit: " + e.getMessage());
            return 2;
        }
        try {
            PublishReceipt receipt = publisher.publish(submission).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            System.out.printf(Locale.ROOT, "acked %s -> %s[%d]@%d sha256=%s%n", receipt.jobId(), receipt.topic(),
                    receipt.partition(), receipt.offset(), receipt.sha256());
            return 0;
        } catch (PipelineSaturatedException e) {
            System.err.println("sheratan submit: " + e.getMessage());
            return 1;
        } catch (ExecutionException e) {
            System.err.println("sheratan submit: not acknowledged: " + e.getCause().getMessage());
            return 1;
        } catch (TimeoutException e) {
            System.err.println("sheratan submit: not acknowledged within " + timeout + " (is Kafka reachable?)");
            return 1;
        }
    }

    private int submitFile(ResultPublisher publisher, CanonicalLimits limits) throws Exception {
        EnvelopeReader reader = new EnvelopeReader(limits);
        AtomicLong sent = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong(); // send failures and lines never sent
        AtomicLong sendFailed = new AtomicLong();
        Map<String, AtomicLong> reasons = new ConcurrentHashMap<>();
        CompletableFuture<?> all = CompletableFuture.completedFuture(null);
        long nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        try (BufferedReader lines = source.file.equals("-")
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(source.file), StandardCharsets.UTF_8)) {
            String line;
            long number = 0;
            while ((line = lines.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    Submission submission = reader.readJson(line.getBytes(StandardCharsets.UTF_8));
                    CompletableFuture<PublishReceipt> f = publisher.publish(submission);
                    sent.incrementAndGet();
                    all = CompletableFuture.allOf(all, f.handle((r, e) -> {
                        if (e == null) {
                            acked.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                            sendFailed.incrementAndGet();
                            reasons.computeIfAbsent(e.getClass().getSimpleName() + ": " + e.getMessage(), k -> new AtomicLong()).incrementAndGet();
                        }
                        return null;
                    }));
                } catch (MalformedEnvelopeException e) {
                    failed.incrementAndGet();
                    reasons.computeIfAbsent("malformed line (first: line " + number + "): " + e.detail(), k -> new AtomicLong()).incrementAndGet();
                } catch (PipelineSaturatedException e) {
                    failed.incrementAndGet();
                    reasons.computeIfAbsent(e.getMessage(), k -> new AtomicLong()).incrementAndGet();
                }
                if (System.nanoTime() > nextProgress) {
                    System.err.printf(Locale.ROOT, "submit: sent %d, acked %d, failed %d%n", sent.get(), acked.get(), failed.get());
                    nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                }
            }
        } catch (IOException e) {
            System.err.println("sheratan submit: cannot read " + source.file + ": " + e.getMessage());
            return 2;
        }
        publisher.flush();
        try {
            all.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            System.err.println("sheratan submit: some results were not acknowledged within " + timeout);
        }
        long unacked = sent.get() - acked.get() - sendFailed.get();
        System.out.printf(Locale.ROOT, "submit: sent %d, acked %d, failed %d%s%n", sent.get(), acked.get(), failed.get(),
                unacked > 0 ? ", unacknowledged " + unacked : "");
        reasons.forEach((reason, count) -> System.out.printf(Locale.ROOT, "  %d x %s%n", count.get(), reason));
        return failed.get() == 0 && acked.get() == sent.get() ? 0 : 1;
    }

    /** A flag value, or the contents of the file it names with a leading '@'. */
    private static String text(String value) throws IOException {
        if (value == null || !value.startsWith("@")) {
            return value;
        }
        return Files.readString(Path.of(value.substring(1)), StandardCharsets.UTF_8);
    }
}
