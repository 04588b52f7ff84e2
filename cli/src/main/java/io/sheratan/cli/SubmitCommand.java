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
            "Exit 0 when every result was acknowledged, 1 when Kafka refused some, 2 for bad input or configuration",
            "(a malformed line is reported and not sent; the others are), 3 when Kafka could not be reached in --timeout."
        })
final class SubmitCommand implements Callable<Integer> {

    static final class One {
        @Option(names = "--job-id", required = true, description = "the job's id (1..256 characters)")
        String jobId;

        @Option(names = "--ok", arity = "0..1", paramLabel = "true|false",
                description = "whether the job succeeded (default: true, false when --error is given); --ok=false with --error, or alone")
        Boolean ok;

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

    @Option(names = "--timeout", defaultValue = "60s", converter = Durations.class, paramLabel = "DURATION",
            description = "how long to wait for acknowledgements and for a full buffer: 30s, 2m, 500ms or ISO-8601 PT60S (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = Env.system();
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
            boolean ok = one.ok != null ? one.ok : one.error == null;
            submission = publisher.prepare(one.jobId, ok, text(one.result), text(one.error));
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
            return ErrorHandler.kafkaUnreachable(e) ? ErrorHandler.KAFKA_UNREACHABLE : 1;
        } catch (ExecutionException e) {
            System.err.println("sheratan submit: not acknowledged: " + e.getCause().getMessage());
            return ErrorHandler.kafkaUnreachable(e.getCause()) ? ErrorHandler.KAFKA_UNREACHABLE : 1;
        } catch (TimeoutException e) {
            System.err.println("sheratan submit: not acknowledged within " + timeout + " (is Kafka reachable?)");
            return ErrorHandler.KAFKA_UNREACHABLE;
        }
    }

    /**
     * Streams the file: each line is read, sent and forgotten (counters only, no future kept per line), so memory
     * stays flat whatever the file's size; malformed lines are counted under one summary line, with the first's number.
     */
    private int submitFile(ResultPublisher publisher, CanonicalLimits limits) throws Exception {
        EnvelopeReader reader = new EnvelopeReader(limits);
        Outcomes outcomes = new Outcomes();
        long nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        long malformed = 0;
        String firstMalformed = null;
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
                    outcomes.sent();
                    f.whenComplete((r, e) -> outcomes.done(e));
                } catch (MalformedEnvelopeException e) {
                    malformed++;
                    if (firstMalformed == null) {
                        firstMalformed = "line " + number + ": " + e.detail();
                    }
                } catch (PipelineSaturatedException e) {
                    outcomes.refused(e);
                }
                if (System.nanoTime() > nextProgress) {
                    System.err.println("submit: " + outcomes.summary(malformed));
                    nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                }
            }
        } catch (IOException e) {
            System.err.println("sheratan submit: cannot read " + source.file + ": " + e.getMessage());
            return 2;
        }
        publisher.flush();
        if (!outcomes.await(timeout)) {
            System.err.println("sheratan submit: some results were not acknowledged within " + timeout);
        }
        System.out.println("submit: " + outcomes.summary(malformed));
        if (malformed > 0) {
            System.out.printf(Locale.ROOT, "  %d x malformed line, not sent (first: %s)%n", malformed, firstMalformed);
        }
        outcomes.reasons.forEach((reason, count) -> System.out.printf(Locale.ROOT, "  %d x %s%n", count.get(), reason));
        if (outcomes.pending() > 0 || outcomes.unreachable.get() > 0) {
            return ErrorHandler.KAFKA_UNREACHABLE;
        }
        if (outcomes.sendFailed.get() > 0 || outcomes.refused.get() > 0) {
            return 1;
        }
        return malformed > 0 ? 2 : 0;
    }

    /** Counters of a file's sends, completed from the producer's thread; no per-record state. */
    private static final class Outcomes {
        final AtomicLong sent = new AtomicLong();
        final AtomicLong acked = new AtomicLong();
        final AtomicLong sendFailed = new AtomicLong();
        final AtomicLong unreachable = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final Map<String, AtomicLong> reasons = new ConcurrentHashMap<>();

        void sent() {
            sent.incrementAndGet();
        }

        void done(Throwable e) {
            if (e == null) {
                acked.incrementAndGet();
            } else {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                if (ErrorHandler.kafkaUnreachable(cause)) {
                    unreachable.incrementAndGet();
                }
                reasons.computeIfAbsent(cause.getClass().getSimpleName() + ": " + cause.getMessage(), k -> new AtomicLong()).incrementAndGet();
                sendFailed.incrementAndGet();
            }
            synchronized (this) {
                notifyAll();
            }
        }

        /** Refused before sending (the producer's buffer stayed full for --timeout). */
        void refused(Exception e) {
            refused.incrementAndGet();
            if (ErrorHandler.kafkaUnreachable(e)) {
                unreachable.incrementAndGet();
            }
            reasons.computeIfAbsent(e.getMessage(), k -> new AtomicLong()).incrementAndGet();
        }

        long pending() {
            return Math.max(0, sent.get() - acked.get() - sendFailed.get());
        }

        /** Waits until every sent record is acknowledged or failed, or the timeout passes; true when none is pending. */
        synchronized boolean await(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (pending() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }

        String summary(long malformed) {
            long pending = pending();
            return String.format(Locale.ROOT, "sent %d, acked %d, failed %d, malformed %d%s", sent.get(), acked.get(),
                    sendFailed.get() + refused.get(), malformed, pending > 0 ? ", unacknowledged " + pending : "");
        }
    }

    /** A flag value, or the contents of the file it names with a leading '@'. */
    private static String text(String value) throws IOException {
        if (value == null || !value.startsWith("@")) {
            return value;
        }
        return Files.readString(Path.of(value.substring(1)), StandardCharsets.UTF_8);
    }
}
