package io.sheratan.audit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sheratan.tlog.Checkpoint;
import io.sheratan.tlog.Cosignature;
import io.sheratan.tlog.Note;
import io.sheratan.tlog.NoteException;
import io.sheratan.tlog.NoteKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;
import java.util.regex.Pattern;

/**
 * The witnesses of {@code SHERATAN_AUDIT_WITNESSES} (DESIGN section 9): each new checkpoint is sent
 * to all of them at once ({@code c2sp.org/tlog-witness} add-checkpoint, with a consistency proof from
 * the size that witness cosigned last) and published with the cosignatures that verify under each
 * witness's key over this very checkpoint. A witness that answers 409 gets the checkpoint again with a
 * proof from the size it names.
 *
 * <p>A witness costs its cosignature on a checkpoint, never the checkpoint, and never more than
 * {@link #DEADLINE} of the signing thread: all requests, retries and answers included, for all
 * witnesses together; an answer is read up to {@link #MAX_ANSWER_BYTES} and no further. A witness that
 * fails is left alone for a while (5 s, doubling up to {@link #MAX_BACKOFF}).
 * {@code sheratan_audit_cosignatures_missing_total{witness}} counts every checkpoint published
 * without its cosignature; a witness that has seen another history of this log (422, or a 409 naming
 * a size larger than ours) is logged as an error and counted in
 * {@code sheratan_audit_witness_refusals_total{witness}}.
 */
final class Witnesses {

    static final Duration DEADLINE = Duration.ofSeconds(3);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    static final int MAX_ANSWER_BYTES = 4096;
    /** How far ahead of this clock a cosignature's time may be. */
    static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(10);
    private static final Logger LOG = LoggerFactory.getLogger(Witnesses.class);
    private static final Pattern SIZE = Pattern.compile("(0|[1-9][0-9]{0,18})\n?");

    /** One configured witness: its key, where it takes checkpoints, and what this sink knows of it. */
    static final class Witness {
        final NoteKeys.Verifier key;
        final URI addCheckpoint;
        /** The size this witness cosigned last, as far as the sink knows; -1 unknown (ask with 0). */
        long size = -1;
        Instant retryAt = Instant.MIN;
        Duration backoff = Duration.ofSeconds(5);
        final Counter missing;
        final Counter refusals;

        Witness(NoteKeys.Verifier key, URI prefix, MeterRegistry registry) {
            this.key = key;
            String base = prefix.toString();
            this.addCheckpoint = URI.create((base.endsWith("/") ? base : base + "/") + "add-checkpoint");
            this.missing = Counter.builder("sheratan_audit_cosignatures_missing_total").tag("witness", key.name())
                    .description("checkpoints published without this witness's cosignature").register(registry);
            this.refusals = Counter.builder("sheratan_audit_witness_refusals_total").tag("witness", key.name())
                    .description("checkpoints this witness refused as not extending what it saw (422, or a larger size): another history")
                    .register(registry);
        }
    }

    private final List<Witness> witnesses;
    private final HttpClient http;
    private final Clock clock;

    Witnesses(List<Witness> witnesses, Clock clock) {
        this.witnesses = List.copyOf(witnesses);
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(DEADLINE).build();
    }

