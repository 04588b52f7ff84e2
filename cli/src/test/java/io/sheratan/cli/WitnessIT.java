package io.sheratan.cli;

import io.sheratan.audit.AuditSinkApp;
import io.sheratan.audit.TransparencyLog;
import io.sheratan.integrity.Marks;
import io.sheratan.tlog.Cosignature;
import io.sheratan.tlog.Note;
import io.sheratan.tlog.NoteKeys;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Witnesses end to end (DESIGN section 9): {@code up --witness} publishes every checkpoint with the
 * local witness's cosignature, which the independent Python checker verifies with the witness's
 * verifier key alone; and a second stack fed other events under the same log key and origin (a split
 * view) gets no cosignature from that witness, which keeps cosigning the first history.
 */
class WitnessIT {

    private static final String TOKEN = "witness-it-token";
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void shouldCosignOneHistoryAndRefuseASecondUnderTheSameKey() throws Exception {
        Path logKeyFile = dir.resolve("log-key.pem");
        NoteKeys.Signer logKey = NoteKeys.loadOrGenerate(logKeyFile, AuditSinkApp.ORIGIN_SETTING.defaultValue());
        Map<String, String> env = Map.of("SHERATAN_HUB_TOKEN", TOKEN, AuditSinkApp.LOG_KEY_FILE_SETTING.name(), logKeyFile.toString());
        try (LocalStack first = new LocalStack(env, null, dir.resolve("first"), false, null, true)) {
            NoteKeys.Verifier witness = first.witness.verifier();
            for (int i = 0; i < 3; i++) {
                assertThat(submit(first, "first-" + i)).isEqualTo(200);
            }
            await("the first stack's checkpoint covers its 3 results", () -> signedSize(first) >= 3);
            String note = get("http://127.0.0.1:" + first.auditSink.httpPort() + "/audit/checkpoint");
            assertThat(Cosignature.verify(Note.parse(note), witness)).as(note).isPositive();

            // an independent implementation, with the witness's verifier key alone
            Path checkpoint = Files.writeString(dir.resolve("checkpoint"), note);
            assertThat(python("checkpoint", logKey.verifier().encoded(), List.of(witness.encoded()), checkpoint)).isZero();
            NoteKeys.Verifier stranger = NoteKeys.fromSeed("sheratan.local/witness", new byte[32], Cosignature.ALG).verifier();
            assertThat(python("checkpoint", logKey.verifier().encoded(), List.of(stranger.encoded()), checkpoint)).isEqualTo(1);
            Path proof = Files.writeString(dir.resolve("proof"), get("http://127.0.0.1:" + first.auditSink.httpPort() + "/audit/proof?index=0"));
            assertThat(python("proof", logKey.verifier().encoded(), List.of(witness.encoded()), proof)).isZero();
            // and the CLI's offline check
            assertThat(Main.commandLine().execute("audit", "verify-proof", proof.toString(), "--log-key", logKey.verifier().encoded(),
                    "--witness", witness.encoded())).isZero();
            assertThat(Main.commandLine().execute("audit", "verify-proof", proof.toString(), "--log-key", logKey.verifier().encoded(),
                    "--witness", stranger.encoded())).isEqualTo(1);

            // every checkpoint the first stack published carries the witness's cosignature
            List<String> published = checkpoints(first);
            assertThat(published).isNotEmpty();
            for (String n : published) {
                assertThat(Cosignature.verify(Note.parse(n), witness)).as(n).isPositive();
            }

            // a second history under the same key and origin, sent to the same witness: refused
            Map<String, String> forkEnv = new HashMap<>(env);
            forkEnv.put(AuditSinkApp.WITNESSES_SETTING.name(), first.witness.endpoint("127.0.0.1"));
            try (LocalStack second = new LocalStack(forkEnv, first.clientConfig, dir.resolve("second"), false, "fork", false)) {
                for (int i = 0; i < 6; i++) {
                    assertThat(submit(second, "second-" + i)).isEqualTo(200);
                }
                await("the second stack's checkpoint covers its 6 results", () -> signedSize(second) >= 6);
                String forked = second.auditSink.tree().latest().note();
                assertThat(Note.openCheckpoint(forked, logKey.verifier()).origin()).isEqualTo(logKey.name()); // the same log key signed it
                assertThat(Cosignature.verify(Note.parse(forked), witness)).as(forked).isEqualTo(-1);
                awaitAtLeastOne("the second sink counts its missing cosignatures", () -> metric(second, "sheratan_audit_cosignatures_missing_total"));
            }

            // the witness still follows the first history
            long before = signedSize(first);
            assertThat(submit(first, "first-after")).isEqualTo(200);
            await("the first stack signs again", () -> signedSize(first) > before);
            assertThat(Cosignature.verify(Note.parse(first.auditSink.tree().latest().note()), witness)).isPositive();
            assertThat(metric(first, "sheratan_audit_cosignatures_missing_total")).isZero();
        }
    }

    private int submit(LocalStack stack, String jobId) throws Exception {
        String core = "{\"job_id\":\"" + jobId + "\",\"ok\":true}";
        String body = "{\"job_id\":\"" + jobId + "\",\"ok\":true,\"integrity\":{\"mode\":\"sha256\",\"sha256\":\""
                + Marks.sha256Hex(core.getBytes(StandardCharsets.UTF_8)) + "\"}}";
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.gateway.port() + "/mesh/results/submit"))
                .header("X-Sheratan-Token", TOKEN).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static long signedSize(LocalStack stack) {
        TransparencyLog.Signed signed = stack.auditSink.tree().latest();
        return signed == null ? 0 : signed.checkpoint().size();
    }

    private String get(String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    private double metric(LocalStack stack, String name) throws Exception {
        double total = 0;
        for (String line : get("http://127.0.0.1:" + stack.auditSink.httpPort() + "/metrics").split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    /** Every checkpoint note on the stack's checkpoints topic, in order. */
    private static List<String> checkpoints(LocalStack stack) {
        Map<String, Object> config = new HashMap<>(stack.clientConfig);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(stack.topics.checkpoints()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<String> notes = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    notes.add(r.value());
                }
            }
            return notes;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @FunctionalInterface
    private interface Check {
        double get() throws Exception;
    }

    private static void awaitAtLeastOne(String what, Check value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (value.get() < 1) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** {@code scripts/tlog-verify.py} (Python standard library only): its exit code. */
    private static int python(String what, String logKey, List<String> witnesses, Path file) throws Exception {
        Path script = Path.of(System.getProperty("user.dir")).getParent().resolve("scripts/tlog-verify.py");
        List<String> command = new ArrayList<>(List.of("python3", script.toString(), what, file.toString(), "--key", logKey));
        for (String w : witnesses) {
            command.add("--witness");
            command.add(w);
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        System.out.println("tlog-verify.py " + what + ": " + output.strip());
        return process.exitValue();
    }
}
