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

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The witnesses of {@code SHERATAN_AUDIT_WITNESSES} (DESIGN section 9): each new checkpoint is sent
 * to each of them ({@code c2sp.org/tlog-witness} add-checkpoint, with a consistency proof from the
 * size that witness cosigned last) and published with the cosignatures that verify under the
 * witness's key. A witness that answers 409 gets the checkpoint again with a proof from the size it
 * names. A witness that is down, slow or refuses costs its cosignature on that checkpoint, never the
 * checkpoint: it is published without it, {@code sheratan_audit_cosignatures_missing_total} counts it,
 * and the witness is left alone for a while (backing off up to {@link #MAX_BACKOFF}) so that signing,
 * and the appends waiting on it, are held up by at most one {@link #TIMEOUT} per back-off.
 */
final class Witnesses {

    static final Duration TIMEOUT = Duration.ofSeconds(3);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    private static final Logger LOG = LoggerFactory.getLogger(Witnesses.class);

    /** One configured witness: its key, where it takes checkpoints, and what this sink knows of it. */
    static final class Witness {
        final NoteKeys.Verifier key;
        final URI addCheckpoint;
        /** The size this witness cosigned last, as far as the sink knows; -1 unknown (ask with 0). */
        long size = -1;
        Instant retryAt = Instant.MIN;
        Duration backoff = Duration.ofSeconds(5);
        final Counter missing;

        Witness(NoteKeys.Verifier key, URI prefix, MeterRegistry registry) {
            this.key = key;
            String base = prefix.toString();
            this.addCheckpoint = URI.create((base.endsWith("/") ? base : base + "/") + "add-checkpoint");
            this.missing = Counter.builder("sheratan_audit_cosignatures_missing_total").tag("witness", key.name())
                    .description("checkpoints published without this witness's cosignature").register(registry);
        }
    }

    private final List<Witness> witnesses;
    private final HttpClient http;
    private final Clock clock;

    Witnesses(List<Witness> witnesses, Clock clock) {
        this.witnesses = List.copyOf(witnesses);
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    /**
     * Parses {@code <verifier key>@<url>[,...]}: a witness verifier key (type 0x04) and the witness's
     * submission prefix. Fails naming the entry that is wrong.
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
            URI url = URI.create(entry.substring(at + 1));
            if (parsed.stream().anyMatch(w -> w.key.name().equals(key.name()) && w.key.keyId() == key.keyId())) {
                throw new IllegalArgumentException("SHERATAN_AUDIT_WITNESSES: the witness " + key.name() + " is given twice");
            }
            parsed.add(new Witness(key, url, registry));
        }
        return parsed;
    }

    boolean isEmpty() {
        return witnesses.isEmpty();
    }

    /**
     * The note with the cosignature lines of every witness that cosigned it appended.
     *
     * @param proof the consistency proof from an older size to the checkpoint's
     */
    String cosign(String note, Checkpoint checkpoint, LongFunction<List<byte[]>> proof) {
        StringBuilder cosigned = new StringBuilder(note);
        for (Witness witness : witnesses) {
            String line = cosignature(witness, note, checkpoint, proof);
            if (line == null) {
                witness.missing.increment();
            } else {
                cosigned.append(line);
            }
        }
        return cosigned.toString();
    }

    /** One witness's verified cosignature line, or null (logged once per back-off). */
    private String cosignature(Witness witness, String note, Checkpoint checkpoint, LongFunction<List<byte[]>> proof) {
        Instant now = clock.instant();
        if (now.isBefore(witness.retryAt)) {
            return null;
        }
        try {
            for (int attempt = 0; attempt < 2; attempt++) {
                long old = Math.max(0, witness.size);
                if (old > checkpoint.size()) {
                    throw new IOException("it has cosigned size " + old + ", larger than this checkpoint's " + checkpoint.size()
                            + ": it has seen another history of this log");
                }
                HttpResponse<String> response = send(witness, request(old, old == 0 ? List.of() : proof.apply(old), note));
                if (response.statusCode() == 409 && attempt == 0) {
                    witness.size = Long.parseLong(response.body().strip());
                    continue;
                }
                if (response.statusCode() != 200) {
                    throw new IOException("HTTP " + response.statusCode() + ": " + Checkpoint.printable(firstLine(response.body())));
                }
                String line = verified(witness, note, response.body());
                witness.size = checkpoint.size();
                witness.backoff = Duration.ofSeconds(5);
                return line;
            }
            throw new IOException("it kept answering 409");
        } catch (IOException | NoteException | RuntimeException e) {
            LOG.warn("no cosignature from witness {} for size {}: {}; publishing without it, retrying in {} s", witness.key.name(),
                    checkpoint.size(), e.getMessage(), witness.backoff.toSeconds());
            witness.retryAt = now.plus(witness.backoff);
            witness.backoff = witness.backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : witness.backoff.multipliedBy(2);
            witness.size = -1; // ask again next time
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private HttpResponse<String> send(Witness witness, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(witness.addCheckpoint).timeout(TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** The add-checkpoint body: {@code old N}, the proof one base64 hash a line, a blank line, the note. */
    static String request(long old, List<byte[]> proof, String note) {
        StringBuilder body = new StringBuilder("old ").append(old).append('\n');
        for (byte[] hash : proof) {
            body.append(Base64.getEncoder().encodeToString(hash)).append('\n');
        }
        return body.append('\n').append(note).toString();
    }

    /** The response's line by this witness that verifies over the checkpoint; anything else is refused. */
    private static String verified(Witness witness, String note, String response) throws NoteException {
        if (response.length() > 4096) {
            throw new NoteException("the answer is larger than a few cosignatures");
        }
        Note withLines = Note.parse(note + response);
        for (Note.Signature s : withLines.signatures()) {
            if (s.name().equals(witness.key.name()) && s.keyId() == witness.key.keyId()
                    && Cosignature.verify(new Note(withLines.text(), List.of(s)), witness.key) >= 0) {
                return s.line() + "\n";
            }
        }
        throw new NoteException("the answer holds no cosignature by " + witness.key.name() + " that verifies");
    }

    private static String firstLine(String body) {
        String line = body.strip();
        int nl = line.indexOf('\n');
        return (nl < 0 ? line : line.substring(0, nl));
    }
}