    /**
     * Parses {@code <verifier key>@<url>[,...]}: a witness verifier key (type 0x04) and the witness's
     * submission prefix. Fails naming the entry that is wrong, or a witness given twice (by name or key).
     */
    static List<Witness> parse(String setting, MeterRegistry registry) {
        List<Witness> parsed = new ArrayList<>();
        if (setting == null || setting.isBlank()) {
            return parsed;
        }
        for (String item : setting.split(",")) {
            String entry = item.strip();
            int at = entry.lastIndexOf("@http");
            if (at <= 0) {
                throw new IllegalArgumentException("SHERATAN_AUDIT_WITNESSES: '" + entry + "' is not <verifier key>@<http(s) url>");
            }
            NoteKeys.Verifier key;
            try {
                key = Cosignature.parseVerifier(entry.substring(0, at));
            } catch (NoteException e) {
                throw new IllegalArgumentException("SHERATAN_AUDIT_WITNESSES: the key of '" + entry + "' is refused: " + e.getMessage());
            }
            URI url;
            try {
                url = URI.create(entry.substring(at + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("SHERATAN_AUDIT_WITNESSES: the url of '" + entry + "' is refused: " + e.getMessage());
            }
            if (parsed.stream().anyMatch(w -> w.key.name().equals(key.name()) || java.util.Arrays.equals(w.key.raw(), key.raw()))) {
                throw new IllegalArgumentException("SHERATAN_AUDIT_WITNESSES: the witness " + key.name() + " is given twice (same name or key)");
            }
            parsed.add(new Witness(key, url, registry));
        }
        return parsed;
    }

    boolean isEmpty() {
        return witnesses.isEmpty();
    }

    /**
     * The note with the cosignature line of every witness that cosigned it appended, in the order the
     * witnesses are configured; returns within {@link #DEADLINE}.
     *
     * @param proof the consistency proof from an older size to the checkpoint's
     */
    String cosign(String note, Checkpoint checkpoint, LongFunction<List<byte[]>> proof) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        Instant now = clock.instant();
        Map<Witness, CompletableFuture<HttpResponse<String>>> asked = new LinkedHashMap<>();
        Map<Witness, String> lines = new LinkedHashMap<>();
        for (Witness witness : witnesses) {
            if (now.isBefore(witness.retryAt)) {
                continue; // backing off: this checkpoint goes without it
            }
            ask(witness, Math.max(0, witness.size), note, checkpoint, proof, asked);
        }
        for (int round = 0; round < 2 && !asked.isEmpty(); round++) {
            Map<Witness, CompletableFuture<HttpResponse<String>>> again = new LinkedHashMap<>();
            for (Map.Entry<Witness, CompletableFuture<HttpResponse<String>>> e : asked.entrySet()) {
                Witness witness = e.getKey();
                try {
                    HttpResponse<String> response = e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (response.statusCode() == 409 && round == 0) {
                        long theirs = size409(response);
                        witness.size = theirs;
                        ask(witness, theirs, note, checkpoint, proof, again);
                        continue;
                    }
                    if (response.statusCode() == 422) {
                        throw new SplitView("it refuses this checkpoint as not extending what it has seen (422: "
                                + Checkpoint.printable(firstLine(response.body())) + ")");
                    }
                    if (response.statusCode() != 200) {
                        throw new IOException("HTTP " + response.statusCode() + ": " + Checkpoint.printable(firstLine(response.body())));
                    }
                    lines.put(witness, verified(witness, checkpoint, response.body(), now));
                    witness.size = checkpoint.size();
                    witness.backoff = Duration.ofSeconds(5);
                } catch (TimeoutException ex) {
                    e.getValue().cancel(true);
                    failed(witness, checkpoint, "no answer within " + DEADLINE.toSeconds() + " s", now);
                } catch (ExecutionException ex) {
                    Throwable cause = ex.getCause() == null ? ex : ex.getCause();
                    if (cause instanceof SplitView split) {
                        splitView(witness, checkpoint, split, now);
                    } else {
                        failed(witness, checkpoint, cause.toString(), now);
                    }
                } catch (SplitView ex) {
                    splitView(witness, checkpoint, ex, now);
                } catch (IOException | NoteException | RuntimeException ex) {
                    failed(witness, checkpoint, ex.getMessage(), now);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    failed(witness, checkpoint, "interrupted", now);
                }
            }
            asked = again;
        }
        StringBuilder cosigned = new StringBuilder(note);
        for (Witness witness : witnesses) {
            String line = lines.get(witness);
            if (line == null) {
                witness.missing.increment();
            } else {
                cosigned.append(line);
            }
        }
        return cosigned.toString();
    }

    /** Sends add-checkpoint from {@code old}, or records why it cannot (a witness ahead of this log: another history). */
    private void ask(Witness witness, long old, String note, Checkpoint checkpoint, LongFunction<List<byte[]>> proof,
                     Map<Witness, CompletableFuture<HttpResponse<String>>> into) {
        if (old > checkpoint.size()) {
            into.put(witness, CompletableFuture.failedFuture(new SplitView("it has cosigned size " + old + ", larger than this checkpoint's "
                    + checkpoint.size() + ": it has seen another history of this log")));
            return;
        }
        HttpRequest request = HttpRequest.newBuilder(witness.addCheckpoint).timeout(DEADLINE)
                .POST(HttpRequest.BodyPublishers.ofString(request(old, old == 0 ? List.of() : proof.apply(old), note), StandardCharsets.UTF_8))
                .build();
        into.put(witness, http.sendAsync(request, info -> new Capped()));
    }

    private void splitView(Witness witness, Checkpoint checkpoint, SplitView why, Instant now) {
        witness.refusals.increment();
        LOG.error("witness {} refuses checkpoint size {}: {}. Either this log was shown to it with another history under the same key, "
                + "or its state is another log's: investigate", witness.key.name(), checkpoint.size(), why.getMessage());
        failed(witness, checkpoint, why.getMessage(), now);
    }

    private void failed(Witness witness, Checkpoint checkpoint, String why, Instant now) {
        LOG.warn("no cosignature from witness {} for size {}: {}; publishing without it, retrying in {} s", witness.key.name(),
                checkpoint.size(), why, witness.backoff.toSeconds());
        witness.retryAt = now.plus(witness.backoff);
        Duration doubled = witness.backoff.multipliedBy(2);
        witness.backoff = doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
        witness.size = -1; // ask again from 0 next time
    }

    /** The size a 409 names: {@code text/x.tlog.size}, decimal digits and a newline, nothing else. */
    private static long size409(HttpResponse<String> response) throws IOException {
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (!type.startsWith("text/x.tlog.size") || !SIZE.matcher(response.body()).matches()) {
            throw new IOException("a 409 that is not a text/x.tlog.size answer");
        }
        return Long.parseLong(response.body().strip());
    }

    /** The add-checkpoint body: {@code old N}, the proof one base64 hash a line, a blank line, the note. */
    static String request(long old, List<byte[]> proof, String note) {
        StringBuilder body = new StringBuilder("old ").append(old).append('\n');
        for (byte[] hash : proof) {
            body.append(Base64.getEncoder().encodeToString(hash)).append('\n');
        }
        return body.append('\n').append(note).toString();
    }

    /**
     * The answer's line by this witness that verifies over the checkpoint's own text, with a time not
     * far ahead of ours. The answer is read on its own: signature lines only, each checked against the
     * checkpoint (never against the answer appended to the note, which could move the text).
     */
    static String verified(Witness witness, Checkpoint checkpoint, String answer, Instant now) throws NoteException {
        if (answer.isEmpty() || !answer.endsWith("\n")) {
            throw new NoteException("the answer is not signature lines ending in a newline");
        }
        String text = checkpoint.text();
        for (String line : answer.substring(0, answer.length() - 1).split("\n", -1)) {
            if (!line.startsWith("\u2014 ")) {
                throw new NoteException("the answer holds a line that is not a signature line");
            }
            Note one = Note.parse(text + "\n" + line + "\n");
            long time = Cosignature.verify(one, witness.key);
            if (time >= 0) {
                if (Instant.ofEpochSecond(time).isAfter(now.plus(MAX_CLOCK_SKEW))) {
                    throw new NoteException("its cosignature is dated " + Instant.ofEpochSecond(time) + ", ahead of this clock");
                }
                return line + "\n";
            }
        }
        throw new NoteException("the answer holds no cosignature by " + witness.key.name() + " that verifies over this checkpoint");
    }

    private static String firstLine(String body) {
        String line = body.strip();
        int nl = line.indexOf('\n');
        return nl < 0 ? line : line.substring(0, nl);
    }

    /** A witness that has seen another history of this log (a 422, or a size larger than ours). */
    private static final class SplitView extends Exception {
        SplitView(String message) {
            super(message, null, false, false);
        }
    }

    /** A body read up to {@link #MAX_ANSWER_BYTES}; more cancels the exchange and fails it. */
    private static final class Capped implements HttpResponse.BodySubscriber<String> {
        private final CompletableFuture<String> body = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        @Override
        public CompletionStage<String> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer item : items) {
                if (bytes.size() + item.remaining() > MAX_ANSWER_BYTES) {
                    subscription.cancel();
                    body.completeExceptionally(new IOException("an answer larger than " + MAX_ANSWER_BYTES + " bytes"));
                    return;
                }
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                bytes.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable t) {
            body.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toString(StandardCharsets.UTF_8));
        }
    }
}
