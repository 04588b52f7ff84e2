package io.sheratan.audit;

import io.sheratan.http.HttpService;
import io.sheratan.http.HttpService.Reply;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The audit sink's transparency routes (DESIGN section 7): {@code GET /audit/checkpoint} (the newest
 * signed checkpoint), {@code GET /audit/proof?index=N|event_id=E|job_id=J} (a tlog-proof against
 * it, the entry as its extra data), {@code GET /audit/consistency?old=M[&new=N]} (RFC 9162 hashes,
 * base64 one a line; {@code new} defaults to the checkpoint's size) and, for tools that follow
 * C2SP tlog-tiles logs, the tiles themselves under {@code /audit/tlog/} (checkpoint, {@code tile/...}).
 * Everything is text; nothing here needs a token, because nothing here is secret.
 *
 * <p>{@code job_id=J&sha256=H} finds the entry of the result whose core hash is H (what the verifier
 * asks for its stored result); {@code job_id} alone, the job's newest. At most {@link #MAX_CONCURRENT}
 * requests are served at once; more get 429 with {@code Retry-After}, so proof work can never take
 * the threads {@code /health} and {@code /metrics} need.
 */
final class AuditHttp implements HttpService.Route {

    private static final String TEXT = "text/plain; charset=utf-8";
    private static final Pattern TILE = Pattern.compile("tile/(?:[0-9]{1,2}|entries)/(?:x[0-9]{3}/)*[0-9]{3}(?:\\.p/[0-9]{1,3})?");
    static final int MAX_CONCURRENT = 4;
    private final TransparencyLog tree;
    private final Path tlogDir;
    /**
     * The most bytes of tiles held for replies still being written. A reader that reads slowly but
     * steadily never hits the idle timeout, and an entry bundle can be 16 MiB (256 entries of up to
     * 64 KiB): without this bound a few such readers would pin the heap. Beyond it: 429.
     */
    static final int MAX_TILE_BYTES_IN_FLIGHT = 32 * 1024 * 1024;
    private final java.util.concurrent.Semaphore busy = new java.util.concurrent.Semaphore(MAX_CONCURRENT);
    private final java.util.concurrent.Semaphore tileBytes = new java.util.concurrent.Semaphore(MAX_TILE_BYTES_IN_FLIGHT);

    AuditHttp(TransparencyLog tree, Path tlogDir) {
        this.tree = tree;
        this.tlogDir = tlogDir;
    }

    @Override
    public Reply handle(HttpService.Exchange exchange) {
        if (!"GET".equals(exchange.method())) {
            return Reply.text(405, TEXT, "GET only\n");
        }
        if (!busy.tryAcquire()) {
            return tooBusy();
        }
        String path = exchange.path();
        try {
            return switch (path) {
                case "/audit/checkpoint" -> checkpoint();
                case "/audit/proof" -> proof(exchange);
                case "/audit/consistency" -> consistency(exchange);
                default -> path.startsWith("/audit/tlog/") ? tile(path.substring("/audit/tlog/".length())) : Reply.text(404, TEXT, "not found\n");
            };
        } catch (NumberFormatException e) {
            return Reply.text(400, TEXT, "sizes and indexes are decimal numbers\n");
        } catch (IllegalArgumentException e) {
            return Reply.text(400, TEXT, e.getMessage() + "\n");
        } finally {
            busy.release();
        }
    }

    private Reply checkpoint() {
        TransparencyLog.Signed signed = tree.latest();
        if (signed == null) {
            return Reply.text(404, TEXT, "no checkpoint yet: the log is empty\n");
        }
        return new Reply(200, TEXT, signed.note().getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of("Cache-Control", "no-store"));
    }

    private Reply proof(HttpService.Exchange exchange) {
        String index = exchange.query("index");
        String eventId = exchange.query("event_id");
        String jobId = exchange.query("job_id");
        String sha256 = exchange.query("sha256");
        if ((index == null ? 0 : 1) + (eventId == null ? 0 : 1) + (jobId == null ? 0 : 1) != 1 || (sha256 != null && jobId == null)) {
            return Reply.text(400, TEXT, "give one of index=N, event_id=ID or job_id=ID (with sha256=H for that result's entry, and "
                    + "mode, key_id, node_id, canonical_version, node_attested, source_partition, source_offset, verified_at for the entry "
                    + "that vouches for exactly those)\n");
        }
        boolean exact = sha256 != null && EntryIndex.VOUCHED.stream().skip(2).anyMatch(name -> exchange.query(name) != null);
        long at = index != null ? Long.parseLong(index) : eventId != null ? tree.indexOfEvent(eventId)
                : exact ? tree.indexOfExactResult(exchange::query)
                : sha256 != null ? tree.indexOfResult(jobId, sha256) : tree.indexOfJob(jobId);
        if (at < 0) {
            return Reply.text(404, TEXT, "no such entry in the log (yet)\n");
        }
        String proof = tree.inclusionProof(at);
        if (proof == null) {
            return Reply.text(404, TEXT, "entry " + at + " is not covered by a signed checkpoint yet (they follow within a second)\n");
        }
        return Reply.text(200, TEXT, proof);
    }

    private Reply consistency(HttpService.Exchange exchange) {
        TransparencyLog.Signed signed = tree.latest();
        String old = exchange.query("old");
        if (old == null) {
            return Reply.text(400, TEXT, "give old=M (and optionally new=N, default the latest checkpoint's size)\n");
        }
        String newer = exchange.query("new");
        long newSize = newer != null ? Long.parseLong(newer) : signed == null ? 0 : signed.checkpoint().size();
        return Reply.text(200, TEXT, tree.consistencyProof(Long.parseLong(old), newSize));
    }

    private Reply tile(String relative) {
        if (!relative.equals("checkpoint") && !TILE.matcher(relative).matches()) {
            return Reply.text(404, TEXT, "not found\n");
        }
        Path file = tlogDir.resolve(relative);
        if (relative.equals("checkpoint")) { // a few hundred bytes, and what every reader asks first: outside the budget
            try {
                return new Reply(200, TEXT, Files.readAllBytes(file), Map.of("Cache-Control", "no-store"));
            } catch (NoSuchFileException e) {
                return Reply.text(404, TEXT, "not found\n");
            } catch (IOException e) {
                return Reply.text(500, TEXT, "cannot read " + relative + "\n");
            }
        }
        int held = 0;
        try {
            long size = Files.size(file);
            if (size > MAX_TILE_BYTES_IN_FLIGHT || !tileBytes.tryAcquire((int) size)) {
                return tooBusy();
            }
            held = (int) size;
            byte[] data = Files.readAllBytes(file);
            if (data.length > held) { // rewritten since: hold what is sent
                if (!tileBytes.tryAcquire(data.length - held)) {
                    return tooBusy();
                }
            } else {
                tileBytes.release(held - data.length);
            }
            held = data.length;
            int release = held;
            held = 0; // from here the reply releases it, once written
            return new Reply(200, "application/octet-stream", data, Map.of("Cache-Control", "public, max-age=31536000, immutable"),
                    () -> tileBytes.release(release));
        } catch (NoSuchFileException e) {
            return Reply.text(404, TEXT, "not found\n");
        } catch (IOException e) {
            return Reply.text(500, TEXT, "cannot read " + relative + "\n");
        } finally {
            tileBytes.release(held);
        }
    }

    private static Reply tooBusy() {
        return new Reply(429, TEXT, "busy: retry in a second\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of("Retry-After", "1"));
    }
}
