package io.sheratan.audit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sheratan.tlog.Checkpoint;
import io.sheratan.tlog.Cosignature;
import io.sheratan.tlog.Note;
import io.sheratan.tlog.NoteKeys;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SHERATAN_AUDIT_WITNESSES refused by entry, and a witness that is down costs its cosignature, never the checkpoint. */
class WitnessesTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void refusesASettingNamingTheEntryThatIsWrong() throws Exception {
        NoteKeys.Signer witness = NoteKeys.fromSeed("w.example/w1", new byte[32], Cosignature.ALG);
        NoteKeys.Signer log = NoteKeys.fromSeed("example.com/log", new byte[32]);
        String key = witness.verifier().encoded();
        assertThat(Witnesses.parse(" " + key + "@http://127.0.0.1:1 ", registry)).hasSize(1);
        assertThat(Witnesses.parse("", registry)).isEmpty();
        assertThatThrownBy(() -> Witnesses.parse(key, registry)).hasMessageContaining("is not <verifier key>@<http(s) url>");
        assertThatThrownBy(() -> Witnesses.parse(log.verifier().encoded() + "@http://127.0.0.1:1", registry))
                .hasMessageContaining("it is a log key");
        assertThatThrownBy(() -> Witnesses.parse(key + "@http://a:1," + key + "@http://b:1", registry)).hasMessageContaining("given twice");
    }

    @Test
    void publishesTheCheckpointWithoutTheCosignatureOfAWitnessThatIsDownAndCountsIt() throws Exception {
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        try (ServerSocket socket = new ServerSocket(0)) {
            Thread refuser = new Thread(() -> { // a witness that hangs up on every request
                while (!socket.isClosed()) {
                    try (java.net.Socket s = socket.accept()) {
                        attempts.incrementAndGet();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            refuser.setDaemon(true);
            refuser.start();
            NoteKeys.Signer witness = NoteKeys.fromSeed("w.example/w1", new byte[32], Cosignature.ALG);
            NoteKeys.Signer log = NoteKeys.fromSeed("example.com/log", new byte[32]);
            Witnesses witnesses = new Witnesses(Witnesses.parse(witness.verifier().encoded() + "@http://127.0.0.1:" + socket.getLocalPort(),
                    registry), Clock.systemUTC());
            Checkpoint checkpoint = new Checkpoint(log.name(), 3, new byte[32]);
            String note = Note.sign(checkpoint.text(), log);
            assertThat(witnesses.cosign(note, checkpoint, old -> List.of())).isEqualTo(note);
            int tried = attempts.get();
            assertThat(tried).isPositive();
            assertThat(witnesses.cosign(note, checkpoint, old -> List.of())).isEqualTo(note); // backing off: not even tried
            assertThat(attempts.get()).isEqualTo(tried);
            assertThat(registry.get("sheratan_audit_cosignatures_missing_total").tag("witness", "w.example/w1").counter().count()).isEqualTo(2.0);
        }
    }

    /** A witness on a local HTTP server that answers add-checkpoint as {@code answer} says. */
    private static com.sun.net.httpserver.HttpServer fake(java.util.function.Function<String, Object[]> answer) throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/add-checkpoint", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            Object[] reply = answer.apply(body); // status, content type, body (String), or a Runnable that writes slowly
            exchange.getResponseHeaders().set("Content-Type", (String) reply[1]);
            if (reply[2] instanceof String text) {
                byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                exchange.sendResponseHeaders((Integer) reply[0], bytes.length);
                exchange.getResponseBody().write(bytes);
            } else {
                exchange.sendResponseHeaders((Integer) reply[0], 0); // chunked, endless
                try {
                    for (int i = 0; i < 600; i++) {
                        exchange.getResponseBody().write(((String) reply[3]).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                        exchange.getResponseBody().flush();
                        Thread.sleep(50);
                    }
                } catch (Exception ignored) {
                    // the sink hung up
                }
            }
            exchange.close();
        });
        server.start();
        return server;
    }

    private String run(NoteKeys.Signer witness, com.sun.net.httpserver.HttpServer server, Checkpoint checkpoint, String note) {
        Witnesses witnesses = new Witnesses(Witnesses.parse(witness.verifier().encoded() + "@http://127.0.0.1:" + server.getAddress().getPort(),
                registry), Clock.systemUTC());
        return witnesses.cosign(note, checkpoint, old -> List.of(new byte[32]));
    }

    private double counter(String name) {
        io.micrometer.core.instrument.Counter counter = registry.find(name).tag("witness", "w.example/w1").counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void answers409WithTheProofFromTheWitnessesSizeAndKeepsOnlyAVerifiedLine() throws Exception {
        NoteKeys.Signer witness = NoteKeys.fromSeed("w.example/w1", new byte[32], Cosignature.ALG);
        NoteKeys.Signer log = NoteKeys.fromSeed("example.com/log", new byte[32]);
        Checkpoint checkpoint = new Checkpoint(log.name(), 9, new byte[32]);
        String note = Note.sign(checkpoint.text(), log);
        List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer server = fake(body -> {
            requests.add(body);
            return body.startsWith("old 0\n") ? new Object[]{409, "text/x.tlog.size", "4\n"}
                    : new Object[]{200, "text/plain", Cosignature.sign(witness, checkpoint.text(), java.time.Instant.now().getEpochSecond())};
        });
        try {
            String cosigned = run(witness, server, checkpoint, note);
            assertThat(requests).hasSize(2);
            assertThat(requests.get(1)).startsWith("old 4\n" + java.util.Base64.getEncoder().encodeToString(new byte[32]) + "\n\n");
            assertThat(Cosignature.verify(Note.parse(cosigned), witness.verifier())).isPositive();
            assertThat(counter("sheratan_audit_cosignatures_missing_total")).isZero();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void refusesALineSignedOverAnythingButThisCheckpointAndAnAnswerThatNeverEnds() throws Exception {
        NoteKeys.Signer witness = NoteKeys.fromSeed("w.example/w1", new byte[32], Cosignature.ALG);
        NoteKeys.Signer log = NoteKeys.fromSeed("example.com/log", new byte[32]);
        Checkpoint checkpoint = new Checkpoint(log.name(), 9, new byte[32]);
        String note = Note.sign(checkpoint.text(), log);
        long now = java.time.Instant.now().getEpochSecond();
        // a leading blank line would move the note's split: the line signs the checkpoint plus the log's line
        String moved = "\n" + Cosignature.sign(witness, note, now);
        String future = Cosignature.sign(witness, checkpoint.text(), now + 3600);
        for (Object[] reply : List.<Object[]>of(new Object[]{200, "text/plain", moved}, new Object[]{200, "text/plain", future},
                new Object[]{200, "text/plain", "x".repeat(Witnesses.MAX_ANSWER_BYTES + 1)},
                new Object[]{409, "text/plain", "4\n"}, new Object[]{409, "text/x.tlog.size", " +4 "},
                new Object[]{200, "text/plain", null, "\u2014 slow"})) {
            com.sun.net.httpserver.HttpServer server = fake(body -> reply);
            try {
                long start = System.nanoTime();
                assertThat(run(witness, server, checkpoint, note)).as(String.valueOf(reply[2])).isEqualTo(note);
                // the deadline holds also for an answer that trickles forever (generous bound: a liveness check, not a benchmark)
                assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(Witnesses.DEADLINE.multipliedBy(3));
            } finally {
                server.stop(0);
            }
        }
    }

    @Test
    void countsAWitnessThatHasSeenAnotherHistory() throws Exception {
        NoteKeys.Signer witness = NoteKeys.fromSeed("w.example/w1", new byte[32], Cosignature.ALG);
        NoteKeys.Signer log = NoteKeys.fromSeed("example.com/log", new byte[32]);
        Checkpoint checkpoint = new Checkpoint(log.name(), 9, new byte[32]);
        for (Object[] reply : List.<Object[]>of(new Object[]{409, "text/x.tlog.size", "12\n"},
                new Object[]{422, "text/plain", "does not verify\n"})) {
            com.sun.net.httpserver.HttpServer server = fake(body -> body.startsWith("old 0\n") && (Integer) reply[0] == 422
                    ? new Object[]{409, "text/x.tlog.size", "4\n"} : reply);
            try {
                double before = counter("sheratan_audit_witness_refusals_total");
                assertThat(run(witness, server, checkpoint, Note.sign(checkpoint.text(), log))).doesNotContain("w.example/w1");
                assertThat(counter("sheratan_audit_witness_refusals_total")).isEqualTo(before + 1);
            } finally {
                server.stop(0);
            }
        }
    }
}
